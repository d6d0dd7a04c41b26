// Long-lived hops by the h functional (analysis.md §6; Keys et al. PRX 2011, Burbano et al. PRL 2016, Smith &
// Siegel 2020): with time-averaged positions rbar_i(t) (mean over a centred window tau_v),
//   h_i(t) = prod_{t' in [t - t_a/2, t - dt/2]} prod_{t'' in [t + dt/2, t + t_a/2]} Theta(|rbar(t'') - rbar(t')| - a),
// i.e. ion i moved >= a across the gap dt around t and never came back within a of any pre-hop position
// over t_a/2 on either side. A hop event is a maximal run of h = 1; it is recorded with its atom, the middle
// of the run and the vector rbar(t_end + t_a/2) - rbar(t_start - t_a/2). Streaming: per atom a ring of the
// last n_v positions (for rbar) and of the last n_a = t_a/dt_s + 1 averaged positions; memory N (n_v + n_a) 24 B.
// Evaluation: the necessary condition |rbar(t + t_a/2) - rbar(t - t_a/2)| >= a first, then the exact minimum.
#pragma once
#include <string>
#include <vector>

#include "engine/core/binary_io.hpp"
#include "engine/core/vec3.hpp"

namespace mdrun {

struct HopEvent {
    int item = 0;                // index into the tracked atoms
    double t_start_ps = 0, t_end_ps = 0, t_mid_ps = 0;
    Vec3 vector{0, 0, 0};        // Å
};

// The h functional for one atom's pre-window and post-window of averaged positions (plain pointers: the same
// function serves a device kernel). Returns 1 when every pre/post pair is at least a apart.
MDRUN_HD_INLINE int h_functional(const Vec3* pre, int n_pre, const Vec3* post, int n_post, double a) {
    const double a2 = a * a;
    for (int i = 0; i < n_pre; ++i)
        for (int j = 0; j < n_post; ++j)
            if (norm2(post[j] - pre[i]) < a2) return 0;
    return 1;
}

class HopDetector {
public:
    HopDetector() = default;
    // Windows in ps are rounded to whole sampling intervals: n_v = max(1, round(tau_v/dt_s)) samples for
    // the average, half = round(t_a/2/dt_s), gap = max(1, round(dt/2/dt_s)).
    HopDetector(int n_items, double sample_dt_ps, double a_A, double window_ps, double ta_ps, double tau_v_ps);

    void add(const Vec3* x);  // one sample of (unwrapped, drift-corrected) positions
    // Closed events plus the runs still open at the last evaluated time (closed there).
    std::vector<HopEvent> events() const;
    const std::vector<HopEvent>& closed_events() const { return events_; }  // runs that have ended, in order
    int half_window_samples() const { return half_; }  // t_a/2 in samples
    int average_samples() const { return n_v_; }       // n_v
    long samples() const { return n_; }
    int n_items() const { return n_items_; }

    void save(BinaryWriter& w) const;
    void load(BinaryReader& r);

private:
    double time_of_rbar(long m) const;  // time of averaged position number m
    void check_loaded(const std::string& file) const;  // load(): every field in range (errors name `file`)
    const Vec3& rbar(long m, int i) const {
        return rbar_[static_cast<std::size_t>(m % n_a_) * n_items_ + i];
    }

    int n_items_ = 0, n_v_ = 1, half_ = 1, gap_ = 1, n_a_ = 3;
    double dts_ = 0, a_ = 1.5;
    long n_ = 0;                      // samples added
    long n_rbar_ = 0;                 // averaged positions produced
    std::vector<Vec3> raw_;           // n_v_ frames ring
    std::vector<Vec3> rbar_;          // n_a_ frames ring
    std::vector<std::uint8_t> in_run_;
    std::vector<long> run_start_;     // rbar index of the first h = 1 centre of the open run
    std::vector<Vec3> run_pre_;       // rbar(start - half)
    std::vector<HopEvent> events_;
    long last_centre_ = -1;           // last evaluated centre index
};

}  // namespace mdrun
