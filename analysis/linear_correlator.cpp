#include "analysis/linear_correlator.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "analysis/correlation_math.hpp"
#include "engine/core/error.hpp"

namespace mdrun {

LinearCorrelator::LinearCorrelator(std::vector<int> item_group, int n_groups, int max_lag_samples)
    : group_(std::move(item_group)), n_groups_(n_groups), lags_(max_lag_samples + 1) {
    if (max_lag_samples < 1)
        throw Error("linear correlator: the maximum lag must be at least one sample, got " +
                    std::to_string(max_lag_samples));
    for (int g : group_)
        if (g < 0 || g >= n_groups_) throw Error("linear correlator: item group out of range");
    ring_.assign(static_cast<std::size_t>(lags_) * group_.size(), Vec3{0, 0, 0});
    sum_.assign(static_cast<std::size_t>(lags_) * n_groups_, 0.0);
    count_.assign(static_cast<std::size_t>(lags_) * n_groups_, 0);
}

std::size_t LinearCorrelator::memory_bytes() const {
    return ring_.size() * sizeof(Vec3) + sum_.size() * sizeof(double) + count_.size() * sizeof(std::uint64_t);
}

void LinearCorrelator::add(const Vec3* x) {
    const int n_items = static_cast<int>(group_.size());
    const long head = n_ % lags_;  // slot of this sample
    std::copy(x, x + n_items, ring_.begin() + static_cast<std::size_t>(head) * n_items);
    const long max_lag = n_ < lags_ - 1 ? n_ : lags_ - 1;
    const int* grp = group_.data();
    const int ng = n_groups_;
    std::vector<std::uint64_t> per_group(ng, 0);
    for (int i = 0; i < n_items; ++i) ++per_group[grp[i]];
    // Lags are taken four at a time: one pass over the items feeds four independent sums, so the additions
    // of one lag no longer wait for each other (each lag still adds its items in the same order as one lag at a
    // time, so the sums are bitwise those of the plain loop). Parallel over blocks of lags only when the work
    // is large enough to pay for a parallel region; the result does not depend on the number of threads.
    constexpr long kLagBlock = 4;
    const long n_blocks = (max_lag + kLagBlock) / kLagBlock;
#pragma omp parallel for schedule(static) if (static_cast<long>(n_items) * (max_lag + 1) > 400000)
    for (long blk = 0; blk < n_blocks; ++blk) {
        const long lag0 = blk * kLagBlock;
        const long nl = std::min(kLagBlock, max_lag + 1 - lag0);
        const Vec3* old[kLagBlock];
        double* s[kLagBlock];
        for (long q = 0; q < kLagBlock; ++q) {
            const long lag = lag0 + (q < nl ? q : 0);
            const long slot = ((head - lag) % lags_ + lags_) % lags_;
            old[q] = ring_.data() + static_cast<std::size_t>(slot) * n_items;
            s[q] = sum_.data() + static_cast<std::size_t>(lag) * ng;
        }
        if (nl == kLagBlock && ng == 1) {
            double a0 = 0, a1 = 0, a2 = 0, a3 = 0;
            for (int i = 0; i < n_items; ++i) {
                const Vec3 xi = x[i];
                a0 += correlation_pair(old[0][i], xi);
                a1 += correlation_pair(old[1][i], xi);
                a2 += correlation_pair(old[2][i], xi);
                a3 += correlation_pair(old[3][i], xi);
            }
            s[0][0] += a0;
            s[1][0] += a1;
            s[2][0] += a2;
            s[3][0] += a3;
        } else if (nl == kLagBlock) {
            for (int i = 0; i < n_items; ++i) {
                const Vec3 xi = x[i];
                const int g = grp[i];
                s[0][g] += correlation_pair(old[0][i], xi);
                s[1][g] += correlation_pair(old[1][i], xi);
                s[2][g] += correlation_pair(old[2][i], xi);
                s[3][g] += correlation_pair(old[3][i], xi);
            }
        } else {
            for (long q = 0; q < nl; ++q) {
                if (ng == 1) {
                    double acc = 0;
                    for (int i = 0; i < n_items; ++i) acc += correlation_pair(old[q][i], x[i]);
                    s[q][0] += acc;
                } else {
                    for (int i = 0; i < n_items; ++i) s[q][grp[i]] += correlation_pair(old[q][i], x[i]);
                }
            }
        }
        for (long q = 0; q < nl; ++q) {
            std::uint64_t* c = count_.data() + static_cast<std::size_t>(lag0 + q) * ng;
            for (int g = 0; g < ng; ++g) c[g] += per_group[g];
        }
    }
    ++n_;
}

std::vector<double> LinearCorrelator::correlation(int group) const {
    std::vector<double> c(lags_);
    for (int l = 0; l < lags_; ++l) {
        const std::size_t k = static_cast<std::size_t>(l) * n_groups_ + group;
        c[l] = count_[k] ? sum_[k] / static_cast<double>(count_[k]) : std::nan("");
    }
    return c;
}

void LinearCorrelator::save(BinaryWriter& w) const {
    w.section("linear_correlator");
    w.vec(group_);
    w.pod(n_groups_);
    w.pod(lags_);
    w.pod(n_);
    w.vec(ring_);
    w.vec(sum_);
    w.vec(count_);
}

void LinearCorrelator::load(BinaryReader& r, std::size_t expected_items) {
    r.section("linear_correlator");
    std::vector<int> group;
    r.vec(group);
    const int ng = r.pod<int>(), lags = r.pod<int>();
    if (lags != lags_)
        throw input_error(r.file(), 0, "checkpoint correlator setting max_lag_fs differs from the configuration");
    if (group.size() != expected_items)
        throw input_error(r.file(), 0, "checkpoint is corrupt (correlator has " + std::to_string(group.size()) +
                                           " items, the restored run " + std::to_string(expected_items) + ")");
    // the group of each item indexes per-group sums: checked as the constructor checks it
    if (ng < 1) throw input_error(r.file(), 0, "checkpoint is corrupt (correlator group count)");
    for (int g : group)
        if (g < 0 || g >= ng) throw input_error(r.file(), 0, "checkpoint is corrupt (correlator item group out of range)");
    long n = 0;
    r.pod(n);
    std::vector<Vec3> ring;
    std::vector<double> sum;
    std::vector<std::uint64_t> count;
    r.vec(ring);
    r.vec(sum);
    r.vec(count);
    // the sizes the constructor gives them: add() indexes them by lag, item and group without checks
    const std::size_t per_lag_groups = static_cast<std::size_t>(lags) * static_cast<std::size_t>(ng);
    if (n < 0 || ring.size() != static_cast<std::size_t>(lags) * group.size() || sum.size() != per_lag_groups ||
        count.size() != per_lag_groups)
        throw input_error(r.file(), 0, "checkpoint is corrupt (correlator sample count or array sizes)");
    group_ = std::move(group);  // items of the checkpointed run (e.g. its polyanion groups)
    n_groups_ = ng;
    n_ = n;
    ring_ = std::move(ring);
    sum_ = std::move(sum);
    count_ = std::move(count);
}

}  // namespace mdrun
