// The cooperative ("warp") MTP kernel body: one group of `nl` lanes (a warp on the GPU, emulated lane by
// lane on the host) per central atom, in phases separated by sync points (potentials/mtp_warp_math.hpp
// for the site math). Selected by `[gpu] mtp_kernel = "warp"`; it computes what the one-thread-per-atom
// body mtp_site_body does (kernels/mtp_bodies.hpp), bit for bit: the energy and virial columns and D_ij
// in every slot of the row, and the close-pair counts.
//
// Phases of one atom (MtpWarpFn::phases()):
//   0  lanes take the row's slots interleaved (slot a = k nl + lane in round k, so a warp reads the list
//      coalesced), mark each slot inside max_dist (keep flag) and count their close pairs
//   1  lane l owns rounds l, l+nl, ...: the exclusive prefix count of the keep flags of each of its rounds
//      (in place) and the round's total
//   2  every lane: the compacted count (sum of the round totals); the lanes write their kept neighbours
//      to the compacted list at round base + prefix, in slot order, as the thread body does
//   3 ..  the site phases of mtp_warp_site_phase (prepare, basic moments, contraction levels, derivatives)
//   last  D_ij back to the slots (0 outside max_dist), the site virial (lanes own components, summed over
//      neighbours in order), the energy column and the close-pair words (lane 0)
// No floating-point value is summed across lanes and no floating-point atomics are used.
// Banks: the per-slot words are kept as [round][nl + 1] (the extra word of a round holds its total), so
// the round owners of phase 1, which walk their rounds in step, hit different banks; the compacted writes
// of phase 2 go to consecutive positions. Every phase is at most 2-way (tests/unit/test_kernel_warp_banks.cpp).
#pragma once
#include "engine/core/hd.hpp"
#include "engine/core/vec3.hpp"
#include "kernels/batch_view.hpp"
#include "kernels/hd_atomic.hpp"
#include "potentials/mtp_math.hpp"
#include "potentials/mtp_warp_math.hpp"

namespace mdrun {

constexpr int kMtpWarpMaxLanes = 32;

// The per-neighbour arrays of a block have `scap` columns (the site capacity: neighbours inside max_dist,
// far fewer than the row's `cap` slots, which reach out to the list cutoff); a site with more neighbours
// raises nb_overflow[3] and the engine grows scap and redoes the steps, as for a row overflow.
// Ints of the body in the site's shared block: neighbour species of each compacted neighbour (scap), the
// per-slot words (keep flag, then prefix, then compacted index or -1) as [round][nl + 1] for the
// ceil(cap / nl) rounds of nl slots, per-lane close-pair counts, and four words (compacted count, skip
// flag, row length, site overflow).
MDRUN_HD_INLINE long mtp_warp_slot_words(int cap, int nl) { return static_cast<long>((cap + nl - 1) / nl) * (nl + 1); }
MDRUN_HD_INLINE long mtp_warp_body_ints(int cap, int scap, int nl) {
    return scap + mtp_warp_slot_words(cap, nl) + kMtpWarpMaxLanes + 4;
}
// Doubles of one atom's block: the site block plus the per-lane closest close-pair distance.
MDRUN_HD_INLINE long mtp_warp_body_doubles(const MtpParamsView& p, int cap, int scap, int nl) {
    return mtp_warp_shared_doubles(p, scap, mtp_warp_body_ints(cap, scap, nl)) + kMtpWarpMaxLanes;
}

struct MtpWarpFn {
    BatchView b;
    MtpParamsView p;
    MtpWarpView s;
    int first;          // first atom of this launch
    int scap;           // site capacity (columns of the per-neighbour arrays)
    double* gscratch;   // non-null: the blocks live here (per_item doubles per atom of the launch), not in
    long per_item;      //   the executor's shared memory (the variant for blocks too large for it)

    MDRUN_HD_INLINE int phases() const { return 4 + mtp_warp_site_phases(s); }

