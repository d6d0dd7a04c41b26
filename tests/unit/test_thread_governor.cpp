// The thread governor (engine/run/thread_governor.hpp) against model machines: a rate of steps per second for
// each thread count, possibly changing in time, chunks of 0.25 s as the run loop makes them. Checks that it
// keeps the faster count, costs little where the requested count is the best, follows a load that comes and
// goes, climbs to the best of several counts, does not flap on noisy timings, and stays put when disabled.
#include <doctest/doctest.h>

#include <cmath>
#include <functional>
#include <vector>

#include "engine/run/thread_governor.hpp"

using mdrun::ThreadGovernor;

namespace {

struct Trace {
    std::vector<double> at;  // seconds spent per thread count
    int switches = 0;
    int final_threads = 0;
    double t_back = -1;  // first time after `mark` at which the count in force was `want`
};

// rate(threads, t): steps per second; runs `seconds` of simulated wall time.
Trace simulate(ThreadGovernor& g, int max, double seconds, const std::function<double(int, double)>& rate,
               double mark = -1, int want = 0) {
    Trace tr;
    tr.at.assign(max + 1, 0.0);
    double t = 0;
    while (t < seconds) {
        const int k = g.threads();
        const double dt = 0.25;
        const long steps = std::lround(rate(k, t) * dt);
        tr.at[k] += dt;
        if (g.record(steps, dt)) ++tr.switches;
        t += dt;
        if (mark >= 0 && t > mark && tr.t_back < 0 && g.current() == want) tr.t_back = t;
    }
    tr.final_threads = g.current();
    return tr;
}

}  // namespace

TEST_CASE("dedicated cores: keeps the requested count, probing costs < 1 % of an hour") {
    ThreadGovernor g(2, true);
    const Trace tr = simulate(g, 2, 3600, [](int k, double) { return k == 2 ? 1500.0 : 1000.0; });
    CHECK(tr.final_threads == 2);
    CHECK(tr.switches == 0);
    MESSAGE("time at 1 thread: " << tr.at[1] << " s of 3600");
    CHECK(tr.at[1] < 36.0);
}

TEST_CASE("shared cores: switches to the faster single thread after the first probe") {
    ThreadGovernor g(2, true);
    const Trace tr = simulate(g, 2, 600, [](int k, double) { return k == 2 ? 700.0 : 1000.0; });
    CHECK(tr.final_threads == 1);
    CHECK(tr.switches == 1);
    MESSAGE("time at 2 threads: " << tr.at[2] << " s of 600");
    CHECK(tr.at[2] < 0.05 * 600);  // the first hold, then one probe second per (doubling) hold
    CHECK(g.reason().find("1 thread made") != std::string::npos);
}

TEST_CASE("a load that comes and goes: back to 2 threads within two holds of it ending") {
    ThreadGovernor g(2, true);
    auto rate = [](int k, double t) {
        const bool loaded = t < 600;
        return k == 2 ? (loaded ? 700.0 : 1500.0) : 1000.0;
    };
    const Trace tr = simulate(g, 2, 3000, rate, 600, 2);
    CHECK(tr.final_threads == 2);
    REQUIRE(tr.t_back > 0);
    MESSAGE("back at 2 threads " << tr.t_back - 600 << " s after the load ended");
    CHECK(tr.t_back - 600 < 2 * ThreadGovernor::kMaxHoldS);
}

TEST_CASE("eight threads asked for, four best: climbs down to four and stays") {
    ThreadGovernor g(8, true);
    const double r[9] = {0, 1000, 1800, 2500, 3000, 2800, 2600, 2400, 2200};
    const Trace tr = simulate(g, 8, 3600, [&](int k, double) { return r[k]; });
    CHECK(tr.final_threads == 4);
    CHECK(tr.at[4] > 0.95 * 3600);
}

TEST_CASE("noisy timings (+-3 %) where 2 threads are 1.2x faster: no flapping") {
    ThreadGovernor g(2, true);
    unsigned state = 12345;
    auto noise = [&] {
        state = state * 1664525u + 1013904223u;
        return 1.0 + 0.03 * ((state >> 8) / 16777216.0 * 2.0 - 1.0);
    };
    const Trace tr = simulate(g, 2, 3600, [&](int k, double) { return (k == 2 ? 1200.0 : 1000.0) * noise(); });
    CHECK(tr.final_threads == 2);
    CHECK(tr.switches == 0);
}

TEST_CASE("disabled, or one thread asked for: the count never changes") {
    ThreadGovernor off(2, false);
    Trace tr = simulate(off, 2, 600, [](int k, double) { return k == 2 ? 100.0 : 1000.0; });
    CHECK(tr.switches == 0);
    CHECK(tr.at[1] == 0.0);
    ThreadGovernor one(1, true);
    CHECK_FALSE(one.enabled());
    tr = simulate(one, 1, 100, [](int, double) { return 1000.0; });
    CHECK(tr.switches == 0);
    CHECK(one.threads() == 1);
}
