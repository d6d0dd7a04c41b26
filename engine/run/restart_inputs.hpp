// What a restart must find unchanged, beyond the checkpoint's own state: the content (SHA-256) of the input
// files the run read (structure, potential) and the physics-relevant configuration as canonical text
// (config_physics_text: everything except steps, [output], [analysis], [extrapolation], [gpu]). A path
// alone is not enough: a pot.mtp edited in place once made a restart continue with another potential
// (energy -178 -> -163 eV) without a word.
#pragma once
#include <string>
#include <vector>

#include "engine/core/config.hpp"

namespace mdrun {

struct InputDigest {
    std::string role;    // "structure" | "potential"
    std::string path;    // as resolved (absolute when the config gave a relative path)
    std::string sha256;  // lowercase hex
};

// The input files of `cfg` with their digests. Throws mdrun::Error naming a file that cannot be read.
std::vector<InputDigest> input_digests(const RunConfig& cfg);

// Compares the checkpoint's record (`saved_inputs`, `saved_physics`) with the current inputs and config and
// throws mdrun::Error naming `checkpoint`, each file that changed (path, old and new digest) and each
// physics key that changed (old -> new value).
void check_restart_inputs(const std::string& checkpoint, const std::vector<InputDigest>& saved_inputs,
                          const std::string& saved_physics, const std::vector<InputDigest>& now_inputs,
                          const std::string& now_physics);

// "key: old -> new" lines for the keys that differ between two canonical physics texts (empty when equal).
std::vector<std::string> physics_differences(const std::string& old_text, const std::string& new_text);

}  // namespace mdrun
