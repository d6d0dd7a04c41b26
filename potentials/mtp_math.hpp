// The Moment Tensor Potential math for ONE central atom (site), written once for the CPU backend and
// the CUDA kernels (MDRUN_HD_INLINE; no allocation, no exceptions, plain pointers).
// Math: ../shared/docs/mtp.md §3.2-3.5. Tables: potentials/mtp_tables.hpp (MtpTables::view()).
//
// How a caller evaluates site i of MTP species a:
//   1. Collect the neighbours of i with r_ij = pos[j] + shift - pos[i] into SoA arrays rx, ry, rz and
//      their MTP species ntype (length nnb). Neighbours with r >= max_dist may be included: they get
//      zero weight and D = 0, so a caller may pass a whole neighbour-list row (slots stay aligned).
//   2. Provide `scratch` with mtp_scratch_size(p, cap) doubles, cap >= nnb (the stride of the
//      per-neighbour arrays; a GPU thread may use cap = the maximum row length).
//   3. V_i = mtp_site(p, a, nnb, cap, rx, ry, rz, ntype, scratch, dx, dy, dz) returns the site energy
//      (eV) and writes D_ij = dV_i/dr_ij (eV/Å) for every neighbour slot into dx/dy/dz (length nnb).
//   4. Forces by GATHER (deterministic, no atomics): F_i = sum_s D_{i,s} - sum_s D_{j(s),reverse(s)}.
//      Virial (MLIP PlusStress): W = -sum_i sum_s D_{i,s} (x) r_{i,s}.
// The individual stages (mtp_prepare_neighbors, mtp_basic_moments, mtp_contract_forward,
// mtp_scalar_energy, mtp_contract_backward, mtp_neighbor_derivatives) are public so a kernel may split
// them, but mtp_site is the reference composition. mtp_sites_lanes<B> evaluates B sites at once with
// lane-interleaved moments (the CPU uses B = 8 for SIMD over atoms); it is bitwise mtp_site per lane.
//
// Why this layout: per-neighbour quantities are stored neighbour-contiguous ([quantity][j], stride cap)
// so every inner loop runs over j with unit stride (vectorisable on the CPU, coalescable on a GPU), and
// the full Jacobian (N_b x nnb x 3) of MLIP is never stored: the backward pass first turns the scalar
// coefficients into moment gradients g, then one sweep over (tensor component, neighbour) builds D.
#pragma once
#include <cmath>

#include "engine/core/hd.hpp"

