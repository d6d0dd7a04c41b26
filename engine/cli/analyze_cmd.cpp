// `mdrun analyze CHECKPOINT [--out DIR]`: writes the analysis results (analysis.h5, CSVs, summary.json)
// from the accumulators stored in a checkpoint, e.g. while a long run is still going. The configuration
// is taken from the checkpoint itself; the structure file it names must still exist (the analysis
// groups are defined on the initial structure).
#include <CLI/CLI.hpp>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "analysis/analysis_set.hpp"
#include "engine/run/checkpoint.hpp"
#include "engine/core/error.hpp"
#include "engine/run/run_loop.hpp"
#include "engine/cli/subcommands.hpp"

namespace mdrun {

namespace {

int analyze(const std::string& ckpt_path, const std::string& out_dir) {
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

}  // namespace

cli::Action setup_analyze(CLI::App& app) {
    auto ckpt = std::make_shared<std::string>();
    auto out = std::make_shared<std::string>();
    app.add_option("checkpoint", *ckpt, "a checkpoint written by a run (e.g. <output.directory>/checkpoint.mdrun)")
        ->required()
        ->type_name("CHECKPOINT");
    app.add_option("--out", *out, "write the results here instead of the run's output directory")->type_name("DIR");
    return [ckpt, out] { return analyze(*ckpt, *out); };
}

}  // namespace mdrun
