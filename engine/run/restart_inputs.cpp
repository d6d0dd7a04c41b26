#include "engine/run/restart_inputs.hpp"

#include <map>
#include <sstream>

#include <toml.hpp>

#include "engine/core/error.hpp"
#include "engine/core/sha256.hpp"

namespace mdrun {

namespace {

// Flattens a TOML document into "table.key" / "array[i].key" -> one-line value text.
void flatten(const toml::value& v, const std::string& prefix, std::map<std::string, std::string>& out) {
    if (v.is_table()) {
        for (const auto& [k, x] : v.as_table()) flatten(x, prefix.empty() ? k : prefix + "." + k, out);
        return;
    }
    if (v.is_array() && !v.as_array().empty() && v.as_array().front().is_table()) {
        const auto& a = v.as_array();
        for (std::size_t i = 0; i < a.size(); ++i) flatten(a[i], prefix + "[" + std::to_string(i + 1) + "]", out);
        return;
    }
    std::string s = toml::format(v, 0);
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    out[prefix] = s;
}

std::map<std::string, std::string> flat(const std::string& text) {
    std::map<std::string, std::string> out;
    try {
        std::istringstream is(text);
        flatten(toml::parse(is, "physics"), "", out);
    } catch (const std::exception&) {
        out["(configuration)"] = "(unreadable)";  // a damaged record still compares unequal, with a message
    }
    return out;
}

std::string short_digest(const std::string& d) { return d.size() > 16 ? d.substr(0, 16) + "..." : d; }

}  // namespace

std::vector<InputDigest> input_digests(const RunConfig& cfg) {
    std::vector<InputDigest> out;
    if (!cfg.structure.file.empty())
        out.push_back({"structure", cfg.structure.file, sha256_file_hex(cfg.structure.file)});
    const toml::value& t = cfg.potential;
    if (t.is_table() && t.contains("file") && t.at("file").is_string()) {
        const std::string path = potential_file(cfg);
        out.push_back({"potential", path, sha256_file_hex(path)});
    }
    return out;
}

std::vector<std::string> physics_differences(const std::string& old_text, const std::string& new_text) {
    std::vector<std::string> out;
    if (old_text == new_text) return out;
    const auto a = flat(old_text), b = flat(new_text);
    for (const auto& [k, v] : a) {
        const auto it = b.find(k);
        if (it == b.end()) out.push_back(k + ": " + v + " -> (not set)");
        else if (it->second != v) out.push_back(k + ": " + v + " -> " + it->second);
    }
    for (const auto& [k, v] : b)
        if (!a.count(k)) out.push_back(k + ": (not set) -> " + v);
    if (out.empty()) out.push_back("(the canonical text differs in formatting only)");
    return out;
}

void check_restart_inputs(const std::string& checkpoint, const std::vector<InputDigest>& saved_inputs,
                          const std::string& saved_physics, const std::vector<InputDigest>& now_inputs,
                          const std::string& now_physics) {
    std::vector<std::string> why;
    for (const InputDigest& s : saved_inputs) {
        const InputDigest* n = nullptr;
        for (const InputDigest& x : now_inputs)
            if (x.role == s.role) n = &x;
        if (!n) {
            why.push_back("the " + s.role + " file " + s.path + " is no longer an input");
        } else if (n->path != s.path) {
            why.push_back("the " + s.role + " file was " + s.path + " (SHA-256 " + short_digest(s.sha256) + "), now " +
                          n->path + " (SHA-256 " + short_digest(n->sha256) + ")");
        } else if (n->sha256 != s.sha256) {
            why.push_back("the " + s.role + " file " + s.path + " changed since the checkpoint was written (SHA-256 " +
                          s.sha256 + " then, " + n->sha256 + " now)");
        }
    }
    for (const InputDigest& x : now_inputs) {
        bool had = false;
        for (const InputDigest& s : saved_inputs) had = had || s.role == x.role;
        if (!had) why.push_back("the " + x.role + " file " + x.path + " was not an input of the checkpointed run");
    }
    const std::vector<std::string> keys = physics_differences(saved_physics, now_physics);
    const std::size_t shown = keys.size() < 8 ? keys.size() : 8;
    for (std::size_t k = 0; k < shown; ++k) why.push_back("configuration " + keys[k]);
    if (keys.size() > shown) why.push_back("and " + std::to_string(keys.size() - shown) + " more configuration keys");
    if (why.empty()) return;
    std::string msg = checkpoint + ": the checkpoint was written with a different configuration or input files, and a "
                                   "restart must continue the same physics:";
    for (const auto& w : why) msg += "\n  " + w;
    msg += "\nrestart with the original files and config (only [md].steps, [output], [analysis] and [extrapolation] "
           "may change), or start a new run";
    throw Error(msg);
}

}  // namespace mdrun
