// The CUDA backend's per-thread kernel bodies and its launch sequence (kernels/batch_engine.hpp), driven
// on the CPU by the host executor, one "thread" after another. The same bodies and sequence are what the
// GPU runs, so this tests the GPU code path everywhere except the launch mechanics and the compiler.
// References: MLIP-2 `mlp calc-efs` values in tests/data/mtp (energies, forces, PlusStress) and the
// CPU backend (engine/md/neighbor_list.cpp, potentials/mtp_potential.cpp, engine/md/dynamics.cpp), which the
// host-driven bodies must reproduce bit for bit (same operations in the same order).
#include <doctest/doctest.h>

#include <cmath>
#include <sstream>
#include <string>
#include <vector>

#include "engine/io/cfg_io.hpp"
#include "engine/md/dynamics.hpp"
#include "engine/md/neighbor_list.hpp"
#include "engine/io/structure_io.hpp"
#include "kernels/batch_engine.hpp"
#include "kernels/host_exec.hpp"
#include "potentials/born_coul_dsf.hpp"
#include "potentials/mtp_file.hpp"
#include "potentials/mtp_math.hpp"
#include "potentials/mtp_potential.hpp"
#include "tests/support/batch_fixture.hpp"

using namespace mdrun;

namespace {

using HostEngine = BatchEngine<HostExec, HostBuffer>;

std::string data(const std::string& rel) { return std::string(MDRUN_TEST_DATA) + "/" + rel; }

bool same_bits(double a, double b) { return a == b || (a != a && b != b); }

// The CPU evaluation the batched bodies mirror, written plainly with the shared per-site math: per atom the
// row compacted to r < max_dist, mtp_site, D scattered to the slots, site virial -sum D (x) r, then the
// gather F_i = sum D_s - D_reverse(s), energy and virial summed in atom order. (potentials/mtp_potential.cpp
// computes the same math in batches of sites; it is compiled without FMA contraction (-ffp-contract=off), but the
// bit-for-bit comparisons here use this plain reference and MtpPotential is compared to round-off.)
class ReferenceMtp : public Potential {
public:
    explicit ReferenceMtp(const MtpPotential& pot) : pot_(pot) {}
    std::string name() const override { return "mtp-reference"; }
    double cutoff() const override { return pot_.cutoff(); }
    double min_trusted_distance() const override { return pot_.min_trusted_distance(); }
    void compute(const System& sys, const NeighborList& nl, std::vector<Vec3>& force, ForceResult& out,
                 bool = false) const override {
        const MtpParamsView p = pot_.tables().view();
        const int n = static_cast<int>(sys.size());
        std::vector<Vec3> D(nl.pairs());
        std::vector<double> site(n);
        std::vector<Mat3> sv(n);
        out = ForceResult{};
        for (int i = 0; i < n; ++i) {
            const int s0 = nl.offset[i], s1 = nl.offset[i + 1], cap = std::max(1, s1 - s0);
            std::vector<double> rx(cap), ry(cap), rz(cap), dx(cap), dy(cap), dz(cap), scr(mtp_scratch_size(p, cap));
            std::vector<int> nt(cap), slot(cap);
            int nn = 0;
            for (int s = s0; s < s1; ++s) {
                const Vec3 r = sys.pos[nl.j[s]] + slot_shift(nl, static_cast<std::size_t>(s)) - sys.pos[i];
                const double d = std::sqrt(norm2(r));
                D[s] = Vec3{0, 0, 0};
                if (!(d < p.max_dist)) continue;
                if (d < p.min_dist) out.close_pairs++;
                rx[nn] = r.x;
                ry[nn] = r.y;
                rz[nn] = r.z;
                nt[nn] = pot_.species_map()[sys.type[nl.j[s]]];
                slot[nn] = s;
                ++nn;
            }
            site[i] = mtp_site(p, pot_.species_map()[sys.type[i]], nn, cap, rx.data(), ry.data(), rz.data(), nt.data(),
                               scr.data(), dx.data(), dy.data(), dz.data());
            Mat3 w = mat3_zero();
            for (int k = 0; k < nn; ++k) {
                const Vec3 d{dx[k], dy[k], dz[k]};
                D[slot[k]] = d;
                add_outer(w, d, Vec3{rx[k], ry[k], rz[k]}, -1.0);
            }
            sv[i] = w;
        }
        force.assign(n, Vec3{0, 0, 0});
        for (int i = 0; i < n; ++i) {
            Vec3 f{0, 0, 0};
            for (int s = nl.offset[i]; s < nl.offset[i + 1]; ++s) {
                f += D[s];
                f -= D[nl.reverse[s]];
            }
            force[i] = f;
        }
        for (int i = 0; i < n; ++i) {
            out.energy += site[i];
            for (int a = 0; a < 3; ++a)
                for (int b = 0; b < 3; ++b) out.virial.m[a][b] += sv[i].m[a][b];
        }
    }

private:
    const MtpPotential& pot_;
};

struct Fixture {
    MtpPotential pot;
    std::vector<CfgConfig> ref;
    std::vector<System> sys;
    Fixture(const std::string& dir, const std::vector<double>& masses, std::vector<int> species_map)
        : pot(read_mtp(data("mtp/" + dir + "/pot.mtp")), std::move(species_map)),
          ref(read_cfg(data("mtp/" + dir + "/reference_mlp.cfg"))) {
        for (const auto& c : ref) sys.push_back(system_from_cfg(c, masses));
    }
};

DynamicsParams nvt_params() {
    DynamicsParams p;
    p.ensemble = "nvt";
    p.dt_ps = 0.002;
    p.temperature_K = 900.0;
    p.tdamp_ps = 0.05;
    p.skin = 0.5;
    return p;
}

}  // namespace

