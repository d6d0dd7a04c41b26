#include "analysis/green_kubo.hpp"

#include <cmath>
#include <cstdio>
#include <limits>

namespace mdrun {

GreenKuboResult green_kubo(const std::vector<double>& c, double dt, int items, double t_run) {
    GreenKuboResult g;
    const double nan = std::numeric_limits<double>::quiet_NaN();
    g.D_cm2_s = g.sigma_cm2_s = g.drift_cm2_s = nan;
    const std::size_t M = c.size();
    if (M < 8 || !(dt > 0) || items < 1 || !(t_run > 0)) {
        g.reason = "fewer than 8 VACF lags or no items";
        return g;
    }
    g.lag_ps.resize(M);
    g.D_running_cm2_s.resize(M);
    g.sigma_running_cm2_s.resize(M);
    double integral = 0;
    for (std::size_t n = 0; n < M; ++n) {
        if (n) integral += 0.5 * (c[n] + c[n - 1]) * dt;
        const double t = n * dt, D = integral / 3.0 * 1e-4;
        g.lag_ps[n] = t;
        g.D_running_cm2_s[n] = D;
        g.sigma_running_cm2_s[n] = std::fabs(D) * std::sqrt(4.0 * t / (3.0 * items * t_run));
    }
    const std::size_t h = M / 2, e = M - 1;
    const double Dh = g.D_running_cm2_s[h], De = g.D_running_cm2_s[e];
    double mean = 0;
    for (std::size_t n = h; n <= e; ++n) mean += g.D_running_cm2_s[n];
    mean /= static_cast<double>(e - h + 1);
    g.plateau_from_ps = g.lag_ps[h];
    g.plateau_to_ps = g.lag_ps[e];
    g.drift_cm2_s = De - Dh;
    const double sigma_diff = std::fabs(mean) * std::sqrt(4.0 * (g.lag_ps[e] - g.lag_ps[h]) / (3.0 * items * t_run));
    if (!(mean > 0)) {
        g.reason = "the running integral is not positive over the second half of the VACF window";
        return g;
    }
    if (std::fabs(g.drift_cm2_s) > 2.0 * sigma_diff) {
        char b[256];
        std::snprintf(b, sizeof b,
                      "the running integral still changes by %.1f %% between %.3g and %.3g ps (noise %.1f %%): "
                      "no plateau; lengthen vacf.max_lag_fs or the run",
                      100.0 * g.drift_cm2_s / mean, g.lag_ps[h], g.lag_ps[e], 100.0 * sigma_diff / mean);
        g.reason = b;
        return g;
    }
    g.status = "plateau";
    g.D_cm2_s = mean;
    const double s = g.sigma_running_cm2_s[e];
    g.sigma_cm2_s = std::sqrt(s * s + 0.25 * g.drift_cm2_s * g.drift_cm2_s);
    return g;
}

}  // namespace mdrun
