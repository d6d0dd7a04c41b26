// CPU-only fused form of the MTP's last stage (mtp_neighbor_derivatives of mtp_math.hpp): for each tensor
// component the weights W = sum_beta g_beta f_mu/r and W' = sum_beta g_beta f'_mu are formed in registers
// inside the one pass that accumulates A and B, instead of being written to the W/W' arrays by one pass
// per basic moment and read back. Every neighbour sees the same operations in the same order (first term
// assigned, the others added in list order), so without contraction the result is bitwise that of
// mtp_neighbor_derivatives (the bitwise CPU-vs-kernel-body tests check it). The GPU keeps the original:
// a per-thread loop with up to kMaxFused pointer pairs would cost registers there.
#pragma once
#include "potentials/mtp_grade_math.hpp"
#include "potentials/mtp_math.hpp"

namespace mdrun {

namespace mtp_cpu_detail {

// One component with NB basic moments (fr[k], fp[k], g[k]): A += (W' - deg W) P, B_axis += pow W L_axis.
// AXES: bit a set where the power along axis a is not zero. The other axes would add pow W L = 0 * W * 1,
// an exact zero, to a B that can never be -0 (it starts at +0, and x + (-x) is +0): skipping them changes no
// bit, and saves a third of the loads and stores of this stage.
template <int NB, int AXES>
inline void fused_component(int n, const double* const* fr, const double* const* fp, const double* g, double deg,
                            double px, double py, double pz, const double* __restrict__ P,
                            const double* __restrict__ Lx, const double* __restrict__ Ly,
                            const double* __restrict__ Lz, double* __restrict__ A, double* __restrict__ Bx,
                            double* __restrict__ By, double* __restrict__ Bz) {
    const double* __restrict__ r[NB];
    const double* __restrict__ d[NB];
    double gk[NB];
    for (int k = 0; k < NB; ++k) {
        r[k] = fr[k];
        d[k] = fp[k];
        gk[k] = g[k];
    }
    for (int j = 0; j < n; ++j) {
        double W = gk[0] * r[0][j];
        double Wp = gk[0] * d[0][j];
        for (int k = 1; k < NB; ++k) {
            W += gk[k] * r[k][j];
            Wp += gk[k] * d[k][j];
        }
        A[j] += (Wp - deg * W) * P[j];
        if (AXES & 1) Bx[j] += px * W * Lx[j];
        if (AXES & 2) By[j] += py * W * Ly[j];
        if (AXES & 4) Bz[j] += pz * W * Lz[j];
    }
}

template <int NB>
inline void fused_component_axes(int axes, int n, const double* const* fr, const double* const* fp, const double* g,
                                 double deg, double px, double py, double pz, const double* P, const double* Lx,
                                 const double* Ly, const double* Lz, double* A, double* Bx, double* By, double* Bz) {
    switch (axes) {
#define MDRUN_FUSED_AXES(m) \
    case m: fused_component<NB, m>(n, fr, fp, g, deg, px, py, pz, P, Lx, Ly, Lz, A, Bx, By, Bz); break;
        MDRUN_FUSED_AXES(0) MDRUN_FUSED_AXES(1) MDRUN_FUSED_AXES(2) MDRUN_FUSED_AXES(3)
        MDRUN_FUSED_AXES(4) MDRUN_FUSED_AXES(5) MDRUN_FUSED_AXES(6) default: MDRUN_FUSED_AXES(7)
#undef MDRUN_FUSED_AXES
    }
}

}  // namespace mtp_cpu_detail

constexpr int kMtpMaxFused = 6;  // components with more basic moments take the two-pass path

inline void mtp_neighbor_derivatives_fused(const MtpParamsView& p, int nnb, int cap, const MtpSiteScratch& w,
                                           double* dx, double* dy, double* dz) {
    for (int j = 0; j < nnb; ++j) {
        w.A[j] = 0.0;
        w.B[0][j] = 0.0;
        w.B[1][j] = 0.0;
        w.B[2][j] = 0.0;
    }
    for (int c = 0; c < p.n_comp; ++c) {
        const int b0 = p.comp_basic_start[c], b1 = p.comp_basic_start[c + 1];
        const int nb = b1 - b0;
        if (nb == 0) continue;
        const double* mono = w.mono;
        const double deg = static_cast<double>(p.comp_degree[c]);
        const double px = p.comp_pow[3 * c], py = p.comp_pow[3 * c + 1], pz = p.comp_pow[3 * c + 2];
        const double* P = mono + static_cast<long>(c) * cap;
        const double* Lx = mono + static_cast<long>(p.comp_lower[3 * c]) * cap;
        const double* Ly = mono + static_cast<long>(p.comp_lower[3 * c + 1]) * cap;
        const double* Lz = mono + static_cast<long>(p.comp_lower[3 * c + 2]) * cap;
        if (nb > kMtpMaxFused) {  // the two passes of mtp_neighbor_derivatives
            for (int bi = b0; bi < b1; ++bi) {
                const int b = p.comp_basic_list[bi];
                const long off = static_cast<long>(p.basic_mu[b]) * cap;
                mtp_scale2(nnb, w.g[b], w.fr + off, w.fp + off, w.W, w.Wp, bi != b0);
            }
            mtp_accumulate_AB(nnb, deg, px, py, pz, w.W, w.Wp, P, Lx, Ly, Lz, w.A, w.B[0], w.B[1], w.B[2]);
            continue;
        }
        const double* fr[kMtpMaxFused];
        const double* fp[kMtpMaxFused];
        double g[kMtpMaxFused];
        for (int k = 0; k < nb; ++k) {
            const int b = p.comp_basic_list[b0 + k];
            const long off = static_cast<long>(p.basic_mu[b]) * cap;
            fr[k] = w.fr + off;
            fp[k] = w.fp + off;
            g[k] = w.g[b];
        }
        using mtp_cpu_detail::fused_component_axes;
        const int axes = (px != 0.0 ? 1 : 0) | (py != 0.0 ? 2 : 0) | (pz != 0.0 ? 4 : 0);
        double* const A = w.A;
        double* const Bx = w.B[0];
        double* const By = w.B[1];
        double* const Bz = w.B[2];
        switch (nb) {
            case 1: fused_component_axes<1>(axes, nnb, fr, fp, g, deg, px, py, pz, P, Lx, Ly, Lz, A, Bx, By, Bz); break;
            case 2: fused_component_axes<2>(axes, nnb, fr, fp, g, deg, px, py, pz, P, Lx, Ly, Lz, A, Bx, By, Bz); break;
            case 3: fused_component_axes<3>(axes, nnb, fr, fp, g, deg, px, py, pz, P, Lx, Ly, Lz, A, Bx, By, Bz); break;
            case 4: fused_component_axes<4>(axes, nnb, fr, fp, g, deg, px, py, pz, P, Lx, Ly, Lz, A, Bx, By, Bz); break;
            case 5: fused_component_axes<5>(axes, nnb, fr, fp, g, deg, px, py, pz, P, Lx, Ly, Lz, A, Bx, By, Bz); break;
            default: fused_component_axes<6>(axes, nnb, fr, fp, g, deg, px, py, pz, P, Lx, Ly, Lz, A, Bx, By, Bz); break;
        }
    }
    for (int j = 0; j < nnb; ++j) {
        dx[j] = w.A[j] * w.u[0][j] + w.B[0][j];
        dy[j] = w.A[j] * w.u[1][j] + w.B[1][j];
        dz[j] = w.A[j] * w.u[2][j] + w.B[2][j];
    }
}

// mtp_sites_lanes (mtp_math.hpp) with the fused last stage: the CPU's force pass. Bitwise mtp_sites_lanes
// without contraction and with the shared stage 1 (`Prepare`, see mtp_lanes_moments_and_gradients).
template <int B, class Prepare = MtpPrepareNeighbors>
inline void mtp_sites_lanes_cpu(const MtpParamsView& p, int n_sites, const int* a, const int* nnb, int cap,
                                double* const* rx, double* const* ry, double* const* rz, int* const* ntype,
                                double* const* scratch, double* Ml, double* gl, double* v, double* const* dx,
                                double* const* dy, double* const* dz) {
    MtpSiteScratch w[B];
    mtp_lanes_moments_and_gradients<B, Prepare>(p, n_sites, a, nnb, cap, rx, ry, rz, ntype, scratch, Ml, gl, w);
    mtp_scalar_energy_lanes<B>(p, n_sites, a, Ml, v);
    for (int l = 0; l < n_sites && l < B; ++l) {
        mtp_neighbor_derivatives_fused(p, nnb[l], cap, w[l], dx[l], dy[l], dz[l]);
    }
}

// mtp_sites_lanes_with_grad (mtp_grade_math.hpp) with the same fused last stage, so a grading step's forces
// are bitwise those of mtp_sites_lanes_cpu in either arithmetic mode (given the same `Prepare`).
template <int B, class Prepare = MtpPrepareNeighbors>
inline void mtp_sites_lanes_with_grad_cpu(const MtpParamsView& p, int n_sites, const int* a, const int* nnb, int cap,
                                          double* const* rx, double* const* ry, double* const* rz, int* const* ntype,
                                          double* const* scratch, double* Ml, double* gl, double scaling, double* v,
                                          double* const* dx, double* const* dy, double* const* dz,
                                          double* const* rows) {
    MtpSiteScratch w[B];
    mtp_lanes_moments_and_gradients<B, Prepare>(p, n_sites, a, nnb, cap, rx, ry, rz, ntype, scratch, Ml, gl, w);
    const int nc = mtp_coeff_count(p);
    mtp_scalar_energy_lanes<B>(p, n_sites, a, Ml, v);
    for (int l = 0; l < n_sites && l < B; ++l) {
        mtp_neighbor_derivatives_fused(p, nnb[l], cap, w[l], dx[l], dy[l], dz[l]);
        for (int c = 0; c < nc; ++c) rows[l][c] = 0.0;
        mtp_site_coeff_grad_lane<B>(p, a[l], nnb[l], cap, ntype[l], w[l], Ml, l, scaling, 1.0,
                                    scratch[l] + mtp_scratch_size(p, cap), rows[l]);
    }
}

}  // namespace mdrun
