// MaxVol active learning for an MTP, with the semantics of MLIP-2's MaxvolSelection: the rows of a
// configuration (potentials/mtp_grade.hpp), selection of an active set from a training set, and the
// grade of a configuration against it (docs/grades.md).
#pragma once
#include <string>
#include <vector>

#include "engine/io/cfg_io.hpp"
#include "potentials/maxvol.hpp"
#include "potentials/mtp_grade.hpp"
#include "potentials/mtp_potential.hpp"

namespace mdrun {

// MLIP writes grades above this as 9.9e99.
constexpr double kMaxGradePrinted = 1e10;

// The value of the `MV_grade` feature as MLIP prints it ("%f", or 9.9e99 above 1e10).
std::string format_grade(double grade);
// Sets (or replaces) `Feature MV_grade` of c; features stay sorted by name as MLIP writes them.
void set_grade_feature(CfgConfig& c, double grade);

// Selects the active set from configurations (MLIP: AddForSelection of each, then one Select()).
// Owner ids in the result are indices into `configs`. `file` names configs in error messages.
MaxVol select_active_set(const MtpPotential& pot, const std::vector<CfgConfig>& configs, const GradeWeights& w,
                         const MaxVolThresholds& thr, const std::string& file);

// Adds candidates to an existing active set (MLIP select-add): candidate k gets owner id
// first_owner + k. Returns the number of swaps.
long add_to_active_set(const MtpPotential& pot, MaxVol& mv, const std::vector<CfgConfig>& candidates, long first_owner,
                       const GradeWeights& w, const MaxVolThresholds& thr, const std::string& file);

// Grade of one configuration (max over its rows; 0 for an empty one). worst_row (optional): the row
// with the largest |c| (the atom index for site rows; N for the energy row).
double configuration_grade(const MtpPotential& pot, const MaxVol& mv, const GradeWeights& w, const CfgConfig& c,
                           const std::string& file, int index, long* worst_row = nullptr);

}  // namespace mdrun
