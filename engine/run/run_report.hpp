// Lines the run loop adds to run.log as the run goes (engine/run/run_log.hpp): the set-up facts a user checks
// first (element -> potential type, potential energy per atom at the start), checkpoints with the counters
// so far, and safety warnings when they first happen.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "engine/md/backend.hpp"
#include "engine/md/replica.hpp"
#include "engine/run/run_log.hpp"

namespace mdrun {

// "element -> MTP type: Na -> 0, Al -> 1, Cl -> 2" per replica (nothing for potentials without own types),
// then "potential energy at step S: E eV = e eV/atom" per replica. A wrong [potential].elements order
// gives a very different energy per atom (e.g. -0.885 instead of -4.09 eV/atom): this line shows it.
void log_start_state(RunLog& log, Backend& backend, const std::vector<std::unique_ptr<Replica>>& reps, long step);

// "checkpoint at step S (UTC time): PATH; neighbour-list rebuilds R; close pairs: ..." per replica.
void log_checkpoint(RunLog& log, Backend& backend, const std::vector<std::unique_ptr<Replica>>& reps, long step,
                    const std::string& path);

// A WARNING line the first time a replica's close-pair counter moves (then once per checkpoint summary).
// `reported` holds, per replica, whether that was already said.
void log_new_warnings(RunLog& log, const std::vector<std::unique_ptr<Replica>>& reps, long step,
                      std::vector<bool>& reported);

}  // namespace mdrun
