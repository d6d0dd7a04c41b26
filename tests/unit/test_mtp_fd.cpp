// Finite differences of the MTP energy confirm the analytic forces (F = -dE/dx) and the virial
// (W_ab = -dE/d eps_ab, MLIP PlusStress) on random triclinic cells, including cells thinner than the
// cutoff (self-images and several images of one atom), a cell with a non-periodic direction, and
// configurations with pairs below min_dist (no clamping: the polynomial is extrapolated smoothly).
// Also: forces sum to zero and the energy equals the sum of site energies.
#include <doctest/doctest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "engine/core/box.hpp"
#include "engine/md/neighbor_list.hpp"
#include "potentials/mtp_file.hpp"
#include "potentials/mtp_potential.hpp"

using namespace mdrun;

namespace {

const std::string kMtpDir = std::string(MDRUN_TEST_DATA) + "/mtp";

struct Sample {
    Mat3 cell;
    std::vector<Vec3> pos;
    std::vector<int> type;
};

double energy_of(const MtpPotential& pot, const Sample& s, std::vector<Vec3>* force = nullptr, Mat3* virial = nullptr,
                 long* close = nullptr) {
    System sys;
    sys.box = make_box(s.cell);
    sys.pos = s.pos;
    sys.type = s.type;
    NeighborList nl;
    build_neighbor_list(sys.box, sys.pos, pot.list_cutoff(), nl);
    std::vector<Vec3> f;
    ForceResult r;
    pot.compute(sys, nl, f, r, true);
    double sum_site = 0.0;
    for (double v : r.site_energy) sum_site += v;
    CHECK(std::fabs(sum_site - r.energy) <= 1e-10 * std::max(1.0, std::fabs(r.energy)));
    if (force) *force = f;
    if (virial) *virial = r.virial;
    if (close) *close = r.close_pairs;
    return r.energy;
}

// Random atoms in a random triclinic cell with rows of about `len` Å, every pair (all images) at least
// `dmin` apart. A zero row `flat` (0..2) makes that direction non-periodic (atoms spread over `len`).
Sample random_sample(std::mt19937& rng, int n, double len, int species, double dmin, int flat = -1) {
    std::uniform_real_distribution<double> u(0.0, 1.0), tilt(-0.25, 0.25);
    Sample s;
    for (int a = 0; a < 3; ++a)
        for (int b = 0; b < 3; ++b) s.cell.m[a][b] = (a == b ? len * (0.9 + 0.2 * u(rng)) : len * tilt(rng));
    Mat3 spread = s.cell;
    if (flat >= 0)
        for (int b = 0; b < 3; ++b) s.cell.m[flat][b] = 0.0;
    while (static_cast<int>(s.pos.size()) < n) {
        const Vec3 x = vec_mat(Vec3{u(rng), u(rng), u(rng)}, spread);
        std::vector<Vec3> trial = s.pos;
        trial.push_back(x);
        NeighborList nl;
        build_neighbor_list(make_box(s.cell), trial, dmin, nl);
        if (nl.pairs() == 0) {
            s.pos = trial;
            s.type.push_back(static_cast<int>(rng() % species));
        }
    }
    return s;
}

// v -> (I + eps) v for every position and lattice row.
Sample strained(const Sample& s, int a, int b, double e) {
    Sample t = s;
    auto apply = [&](double* v) { v[a] += e * v[b]; };
    for (auto& p : t.pos) {
        double v[3] = {p.x, p.y, p.z};
        apply(v);
        p = Vec3{v[0], v[1], v[2]};
    }
    for (int r = 0; r < 3; ++r) {
        double v[3] = {t.cell.m[r][0], t.cell.m[r][1], t.cell.m[r][2]};
        apply(v);
        for (int k = 0; k < 3; ++k) t.cell.m[r][k] = v[k];
    }
    return t;
}

void check_finite_differences(const MtpPotential& pot, const Sample& s, bool check_virial, double tol) {
    std::vector<Vec3> f;
    Mat3 W;
    long close = 0;
    const double e0 = energy_of(pot, s, &f, &W, &close);
    CHECK(std::isfinite(e0));
    const double h = 1e-5;
    Vec3 total{0, 0, 0};
    double worst = 0.0;
    for (size_t i = 0; i < s.pos.size(); ++i) {
        total += f[i];
        for (int k = 0; k < 3; ++k) {
            Sample p = s, m = s;
            double* xp = &p.pos[i].x;
            double* xm = &m.pos[i].x;
            xp[k] += h;
            xm[k] -= h;
            const double fd = -(energy_of(pot, p) - energy_of(pot, m)) / (2 * h);
            const double an = component(f[i], k);
            worst = std::max(worst, std::fabs(fd - an));
            INFO("atom " << i << " axis " << k << " fd " << fd << " analytic " << an);
            CHECK(std::fabs(fd - an) <= tol * std::max(1.0, std::fabs(an)));
        }
    }
    MESSAGE("max |F_fd - F| = " << worst << " eV/Å over " << s.pos.size() << " atoms");
    CHECK(std::fabs(total.x) + std::fabs(total.y) + std::fabs(total.z) <= 1e-10 * s.pos.size());
    if (!check_virial) return;
    for (int a = 0; a < 3; ++a)
        for (int b = 0; b < 3; ++b) {
            const double fd = -(energy_of(pot, strained(s, a, b, h)) - energy_of(pot, strained(s, a, b, -h))) / (2 * h);
            INFO("virial " << a << b << " fd " << fd << " analytic " << W.m[a][b]);
            CHECK(std::fabs(fd - W.m[a][b]) <= tol * std::max(1.0, std::fabs(W.m[a][b])));
        }
}

MtpPotential load(const std::string& name) {
    MtpModel m = read_mtp(kMtpDir + "/" + name + "/pot.mtp");
    std::vector<int> ident(m.species_count);
    for (int k = 0; k < m.species_count; ++k) ident[k] = k;
    return MtpPotential(std::move(m), ident);
}

}  // namespace

