// `mdrun config.toml [--restart FILE] [--device cpu|cuda|auto] [--steps N] [--quiet]`
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "engine/error.hpp"
#include "engine/replica_select.hpp"
#include "engine/run_loop.hpp"
#include "engine/subcommands.hpp"

namespace mdrun {

namespace {
const char* kUsage =
    "usage: mdrun CONFIG.toml [--restart CHECKPOINT] [--device cpu|cuda|auto] [--steps N] [--replicas LIST] [--quiet]\n"
    "  --restart FILE   continue from a checkpoint (e.g. <output.directory>/checkpoint.mdrun); the result is\n"
    "                   bit-identical to an uninterrupted run\n"
    "  --device D       cpu, cuda or auto (default: cuda when compiled in and a GPU is visible, else cpu)\n"
    "  --steps N        final step of the run (overrides [md].steps; with --restart this extends a run)\n"
    "  --replicas LIST  run only these [[replica]] tables, counted from 1: 3,4 or 1-3,7 (e.g. one per Slurm\n"
    "                   array task); their run.log and checkpoint go to <output.directory>/replicas_3_4/,\n"
    "                   and `mdrun collect <output.directory>` combines the parts afterwards\n"
    "  --quiet          no progress lines on stderr\n";

long parse_long(const std::string& s, const std::string& opt) {
    char* end = nullptr;
    const long v = std::strtol(s.c_str(), &end, 10);
    if (s.empty() || *end != '\0' || v < 0) throw Error(opt + " expects a non-negative integer, got '" + s + "'");
    return v;
}
}  // namespace

int cmd_run(const std::vector<std::string>& args) {
    RunOptions opt;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= args.size()) throw Error(a + " needs a value\n" + kUsage);
            return args[++i];
        };
        if (a == "--help" || a == "-h") {
            std::fputs(kUsage, stdout);
            return 0;
        } else if (a == "--restart") {
            opt.restart_file = value();
        } else if (a == "--device") {
            opt.device = value();
            if (opt.device != "cpu" && opt.device != "cuda" && opt.device != "auto")
                throw Error("--device must be cpu, cuda or auto, got '" + opt.device + "'");
        } else if (a == "--steps") {
            opt.steps_override = parse_long(value(), "--steps");
        } else if (a == "--replicas") {
            opt.replicas = parse_replica_list(value());
        } else if (a == "--quiet" || a == "-q") {
            opt.quiet = true;
        } else if (!a.empty() && a[0] == '-') {
            throw Error("unknown option '" + a + "'\n" + kUsage);
        } else if (opt.config_path.empty()) {
            opt.config_path = a;
        } else {
            throw Error("unexpected argument '" + a + "' (one config file per run)\n" + kUsage);
        }
    }
    if (opt.config_path.empty()) throw Error(std::string("no config file given\n") + kUsage);
    return run_md(opt);
}

}  // namespace mdrun
