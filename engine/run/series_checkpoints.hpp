// The checkpoints of one config's replicas when they ran in pieces: a one-process run
// (<output.directory>/checkpoint.mdrun), `--replicas` parts and MPI ranks (<output.directory>/replicas_*/
// checkpoint.mdrun). `mpirun -n N mdrun config.toml --restart <output.directory>` regroups them: every
// replica continues from the newest checkpoint that holds it, whichever piece wrote it, so a restart may use
// another number of ranks than the run before it (engine/mpi/mpi_run.cpp).
#pragma once
#include <map>
#include <string>
#include <vector>

#include "engine/core/config.hpp"
#include "engine/run/checkpoint.hpp"

namespace mdrun {

struct SeriesReplicaState {
    std::string file;  // the checkpoint it came from
    long step = 0;
    CheckpointReplica data;
};

struct SeriesCheckpoints {
    std::string directory;
    std::vector<std::string> files;            // every checkpoint read, in the order read
    std::map<int, SeriesReplicaState> newest;  // 1-based [[replica]] index -> its newest state
    CheckpointData header;                     // version, config path and text of the newest file read
};

// <dir> as given to --restart: a run's output directory, or a checkpoint file in it (its own or a piece's).
std::string series_directory(const std::string& restart_arg);

// Reads <dir>/checkpoint.mdrun and <dir>/replicas_*/checkpoint.mdrun and keeps, for each of the replicas
// `wanted` (1-based indices into cfg.replicas), the state at the highest step. Each file's fingerprint is
// checked against cfg restricted to the replicas it holds (the physics must not have changed). A wanted
// replica that no checkpoint holds (its rank failed before its first checkpoint) has no entry: it starts
// again from step 0. Throws mdrun::Error naming the file.
SeriesCheckpoints read_series_checkpoints(const std::string& dir, const RunConfig& cfg, const std::vector<int>& wanted);

// `indices` split by the step of their newest state (-1 for those without one: a fresh start), each group
// in increasing index order, the groups in increasing step order: the replicas of one group can continue
// together in one batched run.
std::vector<std::vector<int>> group_by_step(const SeriesCheckpoints& sc, const std::vector<int>& indices);

// The checkpoint one process would have written for the replicas `indices` (all at one step): the input
// of a restart of that subset (RunOptions::restart_data).
CheckpointData merged_checkpoint(const SeriesCheckpoints& sc, const RunConfig& cfg, const std::vector<int>& indices);

}  // namespace mdrun
