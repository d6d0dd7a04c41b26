// analysis.md §13 check 12 (Pearson part) for the centre–Na / centre–anion angular correlation (§8):
// Na on the C–A axis co-rotating with A gives r = 1; independent random rotations (n = 500) give
// |r| < 3/sqrt(n). Events are driven through CnaTracker (shell residence, fixed ligand, angle to the
// initial direction), plus Fisher CI and a bit-identical save/load.
#include <doctest/doctest.h>

#include <cmath>
#include <random>
#include <sstream>
#include <vector>

#include "analysis/cna_correlation.hpp"

using namespace mdrun;

namespace {
Vec3 rotate(Vec3 u, Vec3 phi) {
    const double th = norm(phi);
    if (th == 0) return u;
    const Vec3 k = (1.0 / th) * phi;
    return std::cos(th) * u + std::sin(th) * cross(k, u) + (1.0 - std::cos(th)) * dot(k, u) * k;
}
Vec3 random_unit(std::mt19937_64& rng) {
    std::normal_distribution<double> g(0.0, 1.0);
    Vec3 v{g(rng), g(rng), g(rng)};
    return (1.0 / norm(v)) * v;
}

// Atoms: 0 = centre, 1..4 = ligands, 5 = Na. Each event: `len` samples inside the shell while the group
// (rotation phiA(t)) and the Na (rotation phiN(t)) turn about the centre, then one sample far away.
CnaTracker run_events(int n_events, bool corotate, unsigned seed, std::vector<double>* truth = nullptr) {
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<double> ang(0.05, 1.5);
    Mat3 h = mat3_zero();
    h.m[0][0] = h.m[1][1] = h.m[2][2] = 30.0;
    const Box box = make_box(h);
    const Vec3 c{15, 15, 15};
    const double d = 2.1 / std::sqrt(3.0);
    const Vec3 tet[4] = {{d, d, d}, {d, -d, -d}, {-d, d, -d}, {-d, -d, d}};
    CnaTracker t({5}, {0}, {0, 4}, {1, 2, 3, 4}, {3.6}, 1.0, 0.01);
    const int len = 120;
    std::vector<Vec3> pos(6);
    for (int e = 0; e < n_events; ++e) {
        const Vec3 axisA = random_unit(rng), axisN = random_unit(rng);
        const double thA = ang(rng), thN = corotate ? thA : ang(rng);
        const Vec3 start = 3.2 / 2.1 * tet[0];  // Na beyond ligand 1 on the C–A axis
        for (int s = 0; s < len; ++s) {
            const double f = static_cast<double>(s) / (len - 1);
            pos[0] = c;
            for (int k = 0; k < 4; ++k) pos[1 + k] = c + rotate(tet[k], f * thA * axisA);
            pos[5] = c + rotate(start, f * thN * (corotate ? axisA : axisN));
            t.add(box, pos.data());
        }
        // The angle to the initial direction (not the rotation angle: it depends on the axis).
        if (truth) {
            const Vec3 u0 = (1.0 / norm(tet[0])) * tet[0];
            truth->push_back(std::acos(dot(u0, rotate(u0, thA * axisA))));
        }
        pos[5] = c + Vec3{10, 0, 0};  // leave the shell: closes the event
        t.add(box, pos.data());
    }
    return t;
}
}  // namespace

TEST_CASE("check 12: Na on the C–A axis co-rotating with A -> r = 1, angles to the initial direction exact") {
    std::vector<double> truth;
    const CnaTracker t = run_events(40, true, 1, &truth);
    REQUIRE(t.events().size() == 40);
    for (std::size_t e = 0; e < truth.size(); ++e) {
        CHECK(t.events()[e].ligand == 1);
        CHECK(t.events()[e].dtheta_ca == doctest::Approx(truth[e]).epsilon(1e-9));
        CHECK(t.events()[e].dtheta_cna == doctest::Approx(truth[e]).epsilon(1e-9));
    }
    const PearsonResult p = t.correlation();
    CHECK(p.n == 40);
    CHECK(p.r == doctest::Approx(1.0).epsilon(1e-12));
}

TEST_CASE("check 12: independent random rotations, n = 500 -> |r| < 3/sqrt(n)") {
    const CnaTracker t = run_events(500, false, 2);
    const PearsonResult p = t.correlation();
    CHECK(p.n == 500);
    CHECK(std::fabs(p.r) < 3.0 / std::sqrt(500.0));
    CHECK(p.ci_lo < p.r);
    CHECK(p.ci_hi > p.r);
    CHECK(p.ci_hi - p.ci_lo == doctest::Approx(2 * 1.96 / std::sqrt(497.0)).epsilon(0.05));
}

