#include "analysis/multilevel_correlator.hpp"

#include <algorithm>
#include <string>

#include "engine/core/error.hpp"

namespace mdrun {

MultiLevelCorrelator::MultiLevelCorrelator(PairMode mode, std::vector<int> item_group, int n_groups, int block,
                                           int ratio)
    : mode_(mode), group_(std::move(item_group)), n_groups_(n_groups), block_(block), ratio_(ratio) {
    if (block_ < 2) throw Error("multi-level correlator: block B must be >= 2, got " + std::to_string(block_));
    if (ratio_ < 2 || ratio_ > block_)
        throw Error("multi-level correlator: ratio m must be in [2, B], got " + std::to_string(ratio_));
    for (int g : group_)
        if (g < 0 || g >= n_groups_) throw Error("multi-level correlator: item group out of range");
}

std::size_t MultiLevelCorrelator::memory_bytes() const {
    std::size_t b = first_.size() * sizeof(Vec3);
    for (const auto& r : ring_) b += r.size() * sizeof(Vec3);
    for (const auto& a : acc_) b += a.size() * sizeof(double);
    for (const auto& c : count_) b += c.size() * sizeof(std::uint64_t);
    return b;
}

void MultiLevelCorrelator::insert(int level, const Vec3* x) {
    const int n_items = static_cast<int>(group_.size());
    const int B = block_;
    std::vector<Vec3>& ring = ring_[level];
    double* acc = acc_[level].data();
    std::uint64_t* cnt = count_[level].data();
    const int jmax = filled_[level] < B - 1 ? filled_[level] : B - 1;
    const int j0 = min_j(level);
    const PairMode mode = mode_;
    const int* grp = group_.data();
    const int ng = n_groups_;
    // Parallel over lags: each lag owns its accumulators and sums items in a fixed order, so the result
    // does not depend on the number of threads.
    std::vector<std::uint64_t> per_group(ng, 0);
    for (int i = 0; i < n_items; ++i) ++per_group[grp[i]];
    // Lags are taken four at a time: one pass over the items feeds four lags' independent accumulators, so
    // their additions do not wait for each other; each accumulator still adds its items in the order of the
    // plain one-lag loop, so the sums are bitwise the same.
    constexpr int kLagBlock = 4;
    const int n_blocks = jmax >= j0 ? (jmax - j0 + kLagBlock) / kLagBlock : 0;
#pragma omp parallel for schedule(static) if (static_cast<long>(n_items) * (jmax - j0 + 1) > 400000)
    for (int blk = 0; blk < n_blocks; ++blk) {
        const int jb = j0 + blk * kLagBlock;
        const int nl = std::min(kLagBlock, jmax + 1 - jb);
        const Vec3* old[kLagBlock];
        double* a[kLagBlock];
        for (int q = 0; q < kLagBlock; ++q) {
            const int j = jb + (q < nl ? q : 0);
            const int slot = ((head_[level] - j) % B + B) % B;
            old[q] = ring.data() + static_cast<std::size_t>(slot) * n_items;
            a[q] = acc + static_cast<std::size_t>(j) * ng * kLagSlots;
        }
        if (nl == kLagBlock && mode == PairMode::displacement) {
            for (int i = 0; i < n_items; ++i) {
                const int o = grp[i] * kLagSlots;
                const Vec3 xi = x[i];
                accumulate_displacement_pair(old[0][i], xi, a[0] + o);
                accumulate_displacement_pair(old[1][i], xi, a[1] + o);
                accumulate_displacement_pair(old[2][i], xi, a[2] + o);
                accumulate_displacement_pair(old[3][i], xi, a[3] + o);
            }
        } else if (nl == kLagBlock) {
            for (int i = 0; i < n_items; ++i) {
                const int o = grp[i] * kLagSlots;
                const Vec3 xi = x[i];
                accumulate_dot_pair(old[0][i], xi, a[0] + o);
                accumulate_dot_pair(old[1][i], xi, a[1] + o);
                accumulate_dot_pair(old[2][i], xi, a[2] + o);
                accumulate_dot_pair(old[3][i], xi, a[3] + o);
            }
        } else {
            for (int q = 0; q < nl; ++q) {
                if (mode == PairMode::displacement) {
                    for (int i = 0; i < n_items; ++i) accumulate_displacement_pair(old[q][i], x[i], a[q] + grp[i] * kLagSlots);
                } else {
                    for (int i = 0; i < n_items; ++i) accumulate_dot_pair(old[q][i], x[i], a[q] + grp[i] * kLagSlots);
                }
            }
        }
        for (int q = 0; q < nl; ++q) {
            std::uint64_t* c = cnt + static_cast<std::size_t>(jb + q) * ng;
            for (int g = 0; g < ng; ++g) c[g] += per_group[g];
        }
    }
    // Rings grow to B snapshots only as they fill, so the few sparse top levels cost little memory.
    const std::size_t at = static_cast<std::size_t>(head_[level]) * n_items;
    if (ring.size() < at + n_items) ring.resize(at + n_items);
    std::copy(x, x + n_items, ring.begin() + at);
    head_[level] = (head_[level] + 1) % B;
    if (filled_[level] < B) ++filled_[level];
}

void MultiLevelCorrelator::add(const Vec3* x) {
    const int n_items = static_cast<int>(group_.size());
    const auto new_level = [&]() {
        ring_.emplace_back();
        head_.push_back(0);
        filled_.push_back(0);
        acc_.emplace_back(static_cast<std::size_t>(block_) * n_groups_ * kLagSlots, 0.0);
        count_.emplace_back(static_cast<std::size_t>(block_) * n_groups_, 0);
    };
    if (n_ == 0) {
        first_.assign(x, x + n_items);
        new_level();
        insert(0, x);
        n_ = 1;
        return;
    }
    const long n = n_;
    long stride = 1;
    for (int k = 0;; ++k) {
        if (n % stride != 0) break;
        if (k == levels()) {
            // Level k starts at n == m^k: its first snapshot is the t = 0 one.
            new_level();
            insert(k, first_.data());
        }
        insert(k, x);
        if (stride > n / ratio_) break;
        stride *= ratio_;
    }
    n_ = n + 1;
}

std::vector<LagSums> MultiLevelCorrelator::results() const {
    std::vector<LagSums> out;
    long stride = 1;
    for (int k = 0; k < levels(); ++k) {
        for (int j = min_j(k); j < block_; ++j) {
            LagSums l;
            l.lag_samples = j * stride;
            l.level = k;
            const double* a = acc_[k].data() + static_cast<std::size_t>(j) * n_groups_ * kLagSlots;
            const std::uint64_t* c = count_[k].data() + static_cast<std::size_t>(j) * n_groups_;
            l.sums.assign(a, a + n_groups_ * kLagSlots);
            l.counts.assign(c, c + n_groups_);
            bool any = false;
            for (auto v : l.counts) any = any || v > 0;
            if (any) out.push_back(std::move(l));
        }
        stride *= ratio_;
    }
    return out;
}

void MultiLevelCorrelator::save(BinaryWriter& w) const {
    w.section("multilevel_correlator");
    w.pod(static_cast<int>(mode_));
    w.vec(group_);
    w.pod(n_groups_);
    w.pod(block_);
    w.pod(ratio_);
    w.pod(n_);
    w.vec(first_);
    w.pod(static_cast<int>(ring_.size()));
    for (int k = 0; k < levels(); ++k) {
        w.vec(ring_[k]);
        w.pod(head_[k]);
        w.pod(filled_[k]);
        w.vec(acc_[k]);
        w.vec(count_[k]);
    }
}

void MultiLevelCorrelator::load(BinaryReader& r) {
    r.section("multilevel_correlator");
    const int mode = r.pod<int>();
    std::vector<int> group;
    r.vec(group);
    const int ng = r.pod<int>(), B = r.pod<int>(), m = r.pod<int>();
    if (mode != static_cast<int>(mode_) || B != block_ || m != ratio_)
        throw input_error(r.file(), 0,
                          "checkpoint analysis settings (msd.block / msd.ratio) differ from the configuration");
    // Items and groups are those of the checkpointed run (e.g. polyanion groups fixed at its step 0); a group
    // indexes per-group sums, so it is range-checked first.
    for (int g : group)
        if (g < 0 || g >= ng) throw input_error(r.file(), 0, "checkpoint is corrupt (correlator item group out of range)");
    group_ = group;
    n_groups_ = ng;
    r.pod(n_);
    r.vec(first_);
    const int L = r.pod<int>();
    if (L < 0 || L > 64) throw input_error(r.file(), 0, "checkpoint is corrupt (multi-level levels)");
    // add() seeds every new level from the t = 0 snapshot: it holds one entry per item once a sample was taken
    if (n_ < 0 || (n_ == 0 ? (L != 0 || !first_.empty()) : first_.size() != group_.size()))
        throw input_error(r.file(), 0, "checkpoint is corrupt (multi-level correlator sample count or t = 0 snapshot)");
    ring_.assign(L, {});
    head_.assign(L, 0);
    filled_.assign(L, 0);
    acc_.assign(L, {});
    count_.assign(L, {});
    for (int k = 0; k < L; ++k) {
        r.vec(ring_[k]);
        r.pod(head_[k]);
        r.pod(filled_[k]);
        r.vec(acc_[k]);
        r.vec(count_[k]);
        // the sizes new_level() gives a level: anything else would be indexed out of bounds by add()
        if (acc_[k].size() != static_cast<std::size_t>(block_) * n_groups_ * kLagSlots ||
            count_[k].size() != static_cast<std::size_t>(block_) * n_groups_ || head_[k] < 0 || head_[k] >= block_ ||
            filled_[k] < 0 || filled_[k] > block_ || ring_[k].size() != static_cast<std::size_t>(filled_[k]) * group_.size() ||
            (filled_[k] < block_ && head_[k] != filled_[k]))
            throw input_error(r.file(), 0, "checkpoint is corrupt (multi-level correlator level " + std::to_string(k) + ")");
    }
}

}  // namespace mdrun