TEST_CASE("kernel bodies: neighbour rows equal the CPU list (small cells with self-images, triclinic, batched)") {
    Fixture fx("NaO_lev16", {22.98977, 15.9994}, {0, 1});
    HostExec ex;
    std::vector<BatchReplicaSpec> specs;
    for (const auto& s : fx.sys) specs.push_back(mtp_batch_spec(s, fx.pot, nvt_params()));
    HostEngine eng(ex, fx.pot.tables(), specs);
    eng.setup();
    std::vector<int> count, jj, rev;
    std::vector<Vec3> shift;
    eng.download_list(count, jj, shift, rev);
    const int cap = eng.capacity();
    for (int r = 0; r < eng.replicas(); ++r) {
        NeighborList nl;
        build_neighbor_list(fx.sys[r].box, fx.sys[r].pos, specs[r].list_cutoff, nl);
        const int first = eng.first_atom(r);
        for (int a = 0; a < eng.atom_count(r); ++a) {
            const int i = first + a;
            const int n = nl.offset[a + 1] - nl.offset[a];
            REQUIRE(count[i] == n);
            for (int k = 0; k < n; ++k) {
                const int s = nl.offset[a] + k;
                const long g = static_cast<long>(i) * cap + k;
                CHECK(jj[g] - first == nl.j[s]);
                CHECK(shift[g].x == slot_shift(nl, static_cast<std::size_t>(s)).x);
                CHECK(shift[g].y == slot_shift(nl, static_cast<std::size_t>(s)).y);
                CHECK(shift[g].z == slot_shift(nl, static_cast<std::size_t>(s)).z);
                // reverse: same (row, position) as the CPU's reverse slot
                const int rs = nl.reverse[s];
                const int rj = nl.j[s];
                CHECK(rev[g] == static_cast<long>(first + rj) * cap + (rs - nl.offset[rj]));
            }
        }
    }
}

