// born-coul-dsf on a small triclinic cell (edges < cutoff: many self-images): forces and virial against
// central finite differences of the energy, per-atom energies summing to the total, momentum conservation,
// the DSF pair energy and force vanishing at the cutoff, and bit-identical results for 1/2/3 threads.
#include <doctest/doctest.h>

#include <omp.h>

#include <cmath>
#include <cstring>
#include <random>

#include "engine/md/integrator_math.hpp"
#include "engine/md/neighbor_list.hpp"
#include "lammps_ref_helpers.hpp"
#include "potentials/born_coul_dsf.hpp"

using namespace mdrun;
using namespace mdrun_test;

namespace {

// Rock-salt NaCl, fcc primitive cell ×(2,1,1) sheared a little, rattled: 4 atoms, edges ~4–8 Å.
System small_cell() {
    const double a = 5.64;
    Mat3 h = {{{0, a / 2, a / 2}, {a / 2, 0, a / 2}, {a / 2, a / 2, 0}}};
    for (int k = 0; k < 3; ++k) h.m[0][k] *= 2.0;
    h.m[1][0] += 0.21;
    h.m[2][1] -= 0.13;
    System sys;
    sys.box = make_box(h);
    sys.species = {"Na", "Cl"};
    std::mt19937_64 g(7);
    std::uniform_real_distribution<double> u(-0.15, 0.15);
    const Vec3 frac[4] = {{0, 0, 0}, {0.25, 0.5, 0.5}, {0.5, 0, 0}, {0.75, 0.5, 0.5}};
    for (int i = 0; i < 4; ++i) {
        Vec3 x = to_cartesian(sys.box, frac[i]);
        x += Vec3{u(g), u(g), u(g)};
        sys.pos.push_back(x);
        sys.type.push_back(i % 2);
        sys.id.push_back(i + 1);
        sys.mass.push_back(i % 2 ? 35.453 : 22.989769);
    }
    sys.force.assign(4, Vec3{0, 0, 0});
    sys.vel.assign(4, Vec3{0, 0, 0});
    sys.frozen.assign(4, 0);
    return sys;
}

double energy(const BornCoulDsfPotential& pot, const System& sys, bool half) {
    NeighborList nl;
    nl.want_half = half;
    build_neighbor_list(sys.box, sys.pos, pot.cutoff() + 0.5, nl);
    ForceResult fr;
    std::vector<Vec3> f;
    pot.compute(sys, nl, f, fr);
    return fr.energy;
}

BornCoulDsfParams params_with_charges() {
    BornCoulDsfParams p = nacl_params(true);
    p.species_charge = {1.0, -1.0};
    return p;
}

}  // namespace

TEST_CASE("born-coul-dsf forces and virial equal finite differences in a small triclinic cell") {
    for (bool coulomb : {false, true})
    for (bool half : {false, true}) {
        CAPTURE(coulomb);
        CAPTURE(half);
        BornCoulDsfParams p = params_with_charges();
        p.coulomb = coulomb;
        BornCoulDsfPotential pot(p);
        System sys = small_cell();
        NeighborList nl;
        nl.want_half = half;
        build_neighbor_list(sys.box, sys.pos, pot.cutoff() + 0.5, nl);
        CHECK(nl.half == half);
        ForceResult fr;
        pot.compute(sys, nl, sys.force, fr, true);

        double esum = 0;
        for (double e : fr.site_energy) esum += e;
        CHECK(esum == doctest::Approx(fr.energy).epsilon(1e-12));
        Vec3 ftot{0, 0, 0};
        double fmax = 0;
        for (const Vec3& f : sys.force) { ftot += f; fmax = std::max(fmax, norm(f)); }
        CHECK(norm(ftot) <= 1e-12 * std::max(fmax, 1.0));

        const double hx = 1e-5;
        for (std::size_t i = 0; i < sys.size(); ++i)
            for (int c = 0; c < 3; ++c) {
                System sp = sys, sm = sys;
                double* xp = &sp.pos[i].x + c;
                double* xm = &sm.pos[i].x + c;
                *xp += hx;
                *xm -= hx;
                const double fd = -(energy(pot, sp, half) - energy(pot, sm, half)) / (2 * hx);
                CHECK(component(sys.force[i], c) == doctest::Approx(fd).epsilon(1e-7).scale(1.0));
            }
        // Virial W_ab = −dE/dε_ab for the homogeneous deformation x → x(I + ε) (row vectors, cell rows too).
        const double he = 1e-6;
        for (int a = 0; a < 3; ++a)
            for (int b = 0; b < 3; ++b) {
                auto deformed = [&](double e) {
                    System s = sys;
                    Mat3 F = {{{1, 0, 0}, {0, 1, 0}, {0, 0, 1}}};
                    F.m[a][b] += e;
                    Mat3 h = mat3_zero();
                    for (int r = 0; r < 3; ++r) {
                        const Vec3 v = vec_mat(row(sys.box.h, r), F);
                        h.m[r][0] = v.x, h.m[r][1] = v.y, h.m[r][2] = v.z;
                    }
                    s.box = make_box(h);
                    for (auto& x : s.pos) x = vec_mat(x, F);
                    return energy(pot, s, half);
                };
                const double fd = -(deformed(he) - deformed(-he)) / (2 * he);
                CHECK(fr.virial.m[a][b] == doctest::Approx(fd).epsilon(1e-6).scale(1.0));
            }
    }
}

