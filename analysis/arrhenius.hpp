// Arrhenius fit and extrapolation to 300 K (analysis.md §4): ln D = ln D0 - Ea/(k_B T), weighted least squares
// of y = ln D on x = 1/T with absolute sigma_y (the per-temperature D errors are known, not estimated from the
// scatter), so intervals use the normal quantile; chi^2 with n - 2 degrees of freedom and its p-value say
// whether the scatter is consistent with those errors, and an alternative interval rescaled by
// sqrt(chi^2/dof) with a Student-t quantile is given for when it is not. Input: one point per temperature
// (the caller filters; n >= 3 required, fewer than 4 temperatures or a D that does not rise with T give warnings).
#pragma once
#include <string>
#include <vector>

#include "engine/core/units.hpp"

namespace mdrun {

struct ArrheniusPoint {
    double T_K = 0, D_cm2_s = 0, sigma_D_cm2_s = 0;  // sigma_D / D is the standard error of ln D
};

struct ArrheniusResult {
    std::string status = "insufficient";  // "ok" | "insufficient" (n < 3, or a D <= 0 / sigma <= 0)
    int n = 0;
    double Ea_eV = 0, sigma_Ea_eV = 0;
    double lnD0 = 0;                       // intercept b (ln cm^2/s)
    double cov_mm = 0, cov_bb = 0, cov_mb = 0;  // covariance of slope m and intercept b (absolute sigma)
    double chi2 = 0, p_value = 0;          // weighted SSR and P(chi^2_{n-2} >= chi2)
    int dof = 0;
    double T0_K = 300;
    double D_T0_cm2_s = 0;                 // exp(m/T0 + b)
    double sigma_lnD_T0 = 0;               // sqrt(x0^2 V_mm + V_bb + 2 x0 V_mb)
    double z_quantile = 0;                 // normal quantile of the 95 % interval (absolute errors)
    double D_T0_lo95 = 0, D_T0_hi95 = 0;   // exp(y0 -+ z sigma)
    double D_T0_lo1s = 0, D_T0_hi1s = 0;   // exp(y0 -+ sigma)
    // Alternative when chi^2/dof > 1: errors rescaled by sqrt(chi^2/dof), Student t_{n-2, 0.975}.
    double t_quantile = 0, scale = 1, D_T0_lo95_scaled = 0, D_T0_hi95_scaled = 0, sigma_Ea_scaled_eV = 0;
    std::vector<std::string> warnings;     // fewer than 4 temperatures; D not increasing with T; poor fit
};

ArrheniusResult fit_arrhenius(const std::vector<ArrheniusPoint>& points, double T0_K = 300.0, double kB = kBoltz);

// Unweighted variant (pymatgen fit_arrhenius(mode="linear")): Ea and
// sigma_Ea = sqrt(SSR/(n-2) / (n var(1/T))) k_B.
void fit_arrhenius_unweighted(const std::vector<ArrheniusPoint>& points, double& Ea_eV, double& sigma_Ea_eV,
                              double kB = kBoltz);

// Two-sided 95% Student t quantile t_{dof, 0.975}.
double student_t975(int dof);

}  // namespace mdrun
