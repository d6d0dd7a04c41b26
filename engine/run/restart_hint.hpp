// What mdrun tells the user about continuing a run: the command printed after SIGTERM/SIGINT (it finishes
// the run as it was asked for, wherever it is typed), and the message for a restart that has nothing to do.
#pragma once
#include <string>

#include "engine/run/checkpoint.hpp"
#include "engine/core/config.hpp"

namespace mdrun {

// `<this mdrun> run <config> --restart <checkpoint> --steps <target>`, with absolute paths, each quoted for
// a POSIX shell when needed.
std::string restart_command(const RunConfig& cfg, const std::string& checkpoint, long target_step);

// Quotes `s` for sh/bash when it contains anything but [A-Za-z0-9_./:=,+-@%].
std::string shell_quote(const std::string& s);

// The message for `--restart` from a checkpoint at or beyond the final step asked for (nothing is run or
// written); mentions how to extend the run.
std::string already_complete_message(const std::string& checkpoint, const CheckpointData& ckpt, long target_step);

// A note when a restart without --steps goes to a different final step than the interrupted run was asked
// for (it had --steps): says which one applies and how to get the other. "" when they agree.
std::string target_note(const RunConfig& cfg, const std::string& checkpoint, const CheckpointData& ckpt,
                        long target_step, bool steps_given);

}  // namespace mdrun
