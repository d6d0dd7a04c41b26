// The MTP math of ONE site evaluated cooperatively by `nl` lanes (a warp or half-warp on the GPU; the
// host executor emulates them), written once as MDRUN_HD_INLINE phase functions. A phase is what one
// lane does between two sync points: a caller runs phase 0 for every lane, syncs (__syncwarp on the GPU;
// on the host: the next phase starts after every lane finished this one), then phase 1, and so on.
// Within a phase a lane writes only what it owns and reads only what earlier phases wrote, so the lanes
// of a phase may run in any order (the host tests run them forwards and backwards and compare bits).
//
// Phases (mtp_warp_site_phases(s) in all):
//   0            prepare: lane l owns neighbours j = l, l+nl, ...: r, 1/r, u, radial f, f', f/r, monomials
//   1            basic moments: lane l owns moments b = l, l+nl, ...; the sum over neighbours in the same
//                fixed order (4 partial sums) as mtp_basic_moments; product moments set to 0
//   2 .. 1+F     forward contraction levels (potentials/mtp_warp_schedule.hpp): lanes own whole target
//                moments (groups), each summed row by row in file order as mtp_contract_forward
//   2+F .. 1+F+G backward levels: lanes own whole gradients g[j], as mtp_contract_backward
//   2+F+G        derivatives: lane l owns neighbours j = l, l+nl, ...: D_j from g (read from the shared
//                block by every lane) exactly as mtp_neighbor_derivatives; lane 0 the site energy
// Every lane does the arithmetic of the sequential code (potentials/mtp_math.hpp) for what it owns, in
// the same order, and no value is summed across lanes: the result is bit for bit mtp_site's, for any nl,
// and deterministic (no atomics). Moments, gradients and the per-neighbour arrays live in the "shared"
// block (GPU shared memory, or global memory when it does not fit).
#pragma once
#include "engine/core/hd.hpp"
#include "potentials/mtp_math.hpp"
#include "potentials/mtp_warp_schedule.hpp"
#include "potentials/mtp_warp_trace.hpp"

