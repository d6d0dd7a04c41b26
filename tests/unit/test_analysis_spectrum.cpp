// analysis.md §13 checks 6 (harmonic oscillator spectrum: peak at nu0, integral 1) and 7 (Ornstein-Uhlenbeck
// velocities: Green-Kubo D = kT/(m gamma) = 0.5), both through engine E2 (linear correlator).
#include <doctest/doctest.h>

#include <cmath>
#include <random>
#include <sstream>
#include <vector>

#include "analysis/linear_correlator.hpp"
#include "analysis/spectrum.hpp"

using namespace mdrun;

TEST_CASE("check 6: harmonic oscillator at 5 THz, dt_s = 5 fs, M = 1000") {
    const double nu0 = 5.0, dt = 0.005, pi = 3.14159265358979323846;
    const int M = 1000, items = 8, T = 6000;
    std::vector<double> phase(items);
    std::mt19937_64 rng(1);
    std::uniform_real_distribution<double> u(0, 2 * pi);
    for (auto& p : phase) p = u(rng);
    LinearCorrelator e(std::vector<int>(items, 0), 1, M);
    std::vector<Vec3> v(items);
    for (int s = 0; s < T; ++s) {
        for (int i = 0; i < items; ++i) {
            const double a = std::sin(2 * pi * nu0 * s * dt + phase[i]);
            v[i] = Vec3{a, 0.5 * a, -0.25 * a};
        }
        e.add(v.data());
    }
    std::vector<double> c = e.correlation(0);
    c.resize(M);  // lags 0 .. M-1
    const Spectrum sp = normalised_spectrum(c, dt);
    int peak = 0;
    for (std::size_t k = 0; k < sp.g.size(); ++k)
        if (sp.g[k] > sp.g[peak]) peak = static_cast<int>(k);
    CHECK(sp.nu_THz[peak] == doctest::Approx(5.00).epsilon(1e-9));
    CHECK(integrate_spectrum(sp) == doctest::Approx(1.000).epsilon(1e-3));
    CHECK(sp.nu_THz.back() == doctest::Approx(1.0 / (2 * dt)));  // Nyquist 100 THz
}

TEST_CASE("check 7: Ornstein-Uhlenbeck velocities, Green-Kubo D = 0.5 within 2%") {
    // kT/m = 1, gamma = 2: C(t) = exp(-2 t) per component, D = int C = 0.5; exact OU update.
    const double gamma = 2.0, dt = 0.01;
    const int items = 300, T = 10000, M = 300;
    const double a = std::exp(-gamma * dt), b = std::sqrt(1.0 - a * a);
    std::mt19937_64 rng(17);
    std::normal_distribution<double> g(0.0, 1.0);
    std::vector<Vec3> v(items);
    for (auto& x : v) x = Vec3{g(rng), g(rng), g(rng)};
    LinearCorrelator e(std::vector<int>(items, 0), 1, M);
    for (int s = 0; s < T; ++s) {
        e.add(v.data());
        for (auto& x : v) x = a * x + b * Vec3{g(rng), g(rng), g(rng)};
    }
    const std::vector<double> c = e.correlation(0);  // 3D: <v(0).v(t)> = 3 exp(-2 t)
    CHECK(c[0] == doctest::Approx(3.0).epsilon(0.01));
    const double D = zero_frequency_integral(c, dt) / 6.0;  // S(0) = 2 int C = 6 D
    CHECK(D == doctest::Approx(0.5).epsilon(0.02));
}

TEST_CASE("E2 save/load mid-stream continues bit-identically") {
    std::mt19937_64 rng(5);
    std::normal_distribution<double> g(0.0, 1.0);
    std::vector<std::vector<Vec3>> t(500, std::vector<Vec3>(6));
    for (auto& f : t)
        for (auto& x : f) x = Vec3{g(rng), g(rng), g(rng)};
    const std::vector<int> grp = {0, 1, 0, 1, 1, 0};
    LinearCorrelator full(grp, 2, 40), a(grp, 2, 40), b(grp, 2, 40);
    for (auto& f : t) full.add(f.data());
    for (int s = 0; s < 123; ++s) a.add(t[s].data());
    std::stringstream buf;
    BinaryWriter w(buf);
    a.save(w);
    BinaryReader r(buf, "mem");
    b.load(r);
    for (int s = 123; s < 500; ++s) b.add(t[s].data());
    for (int k = 0; k < 2; ++k) {
        const auto x = full.correlation(k), y = b.correlation(k);
        for (std::size_t i = 0; i < x.size(); ++i) CHECK(x[i] == y[i]);
    }
}
