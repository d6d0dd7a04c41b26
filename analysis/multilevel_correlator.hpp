// Engine E1 of analysis.md §1: the decimated multi-level buffer (RASPA-style "order-n" scheme).
// Level k keeps the last B snapshots taken every m^k samples (decimation, never averaging). When a
// snapshot enters level k it is paired with the stored ones at lags j m^k, j in [1, B-1] for k = 0 and
// j in [ceil(B/m), B-1] for k >= 1 (smaller j are already covered, more densely, by level k-1).
// Each stored lag is therefore an exact average over all origins spaced m^k samples apart.
// Memory: N B L 24 bytes with L = ceil(log_m(n_samples / B)) + 1 full levels, plus the partly filled top
// levels (rings grow as they fill: at most N 24 (B m/(m-1) + log_m n) more) and N 24 for t = 0;
// cost per sample about N B m / (m - 1) pair operations.
// Displacement mode accumulates squared displacements per direction and |dx|^4 (MSD and its variance);
// dot mode accumulates u(t0).u(t0+tau) and P2 of it (reorientation C1, C2).
#pragma once
#include <cstdint>
#include <vector>

#include "analysis/correlation_math.hpp"
#include "engine/core/binary_io.hpp"
#include "engine/core/vec3.hpp"

namespace mdrun {

enum class PairMode : int { displacement = 0, dot = 1 };

struct CorrelatorAccess;  // kernels/device_analysis.hpp: copies the state to/from device buffers

struct LagSums {
    long lag_samples = 0;       // tau in units of the sampling interval
    int level = 0;              // E1 level the lag belongs to (origins spaced ratio^level samples)
    std::vector<double> sums;   // per group: kLagSlots doubles (see correlation_math.hpp)
    std::vector<std::uint64_t> counts;  // per group: number of (item, origin) pairs
};

class MultiLevelCorrelator {
public:
    MultiLevelCorrelator() = default;
    // item_group[i] in [0, n_groups): the group (e.g. species) whose sums item i contributes to.
    MultiLevelCorrelator(PairMode mode, std::vector<int> item_group, int n_groups, int block, int ratio);

    void add(const Vec3* x);  // one sample: x[0 .. n_items-1]
    long samples() const { return n_; }
    int n_items() const { return static_cast<int>(group_.size()); }
    int n_groups() const { return n_groups_; }
    int levels() const { return static_cast<int>(ring_.size()); }
    int block() const { return block_; }
    int ratio() const { return ratio_; }
    std::size_t memory_bytes() const;

    // Every stored lag that has at least one pair, in increasing order of lag.
    std::vector<LagSums> results() const;

    void save(BinaryWriter& w) const;
    void load(BinaryReader& r);

private:
    friend struct CorrelatorAccess;
    int min_j(int level) const { return level == 0 ? 1 : (block_ + ratio_ - 1) / ratio_; }
    void insert(int level, const Vec3* x);

    PairMode mode_ = PairMode::displacement;
    std::vector<int> group_;
    int n_groups_ = 0, block_ = 16, ratio_ = 2;
    long n_ = 0;                              // samples added so far
    std::vector<Vec3> first_;                 // the t = 0 snapshot (seeds each new level)
    std::vector<std::vector<Vec3>> ring_;     // per level: block_ slots of n_items
    std::vector<int> head_;                   // per level: slot the next snapshot goes to
    std::vector<int> filled_;                 // per level: snapshots stored (<= block_)
    std::vector<std::vector<double>> acc_;    // per level: [j][group][slot]
    std::vector<std::vector<std::uint64_t>> count_;  // per level: [j][group]
};

}  // namespace mdrun
