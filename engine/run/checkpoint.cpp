#include "engine/run/checkpoint.hpp"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "analysis/analysis_set.hpp"
#include "engine/core/atomic_file.hpp"
#include "engine/core/error.hpp"
#include "engine/core/stage_context.hpp"
#include "engine/core/version.hpp"

namespace mdrun {

namespace {

constexpr std::uint64_t kMaxReplicas = 100000;
constexpr std::uint64_t kMaxInputs = 16;
constexpr long kMaxStep = 1000000000000000L;  // 1e15 steps: far beyond any run, far below overflow

template <class F>
std::string blob(F&& f) {
    std::ostringstream os(std::ios::binary);
    BinaryWriter w(os);
    f(w);
    return os.str();
}

// Reads one section's payload with a reader bounded by its length; the whole payload must be used.
template <class F>
void read_section(const CheckpointSection& s, const std::string& where, F&& f) {
    std::istringstream is(s.payload, std::ios::binary);
    BinaryReader r(is, where, s.payload.size());
    f(r);
    if (r.left() != 0)
        throw Error(where + ": " + std::to_string(r.left()) + " bytes left over after its content (damaged or "
                    "written by another mdrun)");
}

bool is_hex_digest(const std::string& s) {
    if (s.size() != 64) return false;
    for (char c : s)
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    return true;
}

}  // namespace

std::string checkpoint_path(const RunConfig& cfg) {
    return (std::filesystem::path(cfg.output.directory) / "checkpoint.mdrun").string();
}

void write_checkpoint(const std::string& path, const RunConfig& cfg, Backend& backend,
                      const std::vector<std::unique_ptr<Replica>>& replicas, const std::vector<InputDigest>& inputs) {
    // Serialise everything first so that a failure leaves the old file in place.
    std::vector<CheckpointSection> sections;
    sections.push_back({"header", blob([&](BinaryWriter& w) {
                            w.str(MDRUN_VERSION_STRING);
                            w.pod<std::int64_t>(backend.step());
                            w.pod<std::int64_t>(cfg.replicas.empty() ? cfg.md.steps : cfg.replicas[0].md.steps);
                            w.pod<std::uint64_t>(replicas.size());
                        })});
    const std::string abs_config = std::filesystem::absolute(cfg.config_file).lexically_normal().string();
    sections.push_back({"config", blob([&](BinaryWriter& w) {
                            w.str(abs_config);
                            w.str(cfg.text);
                        })});
    sections.push_back({"inputs", blob([&](BinaryWriter& w) {
                            w.pod<std::uint64_t>(config_fingerprint(cfg));
                            w.str(config_physics_text(cfg));
                            w.pod<std::uint64_t>(inputs.size());
                            for (const InputDigest& d : inputs) {
                                w.str(d.role);
                                w.str(d.path);
                                w.str(d.sha256);
                            }
                        })});
    for (std::size_t r = 0; r < replicas.size(); ++r) {
        const std::string state = blob([&](BinaryWriter& w) { backend.save(static_cast<int>(r), w); });
        const std::string analysis =
            replicas[r]->analysis ? blob([&](BinaryWriter& w) { replicas[r]->analysis->save(w); }) : std::string();
        sections.push_back({"replica", blob([&](BinaryWriter& w) {
                                w.str(replicas[r]->name);
                                w.pod<std::uint64_t>(replicas[r]->sys.size());
                                w.str(state);
                                w.pod(replicas[r]->counters);
                                w.pod<std::uint8_t>(replicas[r]->analysis ? 1 : 0);
                                w.str(analysis);
                            })});
    }
    const std::string bytes = encode_checkpoint_sections(sections);
    write_file_atomically(path, [&](std::ostream& os) { os.write(bytes.data(), static_cast<std::streamsize>(bytes.size())); },
                          true);
}

CheckpointData parse_checkpoint(const std::string& bytes, const std::string& name) {
    const std::vector<CheckpointSection> sections = decode_checkpoint_sections(bytes, name);
    CheckpointData d;
    const std::vector<std::string> fixed = {"header", "config", "inputs"};
    for (std::size_t k = 0; k < fixed.size(); ++k)
        if (k >= sections.size() || sections[k].name != fixed[k])
            throw Error(name + ": checkpoint section '" + fixed[k] + "' expected as section #" + std::to_string(k + 1) +
                        ", found " + (k < sections.size() ? "'" + sections[k].name + "'" : std::string("none")));
    std::uint64_t n = 0;
    read_section(sections[0], name + ": checkpoint section 'header'", [&](BinaryReader& r) {
        d.mdrun_version = r.str();
        d.step = static_cast<long>(r.pod<std::int64_t>());
        d.target_step = static_cast<long>(r.pod<std::int64_t>());
        n = r.pod<std::uint64_t>();
        if (d.step < 0 || d.step > kMaxStep) throw Error(r.file() + ": step " + std::to_string(d.step) + " out of range");
        if (d.target_step < -1 || d.target_step > kMaxStep)
            throw Error(r.file() + ": target step " + std::to_string(d.target_step) + " out of range");
        if (n > kMaxReplicas) throw Error(r.file() + ": replica count " + std::to_string(n) + " out of range");
    });
    if (n != sections.size() - fixed.size())
        throw Error(name + ": checkpoint section 'header' says " + std::to_string(n) + " replicas, the file holds " +
                    std::to_string(sections.size() - fixed.size()) + " further sections");
    read_section(sections[1], name + ": checkpoint section 'config'", [&](BinaryReader& r) {
        d.config_file = r.str();
        d.config_text = r.str();
    });
    read_section(sections[2], name + ": checkpoint section 'inputs'", [&](BinaryReader& r) {
        d.fingerprint = r.pod<std::uint64_t>();
        d.physics = r.str();
        const auto m = r.pod<std::uint64_t>();
        if (m > kMaxInputs) throw Error(r.file() + ": input file count " + std::to_string(m) + " out of range");
        for (std::uint64_t k = 0; k < m; ++k) {
            InputDigest in;
            in.role = r.str();
            in.path = r.str();
            in.sha256 = r.str();
            if (in.role != "structure" && in.role != "potential")
                throw Error(r.file() + ": unknown input role '" + in.role.substr(0, 40) + "'");
            if (!is_hex_digest(in.sha256)) throw Error(r.file() + ": the SHA-256 of " + in.path + " is not a digest");
            d.inputs.push_back(std::move(in));
        }
    });
    d.replicas.reserve(static_cast<std::size_t>(n));
    for (std::uint64_t i = 0; i < n; ++i) {
        const CheckpointSection& s = sections[fixed.size() + i];
        const std::string where = name + ": checkpoint section 'replica' #" + std::to_string(i + 1);
        if (s.name != "replica") throw Error(where + " expected, found '" + s.name + "'");
        CheckpointReplica c;
        read_section(s, where, [&](BinaryReader& r) {
            c.name = r.str();
            c.atoms = r.pod<std::uint64_t>();
            c.backend_state = r.str();
            c.counters = r.pod<ReplicaCounters>();
            c.has_analysis = r.flag();
            c.analysis_state = r.str();
            // positions, velocities and list build positions: 3 x 24 bytes per atom at least
            if (c.atoms > c.backend_state.size() / 72)
                throw Error(where + ": atom count " + std::to_string(c.atoms) + " does not fit its " +
                            std::to_string(c.backend_state.size()) + "-byte state");
            const ReplicaCounters& k = c.counters;
            if (k.close_pair_steps < 0 || k.close_pairs_total < 0 || !(k.min_close_r >= 0.0) || !std::isfinite(k.min_close_r))
                throw Error(where + ": safety counters out of range");
            if (!c.has_analysis && !c.analysis_state.empty())
                throw Error(where + ": analysis state present but the analysis flag is off");
        });
        d.replicas.push_back(std::move(c));
    }
    return d;
}

CheckpointData read_checkpoint(const std::string& path) {
    const StageContext stage("reading checkpoint " + path);
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error(path + ": checkpoint file not found or not readable");
    std::ostringstream ss;
    ss << in.rdbuf();
    if (in.bad()) throw Error(path + ": checkpoint file cannot be read");
    return parse_checkpoint(ss.str(), path);
}

long restore_checkpoint(const std::string& path, const CheckpointData& d, const RunConfig& cfg, Backend& backend,
                        std::vector<std::unique_ptr<Replica>>& replicas) {
    if (d.fingerprint != config_fingerprint(cfg)) {
        // (the caller normally ran check_restart_inputs first, which names the keys)
        check_restart_inputs(path, {}, d.physics, {}, config_physics_text(cfg));
        throw Error(path + ": the checkpoint was written with a different configuration (structure, potential, "
                    "[md] other than steps, or replicas changed); restart with the original config (only "
                    "[md].steps, [output] and [analysis] may change)");
    }
    if (d.replicas.size() != replicas.size())
        throw Error(path + ": checkpoint has " + std::to_string(d.replicas.size()) + " replicas, the config has " +
                    std::to_string(replicas.size()));
    for (std::size_t i = 0; i < replicas.size(); ++i) {
        const CheckpointReplica& c = d.replicas[i];
        Replica& rep = *replicas[i];
        if (c.name != rep.name || c.atoms != rep.sys.size())
            throw Error(path + ": checkpoint replica #" + std::to_string(i + 1) + " ('" + c.name + "', " +
                        std::to_string(c.atoms) + " atoms) does not match the config ('" + rep.name + "', " +
                        std::to_string(rep.sys.size()) + " atoms)");
        const std::string where = path + ": checkpoint section 'replica' #" + std::to_string(i + 1);
        {
            std::istringstream is(c.backend_state, std::ios::binary);
            BinaryReader r(is, where + " (dynamics state)", c.backend_state.size());
            backend.load(static_cast<int>(i), r);
        }
        rep.counters = c.counters;
        // Adding or removing [analysis] on restart is refused: a fresh analysis would have to start from the
        // restored state, not from step 0's structure. A *changed* [analysis] is the analysis layer's call
        // (its load() compares its own signature and restarts the accumulators with a warning).
        if (c.has_analysis != static_cast<bool>(rep.analysis))
            throw Error(path + ": the checkpoint " + (c.has_analysis ? "has" : "has no") +
                        " analysis accumulators but the config " + (rep.analysis ? "has" : "has no") +
                        " [analysis] table; restart with the original [analysis] (or none, as before)");
        if (rep.analysis) {
            std::istringstream is(c.analysis_state, std::ios::binary);
            BinaryReader r(is, where + " (analysis state)", c.analysis_state.size());
            rep.analysis->load(r);
        }
    }
    if (backend.step() != d.step)
        throw Error(path + ": checkpoint step " + std::to_string(d.step) + " but the restored state is at step " +
                    std::to_string(backend.step()));
    return d.step;
}

}  // namespace mdrun
