// `mdrun collect RUN_DIR... [--out DIR] [--partial]` (issue 15): combines finished runs — whole runs, the
// parts of a run made with --replicas (<output.directory>/replicas_*/), or runs of different configs — into
// the cross-replica outputs (arrhenius.json, controls.json; engine/run/cross_replica.hpp), exactly as one run of
// all those replicas writes them. Each run is read from its checkpoint.mdrun (the configuration and every
// replica's analysis accumulators are in it) and from its replicas' stopped.json files.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "analysis/analysis_set.hpp"
#include "engine/run/checkpoint.hpp"
#include "engine/run/cross_replica.hpp"
#include "engine/core/error.hpp"
#include "engine/run/replica_stop.hpp"
#include "engine/run/run_loop.hpp"
#include "engine/cli/subcommands.hpp"

namespace mdrun {

namespace fs = std::filesystem;

namespace {

const char* kCollectUsage =
    "usage: mdrun collect RUN_DIR... [--out DIR] [--partial]\n"
    "  RUN_DIR    a run's [output].directory (its checkpoint.mdrun, or the replicas_*/checkpoint.mdrun of\n"
    "             runs made with --replicas)\n"
    "  --out DIR  where arrhenius.json and controls.json go (default: RUN_DIR when only one is given)\n"
    "  --partial  also take runs that have not reached their last step (their results so far)\n";

std::vector<fs::path> checkpoints_in(const fs::path& dir) {
    std::vector<fs::path> out;
    if (fs::is_regular_file(dir / "checkpoint.mdrun")) out.push_back(dir / "checkpoint.mdrun");
    std::error_code ec;
    std::vector<fs::path> parts;
    for (const auto& e : fs::directory_iterator(dir, ec))
        if (e.is_directory() && e.path().filename().string().rfind("replicas_", 0) == 0 &&
            fs::is_regular_file(e.path() / "checkpoint.mdrun"))
            parts.push_back(e.path() / "checkpoint.mdrun");
    std::sort(parts.begin(), parts.end());
    out.insert(out.end(), parts.begin(), parts.end());
    return out;
}

}  // namespace

int cmd_collect(const std::vector<std::string>& args) {
    std::vector<std::string> dirs;
    std::string out_dir;
    bool partial = false;
    for (std::size_t i = 0; i < args.size(); ++i) {
        if (args[i] == "--out") {
            if (i + 1 >= args.size()) throw Error(std::string("--out needs a directory\n") + kCollectUsage);
            out_dir = args[++i];
        } else if (args[i] == "--partial") {
            partial = true;
        } else if (args[i] == "--help" || args[i] == "-h") {
            std::fputs(kCollectUsage, stdout);
            return 0;
        } else if (!args[i].empty() && args[i][0] == '-') {
            throw Error("collect: unknown option '" + args[i] + "'\n" + kCollectUsage);
        } else {
            dirs.push_back(args[i]);
        }
    }
    if (dirs.empty()) throw Error(std::string("collect: no run directory given\n") + kCollectUsage);
    if (out_dir.empty()) {
        if (dirs.size() > 1) throw Error("collect: several run directories: say where the results go with --out DIR");
        out_dir = dirs[0];
    }

    // (config order, index in its config, replica): parts of one config are put back in its [[replica]] order,
    // so the collected files equal those of the one-process run
    struct Entry {
        std::size_t config = 0;
        std::size_t index = 0;
        std::unique_ptr<Replica> rep;
    };
    std::vector<Entry> all;
    std::vector<std::string> configs;
    std::set<std::string> seen;
    for (const auto& d : dirs) {
        if (!fs::is_directory(d)) throw Error("collect: " + d + ": not a directory");
        const auto ckpts = checkpoints_in(d);
        if (ckpts.empty())
            throw Error("collect: " + d + ": no checkpoint.mdrun (nor replicas_*/checkpoint.mdrun); is it a run's [output].directory?");
        for (const auto& cp : ckpts) {
            const CheckpointData data = read_checkpoint(cp.string());
            RunConfig cfg = parse_config(data.config_text, data.config_file);
            if (!cfg.has_analysis) throw Error(cp.string() + ": the run has no [analysis]; nothing to combine");
            // the checkpoint holds the replicas that ran (all of them, or a --replicas subset)
            std::vector<ReplicaConfig> ran;
            std::vector<std::size_t> index;
            for (const auto& cr : data.replicas) {
                bool found = false;
                for (std::size_t k = 0; k < cfg.replicas.size(); ++k)
                    if (cfg.replicas[k].name == cr.name) {
                        ran.push_back(cfg.replicas[k]);
                        index.push_back(k);
                        found = true;
                    }
                if (!found) throw Error(cp.string() + ": replica '" + cr.name + "' is not in the checkpoint's own configuration");
            }
            const long total = cfg.replicas[0].md.steps;
            cfg.replicas = ran;
            auto reps = build_replicas(cfg, false);
            for (std::size_t r = 0; r < reps.size(); ++r) {
                if (!reps[r]->analysis || !data.replicas[r].has_analysis) continue;
                std::istringstream is(data.replicas[r].analysis_state, std::ios::binary);
                BinaryReader rd(is, cp.string());
                reps[r]->analysis->load(rd);
            }
            restore_stopped_replicas(data.step, nullptr, reps, nullptr);
            const auto ci = std::find(configs.begin(), configs.end(), data.config_file);
            const std::size_t config_order = static_cast<std::size_t>(ci - configs.begin());
            if (ci == configs.end()) configs.push_back(data.config_file);
            for (std::size_t k = 0; k < reps.size(); ++k) {
                auto& rep = reps[k];
                const std::string key = fs::weakly_canonical(rep->directory).string();
                if (!seen.insert(key).second)
                    throw Error("collect: replica '" + rep->name + "' (" + rep->directory + ") appears twice (" + cp.string() + ")");
                if (!rep->stopped && data.step < total && !partial)
                    throw Error("collect: " + cp.string() + " is at step " + std::to_string(data.step) + " of " + std::to_string(total) +
                                ": the run has not finished (continue it with --restart, or pass --partial)");
                std::printf("%s: replica %s, %s at step %ld\n", cp.string().c_str(), rep->name.c_str(),
                            rep->stopped ? ("stopped at step " + std::to_string(rep->stop_step)).c_str() : "analysis",
                            rep->stopped ? rep->stop_step : data.step);
                all.push_back(Entry{config_order, index[k], std::move(rep)});
            }
        }
    }
    fs::create_directories(out_dir);
    std::stable_sort(all.begin(), all.end(), [](const Entry& a, const Entry& b) {
        return a.config != b.config ? a.config < b.config : a.index < b.index;
    });
    std::vector<const Replica*> ptrs;
    for (const auto& e : all) ptrs.push_back(e.rep.get());
    const auto written = write_cross_replica_outputs(out_dir, ptrs);
    if (written.empty()) std::printf("collect: nothing spans these replicas (no mobile series, no frozen controls)\n");
    for (const auto& f : written) std::printf("written: %s\n", f.c_str());
    return 0;
}

}  // namespace mdrun
