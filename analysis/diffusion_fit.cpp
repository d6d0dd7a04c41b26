#include "analysis/diffusion_fit.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <Eigen/Dense>

namespace mdrun {

namespace {
constexpr double kA2psToCm2s = 1e-4;  // 1 Å^2/ps = 1e-16 cm^2 / 1e-12 s
const double kNaN = std::numeric_limits<double>::quiet_NaN();
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
    if (first < 0) {
        w.reason = "no lag <= 0.5 t_run with TMSD >= " + std::to_string(min_tmsd) + " A^2 and tau >= " +
                   std::to_string(min_time) + " ps";
        return w;
    }
    if (last - first + 1 < 3) {
        w.reason = "fewer than 3 lags in the fit window";
        return w;
    }
    if (c.tmsd_A2[last] - c.tmsd_A2[first] < min_tmsd) {
        w.reason = "TMSD rises by less than " + std::to_string(min_tmsd) + " A^2 over the fit window";
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

void gls_slope(const std::vector<double>& tau, const std::vector<double>& y, const std::vector<double>& s2,
               double n_atoms, double t_run, double& slope, double& sigma_slope) {
    const int n = static_cast<int>(tau.size());
    Eigen::MatrixXd cov(n, n);
    std::vector<double> ni(n), var(n);
    for (int i = 0; i < n; ++i) {
        ni[i] = n_atoms * t_run / tau[i];
        var[i] = std::max(s2[i], 0.0) / ni[i];
    }
    for (int i = 0; i < n; ++i)
        for (int j = i; j < n; ++j) cov(i, j) = cov(j, i) = var[i] * ni[i] / ni[j];
    // Recondition (kinisi's minimum-eigenvalue method): lift the spectrum so cond <= 1e16.
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(cov);
    const double emax = es.eigenvalues().maxCoeff(), emin = es.eigenvalues().minCoeff();
    const double cond_max = 1e16;
    if (!(emax > 0)) { slope = kNaN; sigma_slope = kNaN; return; }
    if (emin < emax / cond_max) cov += Eigen::MatrixXd::Identity(n, n) * (emax / cond_max - emin);
    Eigen::MatrixXd X(n, 2);
    Eigen::VectorXd Y(n);
    for (int i = 0; i < n; ++i) { X(i, 0) = 1.0; X(i, 1) = tau[i]; Y(i) = y[i]; }
    const Eigen::LDLT<Eigen::MatrixXd> ldlt(cov);
    const Eigen::MatrixXd SiX = ldlt.solve(X);
    const Eigen::Matrix2d A = X.transpose() * SiX;
    const Eigen::Matrix2d Ainv = A.inverse();
    const Eigen::Vector2d beta = Ainv * (SiX.transpose() * Y);
    slope = beta(1);
    sigma_slope = std::sqrt(std::max(Ainv(1, 1), 0.0));
}

double he_relative_sd(double n_atoms, double max_tmsd, double a, double* n_eff_out) {
    const double n_eff = n_atoms * max_tmsd / (a * a);
    if (n_eff_out) *n_eff_out = n_eff;
    if (!(n_eff >= 1.0)) return kNaN;
    return 3.43 / std::sqrt(n_eff) + 0.04;
}

double nernst_einstein_mS_cm(double n_ions, double z, double D, double V, double T) {
    return 1.859248e12 * n_ions * z * z * D / (V * T);
}

DiffusionResult fit_diffusion(const MsdCurve& c, int first, int last, double site_distance_A) {
    DiffusionResult r;
    if (first < 0 || last - first + 1 < 3) {
        r.status = "insufficient";
        r.reason = "fewer than 3 lags in the fit window";
        r.D_cm2_s = kNaN;
        return r;
    }
    std::vector<double> x, y, w, s2, yd[3];
    double max_tmsd = 0;
    for (int i = first; i <= last; ++i) {
        x.push_back(c.tau_ps[i]);
        y.push_back(c.tmsd_A2[i]);
        w.push_back(1.0 / c.tau_ps[i]);
        s2.push_back(c.var_sq_A4.empty() ? 0.0 : c.var_sq_A4[i]);
        for (int a = 0; a < 3; ++a)
            if (!c.msd_xyz_A2[a].empty()) yd[a].push_back(c.msd_xyz_A2[a][i]);
        max_tmsd = std::max(max_tmsd, c.tmsd_A2[i]);
    }
    const int n = static_cast<int>(x.size());
    r.fit_points = n;
    r.fit_tau_min_ps = x.front();
    r.fit_tau_max_ps = x.back();
    // (a) pymatgen smoothed="max": WLS with weights 1/tau, slope clamped >= 1e-15,
    //     sigma^2 = n SSR_w / ((n sum tau^2 - (sum tau)^2)(n - 2)).
    const LineFit f = weighted_line_fit(x, y, w);
    const double slope = std::max(f.slope, 1e-15);
    double st = 0, st2 = 0;
    for (double t : x) { st += t; st2 += t * t; }
    const double sigma_slope = std::sqrt(n * f.ssr / ((n * st2 - st * st) * (n - 2)));
    r.D_cm2_s = slope / 6.0 * kA2psToCm2s;
    r.intercept_A2 = f.intercept;
    r.sigma_regression_cm2_s = sigma_slope / 6.0 * kA2psToCm2s;
    for (int a = 0; a < 3; ++a)
        r.D_xyz_cm2_s[a] = yd[a].size() == x.size() ? weighted_line_fit(x, yd[a], w).slope / 2.0 * kA2psToCm2s : kNaN;
    // (b) GLS with the kinisi covariance model.
    double gs = 0, gsig = 0;
    gls_slope(x, y, s2, c.n_atoms, c.t_run_ps, gs, gsig);
    r.sigma_gls_cm2_s = gsig / 6.0 * kA2psToCm2s;
    // (c) He et al. empirical.
    r.he_rsd = he_relative_sd(c.n_atoms, max_tmsd, site_distance_A, &r.n_eff);
    r.sigma_he_cm2_s = r.he_rsd * r.D_cm2_s;
    r.status = "ok";
    return r;
}

}  // namespace mdrun