TEST_CASE("kernel bodies: MTP energy, forces and virial match mlp calc-efs (all configs batched as replicas)") {
    struct Case {
        const char* dir;
        std::vector<double> masses;
        std::vector<int> map;
    };
    const Case cases[] = {{"NaO_lev16", {22.98977, 15.9994}, {0, 1}},
                          {"La2Zr2O7_lev22", {138.905, 91.224, 15.9994}, {0, 1, 2}},
                          {"ZrYbO_lev18", {91.224, 173.04, 15.9994}, {0, 1, 2}}};
    for (const Case& c : cases) {
        CAPTURE(c.dir);
        Fixture fx(c.dir, c.masses, c.map);
        HostExec ex;
        std::vector<BatchReplicaSpec> specs;
        const std::size_t nuse = std::min<std::size_t>(fx.sys.size(), 8);
        for (std::size_t k = 0; k < nuse; ++k) specs.push_back(mtp_batch_spec(fx.sys[k], fx.pot, nvt_params()));
        BatchOptions opt;
        opt.scratch_bytes = 1 << 20;  // forces several MTP chunks: tests the chunked launch too
        HostEngine eng(ex, fx.pot.tables(), specs, opt);
        eng.setup();
        CHECK(eng.mtp_chunks() >= 1);
        const auto obs = eng.observe();
        for (std::size_t r = 0; r < nuse; ++r) {
            CAPTURE(r);
            const CfgConfig& ref = fx.ref[r];
            System got = fx.sys[r];
            eng.download(static_cast<int>(r), got);
            // against mlp (round-off of a different summation order: relative 1e-12 of the scale)
            CHECK(std::fabs(obs[r].potential - ref.energy) <= 1e-10 * std::max(1.0, std::fabs(ref.energy)));
            double fmax = 0.0;
            for (std::size_t a = 0; a < got.size(); ++a) {
                fmax = std::max(fmax, std::fabs(got.force[a].x - ref.force[a].x));
                fmax = std::max(fmax, std::fabs(got.force[a].y - ref.force[a].y));
                fmax = std::max(fmax, std::fabs(got.force[a].z - ref.force[a].z));
            }
            CHECK(fmax < 1e-9);
            const Mat3& W = obs[r].virial;
            const double w6[6] = {W.m[0][0], W.m[1][1], W.m[2][2], W.m[1][2], W.m[0][2], W.m[0][1]};
            for (int k = 0; k < 6; ++k) CHECK(std::fabs(w6[k] - ref.plus_stress[k]) < 1e-9 * std::max(1.0, std::fabs(ref.plus_stress[k])));
            // against the shared math in the CPU's order: identical operations -> identical bits
            NeighborList nl;
            build_neighbor_list(fx.sys[r].box, fx.sys[r].pos, specs[r].list_cutoff, nl);
            std::vector<Vec3> f, fp;
            ForceResult fr, fpr;
            ReferenceMtp(fx.pot).compute(fx.sys[r], nl, f, fr);
            // and the production CPU potential to round-off
            fx.pot.compute(fx.sys[r], nl, fp, fpr);
            CHECK(std::fabs(obs[r].potential - fpr.energy) <= 1e-12 * std::max(1.0, std::fabs(fpr.energy)));
            double dcpu = 0.0;
            for (std::size_t a = 0; a < got.size(); ++a) dcpu = std::max(dcpu, norm(got.force[a] - fp[a]));
            CHECK(dcpu < 1e-11);
            CHECK(same_bits(obs[r].potential, fr.energy));
            bool all_same = true;
            for (std::size_t a = 0; a < got.size(); ++a)
                all_same = all_same && same_bits(got.force[a].x, f[a].x) && same_bits(got.force[a].y, f[a].y) &&
                           same_bits(got.force[a].z, f[a].z);
            CHECK(all_same);
            for (int k = 0; k < 9; ++k) CHECK(same_bits(W.m[k / 3][k % 3], fr.virial.m[k / 3][k % 3]));
        }
    }
}

