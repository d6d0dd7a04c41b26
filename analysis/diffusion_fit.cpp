#include "analysis/diffusion_fit.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "analysis/statistics.hpp"
#include "engine/core/units.hpp"

namespace mdrun {

namespace {
constexpr double kA2psToCm2s = 1e-4;  // 1 Å^2/ps = 1e-16 cm^2 / 1e-12 s
const double kNaN = std::numeric_limits<double>::quiet_NaN();

// u^T K^-1 v for the Brownian kernel K_ij = min(tau_i, tau_j): K^-1 is tridiagonal, and the quadratic form is
// the sum over increments (u_k - u_{k-1})(v_k - v_{k-1}) / (tau_k - tau_{k-1}) with u_0 = v_0 = tau_0 = 0.
double brownian_form(const std::vector<double>& tau, const std::vector<double>& u, const std::vector<double>& v) {
    double s = 0, tp = 0, up = 0, vp = 0;
    for (std::size_t k = 0; k < tau.size(); ++k) {
        s += (u[k] - up) * (v[k] - vp) / (tau[k] - tp);
        tp = tau[k];
        up = u[k];
        vp = v[k];
    }
    return s;
}

bool strictly_increasing_positive(const std::vector<double>& tau) {
    for (std::size_t k = 0; k < tau.size(); ++k)
        if (!(tau[k] > (k ? tau[k - 1] : 0.0))) return false;
    return true;
}

// GLS normal matrix M = Z^T K^-1 Z (Z = D^-1 X, X = [1, tau]) and right-hand side Z^T K^-1 D^-1 y.
struct Normal {
    double m11 = 0, m12 = 0, m22 = 0, r1 = 0, r2 = 0;
};
Normal normal_equations(const std::vector<double>& tau, const std::vector<double>& y) {
    const std::size_t n = tau.size();
    std::vector<double> z1(n), z2(n, 1.0), zy(n);
    for (std::size_t i = 0; i < n; ++i) {
        z1[i] = 1.0 / tau[i];
        zy[i] = y[i] / tau[i];
    }
    Normal e;
    e.m11 = brownian_form(tau, z1, z1);
    e.m12 = brownian_form(tau, z1, z2);
    e.m22 = brownian_form(tau, z2, z2);
    e.r1 = brownian_form(tau, z1, zy);
    e.r2 = brownian_form(tau, z2, zy);
    return e;
}
}  // namespace

FitWindow choose_fit_window(const MsdCurve& c, double min_tmsd, double min_time, int min_origins) {
    FitWindow w;
    const int n = static_cast<int>(c.tau_ps.size());
    int last = -1;
    for (int i = 0; i < n; ++i)
        if (c.tau_ps[i] <= 0.5 * c.t_run_ps && c.origins[i] >= min_origins) last = i;
    int first = -1;
    for (int i = 0; i <= last; ++i)
        if (c.tmsd_A2[i] >= min_tmsd && c.tau_ps[i] >= min_time) { first = i; break; }
    w.status = "insufficient";
    const auto estimate_needed = [&]() {
        // Slope over the upper half (in log tau) of the usable lags, OLS; the rule then needs
        // tau_first = max(min_time, min_tmsd / s) and a rise of min_tmsd after it, both within 0.5 t_run.
        if (last < 1) return;
        std::vector<double> x, y;
        for (int i = 0; i <= last; ++i)
            if (c.tau_ps[i] >= std::sqrt(c.tau_ps[0] * c.tau_ps[last])) {
                x.push_back(c.tau_ps[i]);
                y.push_back(c.tmsd_A2[i]);
            }
        if (x.size() < 2) return;
        const LineFit f = weighted_line_fit(x, y, std::vector<double>(x.size(), 1.0));
        w.observed_slope_A2_ps = f.slope;
        if (!(f.slope > 0)) return;
        const double t_first = std::max(min_time, min_tmsd / f.slope);
        w.needed_t_run_ps = 2.0 * (t_first + min_tmsd / f.slope);
    };
    if (first < 0) {
        w.reason = "no lag <= 0.5 t_run with TMSD >= " + std::to_string(min_tmsd) + " A^2 and tau >= " +
                   std::to_string(min_time) + " ps";
        estimate_needed();
        return w;
    }
    if (last - first + 1 < 3) {
        w.reason = "fewer than 3 lags in the fit window";
        estimate_needed();
        return w;
    }
    if (c.tmsd_A2[last] - c.tmsd_A2[first] < min_tmsd) {
        w.reason = "TMSD rises by less than " + std::to_string(min_tmsd) + " A^2 over the fit window";
        estimate_needed();
        return w;
    }
    w.first = first;
    w.last = last;
    w.status = "ok";
    return w;
}

LineFit weighted_line_fit(const std::vector<double>& x, const std::vector<double>& y, const std::vector<double>& w) {
    double sw = 0, sx = 0, sy = 0;
    for (std::size_t i = 0; i < x.size(); ++i) { sw += w[i]; sx += w[i] * x[i]; sy += w[i] * y[i]; }
    const double mx = sx / sw, my = sy / sw;
    double sxx = 0, sxy = 0;
    for (std::size_t i = 0; i < x.size(); ++i) {
        sxx += w[i] * (x[i] - mx) * (x[i] - mx);
        sxy += w[i] * (x[i] - mx) * (y[i] - my);
    }
    LineFit f;
    f.slope = sxx > 0 ? sxy / sxx : 0;
    f.intercept = my - f.slope * mx;
    for (std::size_t i = 0; i < x.size(); ++i) {
        const double r = y[i] - f.intercept - f.slope * x[i];
        f.ssr += w[i] * r * r;
    }
    return f;
}

MsdSlopePosterior msd_slope_posterior(const std::vector<double>& tau, const std::vector<double>& y,
                                      const std::vector<double>& var_sq, double n_items, double t_obs,
                                      double level) {
    MsdSlopePosterior p;
    p.level = level;
    const std::size_t n = tau.size();
    if (n < 3 || y.size() != n || var_sq.size() != n) {
        p.reason = "fewer than 3 lags";
        return p;
    }
    if (!strictly_increasing_positive(tau)) {
        p.reason = "lags are not strictly increasing and positive";
        return p;
    }
    if (!(n_items > 0) || !(t_obs > 0)) {
        p.reason = "no items or no run length";
        return p;
    }
    // Variance model (kinisi): observed Var MSD_i = var_sq_i / n_o,i fitted by a tau_i^2 / n_o,i in least
    // squares (closed form), n_o,i = n_items t_obs / tau_i.
    double svm = 0, smm = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const double no = n_items * t_obs / tau[i];
        const double v = std::max(var_sq[i], 0.0) / no, m = tau[i] * tau[i] / no;
        svm += v * m;
        smm += m * m;
    }
    p.a_A4 = smm > 0 ? svm / smm : 0;
    if (!(p.a_A4 > 0)) {
        p.reason = "the squared displacements do not fluctuate (variance model a = 0)";
        return p;
    }
    const double c = p.a_A4 / (n_items * t_obs);  // Sigma = c diag(tau) K diag(tau)
    const Normal e = normal_equations(tau, y);
    const double det = e.m11 * e.m22 - e.m12 * e.m12;
    if (!(det > 0)) {
        p.reason = "singular normal equations";
        return p;
    }
    p.intercept = (e.m22 * e.r1 - e.m12 * e.r2) / det;
    p.slope = (e.m11 * e.r2 - e.m12 * e.r1) / det;
    p.var_intercept = c * e.m22 / det;
    p.var_slope = c * e.m11 / det;
    p.cov = -c * e.m12 / det;
    std::vector<double> res(n);
    for (std::size_t i = 0; i < n; ++i) res[i] = (y[i] - p.intercept - p.slope * tau[i]) / tau[i];
    p.chi2 = brownian_form(tau, res, res) / c;
    p.dof = static_cast<int>(n) - 2;
    const double sd = std::sqrt(p.var_slope);
    p.median = truncated_normal_quantile(0.5, p.slope, sd);
    p.lo = truncated_normal_quantile(0.5 * (1 - level), p.slope, sd);
    p.hi = truncated_normal_quantile(0.5 * (1 + level), p.slope, sd);
    truncated_normal_moments(p.slope, sd, p.mean, p.sd);
    p.ok = true;
    return p;
}

