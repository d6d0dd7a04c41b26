// A coarse, bounded time series of a few vectors per sample (the collective coordinates X_s(t) = sum of the
// drift-corrected positions of species s), kept for the block estimate of D_sigma and the Haven ratio
// (haven_blocks.hpp). Points are stored every `stride` samples; when `capacity` points are stored, every
// other one is dropped and the stride doubles, so the memory stays bounded for any run length and the kept
// points (sample indices k * stride) depend only on how many samples were taken: a restart that reloads
// this state continues bit-identically. Exact: the values are copied, never averaged.
#pragma once
#include <cstdint>
#include <vector>

#include "engine/core/binary_io.hpp"
#include "engine/core/vec3.hpp"

namespace mdrun {

class CollectiveSeries {
public:
    CollectiveSeries() = default;
    // n_items vectors per point. expected_samples (from the run length) sets the initial stride, a power of
    // two, so that the series never needs more than `capacity` points for the planned run (the GPU path
    // copies a point back only every `stride` samples).
    CollectiveSeries(int n_items, long expected_samples, int capacity = 4096);

    // True when the sample with this 0-based index is stored (call add() for it).
    bool wants(long sample_index) const { return n_items_ > 0 && sample_index % stride_ == 0; }
    void add(long sample_index, const Vec3* items);

    int n_items() const { return n_items_; }
    long stride() const { return stride_; }     // samples between stored points
    long points() const { return n_items_ > 0 ? static_cast<long>(x_.size()) / n_items_ : 0; }
    const Vec3& at(long point, int item) const { return x_[static_cast<std::size_t>(point) * n_items_ + item]; }

    void save(BinaryWriter& w) const;
    void load(BinaryReader& r);

private:
    int n_items_ = 0;
    int capacity_ = 4096;
    long stride_ = 1;
    std::vector<Vec3> x_;  // point-major: x_[p * n_items + item]
};

}  // namespace mdrun