namespace {

// Runs the CPU Dynamics and the host-driven batch engine side by side and compares bit for bit.
// tol = 0: bit for bit; else the largest allowed |dx| (Å) and relative energy/temperature difference.
void compare_trajectories(std::vector<System> systems, const std::vector<DynamicsParams>& params, const MtpPotential& pot,
                          long steps, BatchOptions opt = {}, double tol = 0.0) {
    std::vector<System> cpu_sys = systems;
    std::vector<std::unique_ptr<Dynamics>> dyn;
    const ReferenceMtp ref(pot);  // the CPU integrator with the shared MTP math in the CPU's order
    for (std::size_t r = 0; r < systems.size(); ++r) {
        dyn.push_back(std::make_unique<Dynamics>(params[r], cpu_sys[r], ref));
        dyn.back()->setup();
    }
    HostExec ex;
    std::vector<BatchReplicaSpec> specs;
    for (std::size_t r = 0; r < systems.size(); ++r) specs.push_back(mtp_batch_spec(systems[r], pot, params[r]));
    HostEngine eng(ex, pot.tables(), specs, opt);
    eng.setup();
    for (long s = 0; s < steps; ++s)
        for (auto& d : dyn) d->step();
    eng.advance(steps / 2);
    eng.advance(steps - steps / 2);
    CHECK(eng.step_count() == steps);
    CHECK_FALSE(eng.halted());
    const auto obs = eng.observe();
    for (std::size_t r = 0; r < systems.size(); ++r) {
        CAPTURE(r);
        System got = systems[r];
        eng.download(static_cast<int>(r), got);
        bool same = true;
        double dmax = 0.0;
        for (std::size_t a = 0; a < got.size(); ++a) {
            same = same && same_bits(got.pos[a].x, cpu_sys[r].pos[a].x) && same_bits(got.pos[a].y, cpu_sys[r].pos[a].y) &&
                   same_bits(got.pos[a].z, cpu_sys[r].pos[a].z) && same_bits(got.vel[a].x, cpu_sys[r].vel[a].x) &&
                   same_bits(got.vel[a].y, cpu_sys[r].vel[a].y) && same_bits(got.vel[a].z, cpu_sys[r].vel[a].z);
            dmax = std::max(dmax, norm(got.pos[a] - cpu_sys[r].pos[a]));
        }
        CAPTURE(dmax);
        if (tol == 0.0) {
            CHECK(same);
            CHECK(same_bits(obs[r].potential, dyn[r]->potential_energy()));
            CHECK(same_bits(obs[r].temperature, dyn[r]->temperature()));
            CHECK(same_bits(obs[r].thermostat, dyn[r]->thermostat_energy()));
        } else {
            CHECK(dmax <= tol);
            CHECK(std::fabs(obs[r].potential - dyn[r]->potential_energy()) <= tol * std::fabs(dyn[r]->potential_energy()));
            CHECK(std::fabs(obs[r].temperature - dyn[r]->temperature()) <= tol * dyn[r]->temperature());
        }
        CHECK(obs[r].status.rebuilds == dyn[r]->neighbor_rebuilds());
    }
}

}  // namespace

TEST_CASE("kernel bodies: 100-step NVT trajectories of several replicas equal the CPU backend bit for bit") {
    Fixture fx("NaO_lev16", {22.98977, 15.9994}, {0, 1});
    // replicas: the 96-atom cell at two temperatures, one with frozen O, and the 3-atom primitive cell (NVE)
    std::vector<System> sys;
    std::vector<DynamicsParams> par;
    System big = fx.sys[2];
    maxwell_boltzmann(big, 900.0, 7);
    sys.push_back(big);
    par.push_back(nvt_params());
    System hot = fx.sys[2];
    maxwell_boltzmann(hot, 1500.0, 8);
    sys.push_back(hot);
    DynamicsParams p2 = nvt_params();
    p2.temperature_K = 1500.0;
    p2.chain = 5;
    p2.tloop = 1;
    par.push_back(p2);
    System frozen = fx.sys[3];
    for (std::size_t a = 0; a < frozen.size(); ++a) frozen.frozen[a] = frozen.type[a] == 1 ? 1 : 0;
    maxwell_boltzmann(frozen, 900.0, 9);
    sys.push_back(frozen);
    par.push_back(nvt_params());
    System prim = fx.sys[1];
    maxwell_boltzmann(prim, 600.0, 10);
    sys.push_back(prim);
    DynamicsParams nve = nvt_params();
    nve.ensemble = "nve";
    nve.dt_ps = 0.001;
    par.push_back(nve);
    compare_trajectories(sys, par, fx.pot, 100);
}

TEST_CASE("kernel bodies: NVT with tloop = 2 agrees with the CPU backend to round-off") {
    // With tloop > 1 the same inline nhc_half_step, optimised into two different call sites by g++ -O3,
    // was seen to differ in the last bit (bitwise equal at -O0), so this case is compared to round-off.
    Fixture fx("NaO_lev16", {22.98977, 15.9994}, {0, 1});
    System hot = fx.sys[2];
    maxwell_boltzmann(hot, 1500.0, 8);
    DynamicsParams p = nvt_params();
    p.temperature_K = 1500.0;
    p.chain = 5;
    p.tloop = 2;
    compare_trajectories({hot}, {p}, fx.pot, 100, {}, 1e-10);
}

