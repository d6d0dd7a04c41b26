// The FMA build's radial functions, blocked over four neighbours at a time (CPU only; included by
// potentials/mtp_group_fma.cpp alone, which is compiled with -mavx2 -mfma -ffp-contract=fast).
//
// Why: mtp_radial (mtp_math.hpp) runs the Chebyshev recurrence and the n_mu x n_q coefficient sums one
// neighbour at a time in scalar code: 15 % of a lev16 evaluation (perf, cpu-clock). Here the radial
// functions of 4 neighbours of one species pair are one vector recurrence with the 2 n_mu running sums in
// registers. The caller sorts each row by neighbour species, so blocks of one pair are the rule; mixed
// blocks and potentials with more than 8 radial functions fall back to mtp_radial per neighbour.
// The sums run in the same order as mtp_radial's (k ascending), contracted into FMAs; the exact mode keeps
// the shared code, bitwise the GPU kernels. Both agree with MLIP-2 within round-off (docs/mtp.md).
// (Blocking the derivative stage the same way, A and B of 4 neighbours in registers across components,
// was measured slower than mtp_neighbor_derivatives_fused and not kept: benchmarks/README.md.)
//
// Rows are padded to a multiple of kMtpBlock neighbours by the caller: pad slots sit at r = max_dist
// (zero radial functions, finite unit vector), carry the species of the row's last neighbour, and their
// D is never read. `nnb` below is the padded length.
#pragma once
#include <cstring>

#include "potentials/mtp_group_eval.hpp"
#include "potentials/mtp_math.hpp"

namespace mdrun {
namespace mtp_blocked {

typedef double v4d __attribute__((vector_size(32)));
typedef long long v4i __attribute__((vector_size(32)));

inline v4d load4(const double* p) {
    v4d v;
    std::memcpy(&v, p, sizeof v);
    return v;
}
inline void store4(double* p, v4d v) { std::memcpy(p, &v, sizeof v); }
inline v4d splat(double x) { return v4d{x, x, x, x}; }

// f_mu, f'_mu and f_mu / r of 4 neighbours of one species pair (coefficients c: [NMU][n_q]); zero where
// r >= max_dist, as mtp_radial.
template <int NMU>
inline void radial_block(const MtpParamsView& p, const double* c, int j, int cap, const MtpSiteScratch& w) {
    const int nq = p.n_q;
    const v4d r = load4(w.r + j);
    const double width = p.max_dist - p.min_dist;
    const v4d xi = (splat(2.0) * r - splat(p.min_dist + p.max_dist)) / splat(width);
    const v4d kappa = splat(2.0 / width);
    const v4d d = r - splat(p.max_dist);
    const v4d dd = d * d;
    v4d q0 = dd, dq0 = splat(2.0) * d;
    v4d f[NMU], fp[NMU];
    for (int mu = 0; mu < NMU; ++mu) {
        f[mu] = splat(c[mu * nq]) * q0;
        fp[mu] = splat(c[mu * nq]) * dq0;
    }
    if (nq > 1) {
        v4d q1 = xi * dd, dq1 = kappa * dd + splat(2.0) * xi * d;
        for (int mu = 0; mu < NMU; ++mu) {
            f[mu] += splat(c[mu * nq + 1]) * q1;
            fp[mu] += splat(c[mu * nq + 1]) * dq1;
        }
        const v4d two_xi = splat(2.0) * xi, two_kappa = splat(2.0) * kappa;
        for (int k = 2; k < nq; ++k) {
            const v4d q2 = two_xi * q1 - q0;
            const v4d dq2 = two_kappa * q1 + two_xi * dq1 - dq0;
            for (int mu = 0; mu < NMU; ++mu) {
                f[mu] += splat(c[mu * nq + k]) * q2;
                fp[mu] += splat(c[mu * nq + k]) * dq2;
            }
            q0 = q1;
            dq0 = dq1;
            q1 = q2;
            dq1 = dq2;
        }
    }
    const v4i inside = r < splat(p.max_dist);
    const v4d rinv = load4(w.rinv + j);
    for (int mu = 0; mu < NMU; ++mu) {
        const v4d fm = (v4d)((v4i)f[mu] & inside), fpm = (v4d)((v4i)fp[mu] & inside);
        store4(w.f + static_cast<long>(mu) * cap + j, fm);
        store4(w.fp + static_cast<long>(mu) * cap + j, fpm);
        store4(w.fr + static_cast<long>(mu) * cap + j, fm * rinv);
    }
}

// All radial functions of a row: blocks whose 4 neighbours share a species take radial_block<NMU>, the
// others (at most species_count - 1 per sorted row) mtp_radial per neighbour.
template <int NMU>
inline void radial_row(const MtpParamsView& p, int a, int nnb, int cap, const int* ntype, const MtpSiteScratch& w) {
    const int stride_pair = p.n_mu * p.n_q;
    for (int j = 0; j < nnb; j += kMtpBlock) {
        const int b = ntype[j];
        if (ntype[j + 1] == b && ntype[j + 2] == b && ntype[j + 3] == b) {
            radial_block<NMU>(p, p.radial_coeffs + static_cast<long>(a * p.n_species + b) * stride_pair, j, cap, w);
            continue;
        }
        for (int q = j; q < j + kMtpBlock; ++q) {
            mtp_radial(p, a, ntype[q], w.r[q], w.f + q, w.fp + q, cap);
            for (int mu = 0; mu < p.n_mu; ++mu) {
                const long o = static_cast<long>(mu) * cap + q;
                w.fr[o] = w.f[o] * w.rinv[q];
            }
        }
    }
}

// Stage 1 of mtp_math.hpp (mtp_prepare_neighbors) with the blocked radial functions.
inline void prepare_neighbors(const MtpParamsView& p, int a, int nnb, int cap, const double* rx, const double* ry,
                              const double* rz, const int* ntype, const MtpSiteScratch& w) {
    mtp_neighbor_geometry(nnb, rx, ry, rz, w);
    switch (p.n_mu) {
        case 1: radial_row<1>(p, a, nnb, cap, ntype, w); break;
        case 2: radial_row<2>(p, a, nnb, cap, ntype, w); break;
        case 3: radial_row<3>(p, a, nnb, cap, ntype, w); break;
        case 4: radial_row<4>(p, a, nnb, cap, ntype, w); break;
        case 5: radial_row<5>(p, a, nnb, cap, ntype, w); break;
        case 6: radial_row<6>(p, a, nnb, cap, ntype, w); break;
        case 7: radial_row<7>(p, a, nnb, cap, ntype, w); break;
        case 8: radial_row<8>(p, a, nnb, cap, ntype, w); break;
        default:  // more radial functions than registers: the shared per-neighbour code
            for (int j = 0; j < nnb; ++j) mtp_radial(p, a, ntype[j], w.r[j], w.f + j, w.fp + j, cap);
            mtp_radial_over_r(p, nnb, cap, w);
    }
    mtp_monomials(p, nnb, cap, w);
}

// Stage 1 for mtp_sites_lanes_cpu / mtp_sites_lanes_with_grad_cpu (mtp_cpu_fused.hpp's `Prepare`).
struct PrepareBlocked {
    void operator()(const MtpParamsView& p, int a, int nnb, int cap, const double* rx, const double* ry,
                    const double* rz, const int* ntype, const MtpSiteScratch& w) const {
        prepare_neighbors(p, a, nnb, cap, rx, ry, rz, ntype, w);
    }
};

}  // namespace mtp_blocked
}  // namespace mdrun
