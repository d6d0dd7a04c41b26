#include "engine/run/checkpoint.hpp"

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
const char* kMagic = "MDRUN-CHECKPOINT";
}

std::string checkpoint_path(const RunConfig& cfg) {
    return (std::filesystem::path(cfg.output.directory) / "checkpoint.mdrun").string();
}

void write_checkpoint(const std::string& path, const RunConfig& cfg, Backend& backend,
                      const std::vector<std::unique_ptr<Replica>>& replicas) {
    // Serialise every blob first so that a failure leaves the old file in place.
    std::vector<std::string> state(replicas.size()), analysis(replicas.size());
    for (std::size_t r = 0; r < replicas.size(); ++r) {
        std::ostringstream os(std::ios::binary);
        BinaryWriter w(os);
        backend.save(static_cast<int>(r), w);
        state[r] = os.str();
        if (replicas[r]->analysis) {
            std::ostringstream oa(std::ios::binary);
            BinaryWriter wa(oa);
            replicas[r]->analysis->save(wa);
            analysis[r] = oa.str();
        }
    }
    const std::string abs_config = std::filesystem::absolute(cfg.config_file).lexically_normal().string();
    write_file_atomically(
        path,
        [&](std::ostream& os) {
            BinaryWriter w(os);
            w.str(kMagic);
            w.pod<std::uint32_t>(kCheckpointVersion);
            w.str(MDRUN_VERSION_STRING);
            w.pod<std::uint64_t>(config_fingerprint(cfg));
            w.str(abs_config);
            w.str(cfg.text);
            w.pod<std::int64_t>(backend.step());
            w.pod<std::uint64_t>(replicas.size());
            for (std::size_t r = 0; r < replicas.size(); ++r) {
                w.section("replica");
                w.str(replicas[r]->name);
                w.pod<std::uint64_t>(replicas[r]->sys.size());
                w.str(state[r]);
                w.pod(replicas[r]->counters);
                w.pod<std::uint8_t>(replicas[r]->analysis ? 1 : 0);
                w.str(analysis[r]);
            }
            w.section("end");
            // Trailer (read when present, ignored by readers that stop at "end"): the target step.
            w.section("target_step");
            w.pod<std::int64_t>(cfg.replicas.empty() ? cfg.md.steps : cfg.replicas[0].md.steps);
        },
        true);
}

CheckpointData read_checkpoint(const std::string& path) {
    const StageContext stage("reading checkpoint " + path);
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error(path + ": checkpoint file not found or not readable");
    BinaryReader r(in, path);
    CheckpointData d;
    std::string magic;
    try {
        magic = r.str();
    } catch (const Error&) {
        throw Error(path + ": not an mdrun checkpoint (unreadable header)");
    }
    if (magic != kMagic) throw Error(path + ": not an mdrun checkpoint (bad magic)");
    d.version = r.pod<std::uint32_t>();
    if (d.version != kCheckpointVersion)
        throw Error(path + ": checkpoint format version " + std::to_string(d.version) + ", this mdrun reads version " +
                    std::to_string(kCheckpointVersion));
    d.mdrun_version = r.str();
    d.fingerprint = r.pod<std::uint64_t>();
    d.config_file = r.str();
    d.config_text = r.str();
    d.step = static_cast<long>(r.pod<std::int64_t>());
    const std::uint64_t n = r.pod<std::uint64_t>();
    if (n > 100000) throw Error(path + ": checkpoint is corrupt (replica count)");
    for (std::uint64_t i = 0; i < n; ++i) {
        r.section("replica");
        CheckpointReplica c;
        c.name = r.str();
        c.atoms = r.pod<std::uint64_t>();
        c.backend_state = r.str();
        c.counters = r.pod<ReplicaCounters>();
        c.has_analysis = r.pod<std::uint8_t>() != 0;
        c.analysis_state = r.str();
        d.replicas.push_back(std::move(c));
    }
    r.section("end");
    if (in.peek() != std::char_traits<char>::eof()) {
        r.section("target_step");
        d.target_step = static_cast<long>(r.pod<std::int64_t>());
    }
    return d;
}

long restore_checkpoint(const std::string& path, const CheckpointData& d, const RunConfig& cfg, Backend& backend,
                        std::vector<std::unique_ptr<Replica>>& replicas) {
    if (d.fingerprint != config_fingerprint(cfg))
        throw Error(path + ": the checkpoint was written with a different configuration (structure, potential, "
                    "[md] other than steps, or replicas changed); restart with the original config (only "
                    "[md].steps, [output] and [analysis] may change)");
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
        {
            std::istringstream is(c.backend_state, std::ios::binary);
            BinaryReader r(is, path);
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
            BinaryReader r(is, path);
            rep.analysis->load(r);
        }
    }
    if (backend.step() != d.step)
        throw Error(path + ": checkpoint step " + std::to_string(d.step) + " but the restored state is at step " +
                    std::to_string(backend.step()));
    return d.step;
}

}  // namespace mdrun
