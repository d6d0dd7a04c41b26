#include "analysis/hop_events.hpp"

#include <cmath>
#include <string>

#include "engine/core/error.hpp"

namespace mdrun {

HopDetector::HopDetector(int n_items, double dts, double a, double window_ps, double ta_ps, double tau_v_ps)
    : n_items_(n_items), dts_(dts), a_(a) {
    if (!(dts > 0) || !(a > 0) || !(window_ps > 0) || !(ta_ps > window_ps) || !(tau_v_ps >= 0))
        throw Error("hops: need a > 0 and t_a > dt > 0 (got a = " + std::to_string(a) + " A, dt = " +
                    std::to_string(window_ps) + " ps, t_a = " + std::to_string(ta_ps) + " ps)");
    n_v_ = std::max(1, static_cast<int>(std::lround(tau_v_ps / dts)));
    half_ = std::max(1, static_cast<int>(std::lround(0.5 * ta_ps / dts)));
    gap_ = std::max(1, static_cast<int>(std::lround(0.5 * window_ps / dts)));
    if (gap_ >= half_) throw Error("hops: t_a must exceed the gap dt by at least two sampling intervals");
    n_a_ = 2 * half_ + 1;
    raw_.assign(static_cast<std::size_t>(n_v_) * n_items_, Vec3{0, 0, 0});
    rbar_.assign(static_cast<std::size_t>(n_a_) * n_items_, Vec3{0, 0, 0});
    in_run_.assign(n_items_, 0);
    run_start_.assign(n_items_, 0);
    run_pre_.assign(n_items_, Vec3{0, 0, 0});
}

double HopDetector::time_of_rbar(long m) const { return (m + 0.5 * (n_v_ - 1)) * dts_; }

void HopDetector::add(const Vec3* x) {
    std::copy(x, x + n_items_, raw_.begin() + static_cast<std::size_t>(n_ % n_v_) * n_items_);
    ++n_;
    if (n_ < n_v_) return;
    // Averaged position number n_rbar_: mean of the last n_v samples, summed in a fixed order (restart-exact).
    const long m = n_rbar_++;
    Vec3* out = rbar_.data() + static_cast<std::size_t>(m % n_a_) * n_items_;
    for (int i = 0; i < n_items_; ++i) {
        Vec3 s{0, 0, 0};
        for (int k = 0; k < n_v_; ++k) s += raw_[static_cast<std::size_t>((n_ - n_v_ + k) % n_v_) * n_items_ + i];
        out[i] = (1.0 / n_v_) * s;
    }
    if (n_rbar_ < n_a_) return;
    const long c = m - half_;  // centre with a full window on both sides
    last_centre_ = c;
    std::vector<Vec3> pre(half_ - gap_ + 1), post(half_ - gap_ + 1);
    for (int i = 0; i < n_items_; ++i) {
        int h = 0;
        if (norm2(rbar(c + half_, i) - rbar(c - half_, i)) >= a_ * a_) {
            for (int k = 0; k <= half_ - gap_; ++k) {
                pre[k] = rbar(c - half_ + k, i);
                post[k] = rbar(c + gap_ + k, i);
            }
            h = h_functional(pre.data(), static_cast<int>(pre.size()), post.data(), static_cast<int>(post.size()), a_);
        }
        if (h && !in_run_[i]) {
            in_run_[i] = 1;
            run_start_[i] = c;
            run_pre_[i] = rbar(c - half_, i);
        } else if (!h && in_run_[i]) {
            in_run_[i] = 0;
            HopEvent e;
            e.item = i;
            e.t_start_ps = time_of_rbar(run_start_[i]);
            e.t_end_ps = time_of_rbar(c - 1);
            e.t_mid_ps = 0.5 * (e.t_start_ps + e.t_end_ps);
            e.vector = rbar(c - 1 + half_, i) - run_pre_[i];
            events_.push_back(e);
        }
    }
}

std::vector<HopEvent> HopDetector::events() const {
    std::vector<HopEvent> out = events_;
    for (int i = 0; i < n_items_; ++i)
        if (in_run_[i]) {
            HopEvent e;
            e.item = i;
            e.t_start_ps = time_of_rbar(run_start_[i]);
            e.t_end_ps = time_of_rbar(last_centre_);
            e.t_mid_ps = 0.5 * (e.t_start_ps + e.t_end_ps);
            e.vector = rbar(last_centre_ + half_, i) - run_pre_[i];
            out.push_back(e);
        }
    return out;
}

void HopDetector::save(BinaryWriter& w) const {
    w.section("hop_detector");
    w.pod(n_items_);
    w.pod(n_v_);
    w.pod(half_);
    w.pod(gap_);
    w.pod(a_);
    w.pod(dts_);
    w.pod(n_);
    w.pod(n_rbar_);
    w.pod(last_centre_);
    w.vec(raw_);
    w.vec(rbar_);
    w.vec(in_run_);
    w.vec(run_start_);
    w.vec(run_pre_);
    w.vec(events_);
}

void HopDetector::load(BinaryReader& r) {
    r.section("hop_detector");
    const int ni = r.pod<int>(), nv = r.pod<int>(), half = r.pod<int>(), gap = r.pod<int>();
    const double a = r.pod<double>(), dts = r.pod<double>();
    if (ni != n_items_ || nv != n_v_ || half != half_ || gap != gap_ || a != a_ || dts != dts_)
        throw input_error(r.file(), 0, "checkpoint hop settings differ from the configuration");
    r.pod(n_);
    r.pod(n_rbar_);
    r.pod(last_centre_);
    r.vec(raw_);
    r.vec(rbar_);
    r.vec(in_run_);
    r.vec(run_start_);
    r.vec(run_pre_);
    r.vec(events_);
}

}  // namespace mdrun
