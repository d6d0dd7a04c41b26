// `mdrun config.toml --replicas 3,4` (issue 15): run only some [[replica]] tables, e.g. one per Slurm array
// task (--replicas $SLURM_ARRAY_TASK_ID). The replicas keep their names, seeds and directories, so their
// outputs are byte-identical to those of the full run; the run's own files (run.log, checkpoint.mdrun,
// replicas.json, cross-replica summaries of the subset) go to <output.directory>/replicas_3_4/ so that
// concurrent subsets never share a file. `mdrun collect <output.directory>` combines them afterwards.
#pragma once
#include <string>
#include <vector>

#include "engine/core/config.hpp"

namespace mdrun {

// "3,4", "1-3,7" -> 1-based indices in increasing order; throws mdrun::Error naming --replicas for
// anything else (empty, zero, a reversed range, a duplicate).
std::vector<int> parse_replica_list(const std::string& text);

// Keeps only the listed replicas (1-based indices into the config's [[replica]] list) and points
// cfg.output.directory at the subset's own folder. Throws for an index beyond the list.
void select_replicas(RunConfig& cfg, const std::vector<int>& one_based);

}  // namespace mdrun
