// analysis.md §13 checks 6 (harmonic oscillator spectrum: peak at nu0, integral 1) and 7 (Ornstein-Uhlenbeck
// velocities: Green-Kubo D = kT/(m gamma) = 0.5), both through engine E2 (linear correlator).
#include <doctest/doctest.h>

#include <cmath>
#include <memory>
#include <random>
#include <sstream>
#include <vector>

#include "analysis/linear_correlator.hpp"
#include "analysis/spectrum.hpp"
#include "engine/core/error.hpp"

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
    b.load(r, grp.size());
    for (int s = 123; s < 500; ++s) b.add(t[s].data());
    for (int k = 0; k < 2; ++k) {
        const auto x = full.correlation(k), y = b.correlation(k);
        for (std::size_t i = 0; i < x.size(); ++i) CHECK(x[i] == y[i]);
    }
}

#include "analysis/diffusion_fit.hpp"
#include "analysis/multilevel_correlator.hpp"

TEST_CASE("Green-Kubo cross-check: S_v(0) = 2 int C_v = 6 D matches the MSD slope of the same trajectory") {
    // OU velocities (kT/m = 1, gamma = 2, D = 0.5) integrated to positions; E1 MSD slope vs E2 Green-Kubo.
    const double gamma = 2.0, dt = 0.02;
    const int items = 200, T = 8000, M = 200;
    const double a = std::exp(-gamma * dt), b = std::sqrt(1.0 - a * a);
    std::mt19937_64 rng(23);
    std::normal_distribution<double> g(0.0, 1.0);
    std::vector<Vec3> v(items), x(items, Vec3{0, 0, 0});
    for (auto& y : v) y = Vec3{g(rng), g(rng), g(rng)};
    LinearCorrelator vacf(std::vector<int>(items, 0), 1, M);
    MultiLevelCorrelator msd(PairMode::displacement, std::vector<int>(items, 0), 1, 16, 2);
    for (int s = 0; s < T; ++s) {
        vacf.add(v.data());
        msd.add(x.data());
        for (int i = 0; i < items; ++i) {
            // Exact position increment of the OU process would need the joint update; the trapezoid of v
            // is accurate to O(dt^2) here, enough for a 3% comparison.
            const Vec3 vn = a * v[i] + b * Vec3{g(rng), g(rng), g(rng)};
            x[i] += 0.5 * dt * (v[i] + vn);
            v[i] = vn;
        }
    }
    const double D_gk = zero_frequency_integral(vacf.correlation(0), dt) / 6.0;
    MsdCurve c;
    c.n_atoms = items;
    c.t_run_ps = (T - 1) * dt;
    int first = -1, last = -1;
    for (const auto& l : msd.results()) {
        const double cnt = static_cast<double>(l.counts[0]);
        const double tot = (l.sums[0] + l.sums[1] + l.sums[2]) / cnt;
        c.tau_ps.push_back(l.lag_samples * dt);
        c.tmsd_A2.push_back(tot);
        c.var_sq_A4.push_back(l.sums[3] / cnt - tot * tot);
        c.origins.push_back(cnt / items);
        const int idx = static_cast<int>(c.tau_ps.size()) - 1;
        if (first < 0 && c.tau_ps.back() >= 5.0) first = idx;  // >> 1/gamma: the diffusive regime
        if (c.tau_ps.back() <= c.t_run_ps / 10) last = idx;
    }
    const DiffusionResult r = fit_diffusion(c, first, last);
    REQUIRE(r.status == "ok");
    const double D_msd = r.D_cm2_s / 1e-4;
    MESSAGE("D Green-Kubo " << D_gk << ", D from the MSD slope " << D_msd);
    CHECK(D_gk == doctest::Approx(0.5).epsilon(0.03));
    CHECK(D_msd == doctest::Approx(D_gk).epsilon(0.05));
}

#include "analysis/spectral_overlap.hpp"