TEST_CASE("finite differences: level-16 Na-O on triclinic cells, one thinner than the cutoff") {
    const MtpPotential pot = load("NaO_lev16");  // r_c = 6 Å
    std::mt19937 rng(12345);
    SUBCASE("3 atoms in a 3.6 Å cell (many self-images)") {
        check_finite_differences(pot, random_sample(rng, 3, 3.6, 2, 1.8), true, 2e-6);
    }
    SUBCASE("12 atoms in a 7 Å cell") { check_finite_differences(pot, random_sample(rng, 12, 7.0, 2, 1.9), true, 2e-6); }
    SUBCASE("6 atoms, one non-periodic direction") {
        check_finite_differences(pot, random_sample(rng, 6, 6.0, 2, 1.9, 2), false, 2e-6);
    }
}

TEST_CASE("finite differences: level-22 La-Zr-O (tensors up to rank 9), thin cell") {
    const MtpPotential pot = load("La2Zr2O7_lev22");  // r_c = 5 Å
    std::mt19937 rng(777);
    check_finite_differences(pot, random_sample(rng, 4, 4.2, 3, 1.9), true, 2e-6);
}

TEST_CASE("finite differences below min_dist: no clamping, smooth extrapolation") {
    const MtpPotential pot = load("ZrYbO_lev18");  // min_dist = 2.0 Å
    std::mt19937 rng(99);
    Sample s = random_sample(rng, 5, 5.5, 3, 1.5);
    // Put atom 1 at 1.7 Å from atom 0 (below min_dist).
    s.pos[1] = s.pos[0] + Vec3{1.0, 1.0, 0.9};
    long close = 0;
    energy_of(pot, s, nullptr, nullptr, &close);
    CHECK(close >= 2);  // i->j and j->i
    check_finite_differences(pot, s, true, 2e-6);
}
