// The paper's run classification (analysis/classification.cpp): framework melting must be decided on the
// framework cation sublattice even when the user lists every species in msd.elements (issue 17: with
// msd.elements = [Na, Al, Br] an Al TMSD of 12 Å^2 was reported as "no melting").
#include <doctest/doctest.h>

#include "analysis/classification.hpp"

using namespace mdrun;

namespace {
// A species whose per-atom TMSD rises linearly to `tmsd_end` at t = 100 ps (lags 0.5 .. 100 ps).
SpeciesMsd species(const std::string& el, bool diffusing, double tmsd_end, bool frozen = false) {
    SpeciesMsd m;
    m.species = el;
    m.diffusing = diffusing;
    m.frozen = frozen;
    for (int k = 1; k <= 200; ++k) {
        m.curve.tau_ps.push_back(0.5 * k);
        m.curve.tmsd_A2.push_back(frozen ? 0.0 : tmsd_end * (0.5 * k) / 100.0);
    }
    return m;
}
AnalysisResults run(std::vector<SpeciesMsd> msd) {
    AnalysisResults r;
    r.t_run_ps = 100.0;
    r.msd = std::move(msd);
    return r;
}
}  // namespace

TEST_CASE("framework melting is applied to Al when every species is in msd.elements") {
    AnalysisConfig cfg;  // tau_cls = min(0.5 t_run, 1e300) = 50 ps: TMSD(50 ps) = tmsd_end / 2
    // NaAlBr4 450 K s113 (SOURCE.md): Na 47, Al 9.3, Br 18 Å^2 at 50 ps
    const auto melted = classify_run(run({species("Na", true, 94.4), species("Al", true, 18.6), species("Br", true, 36)}), cfg, 0);
    CHECK(melted.tau_cls_ps == doctest::Approx(50.0));
    CHECK(melted.framework_melting);
    REQUIRE(melted.melted_species.size() == 1);
    CHECK(melted.melted_species[0] == "Al");  // Br rotates with its AlBr4: not a melting criterion
    CHECK(melted.na_diffusing);

    // 475 K s131: Al 1.45, Br 3.03 Å^2 at 50 ps: intact (Br above 2 Å^2 from rotation alone)
    const auto intact = classify_run(run({species("Na", true, 40.4), species("Al", true, 2.9), species("Br", true, 6.06)}), cfg, 0);
    CHECK_FALSE(intact.framework_melting);
    CHECK(intact.melted_species.empty());
    CHECK(intact.na_diffusing);
}

TEST_CASE("an Al TMSD above 5 A^2 does not count as Na diffusion") {
    AnalysisConfig cfg;
    const auto c = classify_run(run({species("Na", true, 2.0), species("Al", true, 20.0), species("Br", false, 30)}), cfg, 0);
    CHECK_FALSE(c.na_diffusing);
    CHECK(c.framework_melting);
}

TEST_CASE("framework melting with only Na in msd.elements, and frozen species never melt") {
    AnalysisConfig cfg;
    CHECK(classify_run(run({species("Na", true, 20), species("Al", false, 4.2), species("Br", false, 1)}), cfg, 0).framework_melting);
    CHECK_FALSE(classify_run(run({species("Na", true, 20), species("Al", false, 3.8), species("Br", false, 1)}), cfg, 0).framework_melting);
    const auto fz = classify_run(run({species("Na", true, 20), species("Al", true, 0, true), species("Br", true, 0, true)}), cfg, 0);
    CHECK_FALSE(fz.framework_melting);
}

TEST_CASE("without a known conducting cation, every msd.elements species is a mobile ion") {
    AnalysisConfig cfg;
    // e.g. an F- conductor with msd.elements = ["F"] and a La framework
    const auto c = classify_run(run({species("F", true, 20), species("La", false, 1)}), cfg, 0);
    CHECK(c.na_diffusing);
    CHECK_FALSE(c.framework_melting);
}