TEST_CASE("spectral overlap below 8 THz: 1 for the same spectrum, ~0 for separated peaks") {
    const int M = 1000;
    const double dt = 0.005;
    std::vector<double> a(M), b(M), c(M);
    for (int n = 0; n < M; ++n) {
        a[n] = std::cos(2 * M_PI * 3.0 * n * dt);
        b[n] = std::cos(2 * M_PI * 6.0 * n * dt);
        c[n] = std::cos(2 * M_PI * 12.0 * n * dt);
    }
    const Spectrum sa = normalised_spectrum(a, dt), sb = normalised_spectrum(b, dt), sc = normalised_spectrum(c, dt);
    const SpectralOverlap same = spectral_overlap(sa, sa);
    CHECK(same.overlap == doctest::Approx(1.0).epsilon(1e-6));
    CHECK(same.fraction_a == doctest::Approx(1.0).epsilon(1e-3));  // all of a 3 THz line lies below 8 THz
    CHECK(spectral_overlap(sa, sb).overlap < 0.05);                 // 3 vs 6 THz, resolution 0.1 THz
    const SpectralOverlap hi = spectral_overlap(sa, sc);            // a 12 THz line has no weight below 8 THz
    CHECK(hi.fraction_b < 0.01);
    CHECK(same.resolution_THz == doctest::Approx(0.1));
}

// A checkpoint whose correlator arrays do not have the sizes the constructor gives them (found by fuzz_restore:
// a too-short per-group sum was indexed by add()) is a clear error, and the correlator keeps its state.
TEST_CASE("E2 load rejects damaged or mismatched states and keeps the old one") {
    const std::vector<int> grp = {0, 1, 0};
    const int lags = 5;  // LinearCorrelator(grp, 2, 4): 5 lags
    struct State {
        std::vector<int> group;
        int ng, lags;
        long n;
        std::size_t ring, sum, count;
    };
    const State good{grp, 2, lags, 7, lags * grp.size(), lags * 2u, lags * 2u};
    const auto write = [](const State& s) {
        auto buf = std::make_shared<std::stringstream>();
        BinaryWriter w(*buf);
        w.section("linear_correlator");
        w.vec(s.group);
        w.pod(s.ng);
        w.pod(s.lags);
        w.pod(s.n);
        w.vec(std::vector<Vec3>(s.ring, Vec3{1, 2, 3}));
        w.vec(std::vector<double>(s.sum, 0.5));
        w.vec(std::vector<std::uint64_t>(s.count, 1));
        return buf;
    };
    {
        LinearCorrelator c(grp, 2, 4);
        auto buf = write(good);
        BinaryReader r(*buf, "mem");
        c.load(r, grp.size());
        CHECK(c.samples() == 7);
        CHECK(c.count(0, 1) == 1);
    }
    std::vector<State> bad(7, good);
    bad[0].sum = 2 * lags - 1;           // the per-group sums one short (the fuzzer's case)
    bad[1].count = 2 * lags + 2;         // counts too long
    bad[2].ring = lags * grp.size() - 1; // ring one item short
    bad[3].n = -1;                       // negative sample count
    bad[4].ng = 0;                       // no group
    bad[5].group = {0, 1};               // items of another run
    bad[5].ring = lags * 2u;
    bad[6].group = {0, 2, 0};            // item group out of range
    for (std::size_t k = 0; k < bad.size(); ++k) {
        CAPTURE(k);
        LinearCorrelator c(grp, 2, 4);
        std::vector<Vec3> x(grp.size(), Vec3{1, 0, 0});
        c.add(x.data());
        auto buf = write(bad[k]);
        BinaryReader r(*buf, "mem");
        CHECK_THROWS_WITH_AS(c.load(r, grp.size()), doctest::Contains("corrupt"), Error);
        CHECK(c.samples() == 1);  // unchanged
        CHECK(c.count(0, 0) == 2);
        c.add(x.data());  // still consistent
        CHECK(c.samples() == 2);
    }
}
