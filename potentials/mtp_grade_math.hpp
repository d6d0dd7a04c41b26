// Linearisation of the MTP with respect to ALL its coefficients, for ONE site, written once for the
// CPU evaluator and the CUDA kernels (MDRUN_HD_INLINE; no allocation). This is what MaxVol
// extrapolation grades are made of (docs/grades.md).
//
// Coefficient vector theta (MLIP's CoeffCount() order, raw file values, i.e. NOT times `scaling`):
//   [0, S*S*n_mu*n_q)           radial coefficients c^{ab}_{mu k} at ((a*S + b)*n_mu + mu)*n_q + k
//   [S*S*n_mu*n_q, +S)          species coefficients e_a
//   [S*S*n_mu*n_q + S, +n_s)    moment coefficients xi_s (file order)
// The site energy V_a = e_a + sum_s xi_s M[k_s] is linear in e and xi and multilinear in c through the
// basic moments M_beta = sum_j f_mu(r_j) P_beta(u_j), f_mu = scaling * sum_k c_{mu k} Q_k(r). So
//   dV/de_b      = [b == a]
//   dV/dxi_s     = M[k_s]
//   dV/dc^{ab}_{mu k} = scaling * sum_{j: type b} Q_k(r_j) * sum_{beta: mu_beta = mu} g_beta P_beta(u_j)
// with g = dV/dM (the backward pass of mtp_math.hpp, which the force evaluation already runs).
//
// Use: after mtp_prepare_neighbors, mtp_basic_moments, mtp_contract_forward, mtp_contract_backward of
// mtp_math.hpp for site i (scratch `w`), mtp_site_coeff_grad adds weight * dV_i/dtheta to `out`.
// `M` holds all n_alpha moments of the site with lane stride B (B = 1: w.M).
#pragma once
#include <cmath>

#include "engine/core/hd.hpp"
#include "potentials/mtp_math.hpp"