TEST_CASE("kernel bodies: a neighbour row overflow grows the capacity and redoes the steps identically") {
    Fixture fx("NaO_lev16", {22.98977, 15.9994}, {0, 1});
    System big = fx.sys[2];
    maxwell_boltzmann(big, 900.0, 7);
    BatchOptions opt;
    opt.cap = 4;  // far too small: the setup build and the steps must grow it
    compare_trajectories({big}, {nvt_params()}, fx.pot, 30, opt);
}

TEST_CASE("kernel bodies: launches per step do not grow with the number of replicas") {
    Fixture fx("NaO_lev16", {22.98977, 15.9994}, {0, 1});
    auto launches_per_step = [&](int replicas) {
        std::vector<System> sys(static_cast<std::size_t>(replicas), fx.sys[2]);
        for (int r = 0; r < replicas; ++r) maxwell_boltzmann(sys[static_cast<std::size_t>(r)], 600.0, 100 + r);
        HostExec ex;
        std::vector<BatchReplicaSpec> specs;
        for (const auto& s : sys) specs.push_back(mtp_batch_spec(s, fx.pot, nvt_params()));
        HostEngine eng(ex, fx.pot.tables(), specs);
        eng.setup();
        const long before = ex.launches;
        eng.advance(5);
        return (ex.launches - before) / 5.0;
    };
    const double one = launches_per_step(1);
    CHECK(one == launches_per_step(8));
    CHECK(one <= 20.0);
}

TEST_CASE("kernel bodies: the displacement check halts the batch at the failing step and keeps that state") {
    Fixture fx("NaO_lev16", {22.98977, 15.9994}, {0, 1});
    System a = fx.sys[2], b = fx.sys[2];
    maxwell_boltzmann(a, 600.0, 1);
    maxwell_boltzmann(b, 600.0, 2);
    HostExec ex;
    std::vector<BatchReplicaSpec> specs = {mtp_batch_spec(a, fx.pot, nvt_params()), mtp_batch_spec(b, fx.pot, nvt_params())};
    specs[1].max_displacement = 1e-9;  // the second replica fails at step 1
    HostEngine eng(ex, fx.pot.tables(), specs);
    eng.setup();
    eng.advance(10);
    CHECK(eng.halted());
    CHECK(eng.halt_replica() == 1);
    CHECK(eng.halt_reason() == kHaltDisplacement);
    CHECK(eng.step_count() == 1);
    const auto obs = eng.observe();
    CHECK(obs[1].status.disp_atom >= eng.first_atom(1));
}

TEST_CASE("kernel bodies: checkpoint save/load continues bit-identically and reads CPU checkpoints") {
    Fixture fx("NaO_lev16", {22.98977, 15.9994}, {0, 1});
    System a = fx.sys[2];
    maxwell_boltzmann(a, 900.0, 3);
    const DynamicsParams p = nvt_params();
    HostExec ex;
    HostEngine ref(ex, fx.pot.tables(), {mtp_batch_spec(a, fx.pot, p)});
    ref.setup();
    ref.advance(40);
    HostEngine first(ex, fx.pot.tables(), {mtp_batch_spec(a, fx.pot, p)});
    first.setup();
    first.advance(20);
    std::stringstream ss;
    BinaryWriter w(ss);
    first.save(0, w);
    // a CPU checkpoint written at the same step must be byte-identical (interchangeable checkpoints)
    System cpu_sys = a;
    const ReferenceMtp refpot(fx.pot);
    Dynamics dyn(p, cpu_sys, refpot);
    dyn.setup();
    for (int s = 0; s < 20; ++s) dyn.step();
    std::stringstream cs;
    BinaryWriter cw(cs);
    dyn.save(cw);
    CHECK(cs.str().size() == ss.str().size());
    HostEngine second(ex, fx.pot.tables(), {mtp_batch_spec(a, fx.pot, p)});
    BinaryReader rd(ss, "checkpoint");
    second.load(0, rd);
    second.advance(20);
    System x = a, y = a;
    ref.download(0, x);
    second.download(0, y);
    bool same = true;
    for (std::size_t i = 0; i < x.size(); ++i)
        same = same && same_bits(x.pos[i].x, y.pos[i].x) && same_bits(x.vel[i].z, y.vel[i].z);
    CHECK(same);
    // the CPU checkpoint loaded into the batched engine continues exactly like the CPU run
    HostEngine third(ex, fx.pot.tables(), {mtp_batch_spec(a, fx.pot, p)});
    BinaryReader crd(cs, "cpu checkpoint");
    third.load(0, crd);
    third.advance(20);
    for (int s = 0; s < 20; ++s) dyn.step();
    System z = a;
    third.download(0, z);
    bool same_cpu = true;
    for (std::size_t i = 0; i < z.size(); ++i)
        same_cpu = same_cpu && same_bits(z.pos[i].x, cpu_sys.pos[i].x) && same_bits(z.vel[i].y, cpu_sys.vel[i].y);
    CHECK(same_cpu);
    CHECK(third.step_count() == 40);
}

