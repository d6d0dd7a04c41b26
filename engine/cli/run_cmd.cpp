// `mdrun [run] CONFIG.toml [--restart FILE] [--device cpu|cuda|auto] [--steps N] [--quiet] [--fixed-threads]`
#include <CLI/CLI.hpp>

#include <cstdlib>
#include <memory>
#include <cerrno>
#include <string>

#include "engine/core/error.hpp"
#include "engine/run/replica_select.hpp"
#include "engine/run/run_loop.hpp"
#include "engine/cli/subcommands.hpp"

namespace mdrun {

namespace {

long parse_steps(const std::string& s) {
    char* end = nullptr;
    errno = 0;
    const long v = std::strtol(s.c_str(), &end, 10);
    // The same range as [md].steps (docs/config.md); strtol saturates on overflow, hence the errno test.
    if (s.empty() || *end != '\0' || v < 0 || errno == ERANGE || v > 1000000000000L)
        throw UsageError("--steps expects a non-negative integer, got '" + s + "' (at most 1000000000000)");
    return v;
}

}  // namespace

cli::Action setup_run(CLI::App& app) {
    struct State {
        RunOptions opt;
        std::string steps;  // converted after parsing, so that the message says what was expected
        std::string replicas;
    };
    auto st = std::make_shared<State>();
    app.add_option("config", st->opt.config_path, "the run's configuration (TOML, see docs/config.md)")
        ->type_name("CONFIG.toml");
    app.add_option("--restart", st->opt.restart_file,
                   "continue from a checkpoint (e.g. <output.directory>/checkpoint.mdrun); the result is "
                   "bit-identical to an uninterrupted run")
        ->type_name("CHECKPOINT");
    app.add_option("--device", st->opt.device,
                   "cpu, cuda or auto (default auto: cuda when compiled in and a GPU is visible, else cpu)")
        ->type_name("cpu|cuda|auto");
    app.add_option("--steps", st->steps, "final step of the run (overrides [md].steps; with --restart this extends a run)")
        ->type_name("N");
    app.add_option("--replicas", st->replicas,
                   "run only these [[replica]] tables, counted from 1: 3,4 or 1-3,7 (e.g. one per Slurm array task); "
                   "their run.log and checkpoint go to <output.directory>/replicas_3_4/, and `mdrun collect "
                   "<output.directory>` combines the parts afterwards")
        ->type_name("LIST");
    app.add_flag("-q,--quiet", st->opt.quiet, "no progress lines on stderr");
    app.add_flag("--fixed-threads", st->opt.fixed_threads,
                 "keep OMP_NUM_THREADS threads for the whole run (default: mdrun probes fewer/more threads now "
                 "and then and keeps the faster; results do not depend on the count)");
    return [st] {
        RunOptions opt = st->opt;
        if (opt.config_path.empty()) throw UsageError("no config file given (usage: mdrun CONFIG.toml [options])");
        if (opt.device != "cpu" && opt.device != "cuda" && opt.device != "auto")
            throw UsageError("--device must be cpu, cuda or auto, got '" + opt.device + "'");
        if (!st->steps.empty()) opt.steps_override = parse_steps(st->steps);
        if (!st->replicas.empty()) opt.replicas = parse_replica_list(st->replicas);
        return run_md_entry(opt);
    };
}

}  // namespace mdrun
