// Extrapolation grades during MD (issue #13, docs/grades.md), against MLIP-2's grades of the strained
// Na3PS4 frames (tests/data/mtp/Na3PS4_tensornet/grade) and against the host grade pass:
// - the force pass that also writes the grade rows (MtpPotential::compute_with_grade_rows) leaves forces and
//   energy bitwise unchanged and gives the rows of the separate grade pass (to round-off);
// - the CPU backend grades from the rows its force pass captured at the graded steps, and only there;
// - the device grade bodies (kernels/grade_bodies.hpp) run through the host executor give the CPU's per-site
//   and per-configuration grades and MLIP's, for several replicas batched together.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "engine/md/backend.hpp"
#include "engine/io/cfg_io.hpp"
#include "engine/md/neighbor_list.hpp"
#include "engine/md/replica.hpp"
#include "kernels/batch_engine.hpp"
#include "kernels/host_exec.hpp"
#include "potentials/als_file.hpp"
#include "potentials/cfg_system.hpp"
#include "potentials/mtp_grade.hpp"
#include "potentials/mtp_potential.hpp"

using namespace mdrun;

namespace {

const std::string kDir = std::string(MDRUN_TEST_DATA) + "/mtp/Na3PS4_tensornet/grade";

std::vector<int> identity(int n) {
    std::vector<int> id(n);
    for (int k = 0; k < n; ++k) id[k] = k;
    return id;
}

std::vector<double> mlip_grades(const std::vector<CfgConfig>& cfgs) {
    std::vector<double> g;
    for (const CfgConfig& c : cfgs) {
        double v = -1;
        for (const std::string& f : c.features)
            if (f.rfind("MV_grade", 0) == 0) v = std::stod(f.substr(8));
        REQUIRE(v >= 0);
        g.push_back(v);
    }
    return g;
}

System frame(const CfgConfig& c, int k) {
    System s = system_from_cfg(c, 3, "grade_strained", k);
    const double mass[3] = {22.99, 30.974, 32.06};  // Na, P, S (MTP types 0, 1, 2)
    s.mass.resize(s.size());
    for (size_t i = 0; i < s.size(); ++i) s.mass[i] = mass[s.type[i]];
    return s;
}

bool close_rel(double a, double b, double rel) { return std::fabs(a - b) <= rel * std::max(1.0, std::fabs(b)); }

}  // namespace

TEST_CASE("the force pass's grade rows equal the grade pass's; forces and energy unchanged") {
    const AlsState st = read_als(kDir + "/state_nbh.als");
    // Both arithmetic modes: the FMA group has its own stage 1 (blocked radial functions over species-sorted,
    // padded rows) in both of its entry points, which must give the same forces.
    for (const MtpArithmetic mode : {MtpArithmetic::Exact, MtpArithmetic::Fma}) {
        CAPTURE(mtp_arithmetic_name(mode));
        const MtpPotential pot(st.model, identity(3), mode);
        const GradeSet set(pot, st.maxvol, st.weights);
        const std::vector<CfgConfig> frames = read_cfg(kDir + "/grade_strained_nbh.cfg");
        const std::vector<double> ref = mlip_grades(frames);
        for (size_t k = 0; k < frames.size(); k += 6) {
            const System sys = frame(frames[k], static_cast<int>(k));
            NeighborList nl;
            build_neighbor_list(sys.box, sys.pos, pot.list_cutoff() + 0.7, nl);  // (with a skin, as in MD)
            std::vector<Vec3> f0, f1;
            ForceResult r0, r1;
            std::vector<double> captured, fresh;
            pot.compute(sys, nl, f0, r0);
            pot.compute_with_grade_rows(sys, nl, f1, r1, false, captured);
            CHECK(r0.energy == r1.energy);
            for (size_t i = 0; i < sys.size(); ++i) CHECK((f0[i].x == f1[i].x && f0[i].y == f1[i].y && f0[i].z == f1[i].z));
            mtp_site_gradients(pot, sys, nl, fresh);
            REQUIRE(captured.size() == fresh.size());
            double worst = 0.0;
            for (size_t c = 0; c < fresh.size(); ++c)
                worst = std::max(worst, std::fabs(captured[c] - fresh[c]) / std::max(1.0, std::fabs(fresh[c])));
            CHECK(worst <= 1e-13);
            ConfigGrades g;
            set.grade_rows(sys, captured, g);
            REQUIRE(g.site.size() == sys.size());
            if (ref[k] < 1e99) CHECK(std::fabs(g.max - ref[k]) <= 1e-6 * ref[k] + 1e-6);
        }
    }
}

