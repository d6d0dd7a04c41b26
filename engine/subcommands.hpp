// Subcommands of the `mdrun` executable. Each lives in its own file, declares its options on the CLI11
// app it is given and returns what to run (see engine/cli.hpp); engine/main.cpp lists each once.
#pragma once
#include <string>
#include <vector>

#include "engine/cli.hpp"

namespace mdrun {

cli::Action setup_run(CLI::App& app);       // engine/run_cmd.cpp: `mdrun [run] CONFIG.toml [...]`
cli::Action setup_calc_efs(CLI::App& app);  // potentials/calc_efs_cmd.cpp: like `mlp calc-efs`
cli::Action setup_analyze(CLI::App& app);   // engine/analyze_cmd.cpp: results from a checkpoint
cli::Action setup_convert(CLI::App& app);   // engine/convert_cmd.cpp: structure format conversion

// Written against the plain argument list (registered with cli::raw_args): args excludes the program name
// and the subcommand itself; returns the process exit status.
int cmd_calc_grade(const std::vector<std::string>& args);  // potentials/calc_grade_cmd.cpp
int cmd_select(const std::vector<std::string>& args);      // potentials/select_cmd.cpp
int cmd_collect(const std::vector<std::string>& args);    // engine/collect_cmd.cpp: cross-replica outputs of finished runs
int cmd_plot(const std::vector<std::string>& args);       // engine/plot_cmd.cpp: figures via python -m mdrun.plot

}  // namespace mdrun
