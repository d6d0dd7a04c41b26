// The cooperative ("warp") MTP kernel (kernels/mtp_warp_bodies.hpp, potentials/mtp_warp_math.hpp) driven
// by the host executor, which emulates the lanes of a warp phase by phase between the sync points with
// the shared memory as an array. References: MLIP-2 `mlp calc-efs` (tests/data/mtp, every level there),
// the one-thread-per-atom kernel body (bit for bit: the warp kernel does the same operations in the same
// order) and the CPU backend (potentials/mtp_potential.cpp, to round-off).
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "engine/io/cfg_io.hpp"
#include "engine/md/dynamics.hpp"
#include "engine/md/neighbor_list.hpp"
#include "engine/io/structure_io.hpp"
#include "kernels/batch_engine.hpp"
#include "kernels/host_exec.hpp"
#include "potentials/mtp_file.hpp"
#include "potentials/mtp_potential.hpp"
#include "potentials/mtp_warp_schedule.hpp"
#include "tests/support/batch_fixture.hpp"

using namespace mdrun;

namespace {

using HostEngine = BatchEngine<HostExec, HostBuffer>;

std::string data(const std::string& rel) { return std::string(MDRUN_TEST_DATA) + "/" + rel; }
bool same_bits(double a, double b) { return a == b || (a != a && b != b); }

DynamicsParams nvt_params() {
    DynamicsParams p;
    p.ensemble = "nvt";
    p.dt_ps = 0.002;
    p.temperature_K = 900.0;
    p.tdamp_ps = 0.05;
    p.skin = 0.5;
    return p;
}

struct Model {
    MtpPotential pot;
    std::vector<CfgConfig> ref;
    std::vector<System> sys;
    explicit Model(const std::string& dir, std::size_t max_configs = 6)
        : pot(load(dir)), ref(read_cfg(data("mtp/" + dir + "/reference_mlp.cfg"))) {
        if (ref.size() > max_configs) ref.resize(max_configs);
        const std::vector<double> masses(static_cast<std::size_t>(pot.model().species_count), 20.0);
        for (const auto& c : ref) sys.push_back(system_from_cfg(c, masses));
    }
    static MtpPotential load(const std::string& dir) {
        MtpModel m = read_mtp(data("mtp/" + dir + "/pot.mtp"));
        std::vector<int> map(static_cast<std::size_t>(m.species_count));
        for (std::size_t t = 0; t < map.size(); ++t) map[t] = static_cast<int>(t);
        return MtpPotential(std::move(m), map);
    }
};

// Static energies, forces and virials of every system, batched as replicas of one engine.
struct Efs {
    std::vector<BatchObservables> obs;
    std::vector<std::vector<Vec3>> force;
    int chunks = 0;
    bool shared = false;
};
Efs evaluate(const std::vector<System>& sys, const MtpPotential& pot, BatchOptions opt, bool reverse_lanes = false,
             std::size_t shared_limit = 227 * 1024) {
    HostExec ex;
    ex.reverse_lanes = reverse_lanes;
    ex.shared_limit = shared_limit;
    std::vector<BatchReplicaSpec> specs;
    for (const auto& s : sys) specs.push_back(mtp_batch_spec(s, pot, nvt_params()));
    HostEngine eng(ex, pot.tables(), specs, opt);
    eng.setup();
    Efs e;
    e.obs = eng.observe();
    for (std::size_t r = 0; r < sys.size(); ++r) {
        System got = sys[r];
        eng.download(static_cast<int>(r), got);
        e.force.push_back(got.force);
    }
    e.chunks = eng.mtp_chunks();
    e.shared = eng.warp_in_shared();
    return e;
}
BatchOptions warp(int lanes = 32) {
    BatchOptions o;
    o.mtp_kernel = "warp";
    o.warp_lanes = lanes;
    return o;
}

// Every energy, force and virial bit of a equals b's.
bool identical(const Efs& a, const Efs& b) {
    bool same = a.obs.size() == b.obs.size();
    for (std::size_t r = 0; same && r < a.obs.size(); ++r) {
        same = same_bits(a.obs[r].potential, b.obs[r].potential);
        for (int k = 0; k < 9; ++k) same = same && same_bits(a.obs[r].virial.m[k / 3][k % 3], b.obs[r].virial.m[k / 3][k % 3]);
        for (std::size_t i = 0; same && i < a.force[r].size(); ++i)
            same = same_bits(a.force[r][i].x, b.force[r][i].x) && same_bits(a.force[r][i].y, b.force[r][i].y) &&
                   same_bits(a.force[r][i].z, b.force[r][i].z);
    }
    return same;
}

// The CPU backend's evaluation (potentials/mtp_potential.cpp) of one system.
void cpu_efs(const System& s, const MtpPotential& pot, double skin, std::vector<Vec3>& f, ForceResult& fr) {
    NeighborList nl;
    build_neighbor_list(s.box, s.pos, neighbor_list_cutoff(pot, skin), nl);
    pot.compute(s, nl, f, fr);
}

}  // namespace

