#include "analysis/arrhenius.hpp"

#include <cmath>

namespace mdrun {

double student_t975(int dof) {
    static const double table[31] = {0,      12.7062, 4.3027, 3.1824, 2.7764, 2.5706, 2.4469, 2.3646,
                                     2.3060, 2.2622,  2.2281, 2.2010, 2.1788, 2.1604, 2.1448, 2.1314,
                                     2.1199, 2.1098,  2.1009, 2.0930, 2.0860, 2.0796, 2.0739, 2.0687,
                                     2.0639, 2.0595,  2.0555, 2.0518, 2.0484, 2.0452, 2.0423};
    if (dof < 1) return std::nan("");
    if (dof <= 30) return table[dof];
    // Cornish-Fisher expansion around the normal quantile (error < 1e-4 for dof > 30).
    const double z = 1.959963984540054, v = dof;
    const double z3 = z * z * z, z5 = z3 * z * z, z7 = z5 * z * z;
    return z + (z3 + z) / (4 * v) + (5 * z5 + 16 * z3 + 3 * z) / (96 * v * v) +
           (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * v * v * v);
}

ArrheniusResult fit_arrhenius(const std::vector<ArrheniusPoint>& p, double T0, double kB) {
    ArrheniusResult r;
    r.T0_K = T0;
    r.n = static_cast<int>(p.size());
    if (r.n < 3) return r;
    // Normal equations of the weighted fit y = m x + b, weights 1/sigma_y^2 (absolute sigma).
    double S = 0, Sx = 0, Sy = 0, Sxx = 0, Sxy = 0;
    for (const auto& q : p) {
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
    const double x0 = 1.0 / T0, y0 = m * x0 + b;
    r.sigma_lnD_T0 = std::sqrt(x0 * x0 * r.cov_mm + r.cov_bb + 2 * x0 * r.cov_mb);
    r.t_quantile = student_t975(r.n - 2);
    r.D_T0_cm2_s = std::exp(y0);
    r.D_T0_lo95 = std::exp(y0 - r.t_quantile * r.sigma_lnD_T0);
    r.D_T0_hi95 = std::exp(y0 + r.t_quantile * r.sigma_lnD_T0);
    r.D_T0_lo1s = std::exp(y0 - r.sigma_lnD_T0);
    r.D_T0_hi1s = std::exp(y0 + r.sigma_lnD_T0);
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
