// `mdrun config.toml`: builds the replicas from the configuration (with the safety checks that must
// pass before step 0), drives the backend, and writes every output (thermo.csv, trajectory, analysis,
// checkpoints, final structures, run.log, progress on stderr).
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engine/core/config.hpp"
#include "engine/md/replica.hpp"
#include "engine/run/build_replicas.hpp"
#include "engine/run/checkpoint.hpp"  // build_replicas (used by embedders next to run_md)

namespace mdrun {

struct RunOptions {
    std::string config_path;
    std::string restart_file;   // "" = fresh start
    std::string device = "auto";  // cpu | cuda | auto
    long steps_override = -1;   // --steps N: final step of the run (replaces [md].steps)
    bool quiet = false;         // no progress lines
    bool fixed_threads = false;  // --fixed-threads: no thread governor (engine/run/thread_governor.hpp)
    std::vector<int> replicas;  // --replicas 3,4: only these [[replica]] tables (1-based; empty = all)
    // MPI ranks (engine/mpi/mpi_run.cpp): restart_data = a checkpoint already read (and regrouped from the
    // pieces of an earlier run); restart_file then only names it in messages. in_series: see
    // RunConfig::in_series.
    const CheckpointData* restart_data = nullptr;
    bool in_series = false;
    // Embedding (the Python module): config_text non-empty = parse it instead of reading config_path
    // (which then only names the config in messages and anchors relative paths); on_progress(step, total)
    // is called after every chunk of steps.
    std::string config_text;
    std::function<void(long, long)> on_progress;
};

// The whole run. Returns the process exit status (0); errors are thrown as mdrun::Error.
int run_md(const RunOptions& opt);

// `mdrun config.toml` goes through this entry point: run_md, unless a launcher (mpirun) started this
// process and the MPI runner registered itself (engine/mpi/mpi_run.hpp).
using RunEntry = int (*)(const RunOptions&);
void set_run_entry(RunEntry entry);
int run_md_entry(const RunOptions& opt);

}  // namespace mdrun