    MDRUN_HD_INLINE void operator()(int ph, int t, int lane, int nl, double* shared) const {
        const int cap = b.cap;
        double* block = gscratch ? gscratch + per_item * t : shared;
        const MtpWarpShared h = mtp_warp_layout(p, scap, block);
        int* ntype = h.ints;
        int* sw = ntype + scap;  // per-slot words: slot k nl + m at sw[k (nl + 1) + m], round total at sw[k (nl + 1) + nl]
        int* lane_close = sw + mtp_warp_slot_words(cap, nl);
        int* words = lane_close + kMtpWarpMaxLanes;  // [0] compacted count, [1] skip, [2] row length, [3] overflow
        double* lane_close_r = block + (mtp_warp_body_doubles(p, cap, scap, nl) - kMtpWarpMaxLanes);
        const int i = first + t;
        const long base = static_cast<long>(i) * cap;
        const int w1 = nl + 1;
        if (ph == 0) {
            const bool skip = b.skip(b.rep[i]);
            const int nrow = b.nb_count[i] < cap ? b.nb_count[i] : cap;
            if (lane == 0) {
                MDRUN_SH(words[1]) = skip ? 1 : 0;
                MDRUN_SH(words[2]) = nrow;
            }
            if (skip) return;
            const Vec3 xi = b.pos[i];
            int close = 0;
            double close_r = 0.0;
            for (int k = 0; k * nl + lane < nrow; ++k) {
                MDRUN_SH_ROUND();
                const int a = k * nl + lane;
                const Vec3 d = b.pos[b.nb_j[base + a]] + b.nb_shift[base + a] - xi;
                const double rr = sqrt(norm2(d));
                const bool kept = rr < p.max_dist;
                if (kept && rr < p.min_dist) {
                    if (close == 0 || rr < close_r) close_r = rr;
                    ++close;
                }
                MDRUN_SH(sw[k * w1 + lane]) = kept ? 1 : 0;
            }
            MDRUN_SH(lane_close[lane]) = close;
            MDRUN_SH(lane_close_r[lane]) = close_r;
            return;
        }
        if (MDRUN_SH(words[1]) != 0) return;
        const int nrow = MDRUN_SH(words[2]);
        const int rounds = (nrow + nl - 1) / nl;
        if (ph == 1) {
            for (int k = lane; k < rounds; k += nl) {
                MDRUN_SH_ROUND();
                int run = 0;
                for (int m = 0; m < nl && k * nl + m < nrow; ++m) {
                    const int kept = MDRUN_SH(sw[k * w1 + m]);
                    MDRUN_SH(sw[k * w1 + m]) = run;
                    run += kept;
                }
                MDRUN_SH(sw[k * w1 + nl]) = run;
            }
            return;
        }
        if (ph == 2) {
            int nn = 0;
            for (int k = 0; k < rounds; ++k) nn += MDRUN_SH(sw[k * w1 + nl]);
            if (lane == 0) {
                MDRUN_SH(words[0]) = nn;
                MDRUN_SH(words[3]) = nn > scap ? 1 : 0;
                if (nn > scap) hd_atomic_max(b.nb_overflow + 3, nn);  // the engine grows scap and redoes the steps
            }
            if (nn > scap) return;
            const Vec3 xi = b.pos[i];
            int round_base = 0;  // kept slots of the rounds before k
            for (int k = 0; k < rounds; ++k) {
                MDRUN_SH_ROUND();
                const int a = k * nl + lane;
                if (a < nrow) {
                    const int j = b.nb_j[base + a];
                    const Vec3 d = b.pos[j] + b.nb_shift[base + a] - xi;
                    const double rr = sqrt(norm2(d));
                    const bool kept = rr < p.max_dist;
                    const int pos = round_base + MDRUN_SH(sw[k * w1 + lane]);
                    MDRUN_SH_IF(kept, h.rx + pos);
                    MDRUN_SH_IF(kept, h.ry + pos);
                    MDRUN_SH_IF(kept, h.rz + pos);
                    MDRUN_SH_IF(kept, ntype + pos);
                    if (kept) {
                        h.rx[pos] = d.x;
                        h.ry[pos] = d.y;
                        h.rz[pos] = d.z;
                        ntype[pos] = b.mtp_type[j];
                    }
                    MDRUN_SH(sw[k * w1 + lane]) = kept ? pos : -1;
                }
                round_base += MDRUN_SH(sw[k * w1 + nl]);
            }
            return;
        }
        if (MDRUN_SH(words[3]) != 0) return;
        const int nn = MDRUN_SH(words[0]);
        const int site_phases = mtp_warp_site_phases(s);
        if (ph - 3 < site_phases) {
            mtp_warp_site_phase(p, s, ph - 3, lane, nl, b.mtp_type[i], nn, h);
            return;
        }
        // last phase: outputs (each global word written by one lane)
        for (int k = 0; k * nl + lane < nrow; ++k) {
            MDRUN_SH_ROUND();
            const int a = k * nl + lane;
            const int c = MDRUN_SH(sw[k * w1 + lane]);
            MDRUN_SH_IF(c >= 0, h.dx + c);
            MDRUN_SH_IF(c >= 0, h.dy + c);
            MDRUN_SH_IF(c >= 0, h.dz + c);
            b.dx[base + a] = c >= 0 ? h.dx[c] : 0.0;
            b.dy[base + a] = c >= 0 ? h.dy[c] : 0.0;
            b.dz[base + a] = c >= 0 ? h.dz[c] : 0.0;
        }
        const long n = b.n_atoms;
        for (int k = lane; k < 9; k += nl) {
            MDRUN_SH_ROUND();
            // component (row, col) of -sum_k D_k (x) r_k, in neighbour order (add_outer's arithmetic)
            const int row = k / 3, col = k % 3;
            const double* D = row == 0 ? h.dx : (row == 1 ? h.dy : h.dz);
            const double* R = col == 0 ? h.rx : (col == 1 ? h.ry : h.rz);
            double acc = 0.0;
            for (int q = 0; q < nn; ++q) acc += -1.0 * MDRUN_SH(D[q]) * MDRUN_SH(R[q]);
            b.cols[(kColVirial + k) * n + i] = acc;
        }
        if (lane == 0) {  // (one lane: not traced)
            b.cols[kColEnergy * n + i] = *h.energy;
            int close = 0;
            double close_r = 0.0;
            for (int m = 0; m < nl; ++m) {
                if (lane_close[m] == 0) continue;
                if (close == 0 || lane_close_r[m] < close_r) close_r = lane_close_r[m];
                close += lane_close[m];
            }
            if (close > 0) {
                const int r = b.rep[i];
                hd_atomic_add(&b.status[r].close_pairs, close);
                hd_atomic_min(&b.status[r].close_atom, i);
                hd_atomic_min_nonneg(&b.status[r].close_r_bits, close_r);
            }
        }
    }
};

}  // namespace mdrun
