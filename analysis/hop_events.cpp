#include "analysis/hop_events.hpp"

#include <algorithm>
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
    check_loaded(r.file());
}

// A checkpoint whose CRCs are right but whose hop state is not (edited by hand, or by a bug) must not index
// outside the rings or report impossible events: every field is checked against the settings and the counters
// it follows from (add() keeps n_rbar_ = max(0, n_ - n_v_ + 1) and last_centre_ = n_rbar_ - 1 - half_ once the
// window is full).
void HopDetector::check_loaded(const std::string& file) const {
    const auto bad = [&](const std::string& what) {
        return input_error(file, 0, "checkpoint hop state: " + what + "; the checkpoint is damaged");
    };
    const auto count = [](std::size_t n) { return std::to_string(n); };
    const std::size_t items = static_cast<std::size_t>(n_items_);
    if (n_ < 0 || n_ > (1L << 50)) throw bad("sample count " + std::to_string(n_) + " out of range");
    const long rbar_want = std::max(0L, n_ - n_v_ + 1);
    if (n_rbar_ != rbar_want)
        throw bad("averaged-position count " + std::to_string(n_rbar_) + ", expected " + std::to_string(rbar_want) +
                  " for " + std::to_string(n_) + " samples");
    const long centre_want = n_rbar_ >= n_a_ ? n_rbar_ - 1 - half_ : -1;
    if (last_centre_ != centre_want)
        throw bad("last evaluated centre " + std::to_string(last_centre_) + ", expected " + std::to_string(centre_want));
    if (raw_.size() != static_cast<std::size_t>(n_v_) * items)
        throw bad("position ring of " + count(raw_.size()) + " entries, expected " + count(static_cast<std::size_t>(n_v_) * items));
    if (rbar_.size() != static_cast<std::size_t>(n_a_) * items)
        throw bad("averaged-position ring of " + count(rbar_.size()) + " entries, expected " + count(static_cast<std::size_t>(n_a_) * items));
    if (in_run_.size() != items || run_start_.size() != items || run_pre_.size() != items)
        throw bad("per-atom run state of " + count(in_run_.size()) + "/" + count(run_start_.size()) + "/" +
                  count(run_pre_.size()) + " entries, expected " + count(items));
    const auto finite = [](const Vec3& v) { return std::isfinite(v.x) && std::isfinite(v.y) && std::isfinite(v.z); };
    for (std::size_t k = 0; k < raw_.size(); ++k)
        if (!finite(raw_[k])) throw bad("position ring entry " + count(k) + " is not finite");
    for (std::size_t k = 0; k < rbar_.size(); ++k)
        if (!finite(rbar_[k])) throw bad("averaged-position ring entry " + count(k) + " is not finite");
    for (std::size_t i = 0; i < items; ++i) {
        if (in_run_[i] > 1) throw bad("run flag of atom " + count(i) + " is " + std::to_string(in_run_[i]) + ", not 0 or 1");
        if (in_run_[i] && last_centre_ < 0) throw bad("atom " + count(i) + " in a run before any centre was evaluated");
        if (run_start_[i] < 0 || run_start_[i] > std::max(0L, last_centre_))
            throw bad("run start " + std::to_string(run_start_[i]) + " of atom " + count(i) + " out of range [0, " +
                      std::to_string(std::max(0L, last_centre_)) + "]");
        if (!finite(run_pre_[i])) throw bad("pre-hop position of atom " + count(i) + " is not finite");
    }
    for (std::size_t k = 0; k < events_.size(); ++k) {
        const HopEvent& e = events_[k];
        if (e.item < 0 || e.item >= n_items_)
            throw bad("event " + count(k) + ": atom " + std::to_string(e.item) + " out of range [0, " + count(items) + ")");
        if (!std::isfinite(e.t_start_ps) || !std::isfinite(e.t_end_ps) || !std::isfinite(e.t_mid_ps) ||
            !(e.t_start_ps <= e.t_end_ps) || !finite(e.vector))
            throw bad("event " + count(k) + ": times or vector not finite or out of order");
    }
}

}  // namespace mdrun
