#include "potentials/maxvol.hpp"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <utility>

#include "engine/core/error.hpp"

namespace mdrun {

namespace {
using RowMat = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using MapC = Eigen::Map<const RowMat>;
using Map = Eigen::Map<RowMat>;

struct ArgMax {
    double v = -1.0;
    long at = -1;  // flat index, row-major
};

// First largest |x| in row-major order: per-thread maxima combined with the lowest index on ties, so
// the result is the sequential one whatever the thread count.
ArgMax find_max(const double* x, long len) {
    ArgMax best;
#pragma omp parallel if (len > 200000)
    {
        ArgMax mine;
#pragma omp for schedule(static) nowait
        for (long k = 0; k < len; ++k) {
            const double a = std::fabs(x[k]);
            if (a > mine.v) {
                mine.v = a;
                mine.at = k;
            }
        }
#pragma omp critical
        if (mine.at >= 0 && (mine.v > best.v || (mine.v == best.v && mine.at < best.at))) best = mine;
    }
    return best;
}
}  // namespace

MaxVol::MaxVol(int n_, double init) : n(n_), A(static_cast<size_t>(n_) * n_, 0.0), invA_T(A.size(), 0.0), owner(n_, -1) {
    if (!(init > 0.0)) throw Error("MaxVol: the initial threshold must be > 0");
    for (int i = 0; i < n; ++i) {
        A[static_cast<size_t>(i) * n + i] = init;
        invA_T[static_cast<size_t>(i) * n + i] = 1.0 / init;
    }
}

void MaxVol::coefficients(const double* b, double* c) const {
    for (int j = 0; j < n; ++j) {
        const double* row = invA_T.data() + static_cast<size_t>(j) * n;
        double s = 0.0;
        for (int i = 0; i < n; ++i) s += row[i] * b[i];
        c[j] = s;
    }
}

double MaxVol::grade(const double* rows, long m, long* row, int* col) const {
    if (m <= 0) {
        if (row) *row = -1;
        if (col) *col = -1;
        return 0.0;
    }
    RowMat C = MapC(rows, m, n) * MapC(invA_T.data(), n, n).transpose();
    const ArgMax b = find_max(C.data(), m * n);
    if (row) *row = b.at / n;
    if (col) *col = static_cast<int>(b.at % n);
    return b.v;
}

namespace {
// The grading product of MD (every N steps, all atoms): compiled also for x86-64-v3 (AVX2) and chosen at
// run time, as the MTP evaluation is (Eigen's kernels are inlined into each clone).
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && !defined(MDRUN_NO_CPU_CLONES)
__attribute__((target_clones("arch=x86-64-v3", "default"), flatten))
#endif
void grades_of_rows(const double* rows, long m, int n, const double* invA_T, double* out) {
    RowMat C(m, n);
    C.noalias() = MapC(rows, m, n) * MapC(invA_T, n, n).transpose();
    for (long k = 0; k < m; ++k) out[k] = C.row(k).cwiseAbs().maxCoeff();
}
}  // namespace

void MaxVol::row_grades(const double* rows, long m, double* out) const {
    if (m <= 0) return;
    grades_of_rows(rows, m, n, invA_T.data(), out);
}

long MaxVol::select(std::vector<double>& rows, std::vector<long>& row_owner, const MaxVolThresholds& thr,
                    long swap_limit) {
    const long m = static_cast<long>(row_owner.size());
    if (m == 0) return 0;
    if (static_cast<long>(rows.size()) != m * n) throw Error("MaxVol::select: rows and owners disagree");
    if (!(thr.select > 1.0) || !(thr.swap > 1.0)) throw Error("MaxVol: select and swap thresholds must be > 1");
    // C = B A^{-1} for all candidates, kept up to date through the swaps.
    RowMat C = MapC(rows.data(), m, n) * MapC(invA_T.data(), n, n).transpose();
    ArgMax best = find_max(C.data(), m * n);
    if (!(best.v > thr.select)) return 0;
    std::vector<double> d(n), v(n), colj(n), x(m);
    long swaps = 0;
    while (best.v > thr.swap && (swap_limit < 0 || swaps < swap_limit)) {
        const long i0 = best.at / n;
        const int j0 = static_cast<int>(best.at % n);
        const double c = C(i0, j0);
        double* b = rows.data() + i0 * n;
        double* a = A.data() + static_cast<size_t>(j0) * n;
        // Sherman-Morrison for A' = A + e_j0 (b - a)^T:  A'^{-1} = A^{-1} - A^{-1} e_j0 v / c,
        // v = (b - a)^T A^{-1}, c = 1 + v_j0 = C(i0, j0).
        for (int k = 0; k < n; ++k) d[k] = b[k] - a[k];
        const double inv_c = 1.0 / c;
        for (int k = 0; k < n; ++k) {
            const double* r = invA_T.data() + static_cast<size_t>(k) * n;
            double s = 0.0;
            for (int l = 0; l < n; ++l) s += r[l] * d[l];
            v[k] = inv_c * s;
        }
        for (int k = 0; k < n; ++k) colj[k] = invA_T[static_cast<size_t>(j0) * n + k];  // column j0 of A^{-1}
        // invA_T(j, i) = (A^{-1})(i, j) -= (A^{-1})(i, j0) v_j
        for (int j = 0; j < n; ++j) {
            double* r = invA_T.data() + static_cast<size_t>(j) * n;
            const double vj = v[j];
            for (int i = 0; i < n; ++i) r[i] -= colj[i] * vj;
        }
        // Candidates: C' = C - x (C(i0,:) - e_j0), x = C(:, j0)/c + e_i0/c (row i0 becomes the old a).
        for (long k = 0; k < m; ++k) x[k] = inv_c * C(k, j0);
        x[i0] += inv_c;
        for (int k = 0; k < n; ++k) v[k] = C(i0, k);
        v[j0] -= 1.0;
        // Update and search for the next largest |C| in one pass over C (it is the bulk of the work).
        ArgMax next;
#pragma omp parallel if (m * n > 200000)
        {
            ArgMax mine;
#pragma omp for schedule(static) nowait
            for (long k = 0; k < m; ++k) {
                const double xk = x[k];
                double* r = C.data() + k * n;
                if (xk != 0.0)
                    for (int l = 0; l < n; ++l) r[l] -= xk * v[l];
                for (int l = 0; l < n; ++l) {
                    const double q = std::fabs(r[l]);
                    if (q > mine.v) {
                        mine.v = q;
                        mine.at = k * n + l;
                    }
                }
            }
#pragma omp critical
            if (mine.at >= 0 && (mine.v > next.v || (mine.v == next.v && mine.at < next.at))) next = mine;
        }
        std::swap_ranges(a, a + n, b);
        std::swap(owner[j0], row_owner[i0]);
        ++swaps;
        best = next;
    }
    return swaps;
}

double MaxVol::inverse_residual() const {
    RowMat P = MapC(invA_T.data(), n, n) * MapC(A.data(), n, n).transpose();
    P -= RowMat::Identity(n, n);
    return P.cwiseAbs().maxCoeff();
}

}  // namespace mdrun
