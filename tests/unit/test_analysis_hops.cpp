// analysis.md §13 check 11: the h functional. A persistent 3 Å jump (noise 0.1 Å, a = 1.5 Å, dt = 0.4 ps,
// t_a = 2 ps) gives one event centred on the jump; an excursion that returns after 0.5 ps gives none; a
// 1.2 Å jump gives none. Plus a bit-identical save/load.
#include <doctest/doctest.h>

#include <cmath>
#include <random>
#include <sstream>
#include <vector>

#include "analysis/hop_events.hpp"

using namespace mdrun;

namespace {
const double dts = 0.01;  // 10 fs samples
const int T = 1000;       // 10 ps
const double t_jump = 4.0;

// x(t) for one atom: `shape(t)` along x plus 0.1 Å Gaussian noise per axis.
template <class F>
std::vector<HopEvent> detect(F shape, unsigned seed, HopDetector* out = nullptr, int cut = -1) {
    std::mt19937_64 rng(seed);
    std::normal_distribution<double> g(0.0, 0.1);
    HopDetector h(1, dts, 1.5, 0.4, 2.0, 0.1);
    for (int s = 0; s < T; ++s) {
        const Vec3 x{shape(s * dts) + g(rng), g(rng), g(rng)};
        h.add(&x);
        if (s == cut && out) {
            std::stringstream b;
            BinaryWriter w(b);
            h.save(w);
            BinaryReader r(b, "mem");
            HopDetector k(1, dts, 1.5, 0.4, 2.0, 0.1);
            k.load(r);
            h = k;
        }
    }
    if (out) *out = h;
    return h.events();
}
}  // namespace

TEST_CASE("check 11: persistent 3 Å jump -> one event centred on the jump") {
    const auto ev = detect([](double t) { return t < t_jump ? 0.0 : 3.0; }, 1);
    REQUIRE(ev.size() == 1);
    CHECK(ev[0].t_mid_ps == doctest::Approx(t_jump).epsilon(0.02));
    CHECK(ev[0].vector.x == doctest::Approx(3.0).epsilon(0.05));
    CHECK(ev[0].t_end_ps - ev[0].t_start_ps < 0.45);
}

TEST_CASE("check 11: an excursion that returns after 0.5 ps is not a hop; a 1.2 Å jump is not a hop") {
    CHECK(detect([](double t) { return (t >= t_jump && t < t_jump + 0.5) ? 3.0 : 0.0; }, 2).empty());
    CHECK(detect([](double t) { return t < t_jump ? 0.0 : 1.2; }, 3).empty());
}

TEST_CASE("two persistent jumps far apart -> two events; save/load mid-stream is bit-identical") {
    const auto shape = [](double t) { return t < 2.5 ? 0.0 : (t < 7.0 ? 3.0 : 6.0); };
    HopDetector a, b;
    const auto e1 = detect(shape, 4, &a);
    const auto e2 = detect(shape, 4, &b, 433);
    REQUIRE(e1.size() == 2);
    CHECK(e1[0].t_mid_ps == doctest::Approx(2.5).epsilon(0.03));
    CHECK(e1[1].t_mid_ps == doctest::Approx(7.0).epsilon(0.03));
    REQUIRE(e2.size() == 2);
    for (int k = 0; k < 2; ++k) {
        CHECK(e1[k].t_mid_ps == e2[k].t_mid_ps);
        CHECK(e1[k].vector.x == e2[k].vector.x);
    }
}
