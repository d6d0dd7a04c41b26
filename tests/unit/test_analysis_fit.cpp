// analysis.md §13 checks 8 (Nernst-Einstein) and 9 (He et al. RSD), plus the fit-window rule, the kinisi-style
// posterior of D (closed-form covariance inverse checked against a dense solve), its coverage on independent
// random walks, and the statuses instead of numbers when the data do not support D.
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include <random>

#include <Eigen/Dense>

#include "analysis/diffusion_fit.hpp"
#include "analysis/statistics.hpp"

using namespace mdrun;

TEST_CASE("check 8: Nernst-Einstein, N = 100, z = 1, V = 2000 A^3, D = 1e-6 cm^2/s, T = 300 K") {
    CHECK(nernst_einstein_mS_cm(100, 1, 1e-6, 2000, 300) == doctest::Approx(309.87).epsilon(1e-4));
    // e / k_B with LAMMPS metal's k_B (8.617343e-5 eV/K) and e (1.6021765e-19 C): 1.8592465e12 in these units.
    CHECK(nernst_einstein_mS_cm(1, 1, 1, 1, 1) == doctest::Approx(1.6021765e-19 * 1e27 / 8.617343e-5).epsilon(1e-15));
    CHECK(nernst_einstein_mS_cm(100, 2, 1e-6, 2000, 300) == doctest::Approx(4 * 309.87).epsilon(1e-4));
}

TEST_CASE("check 9: He RSD, N = 32, max TMSD = 40 A^2, a = 3 A") {
    double neff = 0;
    const double rsd = he_relative_sd(32, 40, 3.0, &neff);
    CHECK(neff == doctest::Approx(142.2).epsilon(1e-3));
    CHECK(rsd == doctest::Approx(0.3276).epsilon(1e-3));
    CHECK(std::isnan(he_relative_sd(1, 1.0, 3.0)));  // N_eff < 1: undefined
}

namespace {
MsdCurve linear_curve(double D_A2ps, double t_run, int n_atoms) {
    MsdCurve c;
    c.n_atoms = n_atoms;
    c.t_run_ps = t_run;
    for (double tau = 0.01; tau <= t_run; tau *= 1.09) {
        c.tau_ps.push_back(tau);
        const double y = 6 * D_A2ps * tau;
        c.tmsd_A2.push_back(y);
        for (int a = 0; a < 3; ++a) c.msd_xyz_A2[a].push_back(y / 3);
        c.var_sq_A4.push_back(2.0 / 3.0 * y * y);  // Gaussian displacements: Var|dr|^2 = (2/3) MSD^2
        c.origins.push_back(t_run / tau);
    }
    return c;
}
}  // namespace

TEST_CASE("fit window: He/Mo rule and exact slope on an exact line") {
    const MsdCurve c = linear_curve(0.5, 100.0, 20);
    const FitWindow w = choose_fit_window(c);
    REQUIRE(w.status == "ok");
    CHECK(c.tmsd_A2[w.first] >= 4.5);
    CHECK(c.tau_ps[w.first] >= 1.0);
    CHECK(c.tmsd_A2[w.first - 1] < 4.5);
    CHECK(c.tau_ps[w.last] <= 10.0 + 1e-9);  // >= 10 origins ends it before 0.5 t_run here
    const DiffusionResult r = fit_diffusion(c, w.first, w.last, 3.0);
    CHECK(r.status == "ok");
    CHECK(r.D_cm2_s == doctest::Approx(0.5e-4).epsilon(1e-12));
    CHECK(r.D_xyz_cm2_s[0] == doctest::Approx(0.5e-4).epsilon(1e-12));
    CHECK(r.sigma_D_cm2_s > 0);  // the covariance model does not vanish on an exact line
    CHECK(r.D_lo_cm2_s < r.D_cm2_s);
    CHECK(r.D_hi_cm2_s > r.D_cm2_s);
    CHECK(r.chi2 == doctest::Approx(0.0).scale(1e-6));
    CHECK(r.he_rsd > 0.04);
}