TEST_CASE("warp schedule: every contraction row is placed once, after the levels of its inputs") {
    for (const char* dir : {"NaAlCl4_tensornet_lev08", "Na3PS4_tensornet", "NaAlBr4_chgnet", "NaO_lev16", "ZrYbO_lev18",
                            "La2Zr2O7_lev22"}) {
        CAPTURE(dir);
        const MtpTables t = build_mtp_tables(read_mtp(data(std::string("mtp/") + dir + "/pot.mtp")));
        const MtpWarpTables w = build_mtp_warp_tables(t);
        const MtpParamsView& c = t.counts;
        // forward: each run in exactly one group, groups have one target, inputs finished at a lower level
        std::vector<int> seen(c.n_runs, 0), level(c.n_alpha, 0);
        for (int lv = 0; lv < w.counts.n_fwd_levels; ++lv)
            for (int q = w.fwd_level_start[lv]; q < w.fwd_level_start[lv + 1]; ++q)
                for (int gi = w.fwd_group_start[q]; gi < w.fwd_group_start[q + 1]; ++gi) {
                    const int r = w.fwd_group_runs[gi];
                    ++seen[r];
                    CHECK(t.run_k[r] == t.run_k[w.fwd_group_runs[w.fwd_group_start[q]]]);
                    for (int row = t.run_start[r]; row < t.run_start[r + 1]; ++row) {
                        CHECK(level[t.times_i0[row]] <= lv);
                        CHECK(level[t.times_i1[row]] <= lv);
                    }
                    level[t.run_k[r]] = lv + 1;
                }
        CHECK(std::all_of(seen.begin(), seen.end(), [](int s) { return s == 1; }));
        // backward: each moment once; the gradients it reads are of a lower level
        std::vector<int> bseen(c.n_alpha, 0), blevel(c.n_alpha, -1);
        for (int lv = 0; lv < w.counts.n_bwd_levels; ++lv)
            for (int i = w.bwd_level_start[lv]; i < w.bwd_level_start[lv + 1]; ++i) {
                const int idx = w.bwd_items[i];
                ++bseen[t.back_order[idx]];
                for (int u = t.use_start[idx]; u < t.use_start[idx + 1]; ++u) {
                    CHECK(blevel[t.use_k[u]] >= 0);
                    CHECK(blevel[t.use_k[u]] < lv);
                }
                blevel[t.back_order[idx]] = lv;
            }
        CHECK(std::all_of(bseen.begin(), bseen.end(), [](int s) { return s == 1; }));
        MESSAGE(std::string(dir) << ": " << c.n_alpha << " moments, " << c.n_times << " rows; " << w.counts.n_fwd_levels
                    << " forward levels (widest " << w.counts.max_fwd_width << " targets), " << w.counts.n_bwd_levels
                    << " backward levels (widest " << w.counts.max_bwd_width << ")");
    }
}

