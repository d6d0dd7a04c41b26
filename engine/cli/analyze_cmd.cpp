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
#include "analysis/analysis_signature.hpp"
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
        const std::string where = ckpt_path + ": checkpoint section 'replica' #" + std::to_string(r + 1) + " (analysis state)";
        // Accumulators made with another [analysis] than the checkpoint's own config says would load as an
        // empty set: writing that over the run's results would replace them with 0-sample ones. Refuse, unless
        // the results go elsewhere (--out), where they are written with a warning as a restart would.
        const std::string stored = stored_analysis_signature(d.replicas[r].analysis_state, where);
        const std::string wanted = analysis_signature(*reps[r]->analysis);
        if (stored != wanted && out_dir.empty())
            throw Error(where + ": the accumulators were made with another [analysis] (" + stored + ") than the "
                        "checkpoint's config (" + wanted + "); their results would have 0 samples, so they are not "
                        "written over the run's own results in " + reps[r]->directory +
                        " (give --out DIR to write them elsewhere)");
        std::istringstream is(d.replicas[r].analysis_state, std::ios::binary);
        BinaryReader rd(is, where, d.replicas[r].analysis_state.size());
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
