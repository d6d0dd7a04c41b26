// Bit-identical restart (save at step k, load into a fresh System/Dynamics, continue) and independence of
// the trajectory from the number of OpenMP threads, with frequent neighbour-list rebuilds (small skin);
// Maxwell–Boltzmann velocities (seeded, zero momentum, exact temperature, frozen atoms at rest).
#include <doctest/doctest.h>

#include <omp.h>

#include <cstring>
#include <sstream>

#include "engine/md/dynamics.hpp"
#include "lammps_ref_helpers.hpp"

using namespace mdrun;
using namespace mdrun_test;

namespace {

bool same_bits(const std::vector<Vec3>& a, const std::vector<Vec3>& b) {
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(Vec3)) == 0;
}
bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof(double)) == 0; }

DynamicsParams nvt_params() {
    DynamicsParams dp;
    dp.ensemble = "nvt";
    dp.dt_ps = 0.002;  // a long step and a tiny skin, so the list is rebuilt many times
    dp.temperature_K = 900.0;
    dp.tdamp_ps = 0.05;
    dp.chain = 4;
    dp.tloop = 2;
    dp.skin = 0.05;
    return dp;
}

System start_system(bool freeze) {
    System sys = read_nacl_data(ref_dir() + "/data/nacl216_seed20240501.data");
    if (freeze)
        for (std::size_t i = 0; i < sys.size(); ++i) sys.frozen[i] = sys.type[i] == 1;
    return sys;
}

}  // namespace

TEST_CASE("restart at step k continues bit for bit (NVT, rebuilds, frozen Cl)") {
    for (bool freeze : {false, true}) {
        BornCoulDsfPotential pot(nacl_params(true));
        System ref = start_system(freeze);
        Dynamics a(nvt_params(), ref, pot);
        a.setup();
        std::stringstream ckpt;
        for (int k = 1; k <= 60; ++k) {
            a.step();
            if (k == 25) {
                BinaryWriter w(ckpt);
                a.save(w);
            }
        }
        CHECK(a.neighbor_rebuilds() > 5);

        System sys = start_system(freeze);  // fresh structure: the checkpoint supplies the state
        Dynamics b(nvt_params(), sys, pot);
        BinaryReader r(ckpt, "ckpt");
        b.load(r);
        CHECK(b.step_count() == 25);
        while (b.step_count() < 60) b.step();
        CHECK(same_bits(sys.pos, ref.pos));
        CHECK(same_bits(sys.vel, ref.vel));
        CHECK(same_bits(sys.force, ref.force));
        CHECK(same_bits(b.conserved_energy(), a.conserved_energy()));
        CHECK(same_bits(b.temperature(), a.temperature()));
        CHECK(same_bits(b.pressure_bar(), a.pressure_bar()));
        CHECK(std::memcmp(&b.thermostat(), &a.thermostat(), sizeof(NhcState)) == 0);
        CHECK(b.neighbor_rebuilds() == a.neighbor_rebuilds());
    }
}

TEST_CASE("trajectory does not depend on the number of OpenMP threads") {
    const int saved = omp_get_max_threads();
    std::vector<System> out;
    std::vector<double> econs;
    for (int threads : {1, 2, 3}) {
        omp_set_num_threads(threads);
        BornCoulDsfPotential pot(nacl_params(true));
        System sys = start_system(false);
        Dynamics d(nvt_params(), sys, pot);
        d.set_want_site_energy(true);
        d.setup();
        for (int k = 0; k < 40; ++k) d.step();
        econs.push_back(d.conserved_energy());
        out.push_back(sys);
    }
    omp_set_num_threads(saved);
    for (std::size_t t = 1; t < out.size(); ++t) {
        CHECK(same_bits(out[t].pos, out[0].pos));
        CHECK(same_bits(out[t].vel, out[0].vel));
        CHECK(same_bits(out[t].force, out[0].force));
        CHECK(same_bits(econs[t], econs[0]));
    }
}

TEST_CASE("Maxwell-Boltzmann velocities: seeded, zero momentum, exact temperature, frozen at rest") {
    for (bool freeze : {false, true}) {
        System a = start_system(freeze), b = start_system(freeze), c = start_system(freeze);
        maxwell_boltzmann(a, 600.0, 42);
        maxwell_boltzmann(b, 600.0, 42);
        maxwell_boltzmann(c, 600.0, 43);
        CHECK(same_bits(a.vel, b.vel));
        CHECK(!same_bits(a.vel, c.vel));
        const double dof = degrees_of_freedom(a);
        CHECK(dof == (freeze ? 3.0 * 108 : 3.0 * 216 - 3));
        double s = 0;
        Vec3 p{0, 0, 0};
        double pmax = 0;
        for (std::size_t i = 0; i < a.size(); ++i) {
            if (a.frozen[i]) {
                CHECK(norm2(a.vel[i]) == 0.0);
                continue;
            }
            s += mv2(a.vel[i], a.mass[i]);
            p += a.mass[i] * a.vel[i];
            pmax = std::max(pmax, a.mass[i] * norm(a.vel[i]));
        }
        CHECK(temperature_from_mv2(s, dof) == doctest::Approx(600.0).epsilon(1e-13));
        if (!freeze) CHECK(norm(p) <= 1e-12 * pmax * a.size());
        CHECK(a.has_velocities);
    }
}

TEST_CASE("bad dynamics parameters are errors naming the key") {
    BornCoulDsfPotential pot(nacl_params(true));
    System sys = start_system(false);
    DynamicsParams dp = nvt_params();
    dp.dt_ps = 0.0;
    CHECK_THROWS_WITH_AS(Dynamics(dp, sys, pot), doctest::Contains("timestep_fs"), Error);
    dp = nvt_params();
    dp.ensemble = "nph";  // (npt is an ensemble now)
    CHECK_THROWS_WITH_AS(Dynamics(dp, sys, pot), doctest::Contains("ensemble"), Error);
    dp = nvt_params();
    dp.chain = 0;
    CHECK_THROWS_WITH_AS(Dynamics(dp, sys, pot), doctest::Contains("chain"), Error);
    dp = nvt_params();
    dp.tdamp_ps = -1;
    CHECK_THROWS_WITH_AS(Dynamics(dp, sys, pot), doctest::Contains("tdamp_fs"), Error);
}