namespace mdrun {

// Shared-memory banks (sm_80/sm_90: 32 banks of 4 bytes; a warp's 8-byte accesses are served as two
// half-warps of 16 lanes, double d in bank pair d mod 16): the per-neighbour arrays are [quantity][j] with
// an ODD stride >= the site capacity, so the rows that the lanes of one instruction read at the same
// column j (f_mu and the monomials of different basic moments in phase 1, D and r components in the
// virial) lie in different banks whenever their rows differ by less than 16. With an even capacity as the
// stride they would share banks (a stride that is a multiple of 16 puts every row in one bank: up to
// 16-way conflicts). tests/unit/test_kernel_warp_banks.cpp measures every phase's conflict degree.
MDRUN_HD_INLINE int mtp_warp_stride(int scap) { return scap | 1; }

// Doubles of the shared block of one site with site capacity `scap` (neighbours; the arrays' stride is
// mtp_warp_stride(scap)): moments M and gradients g, the per-neighbour arrays r, 1/r, u (3), f, f', f/r
// (3 n_mu), the monomials (n_comp), the compacted neighbour vectors r_ij (3) and D_ij (3), the energy, and
// `ints` ints (rounded up to doubles) for the caller (neighbour species first: scap of them). (The
// sequential code's A, B, W, W' arrays are registers here.)
MDRUN_HD_INLINE long mtp_warp_shared_doubles(const MtpParamsView& p, int scap, long ints) {
    return 2L * p.n_alpha + static_cast<long>(mtp_warp_stride(scap)) * (11 + 3 * p.n_mu + p.n_comp) + 1 + (ints + 1) / 2;
}

// Pointers into one site's shared block.
struct MtpWarpShared {
    MtpSiteScratch w;  // M, g and the per-neighbour arrays of mtp_math (stride `stride`; A, B, W, W' unused)
    int stride;        // of every per-neighbour array
    double* rx;        // [stride] compacted r_ij (filled by the caller before phase 0)
    double* ry;
    double* rz;
    double* dx;        // [stride] D_ij (written by the derivative phase)
    double* dy;
    double* dz;
    double* energy;    // [1] site energy V_i (written by the derivative phase, lane 0)
    int* ints;         // caller's ints; ints[0 .. scap-1] = neighbour species (filled by the caller)
};

MDRUN_HD_INLINE MtpWarpShared mtp_warp_layout(const MtpParamsView& p, int scap, double* s) {
    MtpWarpShared h;
    const int st = mtp_warp_stride(scap);
    h.stride = st;
    MtpSiteScratch& w = h.w;
    w.M = s; s += p.n_alpha;
    w.g = s; s += p.n_alpha;
    w.r = s; s += st;
    w.rinv = s; s += st;
    for (int a = 0; a < 3; ++a) { w.u[a] = s; s += st; }
    w.A = nullptr;
    for (int a = 0; a < 3; ++a) w.B[a] = nullptr;
    w.W = nullptr;
    w.Wp = nullptr;
    w.f = s; s += static_cast<long>(p.n_mu) * st;
    w.fp = s; s += static_cast<long>(p.n_mu) * st;
    w.fr = s; s += static_cast<long>(p.n_mu) * st;
    w.mono = s; s += static_cast<long>(p.n_comp) * st;
    h.rx = s; s += st;
    h.ry = s; s += st;
    h.rz = s; s += st;
    h.dx = s; s += st;
    h.dy = s; s += st;
    h.dz = s; s += st;
    h.energy = s; s += 1;
    h.ints = reinterpret_cast<int*>(s);
    return h;
}

MDRUN_HD_INLINE int mtp_warp_site_phases(const MtpWarpView& s) { return 3 + s.n_fwd_levels + s.n_bwd_levels; }

// Phase 0, one neighbour: mtp_prepare_neighbors' arithmetic for column j. (MDRUN_SH marks each access of
// the shared block for the bank-conflict test, potentials/mtp_warp_trace.hpp; nothing on the GPU.)
MDRUN_HD_INLINE void mtp_warp_prepare_one(const MtpParamsView& p, int a, int j, const MtpWarpShared& h) {
    const MtpSiteScratch& w = h.w;
    const long st = h.stride;
    const double x = MDRUN_SH(h.rx[j]), y = MDRUN_SH(h.ry[j]), z = MDRUN_SH(h.rz[j]);
    const double r = sqrt(x * x + y * y + z * z);
    const double ri = 1.0 / r;
    MDRUN_SH(w.r[j]) = r;
    MDRUN_SH(w.rinv[j]) = ri;
    MDRUN_SH(w.u[0][j]) = x * ri;
    MDRUN_SH(w.u[1][j]) = y * ri;
    MDRUN_SH(w.u[2][j]) = z * ri;
    mtp_radial(p, a, MDRUN_SH(h.ints[j]), r, w.f + j, w.fp + j, h.stride);
    for (int mu = 0; mu < p.n_mu; ++mu) {  // (the writes mtp_radial did, in its order)
        MDRUN_SH_NOTE(w.f + mu * st + j);
        MDRUN_SH_NOTE(w.fp + mu * st + j);
    }
    for (int mu = 0; mu < p.n_mu; ++mu) {
        const long o = mu * st + j;
        MDRUN_SH(w.fr[o]) = MDRUN_SH(w.f[o]) * MDRUN_SH(w.rinv[j]);
    }
    MDRUN_SH(w.mono[j]) = 1.0;
    for (int c = 1; c < p.n_comp; ++c)
        MDRUN_SH(w.mono[c * st + j]) = MDRUN_SH(w.mono[p.comp_parent[c] * st + j]) * MDRUN_SH(w.u[p.comp_axis[c]][j]);
}

// Phase 1, one basic moment: mtp_basic_moments' sum (same partial sums, same order).
MDRUN_HD_INLINE void mtp_warp_basic_one(const MtpParamsView& p, int b, int nnb, const MtpWarpShared& h) {
    const MtpSiteScratch& w = h.w;
    const double* f = w.f + static_cast<long>(p.basic_mu[b]) * h.stride;
    const double* m = w.mono + static_cast<long>(p.basic_comp[b]) * h.stride;
    double s[4] = {0.0, 0.0, 0.0, 0.0};
    int j = 0;
    for (; j + 3 < nnb; j += 4)
        for (int l = 0; l < 4; ++l) s[l] += MDRUN_SH(f[j + l]) * MDRUN_SH(m[j + l]);
    for (; j < nnb; ++j) s[0] += MDRUN_SH(f[j]) * MDRUN_SH(m[j]);
    MDRUN_SH(w.M[b]) = (s[0] + s[1]) + (s[2] + s[3]);
}

// Forward phase, one group (target moment): its runs in file order, each as mtp_contract_forward_lanes<1>.
MDRUN_HD_INLINE void mtp_warp_forward_group(const MtpParamsView& p, const MtpWarpView& s, int q, double* M) {
    for (int gi = s.fwd_group_start[q]; gi < s.fwd_group_start[q + 1]; ++gi) {
        const int r = s.fwd_group_runs[gi];
        double* Mk = M + p.run_k[r];
        double acc0 = MDRUN_SH(*Mk), acc1 = 0.0;
        const int t1 = p.run_start[r + 1];
        int t = p.run_start[r];
        for (; t + 1 < t1; t += 2) {
            acc0 += p.times_m[t] * MDRUN_SH(M[p.times_i0[t]]) * MDRUN_SH(M[p.times_i1[t]]);
            acc1 += p.times_m[t + 1] * MDRUN_SH(M[p.times_i0[t + 1]]) * MDRUN_SH(M[p.times_i1[t + 1]]);
        }
        if (t < t1) acc0 += p.times_m[t] * MDRUN_SH(M[p.times_i0[t]]) * MDRUN_SH(M[p.times_i1[t]]);
        MDRUN_SH(*Mk) = acc0 + acc1;
    }
}

// Backward phase, one gradient (back_order position idx), as mtp_contract_backward_lanes<1>.
MDRUN_HD_INLINE void mtp_warp_backward_one(const MtpParamsView& p, int idx, const double* M, double* g) {
    const int j = p.back_order[idx];
    double acc0 = p.g_seed[j], acc1 = 0.0;
    const int u1 = p.use_start[idx + 1];
    int u = p.use_start[idx];
    for (; u + 1 < u1; u += 2) {
        acc0 += p.use_m[u] * MDRUN_SH(g[p.use_k[u]]) * MDRUN_SH(M[p.use_other[u]]);
        acc1 += p.use_m[u + 1] * MDRUN_SH(g[p.use_k[u + 1]]) * MDRUN_SH(M[p.use_other[u + 1]]);
    }
    if (u < u1) acc0 += p.use_m[u] * MDRUN_SH(g[p.use_k[u]]) * MDRUN_SH(M[p.use_other[u]]);
    MDRUN_SH(g[j]) = acc0 + acc1;
}

// Derivative phase, one neighbour: mtp_neighbor_derivatives' arithmetic for column j (A, B, W, W' are
// per-column there, so they live in registers here).
MDRUN_HD_INLINE void mtp_warp_derivative_one(const MtpParamsView& p, int j, const MtpWarpShared& h) {
    const MtpSiteScratch& w = h.w;
    const long st = h.stride;
    double A = 0.0, Bx = 0.0, By = 0.0, Bz = 0.0;
    for (int c = 0; c < p.n_comp; ++c) {
        const int b0 = p.comp_basic_start[c], b1 = p.comp_basic_start[c + 1];
        if (b0 == b1) continue;
        double W = 0.0, Wp = 0.0;
        for (int bi = b0; bi < b1; ++bi) {
            const int b = p.comp_basic_list[bi];
            const long off = p.basic_mu[b] * st + j;
            if (bi == b0) {
                W = MDRUN_SH(w.g[b]) * MDRUN_SH(w.fr[off]);
                Wp = MDRUN_SH(w.g[b]) * MDRUN_SH(w.fp[off]);
            } else {
                W += MDRUN_SH(w.g[b]) * MDRUN_SH(w.fr[off]);
                Wp += MDRUN_SH(w.g[b]) * MDRUN_SH(w.fp[off]);
            }
        }
        const double deg = static_cast<double>(p.comp_degree[c]);
        A += (Wp - deg * W) * MDRUN_SH(w.mono[c * st + j]);
        Bx += p.comp_pow[3 * c] * W * MDRUN_SH(w.mono[p.comp_lower[3 * c] * st + j]);
        By += p.comp_pow[3 * c + 1] * W * MDRUN_SH(w.mono[p.comp_lower[3 * c + 1] * st + j]);
        Bz += p.comp_pow[3 * c + 2] * W * MDRUN_SH(w.mono[p.comp_lower[3 * c + 2] * st + j]);
    }
    MDRUN_SH(h.dx[j]) = A * MDRUN_SH(w.u[0][j]) + Bx;
    MDRUN_SH(h.dy[j]) = A * MDRUN_SH(w.u[1][j]) + By;
    MDRUN_SH(h.dz[j]) = A * MDRUN_SH(w.u[2][j]) + Bz;
}

// Lane `lane` of `nl` in phase `ph` of site (species a, nnb compacted neighbours in h.rx/ry/rz and
// h.ints). The phase split is described at the top of this file.
MDRUN_HD_INLINE void mtp_warp_site_phase(const MtpParamsView& p, const MtpWarpView& s, int ph, int lane, int nl, int a,
                                         int nnb, const MtpWarpShared& h) {
    const MtpSiteScratch& w = h.w;
    if (ph == 0) {
        for (int j = lane; j < nnb; j += nl) {
            MDRUN_SH_ROUND();
            mtp_warp_prepare_one(p, a, j, h);
        }
        return;
    }
    if (ph == 1) {
        for (int b = lane; b < p.n_basic; b += nl) {
            MDRUN_SH_ROUND();
            mtp_warp_basic_one(p, b, nnb, h);
        }
        for (int k = p.n_basic + lane; k < p.n_alpha; k += nl) {
            MDRUN_SH_ROUND();
            MDRUN_SH(w.M[k]) = 0.0;
        }
        return;
    }
    int lv = ph - 2;
    if (lv < s.n_fwd_levels) {
        for (int q = s.fwd_level_start[lv] + lane; q < s.fwd_level_start[lv + 1]; q += nl) {
            MDRUN_SH_ROUND();
            mtp_warp_forward_group(p, s, q, w.M);
        }
        return;
    }
    lv -= s.n_fwd_levels;
    if (lv < s.n_bwd_levels) {
        for (int i = s.bwd_level_start[lv] + lane; i < s.bwd_level_start[lv + 1]; i += nl) {
            MDRUN_SH_ROUND();
            mtp_warp_backward_one(p, s.bwd_items[i], w.M, w.g);
        }
        return;
    }
    for (int j = lane; j < nnb; j += nl) {
        MDRUN_SH_ROUND();
        mtp_warp_derivative_one(p, j, h);
    }
    // (lane 0 alone: one lane's accesses never conflict, so they are not traced)
    if (lane == 0) *h.energy = mtp_scalar_energy(p, a, w.M);
}

}  // namespace mdrun
