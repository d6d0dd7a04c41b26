#include "engine/run/thread_governor.hpp"

#include <algorithm>
#include <cstdio>

namespace mdrun {

ThreadGovernor::ThreadGovernor(int max_threads, bool enabled, double time_scale)
    : max_(std::max(1, std::min(max_threads, 1024))),
      enabled_(enabled && max_threads > 1),
      first_hold_(kFirstHoldS * time_scale),
      probe_s_(kProbeS * time_scale),
      max_hold_(kMaxHoldS * time_scale),
      current_(max_),
      hold_(first_hold_) {}

double ThreadGovernor::seconds_at(int threads) const {
    return threads >= 1 && threads <= max_ ? spent_[threads] : 0.0;
}

std::string ThreadGovernor::summary() const {
    std::string line;
    for (int k = max_; k >= 1; --k)
        if (spent_[k] > 0) {
            char b[64];
            std::snprintf(b, sizeof b, " %d: %.1f s", k, spent_[k]);
            line += b;
        }
    return line;
}

void ThreadGovernor::start_probe() {
    // Alternate between half and double the current count (within 1..max); at an end only one exists.
    const int down = std::max(1, current_ / 2), up = std::min(max_, current_ * 2);
    const bool can_down = down < current_, can_up = up > current_;
    if (can_down && (probe_down_next_ || !can_up)) {
        probe_ = down;
    } else {
        probe_ = up;
    }
    probe_down_next_ = !probe_down_next_;
    before_ = tail_;
    probed_ = Window{};
    after_ = Window{};
    phase_ = Phase::Probe;
    in_phase_ = 0.0;
}

bool ThreadGovernor::record(long steps, double seconds) {
    if (steps <= 0 || seconds <= 0) return false;
    spent_[threads()] += seconds;
    if (!enabled_) return false;
    in_phase_ += seconds;
    switch (phase_) {
    case Phase::Hold:
        // The last ~kProbeS of the hold, kept as a sliding window of whole chunks.
        if (tail_.seconds >= probe_s_) tail_ = Window{};
        tail_.steps += steps;
        tail_.seconds += seconds;
        if (in_phase_ >= hold_ && tail_.seconds >= 0.5 * probe_s_) start_probe();
        return false;
    case Phase::Probe:
        probed_.steps += steps;
        probed_.seconds += seconds;
        if (probed_.seconds >= probe_s_) {
            phase_ = Phase::Recheck;
            in_phase_ = 0.0;
        }
        return false;
    case Phase::Recheck: {
        after_.steps += steps;
        after_.seconds += seconds;
        if (after_.seconds < probe_s_) return false;
        const double mine = std::max(before_.rate(), after_.rate()), theirs = probed_.rate();
        phase_ = Phase::Hold;
        in_phase_ = 0.0;
        tail_ = Window{};
        if (theirs > mine * (1.0 + kMargin)) {
            char b[200];
            std::snprintf(b, sizeof b,
                          "%d thread%s made %.3g steps/s against %.3g with %d (windows of %.1f s around it)",
                          probe_, probe_ == 1 ? "" : "s", theirs, mine, current_, probe_s_);
            reason_ = b;
            current_ = probe_;
            hold_ = first_hold_;
            return true;
        }
        hold_ = std::min(max_hold_, 2.0 * hold_);
        return false;
    }
    }
    return false;
}

}  // namespace mdrun
