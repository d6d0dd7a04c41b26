// NVE energy conservation with an MTP: Na2O (NaO_lev16 from ../shared/data/mtp; the rattled, triclinically
// deformed primitive cell of input.cfg (configuration 1) replicated 2×2×2: 24 atoms, small so that the test
// stays fast), Maxwell–Boltzmann 600 K (about 300 K on average), 10 ps at dt = 1 fs. The drift of the
// total energy (least-squares slope × 10 ps, and mean of the last ps minus mean of the first ps) must stay
// below 1e-4 eV/atom.
#include <doctest/doctest.h>

#include <cmath>
#include <fstream>

#include "engine/cfg_io.hpp"
#include "engine/dynamics.hpp"
#include "engine/elements.hpp"
#include "engine/structure_io.hpp"
#include "potentials/mtp_file.hpp"
#include "potentials/mtp_potential.hpp"

using namespace mdrun;

TEST_CASE("MTP NVE: Na2O (NaO_lev16) drift below 1e-4 eV/atom over 10 ps at 1 fs") {
    const std::string dir = std::string(MDRUN_SHARED_DIR) + "/data/mtp/NaO_lev16";
    std::ifstream probe(dir + "/pot.mtp");
    REQUIRE_MESSAGE(probe.good(), "missing " << dir << "/pot.mtp");
    const auto cfgs = read_cfg(dir + "/input.cfg");
    REQUIRE(cfgs.size() >= 2);
    const CfgConfig& c = cfgs[1];
    System sys;
    sys.box = make_box(c.lattice);
    sys.species = {"Na", "O"};
    sys.type = c.type;
    sys.pos = c.pos;
    for (std::size_t i = 0; i < c.size(); ++i) {
        sys.id.push_back(static_cast<long>(i + 1));
        sys.mass.push_back(atomic_mass(sys.species[c.type[i]]));
    }
    sys.force.assign(c.size(), Vec3{0, 0, 0});
    sys.frozen.assign(c.size(), 0);
    replicate(sys, 2, 2, 2);
    REQUIRE(sys.size() == 24);
    maxwell_boltzmann(sys, 600.0, 2024);  // equipartition brings it to ~300 K

    MtpPotential pot(read_mtp(dir + "/pot.mtp"), {0, 1});
    DynamicsParams dp;
    dp.ensemble = "nve";
    dp.dt_ps = 0.001;
    dp.skin = 0.3;  // small, so that the list is rebuilt during the run
    Dynamics dyn(dp, sys, pot);
    dyn.setup();

    const int steps = 10000, every = 10;
    const double n = static_cast<double>(sys.size());
    std::vector<double> t, e;
    double tsum = 0;
    long close = 0;
    for (int k = 0; k <= steps; ++k) {
        if (k > 0) dyn.step();
        close += dyn.last_force().close_pairs;
        if (k % every == 0) {
            t.push_back(k * dp.dt_ps);
            e.push_back(dyn.conserved_energy() / n);
            tsum += dyn.temperature();
        }
    }
    // Least-squares slope of E/N against time.
    double mt = 0, me = 0;
    for (std::size_t i = 0; i < t.size(); ++i) { mt += t[i]; me += e[i]; }
    mt /= t.size();
    me /= e.size();
    double sxy = 0, sxx = 0, emax = 0;
    for (std::size_t i = 0; i < t.size(); ++i) {
        sxy += (t[i] - mt) * (e[i] - me);
        sxx += (t[i] - mt) * (t[i] - mt);
        emax = std::max(emax, std::fabs(e[i] - e[0]));
    }
    const double slope_drift = sxy / sxx * 10.0;  // eV/atom over 10 ps
    const std::size_t m = t.size() / 10;
    double first = 0, last = 0;
    for (std::size_t i = 0; i < m; ++i) { first += e[i]; last += e[e.size() - 1 - i]; }
    const double end_drift = (last - first) / m;
    MESSAGE("Na2O 24 atoms: mean T " << tsum / t.size() << " K, fitted drift " << slope_drift
            << " eV/atom/10ps, last-ps minus first-ps " << end_drift << " eV/atom, max |E-E0| " << emax
            << " eV/atom, close pairs " << close << ", list rebuilds " << dyn.neighbor_rebuilds());
    CHECK(std::fabs(slope_drift) < 1e-4);
    CHECK(std::fabs(end_drift) < 1e-4);
    CHECK(close == 0);
    CHECK(dyn.neighbor_rebuilds() > 0);
}
