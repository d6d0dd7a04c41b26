// NPT beyond the LAMMPS comparison (test_lammps_npt.cpp): bit-identical restarts, a neighbour list that stays
// exact while the cell shrinks fast, frozen atoms carried with the cell, the [md] npt keys, and an MTP run
// (the NaAlCl4 demo potential of inputs/NaAlCl4) that conserves its Econserve and reaches the target pressure.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <sstream>

#include "engine/io/cfg_io.hpp"
#include "engine/core/config.hpp"
#include "engine/md/dynamics.hpp"
#include "engine/core/elements.hpp"
#include "engine/core/error.hpp"
#include "lammps_ref_helpers.hpp"
#include "potentials/mtp_file.hpp"
#include "potentials/mtp_potential.hpp"

using namespace mdrun;
using namespace mdrun_test;

namespace {

bool same_bits(const std::vector<Vec3>& a, const std::vector<Vec3>& b) {
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(Vec3)) == 0;
}
bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof(double)) == 0; }

System nacl() { return read_nacl_data(repo_ref_dir() + "/data/nacl216_seed20240501.data"); }

DynamicsParams npt_params(const std::string& barostat, double p_bar, double pdamp_ps, double skin) {
    DynamicsParams dp;
    dp.ensemble = "npt";
    dp.dt_ps = 0.001;
    dp.temperature_K = 900.0;
    dp.tdamp_ps = 0.1;
    dp.skin = skin;
    dp.barostat = barostat;
    dp.pressure_bar = p_bar;
    dp.pdamp_ps = pdamp_ps;
    return dp;
}

// Pairs closer than rc in a list (each ordered pair once; a half list's pairs count for both orders).
long pairs_within(const System& sys, const NeighborList& nl, double rc) {
    long n = 0;
    if (nl.half) {
        std::vector<Vec3> xw, shift;
        half_list_vectors(nl, sys.box, sys.pos, xw, shift);
        for (std::size_t i = 0; i < nl.size(); ++i)
            for (int s = nl.offset[i]; s < nl.offset[i + 1]; ++s)
                if (norm2(xw[static_cast<std::size_t>(nl.j[s])] + shift[nl.code[s]] - xw[i]) < rc * rc) n += 2;
        return n;
    }
    for (std::size_t i = 0; i < nl.size(); ++i)
        for (int s = nl.offset[i]; s < nl.offset[i + 1]; ++s)
            if (norm2(sys.pos[static_cast<std::size_t>(nl.j[s])] + slot_shift(nl, static_cast<std::size_t>(s)) - sys.pos[i]) <
                rc * rc)
                ++n;
    return n;
}

}  // namespace

TEST_CASE("NPT restart at step k continues bit for bit (tri, aniso with couple, frozen Cl, list rebuilds)") {
    struct Case { const char* barostat; const char* couple; bool freeze; };
    for (const Case c : {Case{"tri", "none", false}, Case{"aniso", "xy", true}, Case{"iso", "none", false}}) {
        CAPTURE(c.barostat);
        BornCoulDsfPotential pot(nacl_params(true));
        DynamicsParams dp = npt_params(c.barostat, 5000.0, 0.2, 0.1);
        dp.couple = c.couple;
        dp.pchain = 2;
        dp.ploop = 2;
        System ref = nacl();
        if (c.freeze)
            for (std::size_t i = 0; i < ref.size(); ++i) ref.frozen[i] = ref.type[i] == 1;
        Dynamics a(dp, ref, pot);
        a.setup();
        std::stringstream ckpt;
        for (int k = 1; k <= 60; ++k) {
            a.step();
            if (k == 25) {
                BinaryWriter w(ckpt);
                a.save(w);
            }
        }
        CHECK(a.neighbor_rebuilds() > 3);
        System cont = nacl();
        if (c.freeze)
            for (std::size_t i = 0; i < cont.size(); ++i) cont.frozen[i] = cont.type[i] == 1;
        Dynamics b(dp, cont, pot);
        BinaryReader r(ckpt, "ckpt");
        b.load(r);
        CHECK(b.step_count() == 25);
        for (int k = 26; k <= 60; ++k) b.step();
        CHECK(same_bits(ref.pos, cont.pos));
        CHECK(same_bits(ref.vel, cont.vel));
        CHECK(same_bits(ref.force, cont.force));
        CHECK(same_bits(a.conserved_energy(), b.conserved_energy()));
        CHECK(same_bits(a.cell_volume(), b.cell_volume()));
        CHECK(std::memcmp(&a.barostat(), &b.barostat(), sizeof(MtkState)) == 0);
        CHECK(a.neighbor_rebuilds() == b.neighbor_rebuilds());
    }
}

