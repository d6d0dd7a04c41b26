// The batched exp/erfc of the pair loops (potentials/special_batch.hpp): the "vector" path (libmvec's AVX2
// four-lane functions) against libm over the arguments born/coul/dsf gives them, in ulp; each lane's result
// independent of its position and of the batch length (what keeps the pair sums independent of batch
// boundaries); "exact" bitwise libm; and the whole born/coul/dsf evaluation, vector against exact, on a
// rattled 4096-atom NaCl cell (energy, forces, virial), for 1 and 2 threads.
#include <doctest/doctest.h>

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "engine/md/neighbor_list.hpp"
#include "lammps_ref_helpers.hpp"
#include "potentials/born_coul_dsf.hpp"
#include "potentials/special_batch.hpp"

using namespace mdrun;
using namespace mdrun_test;

namespace {

// Distance in units in the last place between two finite doubles of the same sign.
double ulps(double a, double b) {
    if (a == b) return 0.0;
    std::int64_t ia, ib;
    std::memcpy(&ia, &a, 8);
    std::memcpy(&ib, &b, 8);
    return std::fabs(static_cast<double>(ia - ib));
}

std::vector<double> uniform(double lo, double hi, int n, unsigned seed) {
    std::mt19937_64 g(seed);
    std::uniform_real_distribution<double> u(lo, hi);
    std::vector<double> v(n);
    for (double& x : v) x = u(g);
    return v;
}

}  // namespace

TEST_CASE("exact batches are libm bit for bit") {
    const auto a = uniform(-40.0, 5.0, 1001, 1);
    std::vector<double> e(a.size()), c(a.size());
    exp_batch(PairArithmetic::Exact, a.data(), e.data(), static_cast<int>(a.size()));
    erfc_batch(PairArithmetic::Exact, a.data(), c.data(), static_cast<int>(a.size()));
    for (std::size_t k = 0; k < a.size(); ++k) {
        CHECK(e[k] == std::exp(a[k]));
        CHECK(c[k] == std::erfc(a[k]));
    }
}

TEST_CASE("vector exp/erfc: within a few ulp of libm over the pair loops' arguments") {
    if (!special_batch_vector_available()) {
        MESSAGE("no AVX2/libmvec here: vector runs the exact loops (checked above)");
        return;
    }
    // born: (sigma - r)/rho for r in [1, 10] A, rho ~ 0.3: [-30, 5]; DSF: -alpha^2 r^2 in [-5, 0] and
    // alpha*r in [0, 3] (alpha up to 0.3 / A, r up to 10 A); wider than that for margin.
    const auto xe = uniform(-40.0, 6.0, 200000, 2);
    const auto xc = uniform(0.0, 4.0, 200000, 3);
    std::vector<double> e(xe.size()), c(xc.size());
    exp_batch(PairArithmetic::Vector, xe.data(), e.data(), static_cast<int>(xe.size()));
    erfc_batch(PairArithmetic::Vector, xc.data(), c.data(), static_cast<int>(xc.size()));
    double worst_e = 0, worst_c = 0, rel_e = 0, rel_c = 0;
    for (std::size_t k = 0; k < xe.size(); ++k) {
        const double re = std::exp(xe[k]), rc = std::erfc(xc[k]);
        worst_e = std::max(worst_e, ulps(e[k], re));
        worst_c = std::max(worst_c, ulps(c[k], rc));
        rel_e = std::max(rel_e, std::fabs(e[k] - re) / re);
        rel_c = std::max(rel_c, std::fabs(c[k] - rc) / rc);
    }
    MESSAGE("libmvec vs libm: exp max " << worst_e << " ulp (" << rel_e << " rel), erfc max " << worst_c << " ulp ("
                                        << rel_c << " rel)");
    CHECK(worst_e <= 8);  // measured 3 (exp) and 4 (erfc) ulp at most here: a few ulp, as glibc documents
    CHECK(worst_c <= 8);
}

