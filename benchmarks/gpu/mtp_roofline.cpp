// Roofline inputs for the GPU MTP kernels: exact floating-point operation counts per atom and step of
// the code in potentials/mtp_math.hpp + kernels/mtp_bodies.hpp (counted from the model's own tables and
// the benchmark structures' real neighbour counts), and the bytes the per-thread scratch layout moves.
// For the cooperative "warp" kernel (kernels/mtp_warp_bodies.hpp) a phase-by-phase MODEL: per phase the
// busiest lane's operations and on-chip (shared memory / L1) bytes, from the real level schedule, turned
// into SM cycles per atom with the H200's FP64 and shared-memory rates; an estimate, not a measurement.
// Host-only; numbers go into benchmarks/README.md (GPU section).
//   mtp_roofline [--data DIR]   (default: tests/data of this repository)
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "engine/io/cfg_io.hpp"
#include "engine/md/neighbor_list.hpp"
#include "engine/io/structure_io.hpp"
#include "kernels/mtp_bodies.hpp"
#include "kernels/mtp_warp_bodies.hpp"
#include "potentials/mtp_file.hpp"
#include "potentials/mtp_tables.hpp"
#include "potentials/mtp_warp_schedule.hpp"

using namespace mdrun;

namespace {

// H200 SXM rates the model uses (datasheet values; the device check measures the real kernels):
// 132 SMs at up to 1.98 GHz; per SM and clock 64 FP64 lane-operations (2 warp instructions: a 32-lane
// DADD/DMUL/DFMA takes half a clock) and 128 bytes of shared memory / L1 (a 32-lane 8-byte access
// takes two clocks unless all lanes read one address, a broadcast); 4.8 TB/s HBM3e.
constexpr double kSms = 132, kClock = 1.98e9, kLaneOpsPerClk = 64, kSharedBytesPerClk = 128, kHbm = 4.8e12;

// The warp kernel phase by phase for an atom with nn neighbours inside r_c and `slots` list slots, nl = 32
// lanes: per phase the busiest lane's flops and distinct-address bytes (a warp step costs 32 lanes' worth
// of both), SM cycles = max(flop cycles, byte cycles) per phase (FP64 and load pipes overlap at best).
void warp_model(const MtpTables& t, double nn_mean, double slots, int longest_site) {
    const MtpParamsView& p = t.counts;
    const MtpWarpTables w = build_mtp_warp_tables(t);
    const int nl = 32;
    const int nn = static_cast<int>(std::lround(nn_mean));
    double cyc_flop = 0, cyc_byte = 0, cyc = 0, flops_total = 0;
    double part[6] = {0, 0, 0, 0, 0, 0};  // compaction+prepare, basic, forward, backward, derivatives, outputs
    int cur = 0;
    auto phase = [&](double lane_flops, double lane_bytes, double total_flops) {
        const double cf = lane_flops * nl / kLaneOpsPerClk, cb = lane_bytes * nl / kSharedBytesPerClk;
        cyc_flop += cf;
        cyc_byte += cb;
        cyc += std::max(cf, cb);
        part[cur] += std::max(cf, cb);
        flops_total += total_flops;
    };
    const double rounds_nb = std::ceil(nn / static_cast<double>(nl));
    // compaction (two passes over the row: position, image shift, neighbour position; r)
    phase(std::ceil(slots / nl) * 2 * 9, std::ceil(slots / nl) * 2 * (4 + 24 + 24), 2 * slots * 9);
    // prepare: r, u, Chebyshev radial basis and radial functions, f/r, monomials; writes the arrays
    const double prep = 10 + 6 + 3 * 2 + 8.0 * (p.n_q - 2) + 4.0 * p.n_mu * p.n_q + p.n_mu + (p.n_comp - 1);
    const double prep_bytes = 8.0 * (11 + 3 * p.n_mu + p.n_comp) + 8.0 * 2 * p.n_comp + 8.0 * p.n_mu * p.n_q;  // + radial coefficients
    phase(rounds_nb * prep, rounds_nb * prep_bytes, nn * prep);
    cur = 1;
    // basic moments: lane owns moments, 2 flops and 16 bytes (f, monomial) per neighbour
    phase(std::ceil(p.n_basic / static_cast<double>(nl)) * 2.0 * nn, std::ceil(p.n_basic / static_cast<double>(nl)) * 16.0 * nn,
          2.0 * p.n_basic * nn);
    cur = 2;
    // forward levels: per row 3 flops, 16 bytes of moments + 16 bytes of table (i0, i1, m)
    for (int lv = 0; lv < w.counts.n_fwd_levels; ++lv) {
        std::vector<double> lane(nl, 0.0);
        double tot = 0;
        for (int q = w.fwd_level_start[lv]; q < w.fwd_level_start[lv + 1]; ++q) {
            double rows = 0;
            for (int gi = w.fwd_group_start[q]; gi < w.fwd_group_start[q + 1]; ++gi) {
                const int r = w.fwd_group_runs[gi];
                rows += t.run_start[r + 1] - t.run_start[r];
            }
            lane[(q - w.fwd_level_start[lv]) % nl] += rows;
            tot += rows;
        }
        const double mx = *std::max_element(lane.begin(), lane.end());
        phase(3 * mx, 32 * mx, 3 * tot);
    }
    cur = 3;
    // backward levels: per use 3 flops, 16 bytes (g, M) + 16 bytes of table (k, other, m)
    for (int lv = 0; lv < w.counts.n_bwd_levels; ++lv) {
        std::vector<double> lane(nl, 0.0);
        double tot = 0;
        for (int i = w.bwd_level_start[lv]; i < w.bwd_level_start[lv + 1]; ++i) {
            const int idx = w.bwd_items[i];
            const double uses = t.use_start[idx + 1] - t.use_start[idx];
            lane[(i - w.bwd_level_start[lv]) % nl] += uses + 1;
            tot += uses + 1;
        }
        const double mx = *std::max_element(lane.begin(), lane.end());
        phase(3 * mx, 32 * mx, 3 * tot);
    }
    // derivatives: lane owns neighbours; per basic moment 4 flops and f/r, f' (16 bytes; g and the
    // tables are broadcasts), per used component 12 flops and 4 monomials (32 bytes)
    cur = 4;
    int used = 0;
    for (int c = 0; c < p.n_comp; ++c) used += t.comp_basic_start[c + 1] > t.comp_basic_start[c];
    const double der = 4.0 * p.n_basic + 12.0 * used + 6, der_bytes = 16.0 * p.n_basic + 32.0 * used + 48;
    phase(rounds_nb * der, rounds_nb * der_bytes, nn * der);
    cur = 5;
    // outputs: D to the slots, virial (lanes own components: 3 flops and 16 bytes per neighbour)
    phase(3.0 * nn, 16.0 * nn + std::ceil(slots / nl) * 24, 27.0 * nn);
    const double per_s = kSms * kClock / cyc;
    // device memory per atom: the row twice (two compaction passes), D to every slot, then the force
    // gather (D of the row and of the mirrored slots, reverse index); tables stay in L2.
    const double hbm = slots * (2 * (4 + 24 + 24) + 24) + slots * (24 + 24 + 4 + 4);
    // the engine's capacities: row slots and site columns with head room (kernels/batch_engine.hpp)
    const long block = mtp_warp_body_doubles(p, static_cast<int>(slots * 1.25 + 8), longest_site + longest_site / 4 + 8, nl);
    std::printf("  warp kernel MODEL (H200: %d lanes, %d forward / %d backward levels): %.3g flop/atom; busiest-lane SM cycles "
                "per atom: FP64 %.3g, shared/L1 %.3g, phase-wise max %.3g\n",
                nl, w.counts.n_fwd_levels, w.counts.n_bwd_levels, flops_total, cyc_flop, cyc_byte, cyc);
    std::printf("    SM cycles per atom by phase: compaction+prepare %.0f, basic moments %.0f, forward %.0f, backward %.0f, "
                "derivatives %.0f, outputs %.0f\n",
                part[0], part[1], part[2], part[3], part[4], part[5]);
    std::printf("    lane efficiency %.0f %% (useful flops / 32 lanes x FP64 cycles x 2); block %.1f KiB per atom -> %d warps/SM "
                "(228 KiB)\n",
                100.0 * flops_total / (cyc_flop * kLaneOpsPerClk), block * 8.0 / 1024.0,
                static_cast<int>(228.0 * 1024 / (block * 8.0)));
    std::printf("    expected (model, full GPU, no FMA): on-chip bound %.3g atom-steps/s; HBM %.3g B/atom -> %.3g atom-steps/s; "
                "estimate %.3g\n",
                per_s, hbm, kHbm / hbm, std::min(per_s, kHbm / hbm));
}

}  // namespace