TEST_CASE("short residences are not events; Pearson undefined below 3 events; save/load exact") {
    PearsonResult none = pearson_fisher({0.1, 0.2}, {0.3, 0.4});
    CHECK(std::isnan(none.r));
    const CnaTracker a = run_events(7, false, 3);
    std::stringstream b;
    BinaryWriter w(b);
    a.save(w);
    CnaTracker c({5}, {0}, {0, 4}, {1, 2, 3, 4}, {3.6}, 1.0, 0.01);
    BinaryReader r(b, "mem");
    c.load(r);
    CHECK(c.correlation().r == a.correlation().r);
    // tau_min = 2 ps > the 1.19 ps residences: no events.
    Mat3 h = mat3_zero();
    h.m[0][0] = h.m[1][1] = h.m[2][2] = 30.0;
    CnaTracker longmin({5}, {0}, {0, 4}, {1, 2, 3, 4}, {3.6}, 2.0, 0.01);
    std::vector<Vec3> pos = {{15, 15, 15}, {16.2, 16.2, 16.2}, {16.2, 13.8, 13.8}, {13.8, 16.2, 13.8},
                             {13.8, 13.8, 16.2}, {17, 17, 17}};
    for (int s = 0; s < 150; ++s) longmin.add(make_box(h), pos.data());
    CHECK(longmin.events().empty());
}

namespace {
Vec3 perpendicular_unit(Vec3 u, std::mt19937_64& rng) {
    for (;;) {
        const Vec3 v = random_unit(rng);
        const Vec3 w = v - dot(v, u) * u;
        if (norm(w) > 0.1) return (1.0 / norm(w)) * w;
    }
}
}  // namespace

TEST_CASE("known correlation: dtheta_CNa = rho dtheta_CA + sqrt(1-rho^2) xi gives Pearson r = rho") {
    // Rotations about axes perpendicular to the bond turn it by exactly the rotation angle, so the angles to
    // the initial direction are alpha (ligand) and beta (Na) with corr(alpha, beta) = rho = 0.6 by construction.
    const double rho = 0.6;
    const int n_events = 400, len = 120;
    std::mt19937_64 rng(99);
    std::uniform_real_distribution<double> ang(0.1, 1.0);
    Mat3 h = mat3_zero();
    h.m[0][0] = h.m[1][1] = h.m[2][2] = 30.0;
    const Box box = make_box(h);
    const Vec3 c{15, 15, 15};
    const double d = 2.1 / std::sqrt(3.0);
    const Vec3 tet[4] = {{d, d, d}, {d, -d, -d}, {-d, d, -d}, {-d, -d, d}};
    CnaTracker t({5}, {0}, {0, 4}, {1, 2, 3, 4}, {3.6}, 1.0, 0.01);
    std::vector<Vec3> pos(6);
    std::vector<double> alpha, beta;
    const Vec3 u0 = (1.0 / norm(tet[0])) * tet[0];
    for (int e = 0; e < n_events; ++e) {
        const double a = ang(rng), xi = ang(rng), b = rho * a + std::sqrt(1 - rho * rho) * xi;
        const Vec3 axA = perpendicular_unit(u0, rng), axN = perpendicular_unit(u0, rng);
        for (int s = 0; s < len; ++s) {
            const double f = static_cast<double>(s) / (len - 1);
            pos[0] = c;
            for (int k = 0; k < 4; ++k) pos[1 + k] = c + rotate(tet[k], f * a * axA);
            pos[5] = c + rotate(3.2 * u0, f * b * axN);
            t.add(box, pos.data());
        }
        pos[5] = c + Vec3{10, 0, 0};
        t.add(box, pos.data());
        alpha.push_back(a);
        beta.push_back(b);
    }
    REQUIRE(t.events().size() == static_cast<std::size_t>(n_events));
    for (int e = 0; e < n_events; ++e) {
        CHECK(t.events()[e].dtheta_ca == doctest::Approx(alpha[e]).epsilon(1e-9));
        CHECK(t.events()[e].dtheta_cna == doctest::Approx(beta[e]).epsilon(1e-9));
    }
    const PearsonResult p = t.correlation();
    const PearsonResult truth = pearson_fisher(beta, alpha);
    CHECK(p.r == doctest::Approx(truth.r).epsilon(1e-9));
    CHECK(std::fabs(p.r - rho) < 3 * (1 - rho * rho) / std::sqrt(n_events));  // sampling error of r
    CHECK(p.ci_lo < rho);
    CHECK(p.ci_hi > rho);
}

