// Cases a1 (born) and a2 (born/coul/dsf) of tests/data/lammps_reference: 100 NVE velocity-Verlet
// steps of 216-atom NaCl. Positions, velocities, forces and per-atom energies against traj.dump at steps
// 0, 1, 2 and every 10th step (the frames kept in the repository, see its SOURCE.md), and at every step
// Temp/KinEng/PotEng/TotEng/Press (and the E_vdwl/E_coul split) against thermo.dat,
// all within 1e-9 relative (per array: max |Δ| ≤ 1e-9 · max |reference|; per scalar: |Δ| ≤ 1e-9 · |ref|),
// with libm's exp/erfc ("exact", as LAMMPS) and with libmvec's ("vector", the config default; its few-ulp
// special functions must not move the 100-step trajectory off LAMMPS' either).
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>

#include "engine/md/dynamics.hpp"
#include "lammps_ref_helpers.hpp"

using namespace mdrun;
using namespace mdrun_test;

namespace {

double rel(double a, double ref) { return std::fabs(a - ref) / std::max(std::fabs(ref), 1e-300); }

void run_nve_case(const std::string& case_dir, bool coulomb, PairArithmetic arithmetic = PairArithmetic::Exact) {
    System sys = read_nacl_data(ref_dir() + "/data/nacl216_seed20240501.data");
    const auto frames = read_dump(ref_dir() + "/" + case_dir + "/traj.dump");
    auto th = read_thermo(ref_dir() + "/" + case_dir + "/thermo.dat");
    // Frames kept: steps 0, 1, 2, 10, 20, ..., 100 (trimmed from LAMMPS' every-step dump).
    REQUIRE(frames.size() == 13);
    REQUIRE(th["Step"].size() == 101);

    BornCoulDsfParams params = nacl_params(coulomb);
    params.arithmetic = arithmetic;
    BornCoulDsfPotential pot(params);
    DynamicsParams dp;
    dp.ensemble = "nve";
    dp.dt_ps = 0.001;
    dp.skin = 2.0;
    Dynamics dyn(dp, sys, pot);
    dyn.set_want_site_energy(true);
    dyn.setup();
    CHECK(dyn.dof() == 3.0 * 216 - 3);

    double worst_x = 0, worst_v = 0, worst_f = 0, worst_e = 0, worst_T = 0, worst_pe = 0, worst_p = 0, worst_etot = 0;
    double worst_split = 0;
    std::size_t frame = 0;
    for (int k = 0; k <= 100; ++k) {
        if (k > 0) dyn.step();
        worst_T = std::max(worst_T, rel(dyn.temperature(), th["Temp"][k]));
        worst_pe = std::max(worst_pe, rel(dyn.potential_energy(), th["PotEng"][k]));
        worst_etot = std::max(worst_etot, rel(dyn.conserved_energy(), th["TotEng"][k]));
        worst_p = std::max(worst_p, rel(dyn.pressure_bar(), th["Press"][k]));
        worst_split = std::max(worst_split, rel(pot.last_evdwl(), th["E_vdwl"][k]));
        if (coulomb) worst_split = std::max(worst_split, rel(pot.last_ecoul(), th["E_coul"][k]));
        CHECK(rel(dyn.kinetic_energy(), th["KinEng"][k]) <= 1e-9);
        if (frame >= frames.size() || frames[frame].step != k) continue;
        const auto& fr = frames[frame++];
        double mx = 0, mv = 0, mf = 0, me = 0, dx = 0, dv = 0, df = 0, de = 0;
        for (std::size_t i = 0; i < sys.size(); ++i) {
            const auto& r = fr.rows[i];
            REQUIRE(static_cast<long>(r[0]) == sys.id[i]);
            const Vec3 x = sys.pos[i], v = sys.vel[i], f = sys.force[i];
            const double xs[3] = {x.x, x.y, x.z}, vs[3] = {v.x, v.y, v.z}, fs[3] = {f.x, f.y, f.z};
            for (int c = 0; c < 3; ++c) {
                mx = std::max(mx, std::fabs(r[2 + c]));
                mv = std::max(mv, std::fabs(r[5 + c]));
                mf = std::max(mf, std::fabs(r[8 + c]));
                dx = std::max(dx, std::fabs(xs[c] - r[2 + c]));
                dv = std::max(dv, std::fabs(vs[c] - r[5 + c]));
                df = std::max(df, std::fabs(fs[c] - r[8 + c]));
            }
            me = std::max(me, std::fabs(r[11]));
            de = std::max(de, std::fabs(dyn.last_force().site_energy[i] - r[11]));
        }
        worst_x = std::max(worst_x, dx / mx);
        worst_v = std::max(worst_v, dv / mv);
        worst_f = std::max(worst_f, df / mf);
        worst_e = std::max(worst_e, de / me);
    }
    CHECK(frame == frames.size());  // every kept frame was compared
    MESSAGE(case_dir << std::string(arithmetic == PairArithmetic::Vector ? " (vector)" : " (exact)") << ": max rel dev x " << worst_x << " v " << worst_v << " F " << worst_f << " e_atom " << worst_e
                     << " T " << worst_T << " PE " << worst_pe << " Etot " << worst_etot << " P " << worst_p
                     << " evdwl/ecoul " << worst_split);
    CHECK(worst_x <= 1e-9);
    CHECK(worst_v <= 1e-9);
    CHECK(worst_f <= 1e-9);
    CHECK(worst_e <= 1e-9);
    CHECK(worst_T <= 1e-9);
    CHECK(worst_pe <= 1e-9);
    CHECK(worst_etot <= 1e-9);
    CHECK(worst_p <= 1e-9);
    CHECK(worst_split <= 1e-9);
}

}  // namespace

TEST_CASE("LAMMPS case a1: NVE, born (no Coulomb), every step") { run_nve_case("case_a1_nve_born", false); }
TEST_CASE("LAMMPS case a2: NVE, born/coul/dsf, every step") { run_nve_case("case_a2_nve_born_dsf", true); }
TEST_CASE("LAMMPS case a1 with vector exp (libmvec)") {
    run_nve_case("case_a1_nve_born", false, PairArithmetic::Vector);
}
TEST_CASE("LAMMPS case a2 with vector exp/erfc (libmvec)") {
    run_nve_case("case_a2_nve_born_dsf", true, PairArithmetic::Vector);
}
