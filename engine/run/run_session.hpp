// One `mdrun config.toml` run as named stages (engine/run/run_loop.cpp composes them):
//   load_run_config -> open_session -> start_dynamics -> open_outputs -> run_steps -> finish_*.
// RunSession is the state they share: the configuration, the replicas, the backend, run.log, the
// per-replica writers and the timings. Internal to engine/run; the public entry point is run_md.
#pragma once
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "engine/core/config.hpp"
#include "engine/core/dir_lock.hpp"
#include "engine/md/backend.hpp"
#include "engine/md/replica.hpp"
#include "engine/run/checkpoint.hpp"
#include "engine/run/extrapolation.hpp"
#include "engine/run/run_log.hpp"
#include "engine/run/run_loop.hpp"
#include "engine/run/thermo_output.hpp"
#include "engine/io/trajectory.hpp"

namespace mdrun {

using RunClock = std::chrono::steady_clock;

inline double seconds_since(RunClock::time_point t0) {
    return std::chrono::duration<double>(RunClock::now() - t0).count();
}

// Where the wall time of this process went (run.log "timings").
struct RunTimings {
    double setup = 0, md = 0, grades = 0, thermo = 0, trajectory = 0, analysis = 0, checkpoint = 0, final_out = 0;
};

// The writers of one replica's per-step outputs.
struct ReplicaOutputs {
    std::unique_ptr<ThermoWriter> thermo;
    std::unique_ptr<TrajectoryWriter> traj;
    std::unique_ptr<ExtrapolationMonitor> grades;  // [extrapolation]
};

struct RunSession {
    explicit RunSession(const RunOptions& o) : opt(o), t_start(RunClock::now()) {}
    const RunOptions& opt;
    RunClock::time_point t_start;
    RunConfig cfg;
    long total = 0;         // final step of this run
    bool restart = false;
    CheckpointData ckpt;    // (restart) the checkpoint read before any set-up work
    std::vector<InputDigest> inputs;  // SHA-256 of the input files, taken before they are read (into checkpoints)
    std::string target;     // (restart) the note on the target step, "" if none
    // The output directory's lock; declared before every writer so that it is released after they close.
    std::unique_ptr<DirectoryLock> lock;
    std::vector<std::unique_ptr<Replica>> reps;
    std::unique_ptr<Backend> backend;
    std::unique_ptr<RunLog> log;
    std::vector<ReplicaOutputs> outs;
    RunTimings tm;
    long step = 0;          // the step the replicas have reached
    long start_step = 0;    // the step this process started from
    int stage = 0;          // staged protocols: the stage that runs next
    long grade_every = 0;   // [extrapolation].every (0 = no grading)
    long atoms = 0;         // atoms over all replicas
    int signal = 0;         // SIGINT/SIGTERM received (0 = none)
};

// Stage 1: reads the configuration, applies --replicas and --steps, checks the step counts agree and, on
// a restart, reads the checkpoint. Returns false when a restart finds the run already complete (said on
// stderr; nothing is touched).
bool load_run_config(RunSession& s);
// Stage 2: builds the replicas, creates the output directories, opens run.log (header, resolved
// configuration, resolved.toml, stage plan, set-up lines) and chooses the backend.
void open_session(RunSession& s);
// Stage 3: restores the checkpoint's state, or computes the forces of step 0 (safety checks included).
void start_dynamics(RunSession& s);
// Stage 4: opens thermo.csv, the trajectory and the extrapolation monitor of every replica (appending
// after the checkpoint's step on a restart) and writes the outputs of step 0 on a fresh start.
void open_outputs(RunSession& s);
// The outputs due after step `step` completed, in a fixed order so restarts reproduce the files.
// what: 1 = thermo and trajectory (and grades), 2 = analysis samples, 3 = both.
void write_outputs_at(RunSession& s, long step, int what);
// Flushes every output, writes the analysis results and the checkpoint of the current step.
void write_checkpoint_now(RunSession& s);
// Stage 5: advances the replicas to s.total in chunks, writing outputs and checkpoints as they fall due;
// returns early (s.signal set) on SIGINT/SIGTERM. A checkpoint is always written at the end.
void run_steps(RunSession& s);
// Stage 6a: after a signal: run.log summary and the command that continues the run. Returns 128 + signal.
int finish_interrupted(RunSession& s);
// Stage 6b: final structures, cross-replica outputs, run.log summary, stderr report. Returns the exit
// status (0, or kExitReplicasStopped when a replica stopped early).
int finish_run(RunSession& s);

}  // namespace mdrun
