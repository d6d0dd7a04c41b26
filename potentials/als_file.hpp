// MLIP-2 active-learning state files (`state.als`, written by `mlp calc-grade`, `mlp train` with
// selection, LAMMPS `pair_style mlip` with select:save-selected). Layout, in order:
//   1. the potential's text (an .mtp file),
//   2. a newline and '^', then four raw little-endian doubles: the site-energy ("nbh"), energy, force and
//      stress weights of the selection,
//   3. a newline and '#', then the MaxVol matrices as raw doubles: A (n x n, row-major; its rows are the
//      active set) and invA_T = (A^{-1})^T (n x n); n = the potential's coefficient count,
//   4. n text lines "row cfg": the 0-based configuration that owns row `row` of A,
//   5. the distinct owning configurations as cfg text (an owner of never-replaced initial rows is an
//      empty configuration, Size 0).
// Every malformed file is a clear mdrun::Error naming the file, the byte offset or line and the section.
#pragma once
#include <string>
#include <vector>

#include "engine/io/cfg_io.hpp"
#include "potentials/maxvol.hpp"
#include "potentials/mtp_file.hpp"
#include "potentials/mtp_grade.hpp"

namespace mdrun {

struct AlsState {
    std::string potential_text;      // section 1, verbatim
    MtpModel model;                  // parsed from it
    GradeWeights weights;            // section 2
    MaxVol maxvol;                   // section 3 (owner = section 4)
    std::vector<CfgConfig> configs;  // section 5, in file order
};

// Reads and validates a state file. The coefficient count comes from the potential in it.
AlsState read_als(const std::string& path);

// Writes a state file MLIP can read (atomically: temporary file, then rename). `owner_configs[k]` is the
// configuration of owner id k (ids used in maxvol.owner; -1 = initial row, written as an empty cfg).
void write_als(const std::string& path, const std::string& potential_text, const GradeWeights& weights,
               const MaxVol& maxvol, const std::vector<CfgConfig>& owner_configs);

}  // namespace mdrun
