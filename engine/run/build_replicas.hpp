// The replicas of a run, built from its configuration (engine/run/build_replicas.cpp).
#pragma once
#include <memory>
#include <vector>

#include "engine/core/config.hpp"
#include "engine/md/replica.hpp"

namespace mdrun {

// Reads the structure once, applies replicate/remove, runs the pre-run checks (unknown elements,
// right-handed cell, atoms closer than [md].min_distance, freeze lists) and builds one Replica per
// [[replica]]: frozen flags and initial velocities set; with_potential: potential created via the
// registry (which checks the potential covers every element). Analysis sets are created when the config
// has [analysis]. Throws mdrun::Error with a message naming the file/key.
std::vector<std::unique_ptr<Replica>> build_replicas(const RunConfig& cfg, bool with_potential);

}  // namespace mdrun