TEST_CASE("DSF pair term: zero energy and zero force at the cutoff") {
    const DsfCoeffs c = dsf_coeffs(0.2, 8.0, kQqr2e);
    double e = 1;
    const double rc = 8.0;
    const double f = dsf_pair(c, -1.0, rc * rc, rc, &e);
    CHECK(std::fabs(e) < 1e-14);
    CHECK(std::fabs(f) < 1e-14);
    const BornPairCoeffs b = born_pair_coeffs(0.210963, 0.317, 2.755, 6.990490, -8.675698, rc);
    born_pair(b, rc * rc, rc, &e);
    CHECK(std::fabs(e) < 1e-15);
}

TEST_CASE("born-coul-dsf is bit-identical for 1, 2 and 3 threads (full list 216 atoms, half list 4096 atoms)") {
  for (bool half : {false, true}) {
    CAPTURE(half);
    // 4096 atoms: the half list's 8 chunks of rows spread over the threads.
    System sys = read_nacl_data(ref_dir() + (half ? "/data/nacl4096_seed7.data" : "/data/nacl216_seed20240501.data"));
    BornCoulDsfPotential pot(nacl_params(true));
    NeighborList nl;
    nl.want_half = half;
    build_neighbor_list(sys.box, sys.pos, 10.0, nl);
    CHECK(nl.half == half);
    const int saved = omp_get_max_threads();
    std::vector<std::vector<Vec3>> forces;
    std::vector<ForceResult> res;
    for (int t : {1, 2, 3}) {
        omp_set_num_threads(t);
        ForceResult fr;
        std::vector<Vec3> f;
        pot.compute(sys, nl, f, fr, true);
        forces.push_back(f);
        res.push_back(fr);
    }
    omp_set_num_threads(saved);
    for (std::size_t k = 1; k < forces.size(); ++k) {
        CHECK(std::memcmp(forces[k].data(), forces[0].data(), forces[0].size() * sizeof(Vec3)) == 0);
        CHECK(std::memcmp(res[k].site_energy.data(), res[0].site_energy.data(), res[0].site_energy.size() * 8) == 0);
        CHECK(std::memcmp(&res[k].energy, &res[0].energy, 8) == 0);
        CHECK(std::memcmp(&res[k].virial, &res[0].virial, sizeof(Mat3)) == 0);
    }
  }
}

TEST_CASE("born-coul-dsf: the half list gives the full list's energy, forces, virial and site energies") {
    for (const char* file : {"/data/nacl216_seed20240501.data", "/data/nacl4096_seed7.data"}) {
        CAPTURE(file);
        System sys = read_nacl_data(ref_dir() + file);
        BornCoulDsfPotential pot(nacl_params(true));
        ForceResult r[2];
        std::vector<Vec3> f[2];
        for (int h = 0; h < 2; ++h) {
            NeighborList nl;
            nl.want_half = h == 1;
            build_neighbor_list(sys.box, sys.pos, 10.0, nl);
            pot.compute(sys, nl, f[h], r[h], true);
        }
        CHECK(r[1].energy == doctest::Approx(r[0].energy).epsilon(1e-13));
        double fmax = 0, df = 0, de = 0, dw = 0, wmax = 0;
        for (std::size_t i = 0; i < sys.size(); ++i) {
            fmax = std::max(fmax, norm(f[0][i]));
            df = std::max(df, norm(f[1][i] - f[0][i]));
            de = std::max(de, std::fabs(r[1].site_energy[i] - r[0].site_energy[i]));
        }
        for (int a = 0; a < 3; ++a)
            for (int b = 0; b < 3; ++b) {
                wmax = std::max(wmax, std::fabs(r[0].virial.m[a][b]));
                dw = std::max(dw, std::fabs(r[1].virial.m[a][b] - r[0].virial.m[a][b]));
            }
        CHECK(df <= 1e-13 * fmax);
        CHECK(de <= 1e-13 * std::fabs(r[0].energy) / static_cast<double>(sys.size()) + 1e-15);
        CHECK(dw <= 1e-13 * wmax);
    }
}
