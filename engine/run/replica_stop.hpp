// Per-replica stops of a multi-replica run (issue 17). A replica that fails a safety check (non-finite
// energy, a too-large displacement, close pairs), whose polyanion falls apart in the analysis, or whose
// framework melted ([analysis].stop_on_melting) stops ALONE: its post-mortem snapshot and the reason go into
// its directory (postmortem_step<N>.extxyz, summary.json "run.stop", stopped.json) and into run.log, the
// backend retires it (no more steps, no more output), and the other replicas finish. The top-level
// replicas.json says which replicas finished and which did not, and the exit status is kExitReplicasStopped.
// A run of a single replica keeps the old behaviour: the stop is an error (exit status 1).
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "engine/md/backend.hpp"
#include "engine/core/config.hpp"
#include "engine/md/replica.hpp"
#include "engine/run/run_log.hpp"

namespace mdrun {

// Exit status of a run that completed, but with at least one replica stopped early.
constexpr int kExitReplicasStopped = 4;

// <replica directory>/stopped.json: the stop's step and reason (read back by a restart).
std::string stop_marker_path(const Replica& rep);

// Stops replica stop.replica: post-mortem snapshot of its current state, run.log section, its analysis
// results (up to the stop, with the reason), stopped.json, replicas.json, then backend.retire(). When no
// replica is left running (or the run has one replica) it throws mdrun::Error with the reason instead,
// after writing the same files; the last checkpoint is left untouched.
void stop_replica(const SafetyStop& stop, const RunConfig& cfg, Backend& backend,
                  std::vector<std::unique_ptr<Replica>>& reps, RunLog& log);

// stop_replica for `first` and then for every stop the backend still holds (backend.pending_stop()).
void stop_replicas(SafetyStop first, const RunConfig& cfg, Backend& backend, std::vector<std::unique_ptr<Replica>>& reps,
                   RunLog& log);

// Fresh start: removes stale stopped.json files. Restart: marks (and retires) the replicas whose
// stopped.json names a step at or before the checkpoint's step; returns how many.
void clear_stop_markers(const std::vector<std::unique_ptr<Replica>>& reps);
int restore_stopped_replicas(long checkpoint_step, Backend* backend, std::vector<std::unique_ptr<Replica>>& reps,
                             RunLog* log);

// [analysis].stop_on_melting: stops every running replica whose classification (at the current t_run)
// says framework_melting. Called where the accumulators are current (at checkpoints).
void stop_melted_replicas(const RunConfig& cfg, Backend& backend, std::vector<std::unique_ptr<Replica>>& reps,
                          RunLog& log, long step);

// <output.directory>/replicas.json: per replica its name, directory (relative to the output directory), "finished" | "stopped" | "running",
// the last step reached and the stop's step and reason.
void write_replicas_json(const RunConfig& cfg, const std::vector<std::unique_ptr<Replica>>& reps, long step, long total);

// Number of replicas still running.
int running_replicas(const std::vector<std::unique_ptr<Replica>>& reps);

}  // namespace mdrun