namespace mdrun {

MDRUN_HD_INLINE int mtp_radial_coeff_count(const MtpParamsView& p) {
    return p.n_species * p.n_species * p.n_mu * p.n_q;
}
// MLIP's CoeffCount(): radial + species + moment coefficients.
MDRUN_HD_INLINE int mtp_coeff_count(const MtpParamsView& p) {
    return mtp_radial_coeff_count(p) + p.n_species + p.n_scalar;
}

// Chebyshev factors Q_k(r) = T_k(xi) (r - r_c)^2 of mtp_radial, without coefficients (0 beyond r_c).
MDRUN_HD_INLINE void mtp_radial_basis(const MtpParamsView& p, double r, double* Q) {
    if (!(r < p.max_dist)) {
        for (int k = 0; k < p.n_q; ++k) Q[k] = 0.0;
        return;
    }
    const double xi = (2.0 * r - (p.min_dist + p.max_dist)) / (p.max_dist - p.min_dist);
    const double d = r - p.max_dist;
    Q[0] = d * d;
    if (p.n_q > 1) Q[1] = xi * d * d;
    for (int k = 2; k < p.n_q; ++k) Q[k] = 2.0 * xi * Q[k - 1] - Q[k - 2];
}

// Scratch for mtp_site_grad: mtp_scratch_size plus n_mu * cap doubles for G (below).
MDRUN_HD_INLINE long mtp_grade_scratch_size(const MtpParamsView& p, int cap) {
    return mtp_scratch_size(p, cap) + static_cast<long>(p.n_mu) * cap;
}

// Adds weight * dV_i/dtheta (length mtp_coeff_count) to out for site i of MTP species a.
// Only the radial block of species a, e_a and the moment part are touched. G ([n_mu][cap], scratch)
// receives G_mu(j) = sum_{beta: mu_beta = mu} g_beta P_beta(u_j), built with unit stride over j.
template <int B = 1>
MDRUN_HD_INLINE void mtp_site_coeff_grad_lane(const MtpParamsView& p, int a, int nnb, int cap, const int* ntype,
                                              const MtpSiteScratch& w, const double* M, int lane, double scaling,
                                              double weight, double* G, double* out) {
    const int S = p.n_species, nq = p.n_q, nmu = p.n_mu;
    for (long k = 0; k < static_cast<long>(nmu) * cap; ++k) G[k] = 0.0;
    for (int b = 0; b < p.n_basic; ++b) {
        const double gb = w.g[b];
        double* MDRUN_RESTRICT Gm = G + static_cast<long>(p.basic_mu[b]) * cap;
        const double* MDRUN_RESTRICT mono = w.mono + static_cast<long>(p.basic_comp[b]) * cap;
        for (int j = 0; j < nnb; ++j) Gm[j] += gb * mono[j];
    }
    double Q[kMtpMaxRadialBasis];
    const double ws = weight * scaling;
    for (int j = 0; j < nnb; ++j) {
        if (!(w.r[j] < p.max_dist)) continue;
        mtp_radial_basis(p, w.r[j], Q);
        double* blk = out + static_cast<long>(a * S + ntype[j]) * nmu * nq;
        for (int mu = 0; mu < nmu; ++mu) {
            const double s = ws * G[static_cast<long>(mu) * cap + j];
            for (int k = 0; k < nq; ++k) blk[mu * nq + k] += s * Q[k];
        }
    }
    const int off = mtp_radial_coeff_count(p);
    out[off + a] += weight;
    for (int s = 0; s < p.n_scalar; ++s)
        out[off + S + s] += weight * M[static_cast<long>(p.scalar_index[s]) * B + lane];
}

MDRUN_HD_INLINE void mtp_site_coeff_grad(const MtpParamsView& p, int a, int nnb, int cap, const int* ntype,
                                         const MtpSiteScratch& w, double scaling, double weight, double* G,
                                         double* out) {
    mtp_site_coeff_grad_lane<1>(p, a, nnb, cap, ntype, w, w.M, 0, scaling, weight, G, out);
}

// One site from neighbour vectors: forward + backward pass of mtp_math.hpp, then weight * dV/dtheta
// added to out. Returns V_i. `scratch` has mtp_grade_scratch_size(p, cap) doubles.
MDRUN_HD_INLINE double mtp_site_grad(const MtpParamsView& p, int a, int nnb, int cap, const double* rx,
                                     const double* ry, const double* rz, const int* ntype, double* scratch,
                                     double scaling, double weight, double* out) {
    const MtpSiteScratch w = mtp_scratch_layout(p, cap, scratch);
    mtp_prepare_neighbors(p, a, nnb, cap, rx, ry, rz, ntype, w);
    mtp_basic_moments(p, nnb, cap, w);
    mtp_contract_forward(p, w.M);
    const double v = mtp_scalar_energy(p, a, w.M);
    mtp_contract_backward(p, w.M, w.g);
    mtp_site_coeff_grad(p, a, nnb, cap, ntype, w, scaling, weight, scratch + mtp_scratch_size(p, cap), out);
    return v;
}

// B sites at once (lane-interleaved contractions, as mtp_sites_lanes of mtp_math.hpp, without the
// neighbour derivatives): adds dV_l/dtheta to out[l] (length mtp_coeff_count each) for l < n_sites.
// scratch[l] has mtp_grade_scratch_size(p, cap) doubles; Ml, gl n_alpha * B each.
template <int B>
MDRUN_HD_INLINE void mtp_sites_grad_lanes(const MtpParamsView& p, int n_sites, const int* a, const int* nnb, int cap,
                                          double* const* rx, double* const* ry, double* const* rz, int* const* ntype,
                                          double* const* scratch, double* Ml, double* gl, double scaling,
                                          double* const* out) {
    MtpSiteScratch w[B];
    mtp_lanes_moments_and_gradients<B>(p, n_sites, a, nnb, cap, rx, ry, rz, ntype, scratch, Ml, gl, w);
    for (int l = 0; l < n_sites && l < B; ++l) {
        mtp_site_coeff_grad_lane<B>(p, a[l], nnb[l], cap, ntype[l], w[l], Ml, l, scaling, 1.0,
                                    scratch[l] + mtp_scratch_size(p, cap), out[l]);
    }
}

// The force pass of mtp_sites_lanes (mtp_math.hpp) that also writes dV_l/dtheta of every lane into rows[l]
// (zeroed here; length mtp_coeff_count): the grade rows made from the moments and dV/dM the force pass
// computes anyway, instead of a second pass (docs/grades.md, "Cost"). V and D are bitwise mtp_sites_lanes';
// the rows are mtp_sites_grad_lanes'. scratch[l] has mtp_grade_scratch_size(p, cap) doubles.
template <int B>
MDRUN_HD_INLINE void mtp_sites_lanes_with_grad(const MtpParamsView& p, int n_sites, const int* a, const int* nnb,
                                               int cap, double* const* rx, double* const* ry, double* const* rz,
                                               int* const* ntype, double* const* scratch, double* Ml, double* gl,
                                               double scaling, double* v, double* const* dx, double* const* dy,
                                               double* const* dz, double* const* rows) {
    MtpSiteScratch w[B];
    mtp_lanes_moments_and_gradients<B>(p, n_sites, a, nnb, cap, rx, ry, rz, ntype, scratch, Ml, gl, w);
    const int nc = mtp_coeff_count(p);
    mtp_scalar_energy_lanes<B>(p, n_sites, a, Ml, v);
    for (int l = 0; l < n_sites && l < B; ++l) {
        mtp_neighbor_derivatives(p, nnb[l], cap, w[l], dx[l], dy[l], dz[l]);
        for (int c = 0; c < nc; ++c) rows[l][c] = 0.0;
        mtp_site_coeff_grad_lane<B>(p, a[l], nnb[l], cap, ntype[l], w[l], Ml, l, scaling, 1.0,
                                    scratch[l] + mtp_scratch_size(p, cap), rows[l]);
    }
}

// MaxVol grade of one row b (length n) in the active set's basis: max_j |c_j| with c = b A^{-1}, given
// invA_T = (A^{-1})^T row-major (MLIP's stored `invA`), so c_j = sum_i invA_T[j*n + i] b_i.
// Writes the index of the largest |c_j| to *arg when arg is non-null.
// c_j of that row: sum_i invA_T[j*n + i] b_i, i ascending.
MDRUN_HD_INLINE double maxvol_coefficient(int n, const double* invA_T, const double* b, int j) {
    const double* row = invA_T + static_cast<long>(j) * n;
    double c = 0.0;
    for (int i = 0; i < n; ++i) c += row[i] * b[i];
    return c;
}
MDRUN_HD_INLINE double maxvol_row_grade(int n, const double* invA_T, const double* b, int* arg) {
    double best = 0.0;
    int bj = 0;
    for (int j = 0; j < n; ++j) {
        const double ac = fabs(maxvol_coefficient(n, invA_T, b, j));
        if (ac > best) {
            best = ac;
            bj = j;
        }
    }
    if (arg) *arg = bj;
    return best;
}

}  // namespace mdrun