TEST_CASE("NPT neighbour list stays exact while the cell deforms fast (rebuild criterion with cell strain)") {
    // 50 kbar with a short Pdamp squeezes the cell by several per cent within 300 fs. At every step the
    // maintained list must hold exactly the pairs a fresh list finds within the cutoff, and give the same
    // forces.
    for (const std::string baro : {"iso", "tri"}) {
        CAPTURE(baro);
        BornCoulDsfPotential pot(nacl_params(true));
        System sys = nacl();
        Dynamics dyn(npt_params(baro, 50000.0, 0.05, 0.3), sys, pot);
        dyn.setup();
        const double v0 = dyn.cell_volume();
        double worst_f = 0.0;
        long mismatched = 0;
        for (int k = 1; k <= 300; ++k) {
            dyn.step();
            NeighborList fresh;
            build_neighbor_list(sys.box, sys.pos, neighbor_list_cutoff(pot, 0.0), fresh);
            if (pairs_within(sys, dyn.neighbor_list(), pot.cutoff()) != pairs_within(sys, fresh, pot.cutoff())) ++mismatched;
            std::vector<Vec3> f;
            ForceResult fr;
            pot.compute(sys, fresh, f, fr, false);
            for (std::size_t i = 0; i < sys.size(); ++i) worst_f = std::max(worst_f, norm(f[i] - sys.force[i]));
        }
        const double shrink = 1.0 - dyn.cell_volume() / v0;
        MESSAGE(baro << ": volume change " << shrink * 100 << " %, rebuilds " << dyn.neighbor_rebuilds()
                     << ", max |F - F(fresh list)| " << worst_f << " eV/Å");
        CHECK(shrink > 0.02);
        CHECK(mismatched == 0);
        CHECK(worst_f < 1e-10);
        CHECK(dyn.neighbor_rebuilds() > 0);
    }
}

TEST_CASE("NPT with frozen atoms: they stay at rest and keep their fractional coordinates (dilate all)") {
    BornCoulDsfPotential pot(nacl_params(true));
    System sys = nacl();
    for (std::size_t i = 0; i < sys.size(); ++i) sys.frozen[i] = sys.type[i] == 1;
    Dynamics dyn(npt_params("aniso", 20000.0, 0.1, 1.0), sys, pot);
    dyn.setup();
    std::vector<Vec3> lam0;
    for (const Vec3& x : sys.pos) lam0.push_back(mtk_to_lamda(dyn.barostat().box, x));
    const double v0 = dyn.cell_volume();
    for (int k = 0; k < 100; ++k) dyn.step();
    double worst = 0.0;
    bool at_rest = true;
    for (std::size_t i = 0; i < sys.size(); ++i) {
        if (!sys.frozen[i]) continue;
        const Vec3 lam = mtk_to_lamda(dyn.barostat().box, sys.pos[i]);
        worst = std::max(worst, norm(lam - lam0[i]));
        at_rest = at_rest && sys.vel[i].x == 0.0 && sys.vel[i].y == 0.0 && sys.vel[i].z == 0.0;
    }
    CHECK(std::fabs(dyn.cell_volume() / v0 - 1.0) > 1e-3);  // the cell did change
    CHECK(worst < 1e-13);
    CHECK(at_rest);
}

TEST_CASE("NPT keys in [md]: defaults, values, and clear errors") {
    const std::string base = R"(
[structure]
file = "s.POSCAR"
[potential]
kind = "mtp"
[md]
steps = 10
temperature_K = 300
ensemble = "npt"
)";
    const RunConfig c = parse_config(base + "pressure_bar = 1.0\nbarostat = \"tri\"\npdamp_fs = 500\npchain = 0\nmtk = false\n",
                                     "/tmp/cfgtest/config.toml");
    CHECK(c.md.ensemble == "npt");
    CHECK(c.md.barostat == "tri");
    CHECK(c.md.pdamp_fs == 500.0);
    CHECK(c.md.pchain == 0);
    CHECK(c.md.ploop == 1);
    CHECK(!c.md.mtk);
    const RunConfig d = parse_config(base, "/tmp/cfgtest/config.toml");
    CHECK(d.md.pressure_bar == 1.0);
    CHECK(d.md.pdamp_fs == 1000.0);
    CHECK(d.md.barostat == "iso");
    CHECK(d.md.pchain == 3);
    CHECK(d.md.mtk);
    auto error_of = [&](const std::string& extra) {
        try {
            parse_config(base + extra, "/tmp/cfgtest/config.toml");
        } catch (const Error& e) {
            return std::string(e.what());
        }
        return std::string();
    };
    auto has = [](const std::string& s, const char* sub) { return s.find(sub) != std::string::npos; };
    std::string e = error_of("presure_bar = 3\n");
    CHECK(has(e, "[md].presure_bar"));
    CHECK(has(e, "did you mean 'pressure_bar'"));
    e = error_of("barostat = \"isotropic\"\n");
    CHECK(has(e, "[md].barostat"));
    CHECK(has(e, "iso, aniso, tri"));
    CHECK(has(error_of("pdamp_fs = 0\n"), "[md].pdamp_fs"));
    CHECK(has(error_of("couple = \"xy\"\n"), "contradicts barostat = \"iso\""));
    CHECK(has(error_of("pchain = -1\n"), "[md].pchain"));
    CHECK(error_of("barostat = \"aniso\"\ncouple = \"xy\"\n").empty());
}

