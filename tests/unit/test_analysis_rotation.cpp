// analysis.md §13 checks 4 (rotational diffusion C1, C2 through engine E1's dot mode) and 5 (rigid-body
// angular velocity omega = I^-1 L; inertia of a regular tetrahedron and octahedron).
#include <doctest/doctest.h>

#include <cmath>
#include <random>
#include <vector>

#include "analysis/angular_velocity_math.hpp"
#include "analysis/multilevel_correlator.hpp"

using namespace mdrun;

namespace {
// Rodrigues rotation of u by the rotation vector phi.
Vec3 rotate(Vec3 u, Vec3 phi) {
    const double th = norm(phi);
    if (th == 0) return u;
    const Vec3 k = (1.0 / th) * phi;
    return std::cos(th) * u + std::sin(th) * cross(k, u) + (1.0 - std::cos(th)) * dot(k, u) * k;
}
}  // namespace

TEST_CASE("check 4: rotational diffusion gives C1 = exp(-2 Dr t), C2 = exp(-6 Dr t)") {
    const double Dr = 0.05, dt = 0.05;  // ps^-1, ps
    const int N = 400, T = 4000;
    std::mt19937_64 rng(99);
    std::normal_distribution<double> g(0.0, std::sqrt(2.0 * Dr * dt));
    std::normal_distribution<double> n01(0.0, 1.0);
    std::vector<Vec3> u(N);
    for (auto& v : u) {
        v = Vec3{n01(rng), n01(rng), n01(rng)};
        v = (1.0 / norm(v)) * v;
    }
    MultiLevelCorrelator e(PairMode::dot, std::vector<int>(N, 0), 1, 16, 2);
    for (int s = 0; s < T; ++s) {
        e.add(u.data());
        for (auto& v : u) v = rotate(v, Vec3{g(rng), g(rng), g(rng)});
    }
    bool saw_1ps = false;
    double crossing = -1, prev_t = 0, prev_c = 1;
    for (const auto& l : e.results()) {
        const double t = l.lag_samples * dt;
        const double c1 = l.sums[0] / l.counts[0], c2 = l.sums[1] / l.counts[0];
        if (t <= 10.0) {
            CHECK(c1 == doctest::Approx(std::exp(-2 * Dr * t)).epsilon(0.01));
            CHECK(c2 == doctest::Approx(std::exp(-6 * Dr * t)).epsilon(0.02));
        }
        if (l.lag_samples == 20) {
            saw_1ps = true;
            CHECK(c1 == doctest::Approx(0.9048).epsilon(0.005));
        }
        if (crossing < 0 && c1 < 0.9) crossing = prev_t + (0.9 - prev_c) * (t - prev_t) / (c1 - prev_c);
        prev_t = t;
        prev_c = c1;
    }
    CHECK(saw_1ps);
    CHECK(crossing == doctest::Approx(0.0527 / Dr).epsilon(0.03));
}

TEST_CASE("check 5: rigid tetrahedron and octahedron, omega recovered to 1e-12") {
    const double mc = 26.98, ml = 35.45, d = 2.13;
    const double s = d / std::sqrt(3.0);
    std::vector<Vec3> tet = {{0, 0, 0}, {s, s, s}, {s, -s, -s}, {-s, s, -s}, {-s, -s, s}};
    std::vector<Vec3> oct = {{0, 0, 0}, {d, 0, 0}, {-d, 0, 0}, {0, d, 0}, {0, -d, 0}, {0, 0, d}, {0, 0, -d}};
    for (const auto* shape : {&tet, &oct}) {
        const int n = static_cast<int>(shape->size());
        std::vector<double> m(n, ml);
        m[0] = mc;
        // Inertia about the COM (the centre): (8/3) m d^2 for the tetrahedron, 4 m d^2 for the octahedron.
        Mat3 I;
        Vec3 L;
        std::vector<Vec3> v0(n, Vec3{0, 0, 0});
        group_inertia_and_momentum(shape->data(), v0.data(), m.data(), n, I, L);
        const double expect = (n == 5 ? 8.0 / 3.0 : 4.0) * ml * d * d;
        for (int a = 0; a < 3; ++a)
            for (int b = 0; b < 3; ++b)
                CHECK(I.m[a][b] == doctest::Approx(a == b ? expect : 0.0).epsilon(1e-12).scale(expect));
        // A rotated, translated, moving copy: v_k = V + omega x r'_k; positions relative to a shifted origin.
        const Vec3 omega{0.7, -1.3, 2.1}, V{3.0, -1.0, 0.5}, shift{0.3, -0.2, 0.9};
        std::vector<Vec3> r(n), v(n);
        for (int k = 0; k < n; ++k) {
            r[k] = rotate((*shape)[k], Vec3{0.3, 0.4, -0.2}) + shift;
            v[k] = V + cross(omega, r[k] - shift);  // the COM is at `shift`
        }
        const Vec3 w = group_angular_velocity(r.data(), v.data(), m.data(), n);
        CHECK(std::fabs(w.x - omega.x) < 1e-12);
        CHECK(std::fabs(w.y - omega.y) < 1e-12);
        CHECK(std::fabs(w.z - omega.z) < 1e-12);
    }
}

TEST_CASE("linear group: singular inertia handled by the pseudo-inverse, no NaN") {
    std::vector<Vec3> r = {{0, 0, 0}, {0, 0, 1.2}, {0, 0, -1.2}};
    std::vector<double> m = {12, 16, 16};
    const Vec3 omega{0.5, -0.25, 3.0};  // the spin about z is unobservable for a linear group
    std::vector<Vec3> v(3);
    for (int k = 0; k < 3; ++k) v[k] = cross(omega, r[k]);
    const Vec3 w = group_angular_velocity(r.data(), v.data(), m.data(), 3);
    CHECK(std::isfinite(w.x));
    CHECK(w.x == doctest::Approx(0.5).epsilon(1e-12));
    CHECK(w.y == doctest::Approx(-0.25).epsilon(1e-12));
    CHECK(std::fabs(w.z) < 1e-12);
}

#include "analysis/results.hpp"

TEST_CASE("reorientation time: integral of C1 to its first zero, or a lower bound") {
    std::string st;
    // C1 = 1 - t/2 sampled at uneven lags: zero at t = 2, integral 1 exactly (piecewise linear).
    CHECK(reorientation_time({0.5, 1.0, 1.5, 2.5}, {0.75, 0.5, 0.25, -0.25}, st) == doctest::Approx(1.0).epsilon(1e-14));
    CHECK(st == "ok");
    // exp(-t) never crosses zero: lower bound close to the full integral 1 on a fine grid to t = 20.
    std::vector<double> t, c;
    for (int k = 1; k <= 20000; ++k) {
        t.push_back(k * 1e-3);
        c.push_back(std::exp(-k * 1e-3));
    }
    CHECK(reorientation_time(t, c, st) == doctest::Approx(1.0).epsilon(1e-6));
    CHECK(st == "lower_bound");
}