TEST_CASE("kernel bodies: non-periodic directions (slab and cluster) match the CPU list and MTP bit for bit") {
    Fixture fx("NaO_lev16", {22.98977, 15.9994}, {0, 1});
    System slab = fx.sys[2], cluster = fx.sys[2];
    Mat3 hs = slab.box.h;
    hs.m[2][0] = hs.m[2][1] = hs.m[2][2] = 0.0;  // z non-periodic
    slab.box = make_box(hs);
    cluster.box = make_box(mat3_zero());          // no periodic direction at all
    std::vector<System> sys = {slab, cluster};
    HostExec ex;
    std::vector<BatchReplicaSpec> specs;
    for (const auto& s : sys) specs.push_back(mtp_batch_spec(s, fx.pot, nvt_params()));
    HostEngine eng(ex, fx.pot.tables(), specs);
    eng.setup();
    const auto obs = eng.observe();
    std::vector<int> count, jj, rev;
    std::vector<Vec3> shift;
    eng.download_list(count, jj, shift, rev);
    for (int r = 0; r < 2; ++r) {
        CAPTURE(r);
        NeighborList nl;
        build_neighbor_list(sys[r].box, sys[r].pos, specs[r].list_cutoff, nl);
        const int first = eng.first_atom(r);
        bool rows_same = true;
        for (int a = 0; a < eng.atom_count(r); ++a) {
            const int n = nl.offset[a + 1] - nl.offset[a];
            rows_same = rows_same && count[first + a] == n;
            for (int k = 0; k < n && rows_same; ++k) {
                const long g = static_cast<long>(first + a) * eng.capacity() + k;
                const Vec3& cpu = slot_shift(nl, static_cast<std::size_t>(nl.offset[a] + k));
                rows_same = jj[g] - first == nl.j[nl.offset[a] + k] && shift[g].x == cpu.x && shift[g].z == cpu.z;
            }
        }
        CHECK(rows_same);
        std::vector<Vec3> f;
        ForceResult fr;
        ReferenceMtp(fx.pot).compute(sys[r], nl, f, fr);
        CHECK(same_bits(obs[r].potential, fr.energy));
        System got = sys[r];
        eng.download(r, got);
        bool fsame = true;
        for (std::size_t a = 0; a < got.size(); ++a) fsame = fsame && same_bits(got.force[a].y, f[a].y);
        CHECK(fsame);
    }
}

TEST_CASE("kernel bodies: multi-lane reductions (used for replicas above 4096 atoms) agree to round-off") {
    Fixture fx("NaO_lev16", {22.98977, 15.9994}, {0, 1});
    System a = fx.sys[2];
    maxwell_boltzmann(a, 900.0, 5);
    HostExec ex;
    BatchOptions one, many;
    one.lanes = 1;
    many.lanes = 64;
    HostEngine e1(ex, fx.pot.tables(), {mtp_batch_spec(a, fx.pot, nvt_params())}, one);
    HostEngine e64(ex, fx.pot.tables(), {mtp_batch_spec(a, fx.pot, nvt_params())}, many);
    e1.setup();
    e64.setup();
    e1.advance(20);
    e64.advance(20);
    const auto o1 = e1.observe(), o64 = e64.observe();
    CHECK(e64.lanes() == 64);
    CHECK(std::fabs(o1[0].potential - o64[0].potential) <= 1e-12 * std::fabs(o1[0].potential));
    CHECK(std::fabs(o1[0].temperature - o64[0].temperature) <= 1e-10 * o1[0].temperature);
    for (int k = 0; k < 9; ++k)
        CHECK(std::fabs(o1[0].virial.m[k / 3][k % 3] - o64[0].virial.m[k / 3][k % 3]) <= 1e-10 * (1.0 + std::fabs(o1[0].virial.m[k / 3][k % 3])));
}