TEST_CASE("CPU backend: grades at the graded steps come from the force pass's rows") {
    const AlsState st = read_als(kDir + "/state_nbh.als");
    const std::vector<CfgConfig> frames = read_cfg(kDir + "/grade_strained_nbh.cfg");
    std::vector<std::unique_ptr<Replica>> reps;
    for (int k : {6, 10}) {
        auto rep = std::make_unique<Replica>();
        rep->index = static_cast<int>(reps.size());
        rep->sys = frame(frames[k], k);
        rep->potential = std::make_unique<MtpPotential>(st.model, identity(3));
        rep->params.ensemble = "nve";
        rep->params.dt_ps = 0.001;
        rep->params.skin = 0.8;
        rep->md.max_displacement = 1.0;
        rep->md.stop_on_close_pairs = false;
        reps.push_back(std::move(rep));
    }
    std::vector<std::unique_ptr<GradeSet>> sets;
    for (auto& r : reps)
        sets.push_back(std::make_unique<GradeSet>(dynamic_cast<const MtpPotential&>(*r->potential), st.maxvol, st.weights));
    std::unique_ptr<Backend> be = make_cpu_backend(reps);
    be->setup();
    for (int r = 0; r < 2; ++r) be->attach_grades(r, *sets[r], 5);
    ConfigGrades g;
    CHECK_FALSE(be->grade(0, *sets[0], g));  // step 0: no force pass captured rows
    be->advance(5);
    for (int r = 0; r < 2; ++r) {
        ConfigGrades dev, host;
        REQUIRE(be->grade(r, *sets[r], dev));
        sets[r]->grade(reps[r]->sys, host);
        REQUIRE(dev.site.size() == host.site.size());
        for (size_t i = 0; i < host.site.size(); ++i) CHECK(close_rel(dev.site[i], host.site[i], 1e-10));
        CHECK(close_rel(dev.max, host.max, 1e-10));
        CHECK(dev.max > 1.0);  // (these frames extrapolate: the comparison is not between zeros)
    }
    be->advance(2);  // step 7 is not graded: no rows
    CHECK_FALSE(be->grade(0, *sets[0], g));
    be->advance(3);
    CHECK(be->grade(1, *sets[1], g));
}

TEST_CASE("device grade bodies (host executor) equal the CPU's grades and MLIP's, replicas batched") {
    HostExec ex;
    for (const char* kernel : {"thread", "warp"})  // (the warp MTP kernel leaves no thread scratch to share)
    for (const char* which : {"state_nbh.als", "state.als"}) {
        const AlsState st = read_als(kDir + "/" + which);
        const MtpPotential pot(st.model, identity(3));
        const GradeSet set(pot, st.maxvol, st.weights);
        const std::string file = kDir + (st.weights.site != 0 ? "/grade_strained_nbh.cfg" : "/grade_strained.cfg");
        const std::vector<CfgConfig> frames = read_cfg(file);
        const std::vector<double> ref = mlip_grades(frames);
        const std::vector<int> pick = {1, 4, 7, 13};
        std::vector<System> systems;
        for (int k : pick) systems.push_back(frame(frames[k], k));
        std::vector<BatchReplicaSpec> specs;
        for (const System& s : systems) {
            BatchReplicaSpec sp;
            sp.sys = &s;
            sp.mtp_type = s.type;
            sp.params.ensemble = "nve";
            sp.params.dt_ps = 0.001;
            sp.params.skin = 0.5;
            sp.list_cutoff = neighbor_list_cutoff(pot, 0.5);
            sp.stop_on_close_pairs = false;
            specs.push_back(sp);
        }
        BatchOptions opt;
        opt.mtp_kernel = kernel;
        BatchEngine<HostExec, HostBuffer> eng(ex, pot.tables(), specs, opt);
        eng.setup();
        eng.upload_grades(set);
        for (size_t r = 0; r < pick.size(); ++r) {
            INFO(kernel << " kernel, " << which << " frame " << pick[r]);
            std::vector<double> site;
            double energy = -2.0;
            eng.grade(static_cast<int>(r), site, energy);
            ConfigGrades host;
            set.grade(systems[r], host);
            if (st.weights.site != 0) {
                REQUIRE(site.size() == systems[r].size());
                for (size_t i = 0; i < site.size(); ++i) CHECK(close_rel(site[i], host.site[i], 1e-10));
            } else {
                CHECK(site.empty());
            }
            if (st.weights.energy != 0) CHECK(close_rel(energy, host.energy, 1e-10));
            else CHECK(energy < 0.0);
            const double mx = std::max(energy, site.empty() ? 0.0 : *std::max_element(site.begin(), site.end()));
            const double want = ref[static_cast<size_t>(pick[r])];
            if (want < 1e99) CHECK(std::fabs(mx - want) <= 1e-6 * want + 1e-6);
        }
    }
}