TEST_CASE("warp kernel: MLIP-2 references at every level, bit for bit the thread kernel, the CPU backend to round-off") {
    for (const char* dir : {"NaAlCl4_tensornet_lev08", "Na3PS4_tensornet", "NaAlBr4_chgnet", "NaO_lev16", "ZrYbO_lev18",
                            "La2Zr2O7_lev22"}) {
        CAPTURE(dir);
        Model m(dir);
        const Efs w = evaluate(m.sys, m.pot, warp());
        const Efs t = evaluate(m.sys, m.pot, BatchOptions{});
        CHECK(w.shared);
        CHECK(w.chunks == 1);
        CHECK(identical(w, t));
        double de = 0.0, df = 0.0, dw = 0.0, dcpu_e = 0.0, dcpu_f = 0.0;
        for (std::size_t r = 0; r < m.sys.size(); ++r) {
            CAPTURE(r);
            const CfgConfig& ref = m.ref[r];
            de = std::max(de, std::fabs(w.obs[r].potential - ref.energy) / std::max(1.0, std::fabs(ref.energy)));
            for (std::size_t a = 0; a < ref.size(); ++a) {
                df = std::max(df, std::fabs(w.force[r][a].x - ref.force[a].x));
                df = std::max(df, std::fabs(w.force[r][a].y - ref.force[a].y));
                df = std::max(df, std::fabs(w.force[r][a].z - ref.force[a].z));
            }
            const Mat3& W = w.obs[r].virial;
            const double w6[6] = {W.m[0][0], W.m[1][1], W.m[2][2], W.m[1][2], W.m[0][2], W.m[0][1]};
            for (int k = 0; k < 6; ++k)
                dw = std::max(dw, std::fabs(w6[k] - ref.plus_stress[k]) / std::max(1.0, std::fabs(ref.plus_stress[k])));
            std::vector<Vec3> f;
            ForceResult fr;
            cpu_efs(m.sys[r], m.pot, nvt_params().skin, f, fr);
            dcpu_e = std::max(dcpu_e, std::fabs(w.obs[r].potential - fr.energy) / std::max(1.0, std::fabs(fr.energy)));
            for (std::size_t a = 0; a < f.size(); ++a) dcpu_f = std::max(dcpu_f, norm(w.force[r][a] - f[a]));
        }
        MESSAGE(std::string(dir) << " (" << m.sys.size() << " configs): vs mlp energy " << de << " rel, force " << df
                    << " eV/A, virial " << dw << " rel; vs CPU backend energy " << dcpu_e << " rel, force " << dcpu_f);
        CHECK(de <= 1e-12);
        CHECK(df < 1e-10);
        CHECK(dw < 1e-10);
        CHECK(dcpu_e <= 1e-12);
        CHECK(dcpu_f < 1e-11);
    }
}

TEST_CASE("warp kernel: any lane count and lane order, shared or global blocks, give the same bits") {
    Model m("NaO_lev16");
    Model big("La2Zr2O7_lev22", 2);
    for (Model* x : {&m, &big}) {
        const Efs ref = evaluate(x->sys, x->pot, BatchOptions{});
        for (int lanes : {32, 16, 7, 1}) {
            CAPTURE(lanes);
            CHECK(identical(evaluate(x->sys, x->pot, warp(lanes)), ref));
            CHECK(identical(evaluate(x->sys, x->pot, warp(lanes), true), ref));
        }
        // global-memory blocks (the variant for blocks larger than shared memory), chunked by the budget
        BatchOptions g = warp();
        g.scratch_bytes = 1 << 20;
        const Efs e = evaluate(x->sys, x->pot, g, true, 0);
        CHECK_FALSE(e.shared);
        CHECK(e.chunks > 1);
        CHECK(identical(e, ref));
    }
}

TEST_CASE("warp kernel: small, triclinic, thin and non-periodic cells match the thread kernel and the CPU backend") {
    Model m("NaO_lev16");
    std::vector<System> sys;
    sys.push_back(m.sys[0]);  // 3-atom primitive cell (triclinic, every direction thinner than r_c: self-images)
    System thin = m.sys[0];
    replicate(thin, 4, 4, 1);  // a slab-like periodic cell: one direction ~3 A wide, r_c 6 A
    sys.push_back(thin);
    System sheared = m.sys[2];  // the 96-atom cell with an added tilt (general triclinic), atoms carried along
    Mat3 h = sheared.box.h, h2 = h;
    for (int k = 0; k < 3; ++k) h2.m[2][k] += 0.15 * h.m[0][k] - 0.1 * h.m[1][k];
    const Box b2 = make_box(h2);
    for (auto& p : sheared.pos) {
        const Vec3 f = to_fractional(sheared.box, p);
        p = to_cartesian(b2, f);
    }
    sheared.box = b2;
    sys.push_back(sheared);
    System slab = m.sys[2];
    Mat3 hs = slab.box.h;
    hs.m[2][0] = hs.m[2][1] = hs.m[2][2] = 0.0;  // z non-periodic
    slab.box = make_box(hs);
    sys.push_back(slab);
    const Efs w = evaluate(sys, m.pot, warp());
    const Efs t = evaluate(sys, m.pot, BatchOptions{});
    CHECK(identical(w, t));
    for (std::size_t r = 0; r < sys.size(); ++r) {
        CAPTURE(r);
        std::vector<Vec3> f;
        ForceResult fr;
        cpu_efs(sys[r], m.pot, nvt_params().skin, f, fr);
        CHECK(std::fabs(w.obs[r].potential - fr.energy) <= 1e-12 * std::max(1.0, std::fabs(fr.energy)));
        double d = 0.0;
        for (std::size_t a = 0; a < f.size(); ++a) d = std::max(d, norm(w.force[r][a] - f[a]));
        CHECK(d < 1e-11);
        for (int k = 0; k < 9; ++k)
            CHECK(std::fabs(w.obs[r].virial.m[k / 3][k % 3] - fr.virial.m[k / 3][k % 3]) <=
                  1e-11 * std::max(1.0, std::fabs(fr.virial.m[k / 3][k % 3])));
    }
    // the tilted cell changed the physics (guards against a test that compares a system with itself)
    CHECK(std::fabs(w.obs[2].potential - evaluate({m.sys[2]}, m.pot, warp()).obs[0].potential) > 1e-6);
}