// The target is 10 kbar: this demo potential holds its cell at about +1 GPa in NVT at 300 K, and at 1 bar it
// lets the cell expand to 2.4 times its volume until atoms fall into the potential's unphysical Na–Al well
// below min_dist (a property of the demo fit, not of the barostat; see inputs/NaAlCl4/config.toml).
TEST_CASE("MTP NPT (NaAlCl4 demo, 48 atoms, 300 K, 10 kbar): Econserve drift < 1e-4 eV/atom over 10 ps, mean P on target") {
    const std::string dir = std::string(MDRUN_SOURCE_DIR) + "/inputs/NaAlCl4";
    const auto cfgs = read_cfg(dir + "/supercell_b6167.cfg");
    REQUIRE(!cfgs.empty());
    System sys;
    sys.box = make_box(cfgs[0].lattice);
    sys.species = {"Na", "Al", "Cl"};
    sys.type = cfgs[0].type;
    sys.pos = cfgs[0].pos;
    for (std::size_t i = 0; i < sys.pos.size(); ++i) {
        sys.id.push_back(static_cast<long>(i + 1));
        sys.mass.push_back(atomic_mass(sys.species[static_cast<std::size_t>(sys.type[i])]));
    }
    sys.force.assign(sys.size(), Vec3{0, 0, 0});
    sys.frozen.assign(sys.size(), 0);
    maxwell_boltzmann(sys, 300.0, 11);
    MtpPotential pot(read_mtp(dir + "/pot.mtp"), {0, 1, 2});
    DynamicsParams dp;
    dp.ensemble = "npt";
    dp.dt_ps = 0.001;
    dp.temperature_K = 300.0;
    dp.tdamp_ps = 0.1;
    dp.skin = 1.0;
    dp.barostat = "iso";
    dp.pressure_bar = 10000.0;
    dp.pdamp_ps = 0.5;
    Dynamics dyn(dp, sys, pot);
    dyn.setup();
    const double n = static_cast<double>(sys.size());
    const int steps = 10000, equil = 2000;
    std::vector<double> t, e, p;
    double v_first = 0, v_last = 0;
    long close = 0;
    for (int k = 0; k <= steps; ++k) {
        if (k > 0) dyn.step();
        close += dyn.last_force().close_pairs;
        if (k % 10 == 0) {
            t.push_back(k * dp.dt_ps);
            e.push_back(dyn.conserved_energy() / n);
        }
        if (k > equil) p.push_back(dyn.pressure_bar());
        if (k == 0) v_first = dyn.cell_volume();
        if (k == steps) v_last = dyn.cell_volume();
    }
    // Drift: least-squares slope over the 10 ps, and the mean of the last ps minus that of the first.
    double mt = 0, me = 0;
    for (std::size_t i = 0; i < t.size(); ++i) { mt += t[i]; me += e[i]; }
    mt /= t.size();
    me /= e.size();
    double sxy = 0, sxx = 0;
    for (std::size_t i = 0; i < t.size(); ++i) { sxy += (t[i] - mt) * (e[i] - me); sxx += (t[i] - mt) * (t[i] - mt); }
    const double slope_drift = sxy / sxx * 10.0;
    const std::size_t m = t.size() / 10;
    double first = 0, last = 0;
    for (std::size_t i = 0; i < m; ++i) { first += e[i]; last += e[e.size() - 1 - i]; }
    const double end_drift = (last - first) / m;
    // Mean pressure after 2 ps, with its standard error from 8 blocks of 1 ps (each longer than the
    // pressure's correlation time at Pdamp = 0.5 ps).
    const std::size_t nb = 8, bl = p.size() / nb;
    double pm = 0;
    std::vector<double> blocks(nb, 0.0);
    for (std::size_t b = 0; b < nb; ++b) {
        for (std::size_t i = 0; i < bl; ++i) blocks[b] += p[b * bl + i];
        blocks[b] /= bl;
        pm += blocks[b] / nb;
    }
    double var = 0;
    for (double x : blocks) var += (x - pm) * (x - pm);
    const double se = std::sqrt(var / (nb - 1) / nb);
    MESSAGE("NaAlCl4 48 atoms NPT: drift (fit) " << slope_drift << " eV/atom/10ps, last-ps minus first-ps " << end_drift
                                                 << " eV/atom; mean P (2-10 ps) " << pm << " ± " << se
                                                 << " bar (target 10000 bar); V " << v_first << " -> " << v_last
                                                 << " Å³; rebuilds " << dyn.neighbor_rebuilds() << ", close pairs " << close);
    CHECK(std::fabs(slope_drift) < 1e-4);
    CHECK(std::fabs(end_drift) < 1e-4);
    CHECK(close == 0);
    // Within three standard errors (a correct barostat fails a one-sigma check a third of the time).
    CHECK(std::fabs(pm - dp.pressure_bar) < 3.0 * se);
    CHECK(se < 2000.0);  // and the estimate is informative (the run is not wildly unstable)
}
