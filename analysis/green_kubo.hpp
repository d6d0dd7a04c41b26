// Green-Kubo diffusion coefficient from a velocity autocorrelation (analysis.md §7 cross-check):
// D(t) = (1/3) int_0^t C_v(s) ds (trapezoid), written as a running integral, and a plateau test over the second
// half of the VACF window. Noise model (Bartlett's formula for Gaussian processes, lags beyond the correlation
// time): the integral of C_v between t1 and t2 estimated from N items over a run T has variance
// (4/3) D^2 (t2 - t1) / (N T), so sigma_D(t) = |D(t)| sqrt(4 t / (3 N T)). A plateau is declared when D changes
// by no more than twice that noise between t_max/2 and t_max; D_GK is then the mean of D(t) over that half and
// its error sigma_D(t_max) combined with half the change (the residual drift). Otherwise status "insufficient".
#pragma once
#include <string>
#include <vector>

namespace mdrun {

struct GreenKuboResult {
    std::string status = "insufficient";  // "plateau" | "insufficient"
    std::string reason;
    std::vector<double> lag_ps, D_running_cm2_s, sigma_running_cm2_s;
    double D_cm2_s = 0, sigma_cm2_s = 0;  // NaN unless status plateau
    double plateau_from_ps = 0, plateau_to_ps = 0;
    double drift_cm2_s = 0;               // D(t_max) - D(t_max/2)
};

// c: VACF (Å^2/ps^2) at lags n dt_ps, n = 0 .. M-1; items: atoms averaged; t_run_ps: length of the run.
GreenKuboResult green_kubo(const std::vector<double>& c, double dt_ps, int items, double t_run_ps);

}  // namespace mdrun
