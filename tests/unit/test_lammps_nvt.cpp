// Cases b (fix nvt, Nosé–Hoover chain M=3, 600 K, Tdamp 0.1 ps) and c (same with the Cl sublattice frozen,
// thermostat and temperature over Na with dof = 3·N_Na) of tests/data/lammps_reference: 1000 steps of
// 216-atom NaCl with born/coul/dsf. At every step: Temp, PotEng, Ecouple-including Econserve (and KinEng,
// TotEng, Press) within 1e-8 relative of thermo.dat; every 100 steps positions/velocities/forces against
// traj.dump; in case c the Cl positions never change (bit for bit).
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>

#include "engine/md/dynamics.hpp"
#include "lammps_ref_helpers.hpp"

using namespace mdrun;
using namespace mdrun_test;

namespace {

double rel(double a, double ref) { return std::fabs(a - ref) / std::max(std::fabs(ref), 1e-300); }

void run_nvt_case(const std::string& case_dir, const std::string& data, bool freeze_cl) {
    System sys = read_nacl_data(ref_dir() + "/data/" + data);
    if (freeze_cl)
        for (std::size_t i = 0; i < sys.size(); ++i) sys.frozen[i] = sys.type[i] == 1;
    const std::vector<Vec3> pos0 = sys.pos;
    const auto frames = read_dump(ref_dir() + "/" + case_dir + "/traj.dump");
    auto th = read_thermo(ref_dir() + "/" + case_dir + "/thermo.dat");
    REQUIRE(th["Step"].size() == 1001);
    REQUIRE(frames.size() == 11);

    BornCoulDsfPotential pot(nacl_params(true));
    DynamicsParams dp;
    dp.ensemble = "nvt";
    dp.dt_ps = 0.001;
    dp.temperature_K = 600.0;
    dp.tdamp_ps = 0.1;
    dp.chain = 3;
    dp.tloop = 1;
    dp.skin = 2.0;
    Dynamics dyn(dp, sys, pot);
    dyn.setup();
    CHECK(dyn.dof() == (freeze_cl ? 3.0 * 108 : 3.0 * 216 - 3));

    double wT = 0, wPE = 0, wEc = 0, wKE = 0, wTot = 0, wP = 0, wCouple = 0, wx = 0, wv = 0, wf = 0;
    bool cl_fixed = true;
    std::size_t frame = 0;
    for (int k = 0; k <= 1000; ++k) {
        if (k > 0) dyn.step();
        REQUIRE(th["Step"][k] == k);
        wT = std::max(wT, rel(dyn.temperature(), th["Temp"][k]));
        wPE = std::max(wPE, rel(dyn.potential_energy(), th["PotEng"][k]));
        wEc = std::max(wEc, rel(dyn.conserved_energy(), th["Econserve"][k]));
        wKE = std::max(wKE, rel(dyn.kinetic_energy(), th["KinEng"][k]));
        wTot = std::max(wTot, rel(dyn.potential_energy() + dyn.kinetic_energy(), th["TotEng"][k]));
        wP = std::max(wP, rel(dyn.pressure_bar(), th["Press"][k]));
        // Ecouple starts at exactly 0, so compare it on the scale of the total energy.
        wCouple = std::max(wCouple, std::fabs(dyn.thermostat_energy() - th["Ecouple"][k]) / std::fabs(th["Econserve"][k]));
        if (freeze_cl)
            for (std::size_t i = 0; i < sys.size(); ++i)
                if (sys.frozen[i] && (sys.pos[i].x != pos0[i].x || sys.pos[i].y != pos0[i].y || sys.pos[i].z != pos0[i].z ||
                                      sys.vel[i].x != 0.0 || sys.vel[i].y != 0.0 || sys.vel[i].z != 0.0))
                    cl_fixed = false;
        if (frame < frames.size() && frames[frame].step == k) {
            double mx = 0, mv = 0, mf = 0, dx = 0, dv = 0, df = 0;
            for (std::size_t i = 0; i < sys.size(); ++i) {
                const auto& r = frames[frame].rows[i];
                const double xs[3] = {sys.pos[i].x, sys.pos[i].y, sys.pos[i].z};
                const double vs[3] = {sys.vel[i].x, sys.vel[i].y, sys.vel[i].z};
                const double fs[3] = {sys.force[i].x, sys.force[i].y, sys.force[i].z};
                for (int c = 0; c < 3; ++c) {
                    mx = std::max(mx, std::fabs(r[2 + c]));
                    mv = std::max(mv, std::fabs(r[5 + c]));
                    mf = std::max(mf, std::fabs(r[8 + c]));
                    dx = std::max(dx, std::fabs(xs[c] - r[2 + c]));
                    dv = std::max(dv, std::fabs(vs[c] - r[5 + c]));
                    df = std::max(df, std::fabs(fs[c] - r[8 + c]));
                }
            }
            wx = std::max(wx, dx / mx);
            wv = std::max(wv, dv / mv);
            wf = std::max(wf, df / mf);
            ++frame;
        }
    }
    CHECK(frame == frames.size());
    MESSAGE(case_dir << ": max rel dev T " << wT << " PE " << wPE << " Econserve " << wEc << " KE " << wKE << " TotEng "
                     << wTot << " P " << wP << " Ecouple/|Econserve| " << wCouple << " x " << wx << " v " << wv << " F "
                     << wf << "; rebuilds " << dyn.neighbor_rebuilds());
    CHECK(wT <= 1e-8);
    CHECK(wPE <= 1e-8);
    CHECK(wEc <= 1e-8);
    CHECK(wKE <= 1e-8);
    CHECK(wTot <= 1e-8);
    CHECK(wP <= 1e-8);
    CHECK(wCouple <= 1e-8);
    CHECK(wx <= 1e-8);
    CHECK(wv <= 1e-8);
    CHECK(wf <= 1e-8);
    CHECK(cl_fixed);
}

}  // namespace

TEST_CASE("LAMMPS case b: fix nvt (NHC, chain 3), born/coul/dsf, 1000 steps") {
    run_nvt_case("case_b_nvt_nhc", "nacl216_seed20240501.data", false);
}
TEST_CASE("LAMMPS case c: fix nvt with Cl frozen (setforce 0, Na-only temperature), 1000 steps") {
    run_nvt_case("case_c_nvt_frozenCl", "nacl216_frozenCl_seed20240502.data", true);
}
