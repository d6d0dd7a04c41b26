// analysis.md §13 check 10: Arrhenius fit of the mogroupumd/aimd test vector
// (aimd/tests/test_files/arrhenius/D_T.csv: T, D, sigma_D), weighted by sigma_D/D, extrapolated to 300 K.
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "analysis/arrhenius.hpp"
#include "analysis/statistics.hpp"

using namespace mdrun;

namespace {
const std::vector<ArrheniusPoint> kDT = {
    {600, 1.24e-06, 3.40e-07}, {650, 1.56e-06, 4.05e-07}, {700, 2.13e-06, 5.57e-07},
    {720, 1.85e-06, 3.87e-07}, {800, 3.51e-06, 7.00e-07}, {900, 4.85e-06, 6.99e-07},
    {1050, 8.24e-06, 1.34e-06}, {1200, 1.38e-05, 1.49e-06}, {1500, 1.83e-05, 2.58e-06}};
}

TEST_CASE("check 10: weighted Arrhenius fit and 300 K extrapolation") {
    const ArrheniusResult r = fit_arrhenius(kDT, 300.0, 8.617333e-5);
    REQUIRE(r.status == "ok");
    CHECK(r.Ea_eV == doctest::Approx(0.25814).epsilon(2e-5));
    CHECK(r.sigma_Ea_eV == doctest::Approx(0.016833).epsilon(1e-4));
    CHECK(r.D_T0_cm2_s == doctest::Approx(6.8075e-9).epsilon(1e-4));
    // log10 half-width of the +-1 sigma interval of D(300 K): 0.1966 with the slope-intercept covariance,
    // 0.2971 without it (what the aimd code does); the 95% interval multiplies by t_{7,0.975} = 2.3646.
    CHECK(r.sigma_lnD_T0 / std::log(10.0) == doctest::Approx(0.1966).epsilon(1e-3));
    const double x0 = 1.0 / 300;
    const double without = std::sqrt(x0 * x0 * r.cov_mm + r.cov_bb);
    CHECK(without / std::log(10.0) == doctest::Approx(0.2971).epsilon(1e-3));
    CHECK(r.t_quantile == doctest::Approx(2.3646));
    // The errors are absolute: the 95 % interval uses the normal quantile 1.96, not Student t.
    CHECK(r.z_quantile == doctest::Approx(1.959964).epsilon(1e-6));
    CHECK(std::log10(r.D_T0_hi95 / r.D_T0_cm2_s) == doctest::Approx(1.959964 * 0.1966).epsilon(2e-3));
    // chi^2 of this vector (9 points, 7 dof) and its p-value (scipy.stats.chi2.sf).
    CHECK(r.dof == 7);
    CHECK(r.p_value == doctest::Approx(chi2_sf(r.chi2, 7)).epsilon(1e-15));
    CHECK(r.warnings.size() == 1);  // D falls from 700 K to 720 K
    CHECK(std::log10(r.D_T0_cm2_s / r.D_T0_lo1s) == doctest::Approx(0.1966).epsilon(1e-3));
    const ArrheniusResult r2 = fit_arrhenius(kDT, 300.0, 8.617e-5);
    CHECK(r2.Ea_eV == doctest::Approx(0.25813).epsilon(2e-5));
}

TEST_CASE("pymatgen-style unweighted fit on the same D") {
    double Ea = 0, s = 0;
    fit_arrhenius_unweighted(kDT, Ea, s, 8.617333e-5);
    CHECK(Ea == doctest::Approx(0.24817).epsilon(1e-4));
    CHECK(s == doctest::Approx(0.01178).epsilon(1e-3));
}

TEST_CASE("fewer than 3 points or a non-positive D: a status, not a number") {
    CHECK(fit_arrhenius({kDT[0], kDT[1]}).status == "insufficient");
    std::vector<ArrheniusPoint> bad = kDT;
    bad[3].D_cm2_s = 0;
    CHECK(fit_arrhenius(bad).status == "insufficient");
    CHECK(student_t975(7) == doctest::Approx(2.3646));
    CHECK(student_t975(60) == doctest::Approx(2.0003).epsilon(1e-4));
    CHECK(fit_arrhenius({kDT[0], kDT[4], kDT[8]}).warnings.size() == 1);  // fewer than 4 temperatures
}

TEST_CASE("distribution functions against scipy.stats values") {
    CHECK(chi2_sf(3.0, 2) == doctest::Approx(std::exp(-1.5)).epsilon(1e-14));
    CHECK(chi2_sf(10.0, 7) == doctest::Approx(0.18857346751344).epsilon(1e-10));   // scipy.stats.chi2.sf(10, 7)
    CHECK(chi2_sf(50.0, 30) == doctest::Approx(0.01240206071890054).epsilon(1e-9));  // chi2.sf(50, 30)
    CHECK(student_t_two_sided_p(2.0, 10) == doctest::Approx(0.07338803477074).epsilon(1e-9));  // 2*t.sf(2, 10)
    CHECK(student_t_quantile(0.975, 7) == doctest::Approx(2.364624251592785).epsilon(1e-12));  // mpmath root (scipy ppf: 2.36462425101)
}

#include "analysis/arrhenius_summary.hpp"

TEST_CASE("cross-replica summary: only diffusing, non-melting replicas with a D enter the fit") {
    std::vector<ReplicaDiffusion> reps;
    for (std::size_t k = 0; k < kDT.size(); ++k) {
        ReplicaDiffusion r;
        r.replica = "T" + std::to_string(static_cast<int>(kDT[k].T_K));
        r.T_K = kDT[k].T_K;
        DiffusionSummary d;
        d.species = "Na";
        d.tracer.status = "ok";
        d.tracer.D_cm2_s = kDT[k].D_cm2_s;
        // A symmetric-in-log interval whose (ln hi - ln lo)/(2 z) is sigma_D / D.
        const double sl = kDT[k].sigma_D_cm2_s / kDT[k].D_cm2_s, z = 1.959963984540054;
        d.tracer.D_lo_cm2_s = kDT[k].D_cm2_s * std::exp(-z * sl);
        d.tracer.D_hi_cm2_s = kDT[k].D_cm2_s * std::exp(z * sl);
        r.results.diffusion.push_back(d);
        r.results.classification.tmsd_at_tau_cls.emplace_back("Na", 20.0);
        reps.push_back(r);
    }
    const auto all = arrhenius_from_replicas(reps);
    REQUIRE(all.size() == 1);
    CHECK(all[0].fit.Ea_eV == doctest::Approx(0.25814).epsilon(2e-5));
    reps[0].results.classification.framework_melting = true;
    reps[1].results.diffusion[0].tracer.status = "insufficient";
    reps[2].results.classification.tmsd_at_tau_cls[0].second = 3.0;
    const auto some = arrhenius_from_replicas(reps);
    CHECK(some[0].points.size() == kDT.size() - 3);
    CHECK(some[0].excluded.size() == 3);
    CHECK(some[0].fit.status == "ok");
}
