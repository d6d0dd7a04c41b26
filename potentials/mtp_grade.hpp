// The linearised MTP on the CPU (OpenMP over atoms): per-site gradients of the site energy with respect to
// all coefficients (potentials/mtp_grade_math.hpp), and the rows MLIP's MaxVol selection builds from a
// configuration (MaxvolSelection::PrepareMatrix semantics, "vibrations" weighting).
#pragma once
#include <vector>

#include "engine/md/neighbor_list.hpp"
#include "engine/core/system.hpp"
#include "potentials/maxvol.hpp"
#include "potentials/mtp_potential.hpp"

namespace mdrun {

// Number of coefficients (MLIP's CoeffCount()).
int mtp_coeff_count(const MtpPotential& pot);

// rows = N x n_coeff row-major, row i = dV_i/dtheta. site_energy (optional) gets V_i.
// The list must hold every pair with r < max_dist (a larger cutoff is fine). Deterministic.
void mtp_site_gradients(const MtpPotential& pot, const System& sys, const NeighborList& nl, std::vector<double>& rows,
                        std::vector<double>* site_energy = nullptr);

// Which equations enter the selection (MLIP's MV_*_cmpnts_weight). Only site-energy ("nbh") and energy
// equations are implemented; force/stress weights must be 0.
struct GradeWeights {
    double site = 0.0;    // != 0: one row per atom, dV_i/dtheta (MLIP does not multiply it by the weight)
    double energy = 1.0;  // != 0: one row, energy * dE/dtheta / N
    double force = 0.0;
    double stress = 0.0;
};

// Throws mdrun::Error when the weights ask for something not implemented (force/stress) or nothing at all.
void check_grade_weights(const GradeWeights& w, const char* where);

// Appends the rows of one configuration (site rows first, then the energy row) to `rows` (n_coeff per
// row) and returns how many were appended (0 for an empty configuration).
int append_grade_rows(const MtpPotential& pot, const System& sys, const GradeWeights& w, std::vector<double>& rows);

}  // namespace mdrun

namespace mdrun {

// Per-site grades against an active set, fast: the row of a site of species a is zero outside the radial
// block of a, e_a and the moment coefficients, so only those columns of (A^{-1})^T are used (kept compacted
// per species), sixteen sites per pass (x86-64-v3 clone where available). Same numbers as MaxVol::row_grades
// up to round-off.
class SiteGrader {
public:
    SiteGrader(const MtpPotential& pot, const MaxVol& mv);
    // rows = N x n_coeff (mtp_site_gradients); out[i] = max_j |c_ij|.
    void grades(const System& sys, const std::vector<double>& rows, std::vector<double>& out) const;

    int coeff_count() const { return n_; }
    // For device copies (kernels/grade_bodies.hpp): the columns a site of MTP species a can be non-zero
    // in, and (A^{-1})^T restricted to them (L x n row-major, L = columns(a).size()).
    const std::vector<int>& columns(int a) const { return cols_[static_cast<size_t>(a)]; }
    const std::vector<double>& compacted_inverse(int a) const { return K_[static_cast<size_t>(a)]; }
    int species() const { return static_cast<int>(cols_.size()); }

private:
    int n_ = 0;
    std::vector<int> map_;                 // system species -> MTP species
    std::vector<std::vector<int>> cols_;   // per MTP species: the columns a site row can be non-zero in
    std::vector<std::vector<double>> K_;   // per MTP species: (A^{-1})^T restricted to those columns, L x n
};

// The grades of one configuration during MD (engine/run/extrapolation.hpp): per site (site-energy weight) and
// per configuration (energy weight); `max` is the larger of the two.
struct ConfigGrades {
    std::vector<double> site;  // per atom (empty without the site-energy weight)
    double energy = -1.0;      // the energy row's grade (< 0 without the energy weight)
    double max = 0.0;
};

// An active set ready to grade configurations of one potential with the weights it was selected with.
// The same numbers whichever way the rows are obtained: a fresh pass (grade), the rows the force pass
// captured (grade_rows, MtpPotential::compute with rows), or the CUDA kernels (kernels/grade_bodies.hpp),
// which use the same summation order as SiteGrader and maxvol_row_grade.
class GradeSet {
public:
    GradeSet(const MtpPotential& pot, MaxVol maxvol, GradeWeights weights);
    const MtpPotential& potential() const { return *pot_; }
    const MaxVol& maxvol() const { return mv_; }
    const GradeWeights& weights() const { return w_; }
    const SiteGrader& site_grader() const { return grader_; }
    int coeff_count() const { return mv_.n; }

    // From the site rows (N x coeff_count(), row i = dV_i/dtheta) of `sys`.
    void grade_rows(const System& sys, const std::vector<double>& rows, ConfigGrades& out) const;
    // Builds its own neighbour list and rows.
    void grade(const System& sys, ConfigGrades& out) const;

private:
    const MtpPotential* pot_;
    MaxVol mv_;
    GradeWeights w_;
    SiteGrader grader_;
};

}  // namespace mdrun
