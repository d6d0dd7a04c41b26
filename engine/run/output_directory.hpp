// The output directory of a run, before anything is written into it: the checks every output needs
// (so that a run does not fail after its last step), the directory lock, and the clean-up of temporary
// files a killed run left behind.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "engine/core/config.hpp"
#include "engine/core/dir_lock.hpp"
#include "engine/md/replica.hpp"

namespace mdrun {

// Throws mdrun::Error naming the [output] key when an output of this run could not be written with these
// replicas (final.POSCAR needs a periodic cell in every direction).
void check_output_needs(const RunConfig& cfg, const std::vector<std::unique_ptr<Replica>>& reps);

// Creates [output].directory and the replica directories, locks the output directory (a second run into
// it fails here, naming the holder) and removes orphaned "*.tmp.<pid>" files in them. `removed` lists the
// files removed (for run.log).
std::unique_ptr<DirectoryLock> claim_output_directories(const RunConfig& cfg,
                                                        const std::vector<std::unique_ptr<Replica>>& reps,
                                                        std::vector<std::string>& removed);

// A restart whose checkpoint is at the final step: true when a replica that did not stop (no stopped.json)
// lacks final.POSCAR or final.extxyz, i.e. the run was killed between its last checkpoint and its final
// outputs. The restart then writes them (from the checkpoint's state) instead of saying "already complete".
bool final_outputs_missing(const RunConfig& cfg);

}  // namespace mdrun
