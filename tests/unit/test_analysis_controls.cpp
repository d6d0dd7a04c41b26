// controls.json (analysis/controls_summary.cpp) on synthetic replicas: kinds from the freeze lists, ratios with
// propagated errors, the TMSD ratio, C1/C2 at the common lag, the paper's classification per replica, and the
// over-seed statistics that leave out melted or stopped pairs.
#include <doctest/doctest.h>

#include <cmath>

#include "analysis/classification.hpp"
#include "analysis/controls_summary.hpp"

using namespace mdrun;

namespace {
// TMSD(tau) = slope * tau on lags 0.5 .. 100 ps, var_sq = 2 TMSD^2 (Gaussian displacements: <r^4> - <r^2>^2 = (2/3) 3 ...).
SpeciesMsd msd(const std::string& el, bool diffusing, double slope, int n_atoms, bool frozen = false) {
    SpeciesMsd m;
    m.species = el;
    m.diffusing = diffusing;
    m.frozen = frozen;
    m.n_atoms = n_atoms;
    for (int k = 1; k <= 200; ++k) {
        const double t = 0.5 * k, y = frozen ? 0.0 : slope * t;
        m.curve.tau_ps.push_back(t);
        m.curve.tmsd_A2.push_back(y);
        m.curve.var_sq_A4.push_back(2.0 / 3.0 * y * y);
    }
    return m;
}
ReorientationCurve c1curve(double rate) {  // C1 = exp(-rate t), C2 = C1^3
    ReorientationCurve c;
    c.centre = "Al";
    for (int k = 1; k <= 200; ++k) {
        const double t = 0.5 * k;
        c.tau_ps.push_back(t);
        c.c1.push_back(std::exp(-rate * t));
        c.c2.push_back(std::pow(std::exp(-rate * t), 3));
    }
    c.min_c1 = std::exp(-rate * 50.0);
    c.rotating = c.min_c1 < 0.9;
    return c;
}
ControlReplica replica(const std::string& name, long seed, std::vector<std::string> frozen, double na_slope, double al_slope,
                       double rot_rate, const std::string& d_status, double D, double sD) {
    ControlReplica r;
    r.name = name;
    r.T_K = 450;
    r.seed = seed;
    r.frozen = frozen;
    AnalysisResults& R = r.results;
    R.t_run_ps = 100;
    const bool na_fz = !frozen.empty() && frozen[0] == "Na", fw_fz = frozen.size() == 2;
    R.msd = {msd("Na", true, na_slope, 32, na_fz), msd("Al", true, al_slope, 32, fw_fz), msd("Br", true, 2 * al_slope, 128, fw_fz)};
    DiffusionSummary d;
    d.species = "Na";
    d.tracer.status = na_fz ? "frozen" : d_status;
    d.tracer.D_cm2_s = na_fz ? 0.0 : D;
    d.tracer.sigma_D_cm2_s = sD;
    R.diffusion = {d};
    R.reorientation = {c1curve(fw_fz ? 0.0 : rot_rate)};
    AnalysisConfig cfg;
    cfg.tau_cls_ps = 50;
    R.classification = classify_run(R, cfg, 0);
    return r;
}
}  // namespace

