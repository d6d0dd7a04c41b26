// MaxVol active set (Goreinov, Tyrtyshnikov & Zamarashkin; Podryabinkin & Shapeev 2017) as MLIP-2 keeps
// it: an n x n matrix A whose rows are n selected "equation" rows (coefficient gradients) and its inverse.
// The grade of a row b is max_j |c_j| with b = c A: how far b lies outside the parallelotope spanned by
// the active set (> 1: extrapolation). Selection is greedy row swapping: while some candidate row has
// |c_j| > swap threshold, swap it into A at position j (which multiplies |det A| by |c_j|), updating the
// inverse and all candidates' coefficients with rank-one (Sherman-Morrison) updates.
//
// Conventions kept identical to MLIP's state files: A row-major, the inverse stored as invA_T =
// (A^{-1})^T row-major, initial A = init * I. Ties in the largest |c| go to the first in row-major
// order (row, then column), as MLIP's search does.
#pragma once
#include <vector>

namespace mdrun {

struct MaxVolThresholds {
    double init = 1e-5;        // diagonal of the initial A (MLIP --init-threshold)
    double select = 1.1;       // a candidate set is selected from only if its grade exceeds this
    double swap = 1.0000001;   // swaps continue while the largest |c| exceeds this
};

struct MaxVol {
    int n = 0;
    std::vector<double> A;       // n x n
    std::vector<double> invA_T;  // n x n, (A^{-1})^T
    std::vector<long> owner;     // per row of A: the candidate's owner id (-1: an initial row)

    MaxVol() = default;
    MaxVol(int n_, double init);

    // Largest |c| over the m rows (n columns each). row/col (optional) get its position.
    double grade(const double* rows, long m, long* row = nullptr, int* col = nullptr) const;
    // Per-row grades: out[k] = max_j |c_kj| (length m).
    void row_grades(const double* rows, long m, double* out) const;
    // c = b A^{-1} for one row (length n).
    void coefficients(const double* b, double* c) const;

    // MLIP's multiple selection (MaxvolSelection::Select): if the candidates' grade exceeds
    // thr.select, swap rows in until no |c| exceeds thr.swap (at most swap_limit swaps).
    // Candidates that end up in A leave their owner id in `owner`; swapped-out rows go back to the
    // candidate arrays. Returns the number of swaps.
    long select(std::vector<double>& rows, std::vector<long>& row_owner, const MaxVolThresholds& thr,
                long swap_limit = -1);

    // Largest |(A^{-1})^T A^T - I| entry: how consistent the stored inverse is.
    double inverse_residual() const;
};

}  // namespace mdrun
