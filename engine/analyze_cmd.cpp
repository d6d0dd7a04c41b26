// `mdrun analyze CHECKPOINT [--out DIR]`: writes the analysis results (analysis.h5, CSVs, summary.json)
// from the accumulators stored in a checkpoint, e.g. while a long run is still going. The configuration
// is taken from the checkpoint itself; the structure file it names must still exist (the analysis
// groups are defined on the initial structure).
#include <cstdio>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "analysis/analysis_set.hpp"
#include "engine/checkpoint.hpp"
#include "engine/error.hpp"
#include "engine/run_loop.hpp"
#include "engine/subcommands.hpp"

namespace mdrun {

int cmd_analyze(const std::vector<std::string>& args) {
    std::string ckpt_path, out_dir;
    for (std::size_t i = 0; i < args.size(); ++i) {
        if (args[i] == "--out") {
            if (i + 1 >= args.size()) throw Error("--out needs a directory");
            out_dir = args[++i];
        } else if (args[i] == "--help" || args[i] == "-h") {
            std::printf("usage: mdrun analyze CHECKPOINT [--out DIR]\n");
            return 0;
        } else if (ckpt_path.empty() && !args[i].empty() && args[i][0] != '-') {
            ckpt_path = args[i];
        } else {
            throw Error("usage: mdrun analyze CHECKPOINT [--out DIR] (unexpected '" + args[i] + "')");
        }
    }
    if (ckpt_path.empty()) throw Error("usage: mdrun analyze CHECKPOINT [--out DIR]");
    const CheckpointData d = read_checkpoint(ckpt_path);
    const RunConfig cfg = parse_config(d.config_text, d.config_file);
    if (!cfg.has_analysis) throw Error(ckpt_path + ": the run has no [analysis] table; nothing to analyse");
    auto reps = build_replicas(cfg, false);
    if (reps.size() != d.replicas.size())
        throw Error(ckpt_path + ": checkpoint replicas do not match its own configuration");
    for (std::size_t r = 0; r < reps.size(); ++r) {
        if (!reps[r]->analysis || !d.replicas[r].has_analysis) continue;
        std::istringstream is(d.replicas[r].analysis_state, std::ios::binary);
        BinaryReader rd(is, ckpt_path);
        reps[r]->analysis->load(rd);
        std::string dir = reps[r]->directory;
        if (!out_dir.empty())
            dir = reps.size() > 1 ? (std::filesystem::path(out_dir) / reps[r]->name).string() : out_dir;
        std::filesystem::create_directories(dir);
        reps[r]->analysis->write_results(dir);
        std::printf("%s: analysis at step %ld (%ld samples) written to %s\n",
                    reps[r]->name.empty() ? "replica" : reps[r]->name.c_str(), d.step,
                    reps[r]->analysis->samples_taken(), dir.c_str());
    }
    return 0;
}

}  // namespace mdrun