TEST_CASE("kernel bodies: born/coul/dsf forces, energy, virial and a 50-step trajectory equal the CPU bit for bit") {
    System nacl = read_lammps_data(std::string(MDRUN_TEST_DATA) + "/lammps_reference/data/nacl216_seed20240501.data",
                                   {"Na", "Cl"});
    BornCoulDsfParams bp;
    bp.cutoff = 8.0;
    bp.alpha = 0.2;
    bp.coulomb = true;
    bp.nspecies = 2;
    bp.species_charge = {1.0, -1.0};
    bp.half_list = false;  // the CPU side sums in the bodies' (full-list) order
    const BornPairParams nana{0.263704, 0.317, 2.340, 1.048573, -0.499321}, nacl_p{0.210963, 0.317, 2.755, 6.990490, -8.675698},
        clcl{0.158222, 0.317, 3.170, 72.40150, -145.4271};
    bp.pair = {nana, nacl_p, nacl_p, clcl};
    const BornCoulDsfPotential pot(bp);
    maxwell_boltzmann(nacl, 900.0, 3);
    System frozen = nacl;
    frozen.frozen.assign(frozen.size(), 0);
    for (std::size_t a = 0; a < frozen.size(); ++a) frozen.frozen[a] = frozen.type[a] == 1 ? 1 : 0;
    maxwell_boltzmann(frozen, 900.0, 4);
    std::vector<System> sys = {nacl, frozen};
    DynamicsParams p = nvt_params();
    p.dt_ps = 0.001;
    p.skin = 1.0;
    HostExec ex;
    std::vector<BatchReplicaSpec> specs;
    for (const auto& s : sys) {
        BatchReplicaSpec sp;
        sp.sys = &s;
        for (int t : s.type) sp.charge.push_back(bp.species_charge[static_cast<std::size_t>(t)]);
        sp.params = p;
        sp.list_cutoff = pot.cutoff() + p.skin + 1e-9 * pot.cutoff() + 1e-12;
        sp.stop_on_close_pairs = false;
        specs.push_back(std::move(sp));
    }
    HostEngine eng(ex, bp, specs);
    eng.setup();
    CHECK(eng.is_born());
    auto obs = eng.observe();
    std::vector<System> cpu = sys;
    std::vector<std::unique_ptr<Dynamics>> dyn;
    for (std::size_t r = 0; r < sys.size(); ++r) {
        dyn.push_back(std::make_unique<Dynamics>(p, cpu[r], pot));
        dyn.back()->setup();
        CHECK(same_bits(obs[r].potential, dyn[r]->potential_energy()));
        for (int k = 0; k < 9; ++k) CHECK(same_bits(obs[r].virial.m[k / 3][k % 3], dyn[r]->virial().m[k / 3][k % 3]));
        System got = sys[r];
        eng.download(static_cast<int>(r), got);
        bool same = true;
        for (std::size_t a = 0; a < got.size(); ++a)
            same = same && same_bits(got.force[a].x, cpu[r].force[a].x) && same_bits(got.force[a].z, cpu[r].force[a].z);
        CHECK(same);
    }
    eng.advance(50);
    obs = eng.observe();
    for (std::size_t r = 0; r < sys.size(); ++r) {
        for (int s = 0; s < 50; ++s) dyn[r]->step();
        System got = sys[r];
        eng.download(static_cast<int>(r), got);
        bool same = true;
        for (std::size_t a = 0; a < got.size(); ++a)
            same = same && same_bits(got.pos[a].x, cpu[r].pos[a].x) && same_bits(got.pos[a].y, cpu[r].pos[a].y) &&
                   same_bits(got.vel[a].z, cpu[r].vel[a].z);
        CHECK(same);
        CHECK(same_bits(obs[r].potential, dyn[r]->potential_energy()));
        CHECK(same_bits(obs[r].temperature, dyn[r]->temperature()));
    }
}

