// Staged protocols in the run loop (docs/npt.md): which stage a step belongs to, switching every replica to
// the next stage (optionally into the mean cell of the last X ps), and the run.log lines for it. The run
// loop calls these at stage boundaries; everything else of a run is unchanged.
#pragma once
#include <memory>
#include <vector>

#include "engine/md/backend.hpp"
#include "engine/core/config.hpp"
#include "engine/md/replica.hpp"
#include "engine/run/run_log.hpp"

namespace mdrun {

// Sets replica r's [md] and integrator parameters to those of stage k (no-op without stages).
void apply_stage(const RunConfig& cfg, int k, Replica& rep);
// For a stage k+1 with cell = "mean": tells the backend from which step to average the cell during stage k.
void set_cell_window(const RunConfig& cfg, int k, Backend& backend, std::size_t nreps);
// Switches every replica from stage k-1 to stage k at the current step and logs it.
void begin_stage(const RunConfig& cfg, int k, Backend& backend, std::vector<std::unique_ptr<Replica>>& reps, RunLog& log);
// run.log lines describing the protocol.
void log_stage_plan(const RunConfig& cfg, RunLog& log);
// Whether analyses sample at `step` (a sample at a stage boundary belongs to the stage that starts there).
bool stage_analysed(const RunConfig& cfg, long step);
// True when some replica runs NPT in some stage (thermo.csv then has the cell columns throughout).
bool any_npt(const RunConfig& cfg);

}  // namespace mdrun
