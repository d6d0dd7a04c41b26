// The cooperative ("warp") MTP kernel body: one group of `nl` lanes (a warp on the GPU, emulated lane by
// lane on the host) per central atom, in phases separated by sync points (potentials/mtp_warp_math.hpp
// for the site math). Selected by `[gpu] mtp_kernel = "warp"`; it computes what the one-thread-per-atom
// body mtp_site_body does (kernels/mtp_bodies.hpp), bit for bit: the energy and virial columns and D_ij
// in every slot of the row, and the close-pair counts.
//
// Phases of one atom (MtpWarpFn::phases()):
//   0  lanes take contiguous blocks of the row's slots, count the neighbours inside max_dist (and the
//      close pairs) of their block
//   1  each lane's offset = the counts of the lanes before it (a fixed-order scan): the lanes write their
//      block's neighbours to the compacted list in slot order, as the thread body does
//   2 ..  the site phases of mtp_warp_site_phase (prepare, basic moments, contraction levels, derivatives)
//   last  D_ij back to the slots (0 outside max_dist), the site virial (lanes own components, summed over
//      neighbours in order), the energy column and the close-pair words (lane 0)
// No floating-point value is summed across lanes and no floating-point atomics are used.
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
// Ints of the body in the site's shared block: neighbour species and slot of each compacted neighbour
// (scap each), compacted index of each slot (cap; -1: outside max_dist), per-lane counts and close-pair
// counts, and four words (compacted count, skip flag, row length, site overflow).
MDRUN_HD_INLINE long mtp_warp_body_ints(int cap, int scap) { return 2L * scap + cap + 2L * kMtpWarpMaxLanes + 4; }
// Doubles of one atom's block: the site block plus the per-lane closest close-pair distance.
MDRUN_HD_INLINE long mtp_warp_body_doubles(const MtpParamsView& p, int cap, int scap) {
    return mtp_warp_shared_doubles(p, scap, mtp_warp_body_ints(cap, scap)) + kMtpWarpMaxLanes;
}

struct MtpWarpFn {
    BatchView b;
    MtpParamsView p;
    MtpWarpView s;
    int first;          // first atom of this launch
    int scap;           // site capacity (columns of the per-neighbour arrays)
    double* gscratch;   // non-null: the blocks live here (per_item doubles per atom of the launch), not in
    long per_item;      //   the executor's shared memory (the variant for blocks too large for it)

    MDRUN_HD_INLINE int phases() const { return 3 + mtp_warp_site_phases(s); }

    MDRUN_HD_INLINE void operator()(int ph, int t, int lane, int nl, double* shared) const {
        const int cap = b.cap;
        double* block = gscratch ? gscratch + per_item * t : shared;
        const MtpWarpShared h = mtp_warp_layout(p, scap, block);
        int* ntype = h.ints;
        int* slot = ntype + scap;
        int* cidx = slot + scap;
        int* lane_count = cidx + cap;
        int* lane_close = lane_count + kMtpWarpMaxLanes;
        int* words = lane_close + kMtpWarpMaxLanes;  // [0] compacted count, [1] skip, [2] row length, [3] overflow
        double* lane_close_r = block + (mtp_warp_body_doubles(p, cap, scap) - kMtpWarpMaxLanes);
        const int i = first + t;
        const long base = static_cast<long>(i) * cap;
        if (ph == 0) {
            const bool skip = b.skip(b.rep[i]);
            const int nrow = b.nb_count[i] < cap ? b.nb_count[i] : cap;
            if (lane == 0) {
                words[1] = skip ? 1 : 0;
                words[2] = nrow;
            }
            if (skip) return;
            const int blk = (nrow + nl - 1) / nl;
            const int a0 = lane * blk, a1 = (lane + 1) * blk < nrow ? (lane + 1) * blk : nrow;
            const Vec3 xi = b.pos[i];
            int kept = 0, close = 0;
            double close_r = 0.0;
            for (int a = a0; a < a1; ++a) {
                const Vec3 d = b.pos[b.nb_j[base + a]] + b.nb_shift[base + a] - xi;
                const double rr = sqrt(norm2(d));
                if (!(rr < p.max_dist)) continue;
                if (rr < p.min_dist) {
                    if (close == 0 || rr < close_r) close_r = rr;
                    ++close;
                }
                ++kept;
            }
            lane_count[lane] = kept;
            lane_close[lane] = close;
            lane_close_r[lane] = close_r;
            return;
        }
        if (words[1] != 0) return;
        const int nrow = words[2];
        if (ph == 1) {
            int pos = 0, nn = 0;
            for (int m = 0; m < nl; ++m) {
                if (m < lane) pos += lane_count[m];
                nn += lane_count[m];
            }
            if (lane == 0) {
                words[0] = nn;
                words[3] = nn > scap ? 1 : 0;
                if (nn > scap) hd_atomic_max(b.nb_overflow + 3, nn);  // the engine grows scap and redoes the steps
            }
            if (nn > scap) return;
            const int blk = (nrow + nl - 1) / nl;
            const int a0 = lane * blk, a1 = (lane + 1) * blk < nrow ? (lane + 1) * blk : nrow;
            const Vec3 xi = b.pos[i];
            for (int a = a0; a < a1; ++a) {
                const int j = b.nb_j[base + a];
                const Vec3 d = b.pos[j] + b.nb_shift[base + a] - xi;
                const double rr = sqrt(norm2(d));
                if (!(rr < p.max_dist)) {
                    cidx[a] = -1;
                    continue;
                }
                h.rx[pos] = d.x;
                h.ry[pos] = d.y;
                h.rz[pos] = d.z;
                ntype[pos] = b.mtp_type[j];
                slot[pos] = a;
                cidx[a] = pos;
                ++pos;
            }
            return;
        }
        if (words[3] != 0) return;
        const int nn = words[0];
        const int site_phases = mtp_warp_site_phases(s);
        if (ph - 2 < site_phases) {
            mtp_warp_site_phase(p, s, ph - 2, lane, nl, b.mtp_type[i], nn, scap, h);
            return;
        }
        // last phase: outputs (each global word written by one lane)
        for (int a = lane; a < nrow; a += nl) {
            const int c = cidx[a];
            b.dx[base + a] = c >= 0 ? h.dx[c] : 0.0;
            b.dy[base + a] = c >= 0 ? h.dy[c] : 0.0;
            b.dz[base + a] = c >= 0 ? h.dz[c] : 0.0;
        }
        const long n = b.n_atoms;
        for (int k = lane; k < 9; k += nl) {
            // component (row, col) of -sum_k D_k (x) r_k, in neighbour order (add_outer's arithmetic)
            const int row = k / 3, col = k % 3;
            const double* D = row == 0 ? h.dx : (row == 1 ? h.dy : h.dz);
            const double* R = col == 0 ? h.rx : (col == 1 ? h.ry : h.rz);
            double acc = 0.0;
            for (int q = 0; q < nn; ++q) acc += -1.0 * D[q] * R[q];
            b.cols[(kColVirial + k) * n + i] = acc;
        }
        if (lane == 0) {
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