TEST_CASE("warp kernel: 60-step NVT of several replicas equals the thread kernel bit for bit") {
    Model m("NaO_lev16");
    std::vector<System> sys = {m.sys[2], m.sys[3], m.sys[1]};
    for (std::size_t r = 0; r < sys.size(); ++r) maxwell_boltzmann(sys[r], 900.0 + 300.0 * r, 20 + r);
    for (std::size_t a = 0; a < sys[1].size(); ++a) sys[1].frozen[a] = sys[1].type[a] == 1 ? 1 : 0;
    auto run = [&](BatchOptions opt) {
        HostExec ex;
        std::vector<BatchReplicaSpec> specs;
        for (const auto& s : sys) specs.push_back(mtp_batch_spec(s, m.pot, nvt_params()));
        HostEngine eng(ex, m.pot.tables(), specs, opt);
        eng.setup();
        eng.advance(60);
        CHECK_FALSE(eng.halted());
        std::vector<System> out = sys;
        for (std::size_t r = 0; r < sys.size(); ++r) eng.download(static_cast<int>(r), out[r]);
        return std::make_pair(out, eng.observe());
    };
    BatchOptions small = warp(16);
    small.site_cap = 4;  // far too small: the setup and the steps must grow it and redo them identically
    const auto a = run(warp()), b = run(BatchOptions{}), c = run(small);
    bool same = true;
    for (std::size_t r = 0; r < sys.size(); ++r) {
        same = same && same_bits(a.second[r].potential, b.second[r].potential) &&
               same_bits(a.second[r].temperature, b.second[r].temperature);
        for (std::size_t i = 0; i < sys[r].size(); ++i)
            same = same && same_bits(a.first[r].pos[i].x, b.first[r].pos[i].x) &&
                   same_bits(a.first[r].pos[i].y, b.first[r].pos[i].y) && same_bits(a.first[r].vel[i].z, b.first[r].vel[i].z);
    }
    CHECK(same);
    bool same_grown = true;
    for (std::size_t r = 0; r < sys.size(); ++r)
        for (std::size_t i = 0; i < sys[r].size(); ++i)
            same_grown = same_grown && same_bits(c.first[r].pos[i].x, b.first[r].pos[i].x) &&
                         same_bits(c.first[r].vel[i].y, b.first[r].vel[i].y);
    CHECK(same_grown);
    // the atoms moved (a trajectory, not a static evaluation)
    CHECK(norm(a.first[0].pos[0] - sys[0].pos[0]) > 1e-4);
}