namespace mdrun {

// The per-neighbour arrays of one site never overlap; saying so lets the compiler vectorise the fused
// loops without run-time alias checks (g++, clang and nvcc all accept __restrict__).
#define MDRUN_RESTRICT __restrict__

constexpr int kMtpMaxRadialBasis = 32;  // largest Chebyshev basis size N_Q supported (MLIP files use 8)

// Read-only parameters of one MTP in the flat layout the math uses. All pointers are host or device
// pointers of the same kind. "comp" = a tensor component (monomial u_x^p u_y^q u_z^w of the unit vector
// u = r/|r|); comp 0 is the constant 1 and every other comp c = comp_parent[c] * u[comp_axis[c]].
struct MtpParamsView {
    int n_species;    // S
    int n_mu;         // radial functions
    int n_q;          // Chebyshev basis size
    int n_alpha;      // all moments (basic + products)
    int n_basic;      // basic moments (the first n_basic moment indices)
    int n_times;      // contraction rows
    int n_scalar;     // scalar moments entering the energy
    int n_comp;       // tensor components (all monomials up to max_degree, ordered by degree)
    int max_degree;
    double min_dist, max_dist;
    const double* radial_coeffs;   // [(a*S + b)*n_mu + mu][k], scaling folded in; a central, b neighbour
    const double* species_coeffs;  // [S]
    const int* comp_parent;        // [n_comp] (comp_parent[0] = 0)
    const int* comp_axis;          // [n_comp] 0,1,2 (x,y,z); unused for comp 0
    const int* comp_degree;        // [n_comp] p+q+w
    const int* comp_lower;         // [3*c + axis]: comp with one power less along axis (0 if that power is 0)
    const double* comp_pow;        // [3*c + axis]: the power p, q or w along axis
    const int* basic_mu;           // [n_basic] radial function of basic moment beta
    const int* basic_comp;         // [n_basic] tensor component of basic moment beta
    const int* comp_basic_start;   // [n_comp+1] CSR: basic moments using comp c are
    const int* comp_basic_list;    //   comp_basic_list[comp_basic_start[c] .. comp_basic_start[c+1]-1]
    const int* times_i0;           // [n_times] M[k] += m * M[i0] * M[i1], rows in file order
    const int* times_i1;
    const int* times_k;
    const double* times_m;
    int n_runs;                    // maximal runs of consecutive rows with the same target k
    const int* run_start;          // [n_runs+1] rows of run r: run_start[r] .. run_start[r+1]-1
    const int* run_k;              // [n_runs] their common target moment
    const double* g_seed;          // [n_alpha] xi_s at k_s, else 0 (dV/dM before back-propagation)
    const int* back_order;         // [n_alpha] moments in backward processing order
    const int* use_start;          // [n_alpha+1] CSR over back_order positions: the rows reading that moment
    const int* use_k;              // [2 n_times] target k of the reading row
    const int* use_other;          // [2 n_times] the row's other factor
    const double* use_m;           // [2 n_times] the row's multiplicity
    const int* scalar_index;       // [n_scalar] moment index k_s
    const double* scalar_coeff;    // [n_scalar] xi_s
};

// Doubles of scratch one site needs for up to `cap` neighbours: moments M and gradients g (n_alpha
// each), then per-neighbour arrays r, 1/r, u_x, u_y, u_z, A, B_x, B_y, B_z, W, W' (11), f, f', f/r
// (3 n_mu) and the monomials (n_comp).
MDRUN_HD_INLINE long mtp_scratch_size(const MtpParamsView& p, int cap) {
    return 2L * p.n_alpha + static_cast<long>(cap) * (11 + 3 * p.n_mu + p.n_comp);
}

// Pointers into one site's scratch block.
struct MtpSiteScratch {
    double* M;      // [n_alpha]
    double* g;      // [n_alpha]
    double* r;      // [cap]
    double* rinv;   // [cap]
    double* u[3];   // [cap] each
    double* A;      // [cap]   scalar part of D along u
    double* B[3];   // [cap]   transverse part of D
    double* W;      // [cap]   sum_beta g_beta f_mu / r for one component
    double* Wp;     // [cap]   sum_beta g_beta f'_mu   for one component
    double* f;      // [n_mu][cap]
    double* fp;     // [n_mu][cap]
    double* fr;     // [n_mu][cap]  f / r
    double* mono;   // [n_comp][cap]
};

MDRUN_HD_INLINE MtpSiteScratch mtp_scratch_layout(const MtpParamsView& p, int cap, double* s) {
    MtpSiteScratch w;
    w.M = s; s += p.n_alpha;
    w.g = s; s += p.n_alpha;
    w.r = s; s += cap;
    w.rinv = s; s += cap;
    for (int a = 0; a < 3; ++a) { w.u[a] = s; s += cap; }
    w.A = s; s += cap;
    for (int a = 0; a < 3; ++a) { w.B[a] = s; s += cap; }
    w.W = s; s += cap;
    w.Wp = s; s += cap;
    w.f = s; s += static_cast<long>(p.n_mu) * cap;
    w.fp = s; s += static_cast<long>(p.n_mu) * cap;
    w.fr = s; s += static_cast<long>(p.n_mu) * cap;
    w.mono = s;
    return w;
}

// Radial functions f_mu^{ab}(r) and their derivatives for one pair (§3.2): Chebyshev polynomials of
// xi times (r - r_c)^2, no clamping below min_dist. Zero for r >= max_dist.
MDRUN_HD_INLINE void mtp_radial(const MtpParamsView& p, int a, int b, double r, double* f, double* fp,
                                int stride) {
    if (!(r < p.max_dist)) {
        for (int mu = 0; mu < p.n_mu; ++mu) { f[mu * stride] = 0.0; fp[mu * stride] = 0.0; }
        return;
    }
    double Q[kMtpMaxRadialBasis], dQ[kMtpMaxRadialBasis];
    const double width = p.max_dist - p.min_dist;
    const double xi = (2.0 * r - (p.min_dist + p.max_dist)) / width;
    const double kappa = 2.0 / width;
    const double d = r - p.max_dist;
    Q[0] = d * d;
    dQ[0] = 2.0 * d;
    if (p.n_q > 1) {
        Q[1] = xi * d * d;
        dQ[1] = kappa * d * d + 2.0 * xi * d;
    }
    for (int k = 2; k < p.n_q; ++k) {
        Q[k] = 2.0 * xi * Q[k - 1] - Q[k - 2];
        dQ[k] = 2.0 * (kappa * Q[k - 1] + xi * dQ[k - 1]) - dQ[k - 2];
    }
    const double* c = p.radial_coeffs + static_cast<long>(a * p.n_species + b) * p.n_mu * p.n_q;
    for (int mu = 0; mu < p.n_mu; ++mu) {
        double s = 0.0, ds = 0.0;
        for (int k = 0; k < p.n_q; ++k) {
            s += c[k] * Q[k];
            ds += c[k] * dQ[k];
        }
        f[mu * stride] = s;
        fp[mu * stride] = ds;
        c += p.n_q;
    }
}

// Small unit-stride kernels over neighbours. Restrict-qualified parameters (kept through inlining) let
// the compiler vectorise them without run-time alias checks.
MDRUN_HD_INLINE void mtp_mul_into(int n, const double* MDRUN_RESTRICT a, const double* MDRUN_RESTRICT b,
                                  double* MDRUN_RESTRICT out) {
    for (int j = 0; j < n; ++j) out[j] = a[j] * b[j];
}
MDRUN_HD_INLINE void mtp_scale2(int n, double s, const double* MDRUN_RESTRICT a, const double* MDRUN_RESTRICT b,
                                double* MDRUN_RESTRICT oa, double* MDRUN_RESTRICT ob, bool add) {
    if (add) {
        for (int j = 0; j < n; ++j) {
            oa[j] += s * a[j];
            ob[j] += s * b[j];
        }
    } else {
        for (int j = 0; j < n; ++j) {
            oa[j] = s * a[j];
            ob[j] = s * b[j];
        }
    }
}
// A += (W' - deg W) P,  B_axis += pow_axis W L_axis  (one fused pass; see mtp_neighbor_derivatives).
MDRUN_HD_INLINE void mtp_accumulate_AB(int n, double deg, double px, double py, double pz,
                                       const double* MDRUN_RESTRICT W, const double* MDRUN_RESTRICT Wp,
                                       const double* MDRUN_RESTRICT P, const double* MDRUN_RESTRICT Lx,
                                       const double* MDRUN_RESTRICT Ly, const double* MDRUN_RESTRICT Lz,
                                       double* MDRUN_RESTRICT A, double* MDRUN_RESTRICT Bx,
                                       double* MDRUN_RESTRICT By, double* MDRUN_RESTRICT Bz) {
    for (int j = 0; j < n; ++j) {
        const double Wj = W[j];
        A[j] += (Wp[j] - deg * Wj) * P[j];
        Bx[j] += px * Wj * Lx[j];
        By[j] += py * Wj * Ly[j];
        Bz[j] += pz * Wj * Lz[j];
    }
}

// Distances r, 1/r and unit vectors u of a site's neighbours (the start of stage 1).
MDRUN_HD_INLINE void mtp_neighbor_geometry(int nnb, const double* rx, const double* ry, const double* rz,
                                           const MtpSiteScratch& w) {
    for (int j = 0; j < nnb; ++j) {
        const double r = sqrt(rx[j] * rx[j] + ry[j] * ry[j] + rz[j] * rz[j]);
        const double ri = 1.0 / r;
        w.r[j] = r;
        w.rinv[j] = ri;
        w.u[0][j] = rx[j] * ri;
        w.u[1][j] = ry[j] * ri;
        w.u[2][j] = rz[j] * ri;
    }
}

// f_mu / r of every radial function and neighbour (the end of the radial part of stage 1).
MDRUN_HD_INLINE void mtp_radial_over_r(const MtpParamsView& p, int nnb, int cap, const MtpSiteScratch& w) {
    for (int mu = 0; mu < p.n_mu; ++mu) {
        const double* f = w.f + static_cast<long>(mu) * cap;
        double* fr = w.fr + static_cast<long>(mu) * cap;
        for (int j = 0; j < nnb; ++j) fr[j] = f[j] * w.rinv[j];
    }
}

// All monomials of u for every neighbour, each from its parent (the end of stage 1).
MDRUN_HD_INLINE void mtp_monomials(const MtpParamsView& p, int nnb, int cap, const MtpSiteScratch& w) {
    for (int j = 0; j < nnb; ++j) w.mono[j] = 1.0;
    for (int c = 1; c < p.n_comp; ++c) {
        mtp_mul_into(nnb, w.mono + static_cast<long>(p.comp_parent[c]) * cap, w.u[p.comp_axis[c]],
                     w.mono + static_cast<long>(c) * cap);
    }
}

// Stage 1: per-neighbour distances, unit vectors, radial functions and all monomials of u.
MDRUN_HD_INLINE void mtp_prepare_neighbors(const MtpParamsView& p, int a, int nnb, int cap, const double* rx,
                                           const double* ry, const double* rz, const int* ntype,
                                           const MtpSiteScratch& w) {
    mtp_neighbor_geometry(nnb, rx, ry, rz, w);
    for (int j = 0; j < nnb; ++j) mtp_radial(p, a, ntype[j], w.r[j], w.f + j, w.fp + j, cap);
    mtp_radial_over_r(p, nnb, cap, w);
    mtp_monomials(p, nnb, cap, w);
}

// Stage 2: basic moments M_beta = sum_j f_mu(r_j) u^(p,q,w) (§3.4.1); products start at zero.
// Four partial sums keep the reduction vectorisable and still deterministic for a given neighbour order.
MDRUN_HD_INLINE void mtp_basic_moments(const MtpParamsView& p, int nnb, int cap, const MtpSiteScratch& w) {
    for (int b = 0; b < p.n_basic; ++b) {
        const double* f = w.f + static_cast<long>(p.basic_mu[b]) * cap;
        const double* m = w.mono + static_cast<long>(p.basic_comp[b]) * cap;
        double s[4] = {0.0, 0.0, 0.0, 0.0};
        int j = 0;
        for (; j + 3 < nnb; j += 4)
            for (int l = 0; l < 4; ++l) s[l] += f[j + l] * m[j + l];
        for (; j < nnb; ++j) s[0] += f[j] * m[j];
        w.M[b] = (s[0] + s[1]) + (s[2] + s[3]);
    }
    for (int k = p.n_basic; k < p.n_alpha; ++k) w.M[k] = 0.0;
}

// Stages 3-5 work on B sites at once, stored lane-interleaved (moment k of lane l at [k*B + l]), so a
// CPU processes B atoms with SIMD and loads each table index once for all of them; B = 1 is the plain
// per-site layout (a GPU thread). Every lane does exactly the arithmetic of B = 1, in the same order,
// so results do not depend on B.

// Stage 3: contractions in file order (§3.4.2). Rows are walked in runs with one target so the running
// sum stays in registers (no store-to-load chain through M[k]); this is valid because no row reads the
// moment its own run produces. Two partial sums shorten the add latency chain (round-off only).
template <int B>
MDRUN_HD_INLINE void mtp_contract_forward_lanes(const MtpParamsView& p, double* M) {
    for (int r = 0; r < p.n_runs; ++r) {
        double* Mk = M + static_cast<long>(p.run_k[r]) * B;
        double acc0[B], acc1[B];
        for (int l = 0; l < B; ++l) { acc0[l] = Mk[l]; acc1[l] = 0.0; }
        const int t1 = p.run_start[r + 1];
        int t = p.run_start[r];
        for (; t + 1 < t1; t += 2) {
            const double m0 = p.times_m[t], m1 = p.times_m[t + 1];
            const double* a0 = M + static_cast<long>(p.times_i0[t]) * B;
            const double* b0 = M + static_cast<long>(p.times_i1[t]) * B;
            const double* a1 = M + static_cast<long>(p.times_i0[t + 1]) * B;
            const double* b1 = M + static_cast<long>(p.times_i1[t + 1]) * B;
            for (int l = 0; l < B; ++l) {
                acc0[l] += m0 * a0[l] * b0[l];
                acc1[l] += m1 * a1[l] * b1[l];
            }
        }
        if (t < t1) {
            const double m0 = p.times_m[t];
            const double* a0 = M + static_cast<long>(p.times_i0[t]) * B;
            const double* b0 = M + static_cast<long>(p.times_i1[t]) * B;
            for (int l = 0; l < B; ++l) acc0[l] += m0 * a0[l] * b0[l];
        }
        for (int l = 0; l < B; ++l) Mk[l] = acc0[l] + acc1[l];
    }
}
MDRUN_HD_INLINE void mtp_contract_forward(const MtpParamsView& p, double* M) { mtp_contract_forward_lanes<1>(p, M); }

// Stage 4: site energies V = e_a + sum_s xi_s M[k_s] (§3.4.3) of the first n_sites of B lane-interleaved sites,
// into v[l]. Each scalar moment's B lanes are read as one contiguous row (a strided load per lane and moment
// touched 4000 cache lines per 8-site group at lev22); every lane adds its terms in scalar order, so the sum
// is the same for any B.
template <int B>
MDRUN_HD_INLINE void mtp_scalar_energy_lanes(const MtpParamsView& p, int n_sites, const int* a, const double* M,
                                             double* v) {
    double acc[B];
    for (int l = 0; l < B; ++l) acc[l] = 0.0;
    for (int s = 0; s < p.n_scalar; ++s) {
        const double c = p.scalar_coeff[s];
        const double* Mk = M + static_cast<long>(p.scalar_index[s]) * B;
        for (int l = 0; l < B; ++l) acc[l] += c * Mk[l];
    }
    for (int l = 0; l < n_sites && l < B; ++l) v[l] = p.species_coeffs[a[l]] + acc[l];
}
MDRUN_HD_INLINE double mtp_scalar_energy(const MtpParamsView& p, int a, const double* M) {
    double v;
    mtp_scalar_energy_lanes<1>(p, 1, &a, M, &v);
    return v;
}

// Stage 5: g = dV/dM by reverse mode through the contraction rows (§3.5.1-2), written as a GATHER:
// g[j] = seed[j] + sum over the rows t that read M[j] of m_t g[k_t] M[other_t] (a row with i0 = i1 = j
// appears twice). Moments are visited in back_order (descending position of the last row producing
// them), so every g[k_t] is final when read. Same sum as MLIP's scatter, but the running sum stays in
// registers instead of a chain of scattered read-modify-writes to g.
template <int B>
MDRUN_HD_INLINE void mtp_contract_backward_lanes(const MtpParamsView& p, const double* M, double* g) {
    for (int idx = 0; idx < p.n_alpha; ++idx) {
        const int j = p.back_order[idx];
        double acc0[B], acc1[B];
        for (int l = 0; l < B; ++l) { acc0[l] = p.g_seed[j]; acc1[l] = 0.0; }
        const int u1 = p.use_start[idx + 1];
        int u = p.use_start[idx];
        for (; u + 1 < u1; u += 2) {
            const double m0 = p.use_m[u], m1 = p.use_m[u + 1];
            const double* g0 = g + static_cast<long>(p.use_k[u]) * B;
            const double* o0 = M + static_cast<long>(p.use_other[u]) * B;
            const double* g1 = g + static_cast<long>(p.use_k[u + 1]) * B;
            const double* o1 = M + static_cast<long>(p.use_other[u + 1]) * B;
            for (int l = 0; l < B; ++l) {
                acc0[l] += m0 * g0[l] * o0[l];
                acc1[l] += m1 * g1[l] * o1[l];
            }
        }
        if (u < u1) {
            const double m0 = p.use_m[u];
            const double* g0 = g + static_cast<long>(p.use_k[u]) * B;
            const double* o0 = M + static_cast<long>(p.use_other[u]) * B;
            for (int l = 0; l < B; ++l) acc0[l] += m0 * g0[l] * o0[l];
        }
        double* gj = g + static_cast<long>(j) * B;
        for (int l = 0; l < B; ++l) gj[l] = acc0[l] + acc1[l];
    }
}
MDRUN_HD_INLINE void mtp_contract_backward(const MtpParamsView& p, const double* M, double* g) {
    mtp_contract_backward_lanes<1>(p, M, g);
}

// Stage 6: D_j = dV/dr_j = sum_beta g_beta d(f_mu P_c(u))/dr (§3.5.3), grouped by tensor component c:
//   d(f P(u))/dr = f' P u + (f/r) (grad_u P - deg(P) P u)     (P homogeneous of degree deg)
// so with W = sum_beta g f/r and W' = sum_beta g f' over the basic moments of component c:
//   A += (W' - deg W) P,   B_axis += pow_axis W P_lower(axis),   D = A u + B.
MDRUN_HD_INLINE void mtp_neighbor_derivatives(const MtpParamsView& p, int nnb, int cap, const MtpSiteScratch& w,
                                              double* dx, double* dy, double* dz) {
    for (int j = 0; j < nnb; ++j) {
        w.A[j] = 0.0;
        w.B[0][j] = 0.0;
        w.B[1][j] = 0.0;
        w.B[2][j] = 0.0;
    }
    for (int c = 0; c < p.n_comp; ++c) {
        const int b0 = p.comp_basic_start[c], b1 = p.comp_basic_start[c + 1];
        if (b0 == b1) continue;
        // W, W' of this component: the first basic moment assigns, the others add.
        for (int bi = b0; bi < b1; ++bi) {
            const int b = p.comp_basic_list[bi];
            const long off = static_cast<long>(p.basic_mu[b]) * cap;
            mtp_scale2(nnb, w.g[b], w.fr + off, w.fp + off, w.W, w.Wp, bi != b0);
        }
        // One fused pass for A and B. A zero power multiplies comp 0 (all ones) by 0 and adds an exact
        // zero, which is cheaper than three separate passes with branches.
        const double* mono = w.mono;
        mtp_accumulate_AB(nnb, static_cast<double>(p.comp_degree[c]), p.comp_pow[3 * c], p.comp_pow[3 * c + 1],
                          p.comp_pow[3 * c + 2], w.W, w.Wp, mono + static_cast<long>(c) * cap,
                          mono + static_cast<long>(p.comp_lower[3 * c]) * cap,
                          mono + static_cast<long>(p.comp_lower[3 * c + 1]) * cap,
                          mono + static_cast<long>(p.comp_lower[3 * c + 2]) * cap, w.A, w.B[0], w.B[1], w.B[2]);
    }
    for (int j = 0; j < nnb; ++j) {
        dx[j] = w.A[j] * w.u[0][j] + w.B[0][j];
        dy[j] = w.A[j] * w.u[1][j] + w.B[1][j];
        dz[j] = w.A[j] * w.u[2][j] + w.B[2][j];
    }
}

// The whole site: returns V_i and writes D_ij for every neighbour slot (see the header comment).
MDRUN_HD_INLINE double mtp_site(const MtpParamsView& p, int a, int nnb, int cap, const double* rx,
                                const double* ry, const double* rz, const int* ntype, double* scratch, double* dx,
                                double* dy, double* dz) {
    const MtpSiteScratch w = mtp_scratch_layout(p, cap, scratch);
    mtp_prepare_neighbors(p, a, nnb, cap, rx, ry, rz, ntype, w);
    mtp_basic_moments(p, nnb, cap, w);
    mtp_contract_forward(p, w.M);
    const double v = mtp_scalar_energy(p, a, w.M);
    mtp_contract_backward(p, w.M, w.g);
    mtp_neighbor_derivatives(p, nnb, cap, w, dx, dy, dz);
    return v;
}

// The front half of a B-site lane batch, shared by the force pass (mtp_sites_lanes) and the grade pass
// (mtp_sites_grad_lanes of mtp_grade_math.hpp): each lane's basic moments, the lane-interleaved forward and
// backward contractions, and dE/dM of the basic moments copied back into w[l].g for l < n_sites.
// Lanes >= n_sites carry zero moments. Ml, gl: n_alpha * B doubles each. `Prepare` is stage 1
// (MtpPrepareNeighbors: mtp_prepare_neighbors; the CPU's FMA build passes its blocked form).
struct MtpPrepareNeighbors {
    MDRUN_HD_INLINE void operator()(const MtpParamsView& p, int a, int nnb, int cap, const double* rx, const double* ry,
                                    const double* rz, const int* ntype, const MtpSiteScratch& w) const {
        mtp_prepare_neighbors(p, a, nnb, cap, rx, ry, rz, ntype, w);
    }
};
template <int B, class Prepare = MtpPrepareNeighbors>
MDRUN_HD_INLINE void mtp_lanes_moments_and_gradients(const MtpParamsView& p, int n_sites, const int* a, const int* nnb,
                                                     int cap, double* const* rx, double* const* ry, double* const* rz,
                                                     int* const* ntype, double* const* scratch, double* Ml, double* gl,
                                                     MtpSiteScratch* w) {
    for (int l = 0; l < B; ++l) {
        w[l] = mtp_scratch_layout(p, cap, scratch[l]);
        if (l < n_sites) {
            Prepare{}(p, a[l], nnb[l], cap, rx[l], ry[l], rz[l], ntype[l], w[l]);
            mtp_basic_moments(p, nnb[l], cap, w[l]);
        } else {
            for (int k = 0; k < p.n_basic; ++k) w[l].M[k] = 0.0;
        }
        for (int k = 0; k < p.n_basic; ++k) Ml[static_cast<long>(k) * B + l] = w[l].M[k];
    }
    for (long k = static_cast<long>(p.n_basic) * B; k < static_cast<long>(p.n_alpha) * B; ++k) Ml[k] = 0.0;
    mtp_contract_forward_lanes<B>(p, Ml);
    mtp_contract_backward_lanes<B>(p, Ml, gl);
    for (int l = 0; l < n_sites && l < B; ++l)
        for (int k = 0; k < p.n_basic; ++k) w[l].g[k] = gl[static_cast<long>(k) * B + l];
}

// B sites at once (CPU SIMD over atoms in the contractions). Lane l has its own neighbour arrays and
// site scratch: rx[l], ..., scratch[l] (each mtp_scratch_size(p, cap) doubles); Ml and gl hold
// n_alpha * B doubles each. Sites with lane >= n_sites are skipped (their lanes compute zeros).
// Writes V into v[l] and D into dx[l], dy[l], dz[l]; bitwise the same as mtp_site for every lane.
template <int B>
MDRUN_HD_INLINE void mtp_sites_lanes(const MtpParamsView& p, int n_sites, const int* a, const int* nnb, int cap,
                                     double* const* rx, double* const* ry, double* const* rz, int* const* ntype,
                                     double* const* scratch, double* Ml, double* gl, double* v, double* const* dx,
                                     double* const* dy, double* const* dz) {
    MtpSiteScratch w[B];
    mtp_lanes_moments_and_gradients<B>(p, n_sites, a, nnb, cap, rx, ry, rz, ntype, scratch, Ml, gl, w);
    mtp_scalar_energy_lanes<B>(p, n_sites, a, Ml, v);
    for (int l = 0; l < n_sites && l < B; ++l) mtp_neighbor_derivatives(p, nnb[l], cap, w[l], dx[l], dy[l], dz[l]);
}

}  // namespace mdrun
