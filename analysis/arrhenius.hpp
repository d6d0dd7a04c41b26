// Arrhenius fit and extrapolation to 300 K (analysis.md §4): ln D = ln D0 - Ea/(k_B T), weighted least squares
// of y = ln D on x = 1/T with absolute sigma_y = sigma_D / D, and the prediction interval at T0 including the
// slope-intercept covariance. Input: one point per temperature (e.g. the replicas of a run that diffuse and
// whose framework did not melt; the caller filters, n >= 3 required).
#include <string>
#include <vector>

#pragma once

namespace mdrun {

struct ArrheniusPoint {
    double T_K = 0, D_cm2_s = 0, sigma_D_cm2_s = 0;
};

struct ArrheniusResult {
    std::string status = "insufficient";  // "ok" | "insufficient" (n < 3, or a D <= 0 / sigma <= 0)
    int n = 0;
    double Ea_eV = 0, sigma_Ea_eV = 0;
    double lnD0 = 0;                       // intercept b (ln cm^2/s)
    double cov_mm = 0, cov_bb = 0, cov_mb = 0;  // covariance of slope m and intercept b
    double T0_K = 300;
    double D_T0_cm2_s = 0;                 // exp(m/T0 + b)
    double sigma_lnD_T0 = 0;               // sqrt(x0^2 V_mm + V_bb + 2 x0 V_mb)
    double t_quantile = 0;                 // Student t_{n-2, 0.975}
    double D_T0_lo95 = 0, D_T0_hi95 = 0;   // exp(y0 -+ t sigma)
    double D_T0_lo1s = 0, D_T0_hi1s = 0;   // exp(y0 -+ sigma)
};

constexpr double kBoltzmann_eV_K = 8.617333262e-5;

ArrheniusResult fit_arrhenius(const std::vector<ArrheniusPoint>& points, double T0_K = 300.0,
                              double kB = kBoltzmann_eV_K);

// Unweighted variant (pymatgen fit_arrhenius(mode="linear")): Ea and
// sigma_Ea = sqrt(SSR/(n-2) / (n var(1/T))) k_B.
void fit_arrhenius_unweighted(const std::vector<ArrheniusPoint>& points, double& Ea_eV, double& sigma_Ea_eV,
                              double kB = kBoltzmann_eV_K);

// Two-sided 95% Student t quantile t_{dof, 0.975} (table to 30, Cornish-Fisher expansion beyond).
double student_t975(int dof);

}  // namespace mdrun