TEST_CASE("vector exp/erfc: a lane's result does not depend on the batch around it") {
    const auto x = uniform(0.05, 3.0, 37, 4);
    std::vector<double> whole(x.size());
    erfc_batch(PairArithmetic::Vector, x.data(), whole.data(), static_cast<int>(x.size()));
    for (int start = 0; start < 5; ++start)
        for (int len = 1; start + len <= static_cast<int>(x.size()); len += 3) {
            std::vector<double> part(len);
            erfc_batch(PairArithmetic::Vector, x.data() + start, part.data(), len);
            for (int k = 0; k < len; ++k) REQUIRE(part[k] == whole[start + k]);
            exp_batch(PairArithmetic::Vector, x.data() + start, part.data(), len);
            for (int k = 0; k < len; ++k) {
                double one;
                exp_batch(PairArithmetic::Vector, x.data() + start + k, &one, 1);
                REQUIRE(part[k] == one);
            }
        }
}

TEST_CASE("born/coul/dsf: vector arithmetic against exact on 4096 rattled NaCl atoms") {
    System sys = read_nacl_data(std::string(MDRUN_TEST_DATA) + "/lammps_reference/data/nacl4096_seed7.data");
    std::mt19937_64 g(11);
    std::normal_distribution<double> rattle(0.0, 0.1);
    for (Vec3& x : sys.pos) x += Vec3{rattle(g), rattle(g), rattle(g)};
    auto evaluate = [&](PairArithmetic a, int threads, std::vector<Vec3>& f, ForceResult& fr) {
        BornCoulDsfParams p = nacl_params(true);
        p.arithmetic = a;
        BornCoulDsfPotential pot(p);
        NeighborList nl;
        nl.want_half = true;
        build_neighbor_list(sys.box, sys.pos, pot.cutoff() + 2.0, nl);
        omp_set_num_threads(threads);
        pot.compute(sys, nl, f, fr, true);
    };
    std::vector<Vec3> fe, fv, fv2;
    ForceResult re, rv, rv2;
    evaluate(PairArithmetic::Exact, 1, fe, re);
    evaluate(PairArithmetic::Vector, 1, fv, rv);
    evaluate(PairArithmetic::Vector, 2, fv2, rv2);
    double fmax = 0, df = 0, dsite = 0, smax = 0;
    for (std::size_t i = 0; i < fe.size(); ++i) {
        const Vec3 d = fv[i] - fe[i];
        fmax = std::max({fmax, std::fabs(fe[i].x), std::fabs(fe[i].y), std::fabs(fe[i].z)});
        df = std::max({df, std::fabs(d.x), std::fabs(d.y), std::fabs(d.z)});
        dsite = std::max(dsite, std::fabs(rv.site_energy[i] - re.site_energy[i]));
        smax = std::max(smax, std::fabs(re.site_energy[i]));
        REQUIRE(fv2[i].x == fv[i].x);  // the thread count does not change a bit
        REQUIRE(fv2[i].y == fv[i].y);
        REQUIRE(fv2[i].z == fv[i].z);
    }
    double dw = 0, wmax = 0;
    for (int a = 0; a < 3; ++a)
        for (int b = 0; b < 3; ++b) {
            dw = std::max(dw, std::fabs(rv.virial.m[a][b] - re.virial.m[a][b]));
            wmax = std::max(wmax, std::fabs(re.virial.m[a][b]));
        }
    const double de = std::fabs(rv.energy - re.energy) / std::fabs(re.energy);
    MESSAGE("vector vs exact: energy " << de << " rel, forces " << df / fmax << " (of max |F|), site energies "
                                       << dsite / smax << ", virial " << dw / wmax);
    CHECK(rv2.energy == rv.energy);
    CHECK(de < 1e-13);
    CHECK(df / fmax < 1e-12);
    CHECK(dsite / smax < 1e-12);
    CHECK(dw / wmax < 1e-12);
}
