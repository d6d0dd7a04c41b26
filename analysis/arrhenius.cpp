#include "analysis/arrhenius.hpp"

#include <algorithm>
#include <cmath>

#include "analysis/statistics.hpp"

namespace mdrun {

double student_t975(int dof) { return dof < 1 ? std::nan("") : student_t_quantile(0.975, dof); }

ArrheniusResult fit_arrhenius(const std::vector<ArrheniusPoint>& p_in, double T0, double kB) {
    ArrheniusResult r;
    r.T0_K = T0;
    r.n = static_cast<int>(p_in.size());
    if (r.n < 3) {
        r.warnings.push_back("fewer than 3 temperatures: no fit");
        return r;
    }
    // Normal equations of the weighted fit y = m x + b, weights 1/sigma_y^2 (absolute sigma).
    double S = 0, Sx = 0, Sy = 0, Sxx = 0, Sxy = 0;
    for (const auto& q : p_in) {
        if (!(q.D_cm2_s > 0) || !(q.sigma_D_cm2_s > 0) || !(q.T_K > 0)) return r;
        const double x = 1.0 / q.T_K, y = std::log(q.D_cm2_s), sy = q.sigma_D_cm2_s / q.D_cm2_s;
        const double w = 1.0 / (sy * sy);
        S += w; Sx += w * x; Sy += w * y; Sxx += w * x * x; Sxy += w * x * y;
    }
    const double det = S * Sxx - Sx * Sx;
    const double m = (S * Sxy - Sx * Sy) / det, b = (Sxx * Sy - Sx * Sxy) / det;
    r.cov_mm = S / det;
    r.cov_bb = Sxx / det;
    r.cov_mb = -Sx / det;
    r.lnD0 = b;
    r.Ea_eV = -m * kB;
    r.sigma_Ea_eV = std::sqrt(r.cov_mm) * kB;
    r.dof = r.n - 2;
    for (const auto& q : p_in) {
        const double sy = q.sigma_D_cm2_s / q.D_cm2_s, e = (std::log(q.D_cm2_s) - m / q.T_K - b) / sy;
        r.chi2 += e * e;
    }
    r.p_value = chi2_sf(r.chi2, r.dof);
    const double x0 = 1.0 / T0, y0 = m * x0 + b;
    r.sigma_lnD_T0 = std::sqrt(x0 * x0 * r.cov_mm + r.cov_bb + 2 * x0 * r.cov_mb);
    r.z_quantile = normal_quantile(0.975);
    r.D_T0_cm2_s = std::exp(y0);
    r.D_T0_lo95 = std::exp(y0 - r.z_quantile * r.sigma_lnD_T0);
    r.D_T0_hi95 = std::exp(y0 + r.z_quantile * r.sigma_lnD_T0);
    r.D_T0_lo1s = std::exp(y0 - r.sigma_lnD_T0);
    r.D_T0_hi1s = std::exp(y0 + r.sigma_lnD_T0);
    r.t_quantile = student_t975(r.dof);
    r.scale = std::max(1.0, std::sqrt(r.chi2 / r.dof));
    r.D_T0_lo95_scaled = std::exp(y0 - r.t_quantile * r.scale * r.sigma_lnD_T0);
    r.D_T0_hi95_scaled = std::exp(y0 + r.t_quantile * r.scale * r.sigma_lnD_T0);
    r.sigma_Ea_scaled_eV = r.scale * r.sigma_Ea_eV;
    if (r.n < 4) r.warnings.push_back("fewer than 4 temperatures: Ea and the extrapolation rest on " + std::to_string(r.n) + " points");
    std::vector<ArrheniusPoint> byT = p_in;
    std::sort(byT.begin(), byT.end(), [](const ArrheniusPoint& a, const ArrheniusPoint& c) { return a.T_K < c.T_K; });
    for (std::size_t k = 1; k < byT.size(); ++k)
        if (!(byT[k].D_cm2_s > byT[k - 1].D_cm2_s)) {
            r.warnings.push_back("D does not increase with T (" + std::to_string(byT[k - 1].T_K) + " K -> " +
                                 std::to_string(byT[k].T_K) + " K)");
            break;
        }
    if (r.p_value < 0.05)
        r.warnings.push_back("chi^2/dof = " + std::to_string(r.chi2 / r.dof) +
                             " (p < 0.05): the scatter exceeds the D errors; prefer the rescaled interval");
    r.status = "ok";
    return r;
}

void fit_arrhenius_unweighted(const std::vector<ArrheniusPoint>& p, double& Ea, double& sigma_Ea, double kB) {
    const int n = static_cast<int>(p.size());
    double mx = 0, my = 0;
    for (const auto& q : p) { mx += 1.0 / q.T_K; my += std::log(q.D_cm2_s); }
    mx /= n;
    my /= n;
    double sxx = 0, sxy = 0;
    for (const auto& q : p) {
        const double dx = 1.0 / q.T_K - mx;
        sxx += dx * dx;
        sxy += dx * (std::log(q.D_cm2_s) - my);
    }
    const double m = sxy / sxx, b = my - m * mx;
    double ssr = 0;
    for (const auto& q : p) {
        const double e = std::log(q.D_cm2_s) - (m / q.T_K + b);
        ssr += e * e;
    }
    Ea = -m * kB;
    sigma_Ea = std::sqrt(ssr / (n - 2) / sxx) * kB;  // n var(1/T) = sum (x - mean)^2
}

}  // namespace mdrun
