// The linearised MTP on the CPU (OpenMP over atoms): per-site gradients of the site energy with respect to
// all coefficients (potentials/mtp_grade_math.hpp), and the rows MLIP's MaxVol selection builds from a
// configuration (MaxvolSelection::PrepareMatrix semantics, "vibrations" weighting).
#pragma once
#include <vector>

#include "engine/neighbor_list.hpp"
#include "engine/system.hpp"
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
