// What spans replicas, written into the top-level output directory after the replicas finished (by the run
// loop, and by `mdrun collect` from finished runs): arrhenius.json (the D(T) fit over the mobile, finished,
// non-melted replicas) and controls.json (mobile vs frozen-framework vs frozen-ion; analysis/controls_summary.hpp).
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "engine/md/replica.hpp"

namespace mdrun {

// Writes arrhenius.json when at least one mobile replica with analysis finished, and controls.json when the
// replicas include a frozen-framework or frozen-ion control. Returns the files written.
std::vector<std::string> write_cross_replica_outputs(const std::string& directory,
                                                     const std::vector<const Replica*>& replicas);

}  // namespace mdrun
