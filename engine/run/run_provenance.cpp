#include "engine/run/run_provenance.hpp"

#include <cstdio>

#include "engine/core/sha256.hpp"
#include "engine/core/toml_util.hpp"
#include "potentials/registry.hpp"

namespace mdrun {

namespace {
std::string js(const std::string& s) {
    std::string o = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') o += '\\';
        if (static_cast<unsigned char>(c) < 0x20) { o += ' '; continue; }
        o += c;
    }
    return o + "\"";
}
std::string jn(double v) {
    char b[40];
    std::snprintf(b, sizeof b, "%.17g", v);
    return b;
}
}  // namespace

std::vector<std::pair<std::string, std::string>> run_provenance(const RunConfig& cfg, const ReplicaConfig& rc) {
    std::vector<std::pair<std::string, std::string>> p;
    p.emplace_back("config_file", js(cfg.config_file));
    p.emplace_back("structure_file", js(cfg.structure.file));
    // Potential: kind and, for file-based potentials, the file (as resolved) and its SHA-256.
    std::string pot = "{";
    const toml::value& t = cfg.potential;
    if (t.is_table()) {
        if (t.contains("kind") && t.at("kind").is_string()) pot += "\"kind\": " + js(t.at("kind").as_string());
        if (t.contains("file") && t.at("file").is_string()) {
            const std::string path = potential_file(cfg);
            std::string hash;
            try {
                hash = js(sha256_file_hex(path));
            } catch (const std::exception&) {
                hash = "null";
            }
            pot += std::string(pot.size() > 1 ? ", " : "") + "\"file\": " + js(path) + ", \"sha256\": " + hash;
        }
        // The MTP's CPU arithmetic as used (after the CPU check), so results can be traced to fma or exact.
        if (t.contains("kind") && t.at("kind").is_string() && t.at("kind").as_string() == "mtp") {
            try {
                const MtpArithmetic used = resolve_mtp_arithmetic(mtp_arithmetic_of(t, cfg.config_file));
                pot += std::string(pot.size() > 1 ? ", " : "") + "\"arithmetic\": " + js(mtp_arithmetic_name(used));
            } catch (const std::exception&) {
                // an invalid key was reported when the potential was built
            }
        }
    }
    pot += "}";
    p.emplace_back("potential", pot);
    const MdConfig& md = rc.md;
    std::string th;
    if (md.ensemble == "nvt")
        th = "{\"ensemble\": \"nvt\", \"kind\": \"Nose-Hoover chain (LAMMPS fix nvt)\", \"temperature_K\": " +
             jn(md.temperature_K) + ", \"tdamp_fs\": " + jn(md.tdamp_fs) + ", \"chain\": " + std::to_string(md.chain) +
             ", \"tloop\": " + std::to_string(md.tloop) + "}";
    else
        th = "{\"ensemble\": " + js(md.ensemble) + ", \"kind\": \"none\"}";
    p.emplace_back("thermostat", th);
    p.emplace_back("timestep_fs", jn(md.timestep_fs));
    p.emplace_back("steps", std::to_string(md.steps));
    p.emplace_back("velocities", js(md.velocities));
    p.emplace_back("seed", std::to_string(md.seed));
    std::string fr = "[";
    for (std::size_t k = 0; k < md.freeze.size(); ++k) fr += (k ? ", " : "") + js(md.freeze[k]);
    p.emplace_back("freeze", fr + "]");
    return p;
}

}  // namespace mdrun