TEST_CASE("warp kernel: capacities outgrown in the middle of a run are grown and the steps redone, as if they had fitted") {
    // A constructed clustering: the 96-atom cell's atoms all move towards its centre, so the neighbour
    // counts inside max_dist (the warp kernel's site capacity) and inside the list cutoff (the row
    // capacity) grow during the run. The run starts with capacities that fit step 0 exactly; it must
    // detect the overflow in a later step, grow, redo the steps and end bit for bit where runs with room
    // from the start (warp and thread kernels) end.
    Model m("NaO_lev16");
    System sys = m.sys[2];
    Vec3 centre{0, 0, 0};
    for (const Vec3& x : sys.pos) centre = centre + x;
    centre = centre * (1.0 / static_cast<double>(sys.size()));
    for (std::size_t a = 0; a < sys.size(); ++a) sys.vel[a] = (centre - sys.pos[a]) * 1.5;  // Å/ps
    const DynamicsParams dp = nvt_params();
    NeighborList nl;
    build_neighbor_list(sys.box, sys.pos, neighbor_list_cutoff(m.pot, dp.skin), nl);
    int site0 = 0, row0 = 0;
    for (std::size_t i = 0; i < nl.size(); ++i) {
        int n = 0;
        for (int q = nl.offset[i]; q < nl.offset[i + 1]; ++q) {
            const Vec3 d = sys.pos[nl.j[q]] + slot_shift(nl, static_cast<std::size_t>(q)) - sys.pos[i];
            n += norm(d) < m.pot.tables().counts.max_dist ? 1 : 0;
        }
        site0 = std::max(site0, n);
        row0 = std::max(row0, nl.offset[i + 1] - nl.offset[i]);
    }
    struct Run {
        System out;
        BatchObservables obs;
        long grows_at_setup = 0, grows = 0;
        int site_cap = 0, cap = 0;
    };
    auto run = [&](BatchOptions opt) {
        HostExec ex;
        std::vector<BatchReplicaSpec> specs = {mtp_batch_spec(sys, m.pot, dp)};
        HostEngine eng(ex, m.pot.tables(), specs, opt);
        eng.setup();
        Run r;
        r.grows_at_setup = eng.grow_count();
        for (int k = 0; k < 4; ++k) eng.advance(40);  // (a checkpoint-like split: each advance redoes its own steps)
        CHECK_FALSE(eng.halted());
        r.out = sys;
        eng.download(0, r.out);
        r.obs = eng.observe()[0];
        r.grows = eng.grow_count();
        r.site_cap = eng.site_capacity();
        r.cap = eng.capacity();
        return r;
    };
    BatchOptions tight_site = warp();
    tight_site.site_cap = site0;
    BatchOptions tight_both = tight_site;
    tight_both.cap = row0;
    BatchOptions roomy = warp();
    roomy.site_cap = 2 * site0;
    roomy.cap = 2 * row0;
    BatchOptions thread;
    thread.cap = 2 * row0;
    const Run a = run(tight_site), b = run(tight_both), ref = run(roomy), t = run(thread);
    // the capacities fitted step 0 and were outgrown later
    CHECK(a.grows_at_setup == 0);
    CHECK(b.grows_at_setup == 0);
    CHECK(a.grows >= 1);
    CHECK(a.site_cap > site0);
    CHECK(b.site_cap > site0);
    CHECK(b.cap > row0);
    CHECK(ref.grows == 0);
    MESSAGE("step-0 capacities: site " << site0 << ", row " << row0 << "; grown to site " << a.site_cap << " (" << a.grows
                                       << " grow(s)), and site " << b.site_cap << " + row " << b.cap << " (" << b.grows << ")");
    auto same = [&](const Run& x, const Run& y) {
        bool ok = same_bits(x.obs.potential, y.obs.potential) && same_bits(x.obs.temperature, y.obs.temperature);
        for (int k = 0; k < 9; ++k) ok = ok && same_bits(x.obs.virial.m[k / 3][k % 3], y.obs.virial.m[k / 3][k % 3]);
        for (std::size_t i = 0; i < sys.size(); ++i)
            ok = ok && same_bits(x.out.pos[i].x, y.out.pos[i].x) && same_bits(x.out.pos[i].y, y.out.pos[i].y) &&
                 same_bits(x.out.pos[i].z, y.out.pos[i].z) && same_bits(x.out.vel[i].x, y.out.vel[i].x) &&
                 same_bits(x.out.vel[i].y, y.out.vel[i].y) && same_bits(x.out.vel[i].z, y.out.vel[i].z);
        return ok;
    };
    CHECK(same(a, ref));
    CHECK(same(b, ref));
    CHECK(same(t, ref));
    CHECK(norm(ref.out.pos[0] - sys.pos[0]) > 1e-2);  // the atoms moved
}

TEST_CASE("warp kernel: an unknown kernel name or lane count is refused") {
    Model m("NaO_lev16", 1);
    HostExec ex;
    std::vector<BatchReplicaSpec> specs = {mtp_batch_spec(m.sys[0], m.pot, nvt_params())};
    BatchOptions bad;
    bad.mtp_kernel = "block";
    CHECK_THROWS_WITH_AS(HostEngine(ex, m.pot.tables(), specs, bad), doctest::Contains("\"thread\" or \"warp\""), Error);
    BatchOptions lanes = warp(33);
    CHECK_THROWS_AS(HostEngine(ex, m.pot.tables(), specs, lanes), Error);
}
