// Engine E2 of analysis.md §1: a linear-lag time correlator (GPUMD compute_dos/sdc style). A ring of the
// last M frames; every sample is an origin, and sum_i x_i(t0) . x_i(t0 + n) is accumulated for every lag
// n = 0 .. M-1 per group. Used for velocity-type quantities (Na VACF, polyanion angular-velocity ACF),
// where uniform lags are needed for the spectrum. Memory N M 24 bytes.
#pragma once
#include <cstdint>
#include <vector>

#include "engine/core/binary_io.hpp"
#include "engine/core/vec3.hpp"

namespace mdrun {

struct CorrelatorAccess;  // kernels/device_analysis.hpp: copies the state to/from device buffers

class LinearCorrelator {
public:
    LinearCorrelator() = default;
    LinearCorrelator(std::vector<int> item_group, int n_groups, int max_lag_samples);

    void add(const Vec3* x);
    long samples() const { return n_; }
    int n_lags() const { return lags_; }  // M: lags 0 .. M-1
    int n_groups() const { return n_groups_; }
    int n_items() const { return static_cast<int>(group_.size()); }
    // <x(0).x(n)> per group: mean over items and origins (NaN where no pair yet).
    std::vector<double> correlation(int group) const;
    std::uint64_t count(int lag, int group) const { return count_[static_cast<std::size_t>(lag) * n_groups_ + group]; }
    std::size_t memory_bytes() const;

    void save(BinaryWriter& w) const;
    // Restores a saved state for a run whose add() passes expected_items items; a damaged or mismatched
    // state throws and leaves this correlator as it was.
    void load(BinaryReader& r, std::size_t expected_items);

private:
    friend struct CorrelatorAccess;
    std::vector<int> group_;
    int n_groups_ = 0, lags_ = 1;
    long n_ = 0;
    std::vector<Vec3> ring_;         // lags_ frames of n_items
    std::vector<double> sum_;        // [lag][group]
    std::vector<std::uint64_t> count_;
};

}  // namespace mdrun