TEST_CASE("controls: per seed ratios, classification and over-seed statistics") {
    std::vector<ControlReplica> reps = {
        // seed 1: rotation + diffusion, intact; frozen-anion D 10x smaller
        replica("s1_mobile", 1, {}, 0.3, 0.02, 0.003, "ok", 5e-6, 1e-6),
        replica("s1_frozen_AlBr4", 1, {"Al", "Br"}, 0.03, 0, 0, "ok", 5e-7, 1e-7),
        replica("s1_frozen_Na", 1, {"Na"}, 0, 0.005, 0.0006, "frozen", 0, 0),
        // seed 2: intact, no rotation; frozen-anion D not measurable (plateau): TMSD ratio still defined
        replica("s2_mobile", 2, {}, 0.2, 0.02, 0.001, "ok", 3e-6, 5e-7),
        replica("s2_frozen_AlBr4", 2, {"Al", "Br"}, 0.02, 0, 0, "insufficient", NAN, NAN),
        replica("s2_frozen_Na", 2, {"Na"}, 0, 0.005, 0.0006, "frozen", 0, 0),
        // seed 3: the mobile replica melted (Al TMSD(50 ps) = 9 A^2)
        replica("s3_mobile", 3, {}, 0.9, 0.18, 0.03, "ok", 1.7e-5, 1e-6),
        replica("s3_frozen_AlBr4", 3, {"Al", "Br"}, 0.03, 0, 0, "ok", 4e-7, 1e-7),
        replica("s3_frozen_Na", 3, {"Na"}, 0, 0.005, 0.0006, "frozen", 0, 0),
    };
    const ControlsResult c = controls_from_replicas(reps);
    REQUIRE(c.replicas.size() == 9);
    CHECK(c.any_control());
    CHECK(c.replicas[0].kind == "mobile");
    CHECK(c.replicas[1].kind == "frozen_framework");
    CHECK(c.replicas[2].kind == "frozen_ion");
    CHECK(c.replicas[0].verdict == "rotation + diffusion");
    CHECK(c.replicas[3].verdict == "diffusion, no rotation");
    CHECK(c.replicas[4].verdict == "no diffusion, no rotation");
    CHECK(c.replicas[6].verdict == "melted");
    CHECK(c.replicas[6].melted_species == std::vector<std::string>{"Al"});
    CHECK(c.replicas[0].tmsd_ion_A2.value == doctest::Approx(15.0));  // 0.3 * 50 ps
    // sigma of TMSD(50 ps): sqrt(var_sq / (N t_run / tau)) = sqrt((2/3) 15^2 / (32 * 2))
    CHECK(c.replicas[0].tmsd_ion_A2.sigma == doctest::Approx(std::sqrt(2.0 / 3.0 * 225.0 / 64.0)));

    REQUIRE(c.groups.size() == 3);
    const ControlGroup& g1 = c.groups[0];
    CHECK(g1.tau_ps == doctest::Approx(50.0));
    CHECK(g1.D_ratio.status == "ok");
    CHECK(g1.D_ratio.value == doctest::Approx(0.1));
    CHECK(g1.D_ratio.sigma == doctest::Approx(0.1 * std::sqrt(0.2 * 0.2 + 0.2 * 0.2)));
    CHECK(g1.tmsd_ratio.value == doctest::Approx(0.1));
    CHECK(g1.c1_mobile.value == doctest::Approx(std::exp(-0.15)));
    CHECK(g1.c1_frozen_ion.value == doctest::Approx(std::exp(-0.03)));
    CHECK(g1.c2_frozen_ion.value == doctest::Approx(std::exp(-0.09)));
    CHECK(g1.usable);
    const ControlGroup& g2 = c.groups[1];
    CHECK(g2.D_ratio.status.find("insufficient") != std::string::npos);
    CHECK(g2.tmsd_ratio.status == "ok");
    CHECK(g2.tmsd_ratio.value == doctest::Approx(0.1));
    CHECK_FALSE(c.groups[2].usable);
    CHECK(c.groups[2].note.find("melted") != std::string::npos);

    REQUIRE(c.temperatures.size() == 1);
    const ControlsOverSeeds& t = c.temperatures[0];
    CHECK(t.seeds == 3);
    CHECK(t.usable == 2);
    CHECK(t.melted == 1);
    CHECK(t.replicas == 9);
    CHECK(t.mobile_melted == 1);
    CHECK(t.D_mobile.value == doctest::Approx(4e-6));  // mean of 5e-6 and 3e-6
    CHECK(t.D_mobile.sigma == doctest::Approx(1e-6));  // sd 1.414e-6 / sqrt(2)
    CHECK(t.D_ratio.value == doctest::Approx(0.1));    // only seed 1 has both D: its own sigma
    CHECK(t.D_ratio.sigma == doctest::Approx(g1.D_ratio.sigma));
    CHECK(t.tmsd_ratio.value == doctest::Approx(0.1));
}

TEST_CASE("controls: a stopped replica is reported and left out; mean_sem") {
    std::vector<ControlReplica> reps = {replica("m", 1, {}, 0.3, 0.02, 0.003, "ok", 5e-6, 1e-6),
                                        replica("f", 1, {"Al", "Br"}, 0.03, 0, 0, "ok", 5e-7, 1e-7)};
    reps[1].stopped = true;
    reps[1].stop_reason = "step 10: polyanion fell apart";
    const ControlsResult c = controls_from_replicas(reps);
    CHECK_FALSE(c.replicas[1].finished);
    CHECK(c.replicas[1].verdict.find("stopped early") != std::string::npos);
    CHECK_FALSE(c.groups[0].usable);
    CHECK(c.temperatures[0].not_finished == 1);
    CHECK(mean_sem({}).status == "none");
    ValueSigma a, b;
    a.value = 1;
    b.value = 3;
    CHECK(mean_sem({a, b}).value == doctest::Approx(2));
    CHECK(mean_sem({a, b}).sigma == doctest::Approx(1));
    // no frozen replica: no controls
    CHECK_FALSE(controls_from_replicas({replica("m", 1, {}, 0.3, 0.02, 0.003, "ok", 5e-6, 1e-6)}).any_control());
}
