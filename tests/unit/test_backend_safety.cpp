// The CPU backend's per-step safety checks with a scripted test potential: a NaN energy, an atom
// moving more than max_displacement in one step, and close pairs (stop by default, or only counted)
// each stop advance() at the right step with a message naming the step and the atom ids.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>

#include "engine/md/backend.hpp"
#include "engine/core/box.hpp"

using namespace mdrun;

namespace {

// Harmonic springs to the origin of each atom (a finite, smooth potential) whose energy turns NaN at
// a chosen call, and which reports a close pair at a chosen call.
class ScriptedPotential : public Potential {
public:
    int nan_at_call = -1, close_at_call = -1;
    mutable int calls = 0;
    std::string name() const override { return "scripted"; }
    double cutoff() const override { return 2.0; }
    double min_trusted_distance() const override { return 1.0; }
    void compute(const System& sys, const NeighborList&, std::vector<Vec3>& force, ForceResult& out,
                 bool) const override {
        force.assign(sys.size(), Vec3{0, 0, 0});
        out = ForceResult{};
        for (std::size_t i = 0; i < sys.size(); ++i) {
            const Vec3 d = sys.pos[i] - Vec3{1.0 + 2.0 * static_cast<double>(i), 1.0, 1.0};
            out.energy += 0.5 * norm2(d);
            force[i] = -1.0 * d;
        }
        if (calls == nan_at_call) out.energy = std::numeric_limits<double>::quiet_NaN();
        if (calls == close_at_call) {
            out.close_pairs = 1;
            out.close_i = 0;
            out.close_j = 1;
            out.close_r = 0.9;
        }
        ++calls;
    }
};

std::unique_ptr<Replica> make_replica(double v0) {
    auto r = std::make_unique<Replica>();
    System& s = r->sys;
    Mat3 h = mat3_zero();
    h.m[0][0] = h.m[1][1] = h.m[2][2] = 10.0;
    s.box = make_box(h);
    s.species = {"Na"};
    s.type = {0, 0};
    s.id = {11, 12};
    s.pos = {{1.0, 1.0, 1.0}, {3.0, 1.0, 1.0}};
    s.vel = {{v0, 0, 0}, {0, 0, 0}};
    s.force.assign(2, Vec3{0, 0, 0});
    s.mass = {22.99, 22.99};
    s.frozen = {0, 0};
    r->md.ensemble = "nve";
    r->params = dynamics_params(r->md);
    r->params.ensemble = "nve";
    return r;
}

}  // namespace

TEST_CASE("NaN energy stops the run at that step") {
    std::vector<std::unique_ptr<Replica>> reps;
    reps.push_back(make_replica(1.0));
    auto pot = std::make_unique<ScriptedPotential>();
    pot->nan_at_call = 3;  // call 0 = setup, call k = step k
    reps[0]->potential = std::move(pot);
    auto b = make_cpu_backend(reps);
    CHECK_FALSE(b->setup().stopped);
    const SafetyStop s = b->advance(10);
    REQUIRE(s.stopped);
    CHECK(s.step == 3);
    CHECK(s.replica == 0);
    CHECK(s.reason.find("step 3") != std::string::npos);
    CHECK(s.reason.find("not finite") != std::string::npos);
    CHECK(b->step() == 3);
}

TEST_CASE("an atom moving more than max_displacement in one step stops the run naming it") {
    std::vector<std::unique_ptr<Replica>> reps;
    reps.push_back(make_replica(2000.0));  // 2000 Å/ps x 1 fs = 2 Å per step
    reps[0]->potential = std::make_unique<ScriptedPotential>();
    auto b = make_cpu_backend(reps);
    CHECK_FALSE(b->setup().stopped);
    const SafetyStop s = b->advance(5);
    REQUIRE(s.stopped);
    CHECK(s.step == 1);
    CHECK(s.reason.find("atom id 11 (Na)") != std::string::npos);
    CHECK(s.reason.find("max_displacement") != std::string::npos);
}

TEST_CASE("close pairs: stop by default naming both atoms, or only counted") {
    for (bool stop_on : {true, false}) {
        std::vector<std::unique_ptr<Replica>> reps;
        reps.push_back(make_replica(1.0));
        reps[0]->md.stop_on_close_pairs = stop_on;
        auto pot = std::make_unique<ScriptedPotential>();
        pot->close_at_call = 2;
        reps[0]->potential = std::move(pot);
        auto b = make_cpu_backend(reps);
        CHECK_FALSE(b->setup().stopped);
        const SafetyStop s = b->advance(4);
        CHECK(reps[0]->counters.close_pair_steps == 1);
        CHECK(reps[0]->counters.close_pairs_total == 1);
        CHECK(reps[0]->counters.min_close_r == 0.9);
        if (stop_on) {
            REQUIRE(s.stopped);
            CHECK(s.step == 2);
            CHECK(s.reason.find("ids 11 (Na) and 12 (Na)") != std::string::npos);
        } else {
            CHECK_FALSE(s.stopped);
            CHECK(b->step() == 4);
        }
    }
}
