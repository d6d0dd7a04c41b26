// Results of the hop-rotation correlation (analysis/hop_rotation.hpp): the samples of both groups with ids,
// their means and medians in degrees, the one-sided Mann-Whitney test, and the fate of every detected hop.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "analysis/analysis_state.hpp"
#include "analysis/mann_whitney.hpp"
#include "analysis/results.hpp"

namespace mdrun {

namespace {
constexpr double kDeg = 180.0 / 3.14159265358979323846;

double mean_of(const std::vector<double>& v) {
    if (v.empty()) return std::numeric_limits<double>::quiet_NaN();
    double s = 0;
    for (double x : v) s += x;
    return s / static_cast<double>(v.size());
}
double median_of(std::vector<double> v) {
    if (v.empty()) return std::numeric_limits<double>::quiet_NaN();
    std::sort(v.begin(), v.end());
    const std::size_t m = v.size() / 2;
    return v.size() % 2 ? v[m] : 0.5 * (v[m - 1] + v[m]);
}
}  // namespace

void hop_rotation_results(const AnalysisSet::Impl& I, HopRotationResult& R) {
    const HopRotationTracker& T = I.hoprot;
    const double dts = I.sample_dt_ps();
    R.enabled = true;
    R.half_window_ps = T.half_window_samples() * dts;
    for (std::size_t k = 0; k < I.hoprot_r_shell_kind.size(); ++k)
        R.r_shell_A.emplace_back(I.groups.centre_species[k], I.hoprot_r_shell_kind[k]);
    R.baseline_per_hop = I.cfg.hoprot_baseline_per_hop;
    R.seed = I.cfg.hoprot_seed;
    const HopRotationCounts& c = T.counts();
    const std::vector<HopEvent>& closed = I.hops.closed_events();
    R.hops_detected = static_cast<long>(I.hops.events().size());
    R.hops_open_at_end = R.hops_detected - static_cast<long>(closed.size());
    R.hops_used = c.hops_used;
    R.hops_no_neighbour = c.no_neighbour;
    R.hops_window_before_start = c.window_before_start;
    R.hops_window_lost = c.window_lost;
    R.hops_window_past_end = T.pending();  // closed, but t_hop + Delta lies beyond the last sample
    std::vector<double> xh, xb;
    const auto record = [&](const HopRotationSample& s, bool hop) {
        HopRotationRecord r;
        r.hop = hop;
        r.ion_id = hop ? I.id[I.hop_atoms[closed[s.hop].item]] : 0;
        r.centre_id = I.id[I.groups.centre[s.group]];
        r.centre = I.groups.centre_species[I.groups.kind[s.group]];
        r.t_centre_ps = s.centre_sample * dts;
        r.dtheta_rad = s.dtheta;
        R.samples.push_back(r);
        (hop ? xh : xb).push_back(s.dtheta);
    };
    for (const auto& s : T.hop_samples()) record(s, true);
    for (const auto& s : T.baseline_samples()) record(s, false);
    const MannWhitneyResult mw = mann_whitney_greater(xh, xb);
    R.n_hop = mw.n_x;
    R.n_baseline = mw.n_y;
    R.mean_hop_deg = mean_of(xh) * kDeg;
    R.mean_baseline_deg = mean_of(xb) * kDeg;
    R.median_hop_deg = median_of(xh) * kDeg;
    R.median_baseline_deg = median_of(xb) * kDeg;
    R.u = mw.u;
    R.z = mw.z;
    R.p_value = mw.p_greater;
    R.cles = mw.cles;
    R.p_method = mw.method;
    if (R.n_hop == 0) {
        char b[400];
        if (R.hops_detected == 0) {
            std::snprintf(b, sizeof b, "no hop event was detected");
        } else {
            std::snprintf(b, sizeof b,
                          "no hop with a usable window: %ld detected; %ld without a centre within r_shell at t_hop, "
                          "%ld with t_hop - Delta before the first sample, %ld with t_hop + Delta after the last, "
                          "%ld longer than max_hop_duration_ps (window left the ring), %ld still open at the end",
                          R.hops_detected, R.hops_no_neighbour, R.hops_window_before_start, R.hops_window_past_end,
                          R.hops_window_lost, R.hops_open_at_end);
        }
        R.reason = b;
    } else if (std::isnan(R.p_value)) {
        R.reason = "the Mann-Whitney statistic has zero variance (every angle equal)";
    }
}

}  // namespace mdrun
