// mdrun command-line entry point: dispatches to subcommands; `mdrun config.toml` runs MD.
#include <cstdio>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

#include "engine/error.hpp"
#include "engine/subcommands.hpp"
#include "engine/version.hpp"
#ifdef MDRUN_HAVE_CUDA
#include "kernels/backend_cuda.hpp"
#endif

namespace {

struct Subcommand {
    const char* name;
    const char* usage;
    int (*fn)(const std::vector<std::string>&);
};

// The registry: one line per subcommand.
const Subcommand kSubcommands[] = {
    {"run", "run CONFIG.toml [--restart CHECKPOINT] [--device cpu|cuda|auto]   run MD (same as `mdrun CONFIG.toml`)",
     mdrun::cmd_run},
    {"calc-efs", "calc-efs POT.mtp IN.cfg OUT.cfg [--site-energies]   energies, forces, stresses like `mlp calc-efs`",
     mdrun::cmd_calc_efs},
    {"calc-grade", "calc-grade POT.mtp TRAIN.cfg IN.cfg OUT.cfg [--als-filename F] [--nbh-weight w] [--energy-weight w]   MaxVol grades like `mlp calc-grade`",
     mdrun::cmd_calc_grade},
    {"select", "select POT.mtp TRAIN.cfg NEW.cfg OUT.cfg [--als-filename F]   configurations that enlarge the active set, like `mlp select-add`",
     mdrun::cmd_select},
    {"analyze", "analyze CHECKPOINT [--out DIR]   write analysis results from a checkpoint's accumulators",
     mdrun::cmd_analyze},
    {"convert", "convert IN OUT [--format F] [--elements Na,Cl] [--replicate a,b,c] [--remove El:n:seed]   convert structures",
     mdrun::cmd_convert},
    {"plot", "plot RUN_DIR [--format png|pdf|svg] [--out DIR]   figures of a run (Python: mdrun.plot, matplotlib)",
     mdrun::cmd_plot},
};

void print_help() {
    std::printf("mdrun %s — molecular dynamics with Moment Tensor Potentials and streaming analysis\n\n",
                MDRUN_VERSION_STRING);
    std::printf("usage:\n  mdrun CONFIG.toml [options]\n");
    for (const auto& s : kSubcommands) std::printf("  mdrun %s\n", s.usage);
    std::printf("  mdrun --help | --version\n\nSee README.md for the configuration format and outputs.\n");
}

}  // namespace

int main(int argc, char** argv) {
#ifdef MDRUN_HAVE_CUDA
    mdrun::register_cuda_backend();  // makes `--device cuda|auto` find the GPU backend
#endif
    std::vector<std::string> args(argv + 1, argv + argc);
    if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
        print_help();
        return args.empty() ? 2 : 0;
    }
    if (args[0] == "--version") {
        std::printf("mdrun %s\n", MDRUN_VERSION_STRING);
        return 0;
    }
    try {
        for (const auto& s : kSubcommands) {
            if (args[0] == s.name) return s.fn(std::vector<std::string>(args.begin() + 1, args.end()));
        }
        if (args[0].size() > 0 && args[0][0] != '-') return mdrun::cmd_run(args);  // mdrun config.toml
        std::fprintf(stderr, "mdrun: error: unknown option '%s' (see mdrun --help)\n", args[0].c_str());
        return 2;
    } catch (const mdrun::Error& e) {
        std::fprintf(stderr, "mdrun: error: %s\n", e.what());
        return 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "mdrun: internal error: %s\n", e.what());
        return 3;
    }
}