int main(int argc, char** argv) {
    std::string data = MDRUN_TEST_DATA;
    for (int a = 1; a + 1 < argc; ++a)
        if (!std::strcmp(argv[a], "--data")) data = argv[a + 1];
    struct M {
        const char* label;
        const char* dir;
        std::array<int, 3> rep;
    };
    const M models[] = {{"lev16 Na2O", "NaO_lev16", {7, 7, 7}}, {"lev22 La2Zr2O7", "La2Zr2O7_lev22", {2, 2, 3}}};
    for (const M& m : models) {
        const MtpModel model = read_mtp(data + "/mtp/" + m.dir + "/pot.mtp");
        const MtpTables t = build_mtp_tables(model);
        const MtpParamsView& p = t.counts;
        const auto cfgs = read_cfg(data + "/mtp/" + m.dir + "/reference_mlp.cfg");
        System s;
        s.box = make_box(cfgs[0].lattice);
        s.pos = cfgs[0].pos;
        s.type = cfgs[0].type;
        s.id = cfgs[0].id;
        s.species.assign(static_cast<std::size_t>(model.species_count), "X");
        s.mass.assign(s.pos.size(), 1.0);
        s.vel.assign(s.pos.size(), Vec3{0, 0, 0});
        s.force = s.vel;
        s.frozen.assign(s.pos.size(), 0);
        replicate(s, m.rep[0], m.rep[1], m.rep[2]);
        NeighborList in, list;
        build_neighbor_list(s.box, s.pos, model.max_dist, in);
        build_neighbor_list(s.box, s.pos, model.max_dist + 1.0, list);  // skin 1 Å as the benchmark
        const double nn = static_cast<double>(in.pairs()) / s.size();     // neighbours inside r_c
        const double slots = static_cast<double>(list.pairs()) / s.size();  // list slots (r_c + skin)
        int used_comp = 0, nz_pow = 0;
        for (int c = 0; c < p.n_comp; ++c) {
            if (t.comp_basic_start[c + 1] > t.comp_basic_start[c]) {
                ++used_comp;
                for (int ax = 0; ax < 3; ++ax) nz_pow += t.comp_pow[3 * c + ax] != 0.0;
            }
        }
        // flops (add, mul, div, sqrt each 1) per site, following the code
        const double f_geom = slots * 9 + nn * (10 + 6 + 3 * 2 + 8.0 * (p.n_q - 2) + 4.0 * p.n_mu * p.n_q + p.n_mu + (p.n_comp - 1));
        const double f_basic = 2.0 * p.n_basic * nn;
        const double f_contract = 3.0 * p.n_times + 2.0 * p.n_scalar + 5.0 * p.n_times;
        const double f_deriv = 4.0 * p.n_basic * nn + used_comp * 4.0 * nn + nz_pow * 3.0 * nn + 6 * nn;
        const double f_virial_force = nn * 18 + slots * 6;
        const double flops = f_geom + f_basic + f_contract + f_deriv + f_virial_force;
        // bytes through the memory system with the per-thread scratch layout (every array access counted;
        // per-neighbour arrays are contiguous per thread, so a warp touches 32 different cache lines)
        const double b_basic = 16.0 * p.n_basic * nn;
        const double b_deriv = 8.0 * nn * (6.0 * p.n_basic + used_comp * 4.0 + nz_pow * 3.0);
        const double b_contract = 8.0 * (4.0 * p.n_times + 6.0 * p.n_times);
        const double b_list = slots * (4 + 24 + 24 + 4 + 24 + 24);  // j, shift, pos[j], reverse, D, D[rev]
        const double bytes = b_basic + b_deriv + b_contract + b_list;
        const long scratch = mtp_thread_scratch(p, static_cast<int>(slots * 1.25 + 8));
        std::printf("%s: N_b=%d N_t=%d N_alpha=%d N_s=%d n_comp=%d (max degree %d) N_mu=%d N_Q=%d\n", m.label, p.n_basic,
                    p.n_times, p.n_alpha, p.n_scalar, p.n_comp, p.max_degree, p.n_mu, p.n_q);
        std::printf("  neighbours within r_c %.1f, list slots (skin 1 A) %.1f, scratch/thread %.0f KiB\n", nn, slots,
                    scratch * 8.0 / 1024.0);
        std::printf("  flops/atom/step: geometry+radial %.3g, basic moments %.3g, contractions %.3g, derivatives %.3g,"
                    " force+virial %.3g; total %.3g\n",
                    f_geom, f_basic, f_contract, f_deriv, f_virial_force, flops);
        std::printf("  bytes/atom/step (scratch+list traffic): %.3g  -> arithmetic intensity %.2f flop/byte\n", bytes,
                    flops / bytes);
        int longest_site = 0;
        for (std::size_t i = 0; i < in.size(); ++i) longest_site = std::max(longest_site, in.offset[i + 1] - in.offset[i]);
        warp_model(t, nn, slots, longest_site);
    }
    return 0;
}
