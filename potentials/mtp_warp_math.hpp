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

namespace mdrun {

// Doubles of the shared block of one site with neighbour stride `cap`: the mtp_math scratch (moments,
// gradients, per-neighbour arrays), the compacted neighbour vectors r_ij (3 cap), D_ij (3 cap), the energy,
// and `ints` ints (rounded up to doubles) for the caller (neighbour species first: cap of them).
MDRUN_HD_INLINE long mtp_warp_shared_doubles(const MtpParamsView& p, int cap, long ints) {
    return mtp_scratch_size(p, cap) + 6L * cap + 1 + (ints + 1) / 2;
}

// Pointers into one site's shared block.
struct MtpWarpShared {
    MtpSiteScratch w;  // M, g and the per-neighbour arrays of mtp_math (stride cap)
    double* rx;        // [cap] compacted r_ij (filled by the caller before phase 0)
    double* ry;
    double* rz;
    double* dx;        // [cap] D_ij (written by the derivative phase)
    double* dy;
    double* dz;
    double* energy;    // [1] site energy V_i (written by the derivative phase, lane 0)
    int* ints;         // caller's ints; ints[0 .. cap-1] = neighbour species (filled by the caller)
};

MDRUN_HD_INLINE MtpWarpShared mtp_warp_layout(const MtpParamsView& p, int cap, double* s) {
    MtpWarpShared h;
    h.w = mtp_scratch_layout(p, cap, s);
    s += mtp_scratch_size(p, cap);
    h.rx = s; s += cap;
    h.ry = s; s += cap;
    h.rz = s; s += cap;
    h.dx = s; s += cap;
    h.dy = s; s += cap;
    h.dz = s; s += cap;
    h.energy = s; s += 1;
    h.ints = reinterpret_cast<int*>(s);
    return h;
}

MDRUN_HD_INLINE int mtp_warp_site_phases(const MtpWarpView& s) { return 3 + s.n_fwd_levels + s.n_bwd_levels; }

// Phase 0, one neighbour: mtp_prepare_neighbors' arithmetic for column j.
MDRUN_HD_INLINE void mtp_warp_prepare_one(const MtpParamsView& p, int a, int j, int cap, const MtpWarpShared& h) {
    const MtpSiteScratch& w = h.w;
    const double x = h.rx[j], y = h.ry[j], z = h.rz[j];
    const double r = sqrt(x * x + y * y + z * z);
    const double ri = 1.0 / r;
    w.r[j] = r;
    w.rinv[j] = ri;
    w.u[0][j] = x * ri;
    w.u[1][j] = y * ri;
    w.u[2][j] = z * ri;
    mtp_radial(p, a, h.ints[j], r, w.f + j, w.fp + j, cap);
    for (int mu = 0; mu < p.n_mu; ++mu) {
        const long o = static_cast<long>(mu) * cap + j;
        w.fr[o] = w.f[o] * w.rinv[j];
    }
    w.mono[j] = 1.0;
    for (int c = 1; c < p.n_comp; ++c)
        w.mono[static_cast<long>(c) * cap + j] = w.mono[static_cast<long>(p.comp_parent[c]) * cap + j] * w.u[p.comp_axis[c]][j];
}

// Phase 1, one basic moment: mtp_basic_moments' sum (same partial sums, same order).
MDRUN_HD_INLINE void mtp_warp_basic_one(const MtpParamsView& p, int b, int nnb, int cap, const MtpSiteScratch& w) {
    const double* f = w.f + static_cast<long>(p.basic_mu[b]) * cap;
    const double* m = w.mono + static_cast<long>(p.basic_comp[b]) * cap;
    double s[4] = {0.0, 0.0, 0.0, 0.0};
    int j = 0;
    for (; j + 3 < nnb; j += 4)
        for (int l = 0; l < 4; ++l) s[l] += f[j + l] * m[j + l];
    for (; j < nnb; ++j) s[0] += f[j] * m[j];
    w.M[b] = (s[0] + s[1]) + (s[2] + s[3]);
}

// Forward phase, one group (target moment): its runs in file order, each as mtp_contract_forward_lanes<1>.
MDRUN_HD_INLINE void mtp_warp_forward_group(const MtpParamsView& p, const MtpWarpView& s, int q, double* M) {
    for (int gi = s.fwd_group_start[q]; gi < s.fwd_group_start[q + 1]; ++gi) {
        const int r = s.fwd_group_runs[gi];
        double* Mk = M + p.run_k[r];
        double acc0 = *Mk, acc1 = 0.0;
        const int t1 = p.run_start[r + 1];
        int t = p.run_start[r];
        for (; t + 1 < t1; t += 2) {
            acc0 += p.times_m[t] * M[p.times_i0[t]] * M[p.times_i1[t]];
            acc1 += p.times_m[t + 1] * M[p.times_i0[t + 1]] * M[p.times_i1[t + 1]];
        }
        if (t < t1) acc0 += p.times_m[t] * M[p.times_i0[t]] * M[p.times_i1[t]];
        *Mk = acc0 + acc1;
    }
}

// Backward phase, one gradient (back_order position idx), as mtp_contract_backward_lanes<1>.
MDRUN_HD_INLINE void mtp_warp_backward_one(const MtpParamsView& p, int idx, const double* M, double* g) {
    const int j = p.back_order[idx];
    double acc0 = p.g_seed[j], acc1 = 0.0;
    const int u1 = p.use_start[idx + 1];
    int u = p.use_start[idx];
    for (; u + 1 < u1; u += 2) {
        acc0 += p.use_m[u] * g[p.use_k[u]] * M[p.use_other[u]];
        acc1 += p.use_m[u + 1] * g[p.use_k[u + 1]] * M[p.use_other[u + 1]];
    }
    if (u < u1) acc0 += p.use_m[u] * g[p.use_k[u]] * M[p.use_other[u]];
    g[j] = acc0 + acc1;
}

// Derivative phase, one neighbour: mtp_neighbor_derivatives' arithmetic for column j (A, B, W, W' are
// per-column there, so they live in registers here).
MDRUN_HD_INLINE void mtp_warp_derivative_one(const MtpParamsView& p, int j, int cap, const MtpWarpShared& h) {
    const MtpSiteScratch& w = h.w;
    double A = 0.0, Bx = 0.0, By = 0.0, Bz = 0.0;
    for (int c = 0; c < p.n_comp; ++c) {
        const int b0 = p.comp_basic_start[c], b1 = p.comp_basic_start[c + 1];
        if (b0 == b1) continue;
        double W = 0.0, Wp = 0.0;
        for (int bi = b0; bi < b1; ++bi) {
            const int b = p.comp_basic_list[bi];
            const long off = static_cast<long>(p.basic_mu[b]) * cap + j;
            if (bi == b0) {
                W = w.g[b] * w.fr[off];
                Wp = w.g[b] * w.fp[off];
            } else {
                W += w.g[b] * w.fr[off];
                Wp += w.g[b] * w.fp[off];
            }
        }
        const double deg = static_cast<double>(p.comp_degree[c]);
        A += (Wp - deg * W) * w.mono[static_cast<long>(c) * cap + j];
        Bx += p.comp_pow[3 * c] * W * w.mono[static_cast<long>(p.comp_lower[3 * c]) * cap + j];
        By += p.comp_pow[3 * c + 1] * W * w.mono[static_cast<long>(p.comp_lower[3 * c + 1]) * cap + j];
        Bz += p.comp_pow[3 * c + 2] * W * w.mono[static_cast<long>(p.comp_lower[3 * c + 2]) * cap + j];
    }
    h.dx[j] = A * w.u[0][j] + Bx;
    h.dy[j] = A * w.u[1][j] + By;
    h.dz[j] = A * w.u[2][j] + Bz;
}

// Lane `lane` of `nl` in phase `ph` of site (species a, nnb compacted neighbours in h.rx/ry/rz and
// h.ints, stride cap). The phase split is described at the top of this file.
MDRUN_HD_INLINE void mtp_warp_site_phase(const MtpParamsView& p, const MtpWarpView& s, int ph, int lane, int nl, int a,
                                         int nnb, int cap, const MtpWarpShared& h) {
    const MtpSiteScratch& w = h.w;
    if (ph == 0) {
        for (int j = lane; j < nnb; j += nl) mtp_warp_prepare_one(p, a, j, cap, h);
        return;
    }
    if (ph == 1) {
        for (int b = lane; b < p.n_basic; b += nl) mtp_warp_basic_one(p, b, nnb, cap, w);
        for (int k = p.n_basic + lane; k < p.n_alpha; k += nl) w.M[k] = 0.0;
        return;
    }
    int lv = ph - 2;
    if (lv < s.n_fwd_levels) {
        for (int q = s.fwd_level_start[lv] + lane; q < s.fwd_level_start[lv + 1]; q += nl) mtp_warp_forward_group(p, s, q, w.M);
        return;
    }
    lv -= s.n_fwd_levels;
    if (lv < s.n_bwd_levels) {
        for (int i = s.bwd_level_start[lv] + lane; i < s.bwd_level_start[lv + 1]; i += nl)
            mtp_warp_backward_one(p, s.bwd_items[i], w.M, w.g);
        return;
    }
    for (int j = lane; j < nnb; j += nl) mtp_warp_derivative_one(p, j, cap, h);
    if (lane == 0) *h.energy = mtp_scalar_energy(p, a, w.M);
}

}  // namespace mdrun