TEST_CASE("GLS slope is exact on an exact line and its error shrinks with more atoms") {
    const MsdCurve c = linear_curve(0.2, 200.0, 10);
    std::vector<double> x, y, s2;
    for (std::size_t i = 0; i < c.tau_ps.size(); ++i)
        if (c.tau_ps[i] >= 2 && c.tau_ps[i] <= 20) {
            x.push_back(c.tau_ps[i]);
            y.push_back(c.tmsd_A2[i]);
            s2.push_back(c.var_sq_A4[i]);
        }
    const MsdSlopePosterior p1 = msd_slope_posterior(x, y, s2, 10, 200);
    const MsdSlopePosterior p2 = msd_slope_posterior(x, y, s2, 1000, 200);
    REQUIRE(p1.ok);
    CHECK(p1.slope == doctest::Approx(1.2).epsilon(1e-12));
    CHECK(std::sqrt(p2.var_slope) == doctest::Approx(std::sqrt(p1.var_slope) / 10).epsilon(1e-9));  // Var ~ 1/N
    // Gaussian displacements: a = (2/3) (6 D)^2.
    CHECK(p1.a_A4 == doctest::Approx(2.0 / 3.0 * 1.2 * 1.2).epsilon(1e-12));
}

TEST_CASE("closed-form GLS equals a dense solve with the kinisi covariance matrix") {
    // Sigma_ij = Var_i n_i / n_j (i <= j), Var_i = a tau_i^2 / n_i, n_i = N T / tau_i: built and solved densely.
    std::mt19937_64 rng(5);
    std::normal_distribution<double> g(0, 1);
    std::vector<double> tau, y, s2;
    for (double t = 1.3; t < 60; t *= 1.15) {
        tau.push_back(t);
        y.push_back(2.0 + 0.9 * t + 0.3 * std::sqrt(t) * g(rng));
        s2.push_back(0.5 * t * t * (1 + 0.2 * g(rng) * g(rng)));
    }
    const double N = 16, T = 240;
    const MsdSlopePosterior p = msd_slope_posterior(tau, y, s2, N, T);
    REQUIRE(p.ok);
    const int n = static_cast<int>(tau.size());
    Eigen::MatrixXd S(n, n), X(n, 2);
    Eigen::VectorXd Y(n);
    for (int i = 0; i < n; ++i) {
        for (int j = i; j < n; ++j) {
            const double ni = N * T / tau[i], nj = N * T / tau[j];
            S(i, j) = S(j, i) = p.a_A4 * tau[i] * tau[i] / ni * ni / nj;
        }
        X(i, 0) = 1;
        X(i, 1) = tau[i];
        Y(i) = y[i];
    }
    const Eigen::LLT<Eigen::MatrixXd> llt(S);
    REQUIRE(llt.info() == Eigen::Success);
    const Eigen::MatrixXd SiX = llt.solve(X);
    const Eigen::Matrix2d A = X.transpose() * SiX;
    const Eigen::Vector2d beta = A.inverse() * (SiX.transpose() * Y);
    CHECK(p.slope == doctest::Approx(beta(1)).epsilon(1e-9));
    CHECK(p.intercept == doctest::Approx(beta(0)).epsilon(1e-8));
    CHECK(p.var_slope == doctest::Approx(A.inverse()(1, 1)).epsilon(1e-8));
    const Eigen::VectorXd res = Y - X * beta;
    CHECK(p.chi2 == doctest::Approx(res.dot(llt.solve(res))).epsilon(1e-8));
    // Far from zero the truncated posterior is the Gaussian: median = slope, interval = slope -+ 1.96 sd.
    CHECK(p.median == doctest::Approx(p.slope).epsilon(1e-12));
    CHECK(p.hi - p.slope == doctest::Approx(1.959963984540054 * std::sqrt(p.var_slope)).epsilon(1e-9));
}

