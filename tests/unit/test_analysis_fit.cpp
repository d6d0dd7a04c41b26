// analysis.md §13 checks 8 (Nernst-Einstein) and 9 (He et al. RSD), plus the fit-window rule, the three
// uncertainties on a synthetic curve and the statuses instead of numbers when the data do not support D.
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "analysis/diffusion_fit.hpp"

using namespace mdrun;

TEST_CASE("check 8: Nernst-Einstein, N = 100, z = 1, V = 2000 A^3, D = 1e-6 cm^2/s, T = 300 K") {
    CHECK(nernst_einstein_mS_cm(100, 1, 1e-6, 2000, 300) == doctest::Approx(309.87).epsilon(1e-4));
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
    CHECK(r.sigma_regression_cm2_s == doctest::Approx(0.0).scale(1e-4));
    CHECK(r.sigma_gls_cm2_s > 0);  // the covariance model does not vanish on an exact line
    CHECK(r.he_rsd > 0.04);
}

TEST_CASE("GLS slope equals OLS on an exact line and its error shrinks with more atoms") {
    const MsdCurve c = linear_curve(0.2, 200.0, 10);
    std::vector<double> x, y, s2;
    for (std::size_t i = 0; i < c.tau_ps.size(); ++i)
        if (c.tau_ps[i] >= 2 && c.tau_ps[i] <= 20) {
            x.push_back(c.tau_ps[i]);
            y.push_back(c.tmsd_A2[i]);
            s2.push_back(c.var_sq_A4[i]);
        }
    double b1, e1, b2, e2;
    gls_slope(x, y, s2, 10, 200, b1, e1);
    gls_slope(x, y, s2, 1000, 200, b2, e2);
    CHECK(b1 == doctest::Approx(1.2).epsilon(1e-9));
    CHECK(e2 == doctest::Approx(e1 / 10).epsilon(1e-6));  // Var ~ 1/N
}

TEST_CASE("statuses instead of numbers: too little displacement, too short a run") {
    const MsdCurve slow = linear_curve(0.001, 100.0, 20);  // TMSD(50 ps) = 0.3 A^2
    const FitWindow w = choose_fit_window(slow);
    CHECK(w.status == "insufficient");
    CHECK(!w.reason.empty());
    const DiffusionResult r = fit_diffusion(slow, w.first, w.last);
    CHECK(r.status == "insufficient");
    CHECK(std::isnan(r.D_cm2_s));
    MsdCurve empty;
    CHECK(choose_fit_window(empty).status == "insufficient");
}