double gls_slope_same_covariance(const std::vector<double>& tau, const std::vector<double>& y) {
    if (tau.size() < 3 || !strictly_increasing_positive(tau)) return kNaN;
    const Normal e = normal_equations(tau, y);
    const double det = e.m11 * e.m22 - e.m12 * e.m12;
    return det > 0 ? (e.m11 * e.r2 - e.m12 * e.r1) / det : kNaN;
}

double he_relative_sd(double n_atoms, double max_tmsd, double a, double* n_eff_out) {
    const double n_eff = n_atoms * max_tmsd / (a * a);
    if (n_eff_out) *n_eff_out = n_eff;
    if (!(n_eff >= 1.0)) return kNaN;
    return 3.43 / std::sqrt(n_eff) + 0.04;
}

double nernst_einstein_mS_cm(double n_ions, double z, double D, double V, double T) {
    // sigma = (N/V) z^2 e^2 D / (k_B T). With k_B in eV/K, e^2 / k_B[J/K] = e[C] / k_B[eV/K]; V in Å^3 -> m^3
    // (1e-30), D in cm^2/s -> m^2/s (1e-4), S/m -> mS/cm (x 10). LAMMPS metal's k_B and e (update.cpp).
    constexpr double kElementaryCharge_C = 1.6021765e-19;
    const double factor = kElementaryCharge_C * 1e30 * 1e-4 * 10.0 / kBoltz;
    return factor * n_ions * z * z * D / (V * T);
}