TEST_CASE("kernel bodies: a reverse slot without its mirror is counted, and no slot points out of the list") {
    // Three atoms, two slots per row, an asymmetric list as rounding can make it for a pair at exactly the
    // list cutoff: row 1 holds (2, image 0) but the (full) row of the last atom lacks (1, image 0), so the
    // binary search ends past the last slot of the whole list. Row 0 <-> row 2 is a proper pair.
    const int N = 3, cap = 2;
    std::vector<int> rep(N, 0), count = {1, 1, 2};
    std::vector<int> nb_j = {2, -1, 2, -1, 0, 0};
    std::vector<int> nb_img = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0};
    std::vector<int> reverse(N * cap, -7), health = {0, 0, 1 << 30}, halt = {0, 0, 0};
    std::vector<ReplicaStatus> st(1, ReplicaStatus{});
    st[0].rebuild = 1;
    BatchView v;
    v.n_atoms = N;
    v.n_replicas = 1;
    v.cap = cap;
    v.rep = rep.data();
    v.status = st.data();
    v.halt = halt.data();
    v.nb_count = count.data();
    v.nb_j = nb_j.data();
    v.nb_img = nb_img.data();
    v.nb_reverse = reverse.data();
    v.nb_overflow = health.data();
    for (int i = 0; i < N; ++i) nl_reverse_body(i, v);
    CHECK(reverse[0] == 4);       // 0 -> 2 (image 0) mirrors to row 2, slot 0
    CHECK(reverse[4] == 0);       // and back
    CHECK(health[1] == 2);        // 1 -> 2 has no mirror; 2 -> 0 (image +x) neither
    CHECK(health[2] == 1);        // lowest atom with such a slot
    for (int s : {0, 2, 4, 5}) {  // every stored slot points inside the list
        CHECK(reverse[s] >= 0);
        CHECK(reverse[s] < N * cap);
    }
    CHECK(reverse[2] == 2);  // the unmatched slot points at itself
}

TEST_CASE("kernel bodies: a pair at the list cutoff within rounding stops the engine like the CPU list") {
    // Two atoms across the periodic boundary of a 20 Å cube. The cutoff was chosen (by a search over random
    // positions) so that |r_01|^2 == cutoff^2 while |r_10|^2 is one ulp smaller: (x1 - L) - x0 and (x0 + L) - x1
    // round differently. Row 1 then holds the pair and row 0 does not.
    Fixture fx("NaO_lev16", {22.98977, 15.9994}, {0, 1});
    System s;
    s.box = make_box(Mat3{{{20.0, 0, 0}, {0, 20.0, 0}, {0, 0, 20.0}}});
    s.species = {"X0", "X1"};
    s.type = {0, 1};
    s.id = {1, 2};
    s.pos = {Vec3{0.4896563079259635, 15.275492379532281, 9.908701741838819},
             Vec3{19.304991574055208, 14.295768482489969, 9.70666600099377}};
    s.vel.assign(2, Vec3{0, 0, 0});
    s.force.assign(2, Vec3{0, 0, 0});
    s.mass = {22.98977, 15.9994};
    s.frozen.assign(2, 0);
    BatchReplicaSpec spec = mtp_batch_spec(s, fx.pot, nvt_params());
    spec.list_cutoff = 1.5505185863741366;
    BatchOptions opt;
    opt.cap = 8;  // (the default sizes the rows from the CPU list, which would stop first)
    HostExec ex;
    HostEngine eng(ex, fx.pot.tables(), {spec}, opt);
    std::string msg;
    try {
        eng.setup();
    } catch (const Error& e) {
        msg = e.what();
    }
    INFO(msg);
    CHECK(msg.find("neighbour list is not symmetric") != std::string::npos);
    CHECK(msg.find("atom 1 of replica 0") != std::string::npos);
    // the CPU list stops on the same configuration
    NeighborList nl;
    std::string cpu;
    try {
        build_neighbor_list(s.box, s.pos, spec.list_cutoff, nl);
    } catch (const Error& e) {
        cpu = e.what();
    }
    CHECK(cpu.find("neighbour list is not symmetric") != std::string::npos);
}