TEST_CASE("posterior truncated at slope >= 0 when the slope is not resolved") {
    CHECK(truncated_normal_quantile(0.5, 0.0, 1.0) == doctest::Approx(normal_quantile(0.75)).epsilon(1e-12));
    CHECK(truncated_normal_quantile(0.025, -1.0, 1.0) > 0);
    double m = 0, sd = 0;
    truncated_normal_moments(0.0, 1.0, m, sd);
    CHECK(m == doctest::Approx(std::sqrt(2.0 / M_PI)).epsilon(1e-12));
    CHECK(sd == doctest::Approx(std::sqrt(1 - 2.0 / M_PI)).epsilon(1e-12));
    CHECK(normal_quantile(0.975) == doctest::Approx(1.959963984540054).epsilon(1e-14));
    CHECK(normal_quantile(1e-10) == doctest::Approx(-6.361340902404056).epsilon(1e-12));
}

TEST_CASE("coverage: the 95 % intervals of D and of the collective D_sigma contain the truth in ~95 % of runs") {
    // 200 runs of 16 walkers x 1024 samples (D = 0.5 Å^2/ps per axis step sigma = 1, dt = 1 ps), the all-origin
    // MSD at E1-like lags, the He/Mo window: the fraction of intervals containing 0.5 must be 0.95 within
    // binomial noise (3 sigma: +-0.046), and the mean posterior sd must match the scatter of D to 25 %.
    const int runs = 200, W = 16, T = 1024;
    std::mt19937_64 rng(17);
    std::normal_distribution<double> g(0, 1);
    int inside = 0, inside_sigma = 0;
    double sum_sd = 0, sum_d = 0, sum_d2 = 0, sum_sd_sigma = 0, sum_ds = 0, sum_ds2 = 0;
    std::vector<int> lags;
    for (int l = 1; l < 16; ++l) lags.push_back(l);
    for (int k = 1; (8 << k) < T; ++k)
        for (int j = 8; j < 16; ++j) lags.push_back(j << k);
    for (int run = 0; run < runs; ++run) {
        std::vector<double> xs(static_cast<std::size_t>(W) * T * 3);
        for (int w = 0; w < W; ++w)
            for (int t = 1; t < T; ++t)
                for (int a = 0; a < 3; ++a)
                    xs[(static_cast<std::size_t>(w) * T + t) * 3 + a] = xs[(static_cast<std::size_t>(w) * T + t - 1) * 3 + a] + g(rng);
        MsdCurve c;
        c.n_atoms = W;
        c.t_run_ps = T - 1;
        for (int l : lags) {
            if (l >= T) break;
            double s = 0, s4 = 0;
            long cnt = 0;
            for (int w = 0; w < W; ++w)
                for (int t = 0; t + l < T; ++t) {
                    double d2 = 0;
                    for (int a = 0; a < 3; ++a) {
                        const double d = xs[(static_cast<std::size_t>(w) * T + t + l) * 3 + a] - xs[(static_cast<std::size_t>(w) * T + t) * 3 + a];
                        d2 += d * d;
                    }
                    s += d2;
                    s4 += d2 * d2;
                    ++cnt;
                }
            c.tau_ps.push_back(l);
            c.tmsd_A2.push_back(s / cnt);
            for (auto& v : c.msd_xyz_A2) v.push_back(s / cnt / 3);
            c.var_sq_A4.push_back(s4 / cnt - (s / cnt) * (s / cnt));
            c.origins.push_back(static_cast<double>(cnt) / W);
        }
        const FitWindow w = choose_fit_window(c);
        REQUIRE(w.status == "ok");
        const DiffusionResult r = fit_diffusion(c, w.first, w.last);
        REQUIRE(r.status == "ok");
        // Collective MSD of the same walkers over the same window (what the Haven ratio uses): independent
        // walkers have D_sigma = D, so its interval must cover 0.5 as often.
        {
            std::vector<double> x, y, s2;
            for (int i = w.first; i <= w.last; ++i) {
                const int l = static_cast<int>(c.tau_ps[i]);
                double sm = 0, sm4 = 0;
                long cnt = 0;
                for (int t = 0; t + l < T; ++t) {
                    double d2 = 0;
                    for (int a = 0; a < 3; ++a) {
                        double dx = 0;
                        for (int ww = 0; ww < W; ++ww)
                            dx += xs[(static_cast<std::size_t>(ww) * T + t + l) * 3 + a] - xs[(static_cast<std::size_t>(ww) * T + t) * 3 + a];
                        d2 += dx * dx;
                    }
                    sm += d2;
                    sm4 += d2 * d2;
                    ++cnt;
                }
                x.push_back(l);
                y.push_back(sm / cnt);
                s2.push_back(sm4 / cnt - (sm / cnt) * (sm / cnt));
            }
            const MsdSlopePosterior p = msd_slope_posterior(x, y, s2, 1.0, T - 1);
            REQUIRE(p.ok);
            const double lo = p.lo / (6.0 * W), hi = p.hi / (6.0 * W), Ds = p.median / (6.0 * W);
            inside_sigma += (lo <= 0.5 && 0.5 <= hi);
            sum_sd_sigma += p.sd / (6.0 * W);
            sum_ds += Ds;
            sum_ds2 += Ds * Ds;
        }
        const double D = r.D_cm2_s / 1e-4;
        inside += (r.D_lo_cm2_s / 1e-4 <= 0.5 && 0.5 <= r.D_hi_cm2_s / 1e-4);
        sum_sd += r.sigma_D_cm2_s / 1e-4;
        sum_d += D;
        sum_d2 += D * D;
    }
    const double frac = static_cast<double>(inside) / runs, mean = sum_d / runs;
    const double scatter = std::sqrt((sum_d2 - runs * mean * mean) / (runs - 1));
    MESSAGE("coverage " << frac << ", mean D " << mean << ", scatter " << scatter << ", mean sd " << sum_sd / runs);
    CHECK(frac == doctest::Approx(0.95).epsilon(0.05));
    CHECK(sum_sd / runs == doctest::Approx(scatter).epsilon(0.25));
    CHECK(mean == doctest::Approx(0.5).epsilon(0.03));
    const double frac_s = static_cast<double>(inside_sigma) / runs, mean_s = sum_ds / runs;
    const double scatter_s = std::sqrt((sum_ds2 - runs * mean_s * mean_s) / (runs - 1));
    MESSAGE("collective: coverage " << frac_s << ", mean D_sigma " << mean_s << ", scatter " << scatter_s
                                    << ", mean sd " << sum_sd_sigma / runs);
    // Known shortfall (docs/analysis-estimators.md, Haven ratio): with one collective item the model interval
    // under-covers (measured 0.79, sd 25 % below the scatter). This pins the documented calibration of the
    // full-run fit that summary.json keeps for comparison; the Haven ratio uses the block estimate
    // (analysis/haven_blocks.hpp, tested in test_haven_blocks).
    CHECK(frac_s > 0.70);
    CHECK(frac_s < 0.90);
    CHECK(sum_sd_sigma / runs < scatter_s);
}

TEST_CASE("statuses instead of numbers: too little displacement, too short a run") {
    const MsdCurve slow = linear_curve(0.001, 100.0, 20);  // TMSD(50 ps) = 0.3 A^2
    const FitWindow w = choose_fit_window(slow);
    CHECK(w.status == "insufficient");
    CHECK(!w.reason.empty());
    const DiffusionResult r = fit_diffusion(slow, w.first, w.last);
    CHECK(r.status == "insufficient");
    CHECK(std::isnan(r.D_cm2_s));
    // At the observed 6 D = 0.006 Å^2/ps the rule needs tau_first = 4.5/0.006 = 750 ps and a further 750 ps,
    // both within half the run: 3000 ps.
    CHECK(w.observed_slope_A2_ps == doctest::Approx(0.006).epsilon(1e-9));
    CHECK(w.needed_t_run_ps == doctest::Approx(3000).epsilon(1e-9));
    MsdCurve empty;
    CHECK(choose_fit_window(empty).status == "insufficient");
}
