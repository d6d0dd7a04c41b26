#include "engine/run/restart_hint.hpp"

#include <cctype>
#include <filesystem>
#include <system_error>

#include "engine/core/executable_path.hpp"

namespace mdrun {

namespace fs = std::filesystem;

namespace {

std::string absolute(const std::string& p) { return fs::absolute(p).lexically_normal().string(); }

// The executable that is running, so that the command works whatever PATH says.
std::string this_program() {
    const fs::path exe = executable_path();
    return exe.empty() ? std::string("mdrun") : exe.string();
}

}  // namespace

std::string shell_quote(const std::string& s) {
    bool plain = !s.empty();
    for (char c : s)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || std::string("_./:=,+-@%").find(c) != std::string::npos))
            plain = false;
    if (plain) return s;
    std::string out = "'";
    for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

std::string restart_command(const RunConfig& cfg, const std::string& checkpoint, long target_step) {
    return shell_quote(this_program()) + " run " + shell_quote(absolute(cfg.config_file)) + " --restart " +
           shell_quote(absolute(checkpoint)) + " --steps " + std::to_string(target_step);
}

std::string already_complete_message(const std::string& checkpoint, const CheckpointData& ckpt, long target_step) {
    std::string m = "the run is already complete: " + checkpoint + " is at step " + std::to_string(ckpt.step) +
                    (ckpt.step == target_step ? ", the final step asked for" :
                                                ", beyond the final step asked for (" + std::to_string(target_step) + ")") +
                    "; nothing was run or changed. To extend it, give a later final step: --steps N with N > " +
                    std::to_string(ckpt.step);
    return m;
}

std::string target_note(const RunConfig& cfg, const std::string& checkpoint, const CheckpointData& ckpt,
                        long target_step, bool steps_given) {
    if (steps_given || ckpt.target_step < 0 || ckpt.target_step == target_step) return "";
    return "note: the run that wrote " + checkpoint + " was asked to reach step " + std::to_string(ckpt.target_step) +
           "; this restart goes to step " + std::to_string(target_step) + " ([md].steps of " + cfg.config_file +
           "). To finish the run as first asked: --steps " + std::to_string(ckpt.target_step);
}

}  // namespace mdrun
