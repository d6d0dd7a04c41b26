// Subcommands of the `mdrun` executable. Each lives in its own file, declares its options on the CLI11
// app it is given and returns what to run (see engine/cli/cli.hpp); engine/cli/main.cpp lists each once.
#pragma once
#include <string>
#include <vector>

#include "engine/cli/cli.hpp"

namespace mdrun {

cli::Action setup_run(CLI::App& app);       // engine/cli/run_cmd.cpp: `mdrun [run] CONFIG.toml [...]`
cli::Action setup_calc_efs(CLI::App& app);  // engine/cli/calc_efs_cmd.cpp: like `mlp calc-efs`
cli::Action setup_analyze(CLI::App& app);   // engine/cli/analyze_cmd.cpp: results from a checkpoint
cli::Action setup_convert(CLI::App& app);   // engine/cli/convert_cmd.cpp: structure format conversion

// Written against the plain argument list (registered with cli::raw_args): args excludes the program name
// and the subcommand itself; returns the process exit status.
int cmd_calc_grade(const std::vector<std::string>& args);  // engine/cli/calc_grade_cmd.cpp
int cmd_select(const std::vector<std::string>& args);      // engine/cli/select_cmd.cpp
int cmd_collect(const std::vector<std::string>& args);    // engine/cli/collect_cmd.cpp: cross-replica outputs of finished runs
int cmd_plot(const std::vector<std::string>& args);       // engine/cli/plot_cmd.cpp: figures via python -m mdrun.plot

}  // namespace mdrun
