// What a result was made with, for summary.json: potential (kind, file, SHA-256), thermostat and its
// parameters, velocity seed, structure file. Values are JSON text (numbers, strings, objects).
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "engine/core/config.hpp"

namespace mdrun {

std::vector<std::pair<std::string, std::string>> run_provenance(const RunConfig& cfg, const ReplicaConfig& rc);

}  // namespace mdrun
