// Per-thread bodies of the MaxVol extrapolation grades on the device ([extrapolation] with the CUDA backend,
// docs/grades.md): the grade rows dV_i/dtheta of one replica's atoms through the shared
// potentials/mtp_grade_math.hpp (the function the CPU calls), then c = b A^{-1} per site and for the energy
// row, in the summation order of the CPU (SiteGrader, GradeSet::grade_rows), so the host executor's grades
// equal the CPU's. Every double is written by exactly one thread; no atomics. Only the per-site grades
// and n values of the energy row leave the device.
#pragma once
#include <cmath>

#include "engine/core/hd.hpp"
#include "engine/core/vec3.hpp"
#include "kernels/batch_view.hpp"
#include "potentials/mtp_grade_math.hpp"

namespace mdrun {

// The active set and the work arrays of one grading call (device pointers on the GPU).
struct GradeView {
    int nc = 0;          // coefficients n (mtp_coeff_count)
    int first = 0;       // first (global) atom of the graded replica
    int count = 0;       // its atoms
    double scaling = 1.0;     // the MTP's scaling (mtp_site_coeff_grad)
    double energy_weight = 0.0;
    const int* col_start = nullptr;  // [S+1] CSR over MTP species: the columns a site row can be non-zero in
    const int* cols = nullptr;       //   cols[col_start[a] .. col_start[a+1]-1] (SiteGrader::columns)
    const long* k_start = nullptr;   // [S] offset of species a's compacted (A^{-1})^T (L_a x n) in K
    const double* K = nullptr;
    const double* invA_T = nullptr;  // [n][n] (A^{-1})^T row-major
    double* rows = nullptr;          // [count][n] dV_i/dtheta
    double* absc = nullptr;          // [count][n] |c_ij| of the site rows
    double* site_grade = nullptr;    // [count] max_j |c_ij|
    double* erow = nullptr;          // [n] the energy row, weight * sum_i rows_i / count
    double* eabs = nullptr;          // [n] |c_j| of the energy row
};

// Doubles of scratch per thread of grade_row_body: r_ij components (3 cap) and mtp_grade_scratch_size;
// ints: neighbour species (cap).
MDRUN_HD_INLINE long grade_thread_scratch(const MtpParamsView& p, int cap) { return 3L * cap + mtp_grade_scratch_size(p, cap); }
MDRUN_HD_INLINE long grade_thread_iscratch(int cap) { return cap; }

// Atom i = g.first + first + t: its row compacted to the neighbours with r < max_dist in slot order (as
// mtp_site_body), then rows[i - g.first] = dV_i/dtheta.
MDRUN_HD_INLINE void grade_row_body(int t, const BatchView& b, const MtpParamsView& p, const GradeView& g, int first,
                                    double* scratch, int* iscratch) {
    const int il = first + t;
    const int i = g.first + il;
    const int cap = b.cap;
    double* rx = scratch + grade_thread_scratch(p, cap) * t;
    double* ry = rx + cap;
    double* rz = ry + cap;
    double* site = rz + cap;
    int* ntype = iscratch + grade_thread_iscratch(cap) * t;
    const long base = static_cast<long>(i) * cap;
    const int nrow = b.nb_count[i] < cap ? b.nb_count[i] : cap;
    const Vec3 xi = b.pos[i];
    int nn = 0;
    for (int a = 0; a < nrow; ++a) {
        const long s = base + a;
        const int j = b.nb_j[s];
        const Vec3 d = b.pos[j] + b.nb_shift[s] - xi;
        if (!(sqrt(norm2(d)) < p.max_dist)) continue;
        rx[nn] = d.x;
        ry[nn] = d.y;
        rz[nn] = d.z;
        ntype[nn] = b.mtp_type[j];
        ++nn;
    }
    double* row = g.rows + static_cast<long>(il) * g.nc;
    for (int c = 0; c < g.nc; ++c) row[c] = 0.0;
    mtp_site_grad(p, b.mtp_type[i], nn, nn > 0 ? nn : 1, rx, ry, rz, ntype, site, g.scaling, 1.0, row);
}

// One thread per (site, j): |c_ij| with c_ij = sum over the site's columns q (ascending) of
// row[cols[q]] * K[q][j], zero entries skipped: the additions of SiteGrader's grade_block, in its order.
MDRUN_HD_INLINE void grade_site_coeff_body(int t, const BatchView& b, const GradeView& g) {
    const int il = t / g.nc, j = t % g.nc;
    const int a = b.mtp_type[g.first + il];
    const double* row = g.rows + static_cast<long>(il) * g.nc;
    const int q0 = g.col_start[a], q1 = g.col_start[a + 1];
    const double* K = g.K + g.k_start[a];
    double c = 0.0;
    for (int q = q0; q < q1; ++q) {
        const double x = row[g.cols[q]];
        if (x == 0.0) continue;
        c += x * K[static_cast<long>(q - q0) * g.nc + j];
    }
    g.absc[t] = fabs(c);
}

// One thread per site: max_j |c_ij| (as std::max from 0, j ascending).
MDRUN_HD_INLINE void grade_site_max_body(int t, const GradeView& g) {
    const double* a = g.absc + static_cast<long>(t) * g.nc;
    double best = 0.0;
    for (int j = 0; j < g.nc; ++j) best = best < a[j] ? a[j] : best;
    g.site_grade[t] = best;
}

// One thread per coefficient c: the energy row, summed over the sites in atom order, times weight / N.
MDRUN_HD_INLINE void grade_energy_row_body(int t, const GradeView& g) {
    double s = 0.0;
    for (int il = 0; il < g.count; ++il) s += g.rows[static_cast<long>(il) * g.nc + t];
    g.erow[t] = g.energy_weight * s / g.count;
}

// One thread per j: |c_j| of the energy row (maxvol_coefficient, the sum maxvol_row_grade makes).
MDRUN_HD_INLINE void grade_energy_coeff_body(int t, const GradeView& g) {
    g.eabs[t] = fabs(maxvol_coefficient(g.nc, g.invA_T, g.erow, t));
}

}  // namespace mdrun