TEST_CASE("an ion between two equidistant centres has an event with each (the nearest one may flip)") {
    Mat3 h = mat3_zero();
    h.m[0][0] = h.m[1][1] = h.m[2][2] = 30.0;
    const Box box = make_box(h);
    const double d = 2.1 / std::sqrt(3.0);
    const Vec3 tet[4] = {{d, d, d}, {d, -d, -d}, {-d, d, -d}, {-d, -d, d}};
    const Vec3 c1{12, 15, 15}, c2{18, 15, 15};
    // atoms: 0 = centre 1, 1..4 its ligands, 5 = centre 2, 6..9 its ligands, 10 = Na
    CnaTracker t({10}, {0, 5}, {0, 4, 8}, {1, 2, 3, 4, 6, 7, 8, 9}, {3.6, 3.6}, 1.0, 0.01);
    std::vector<Vec3> pos(11);
    for (int s = 0; s < 160; ++s) {
        pos[0] = c1;
        pos[5] = c2;
        for (int k = 0; k < 4; ++k) {
            pos[1 + k] = c1 + tet[k];
            pos[6 + k] = c2 + tet[k];
        }
        pos[10] = Vec3{15 + (s % 2 ? 0.02 : -0.02), 15.3, 15};  // the nearer centre alternates every sample
        t.add(box, pos.data());
    }
    pos[10] = Vec3{15, 25, 15};
    t.add(box, pos.data());
    CHECK(t.events().size() == 2);
    CHECK(t.spans_seen() == 2);
    CHECK(t.longest_span_ps() == doctest::Approx(1.59));
}

#include "analysis/polyanion_groups.hpp"

TEST_CASE("first minimum of a non-bonded g(r): between the first and second shell of a simple cubic lattice") {
    // Simple cubic lattice a = 4 Å of A with B at the cube centres: A-B shells at 3.464, 6.633 Å ...; the first
    // minimum lies in the gap between them (the middle of the zero gap after smoothing: ~5 Å).
    System s;
    Mat3 h = mat3_zero();
    h.m[0][0] = h.m[1][1] = h.m[2][2] = 16.0;
    s.box = make_box(h);
    s.species = {"P", "Na"};
    for (int i = 0; i < 4; ++i)
        for (int j = 0; j < 4; ++j)
            for (int k = 0; k < 4; ++k) {
                s.type.push_back(0);
                s.pos.push_back(Vec3{4.0 * i, 4.0 * j, 4.0 * k});
                s.type.push_back(1);
                s.pos.push_back(Vec3{4.0 * i + 2, 4.0 * j + 2, 4.0 * k + 2});
            }
    const double r = first_shell_minimum(s, 0, 1);
    CHECK(r > 3.9);
    CHECK(r < 6.2);
    CHECK(r > first_minimum_cutoff(s, 0, 1));  // the bonded-pair rule stops at its covalent fallback (3.41 Å)
}

TEST_CASE("first minimum of a g(r) whose next shell is weak: the middle of the empty gap after the first shell") {
    // NaAlBr4-like Al-Na distances: a strong split first shell (4.0 Å x2, 4.8 Å x6 per centre), an empty gap,
    // then a weak shell at 6.8 Å (x1) that never rises by a quarter of the first peak within 7 Å.
    System s;
    Mat3 h = mat3_zero();
    h.m[0][0] = h.m[1][1] = h.m[2][2] = 40.0;
    s.box = make_box(h);
    s.species = {"Al", "Na"};
    s.type.push_back(0);
    s.pos.push_back(Vec3{20, 20, 20});
    const double shell[][4] = {{4.0, 1, 0, 0}, {4.0, -1, 0, 0}, {4.8, 0, 1, 0}, {4.8, 0, -1, 0}, {4.8, 0, 0, 1},
                               {4.8, 0, 0, -1}, {4.8, 0.6, 0.8, 0}, {4.8, -0.6, -0.8, 0}, {6.8, 0, 0.6, 0.8}};
    for (const auto& a : shell) {
        s.type.push_back(1);
        s.pos.push_back(Vec3{20 + a[0] * a[1], 20 + a[0] * a[2], 20 + a[0] * a[3]});
    }
    const double r = first_shell_minimum(s, 0, 1);
    CHECK(r > 5.2);
    CHECK(r < 6.4);
}

TEST_CASE("first minimum of a g(r) in a cell smaller than twice the minimum: all periodic images count") {
    // The lattice above in a 2x2x2 cell (8 Å: half width 4 Å, below the ~5 Å minimum). The minimum image
    // would see only the first shell; counting every image within 7 Å gives the 16 Å cell's answer.
    auto lattice = [](int n) {
        System s;
        Mat3 h = mat3_zero();
        h.m[0][0] = h.m[1][1] = h.m[2][2] = 4.0 * n;
        s.box = make_box(h);
        s.species = {"P", "Na"};
        for (int i = 0; i < n; ++i)
            for (int j = 0; j < n; ++j)
                for (int k = 0; k < n; ++k) {
                    s.type.push_back(0);
                    s.pos.push_back(Vec3{4.0 * i, 4.0 * j, 4.0 * k});
                    s.type.push_back(1);
                    s.pos.push_back(Vec3{4.0 * i + 2, 4.0 * j + 2, 4.0 * k + 2});
                }
        return s;
    };
    const double big = first_shell_minimum(lattice(4), 0, 1);
    const double small = first_shell_minimum(lattice(2), 0, 1);
    REQUIRE(big > 3.9);
    CHECK(small == doctest::Approx(big).epsilon(1e-12));
}
