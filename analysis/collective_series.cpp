#include "analysis/collective_series.hpp"

#include <algorithm>

#include "engine/core/error.hpp"

namespace mdrun {

CollectiveSeries::CollectiveSeries(int n_items, long expected_samples, int capacity)
    : n_items_(std::max(0, n_items)), capacity_(std::max(2, capacity)) {
    // Smallest power-of-two stride that fits the planned run into capacity points.
    while (expected_samples / stride_ >= capacity_) stride_ *= 2;
}

void CollectiveSeries::add(long sample_index, const Vec3* items) {
    if (!wants(sample_index)) return;
    if (sample_index != points() * stride_)
        throw Error("collective series: sample " + std::to_string(sample_index) + " out of order (expected " +
                    std::to_string(points() * stride_) + ")");
    x_.insert(x_.end(), items, items + n_items_);
    if (points() >= capacity_) {
        // Keep the points at even positions (sample indices 0, 2 stride, 4 stride, ...) and double the stride.
        const long kept = (points() + 1) / 2;
        for (long p = 1; p < kept; ++p)
            std::copy_n(x_.begin() + 2 * p * n_items_, n_items_, x_.begin() + p * n_items_);
        x_.resize(static_cast<std::size_t>(kept) * n_items_);
        stride_ *= 2;
    }
}

void CollectiveSeries::save(BinaryWriter& w) const {
    w.pod(n_items_);
    w.pod(capacity_);
    w.pod(stride_);
    w.vec(x_);
}

void CollectiveSeries::load(BinaryReader& r) {
    int n = 0, cap = 0;
    r.pod(n);
    r.pod(cap);
    if (n != n_items_ || cap != capacity_)
        throw input_error(r.file(), 0, "checkpoint collective series has " + std::to_string(n) + " items / capacity " +
                                           std::to_string(cap) + ", the configuration " + std::to_string(n_items_) +
                                           " / " + std::to_string(capacity_));
    r.pod(stride_);
    r.vec(x_);
    if (stride_ < 1 || x_.size() % static_cast<std::size_t>(std::max(1, n_items_)) != 0)
        throw input_error(r.file(), 0, "checkpoint collective series is corrupt");
}

}  // namespace mdrun