DiffusionResult fit_diffusion(const MsdCurve& c, int first, int last, double site_distance_A) {
    DiffusionResult r;
    const auto fail = [&](const std::string& why) {
        r.status = "insufficient";
        r.reason = why;
        r.D_cm2_s = r.D_lo_cm2_s = r.D_hi_cm2_s = r.sigma_D_cm2_s = kNaN;
        r.sigma_he_cm2_s = r.he_rsd = r.n_eff = r.intercept_A2 = r.chi2 = kNaN;
        for (double& v : r.D_xyz_cm2_s) v = kNaN;
        return r;
    };
    if (first < 0 || last - first + 1 < 3) return fail("fewer than 3 lags in the fit window");
    std::vector<double> x, y, s2, yd[3];
    double max_tmsd = 0;
    for (int i = first; i <= last; ++i) {
        x.push_back(c.tau_ps[i]);
        y.push_back(c.tmsd_A2[i]);
        s2.push_back(c.var_sq_A4.empty() ? 0.0 : c.var_sq_A4[i]);
        for (int a = 0; a < 3; ++a)
            if (!c.msd_xyz_A2[a].empty()) yd[a].push_back(c.msd_xyz_A2[a][i]);
        max_tmsd = std::max(max_tmsd, c.tmsd_A2[i]);
    }
    r.fit_points = static_cast<int>(x.size());
    r.fit_tau_min_ps = x.front();
    r.fit_tau_max_ps = x.back();
    const MsdSlopePosterior p = msd_slope_posterior(x, y, s2, c.n_atoms, c.t_run_ps, r.confidence_level);
    if (!p.ok) return fail(p.reason);
    const double f = kA2psToCm2s / 6.0;
    r.D_cm2_s = p.median * f;
    r.D_lo_cm2_s = p.lo * f;
    r.D_hi_cm2_s = p.hi * f;
    r.sigma_D_cm2_s = p.sd * f;
    r.intercept_A2 = p.intercept;
    r.variance_model_a_A4 = p.a_A4;
    r.chi2 = p.chi2;
    r.chi2_dof = p.dof;
    for (int a = 0; a < 3; ++a)
        r.D_xyz_cm2_s[a] = yd[a].size() == x.size() ? gls_slope_same_covariance(x, yd[a]) / 2.0 * kA2psToCm2s : kNaN;
    r.he_rsd = he_relative_sd(c.n_atoms, max_tmsd, site_distance_A, &r.n_eff);
    r.sigma_he_cm2_s = r.he_rsd * r.D_cm2_s;
    r.status = "ok";
    return r;
}

}  // namespace mdrun
