// Subcommands of the `mdrun` executable. Each lives in its own file and is listed once in
// engine/main.cpp's registry table.
#pragma once
#include <string>
#include <vector>

namespace mdrun {

// args excludes the program name and the subcommand itself. Returns the process exit status.
int cmd_calc_efs(const std::vector<std::string>& args);   // potentials/calc_efs_cmd.cpp
int cmd_calc_grade(const std::vector<std::string>& args);  // potentials/calc_grade_cmd.cpp
int cmd_select(const std::vector<std::string>& args);      // potentials/select_cmd.cpp
int cmd_run(const std::vector<std::string>& args);        // engine/run_cmd.cpp: `mdrun config.toml [...]`
int cmd_analyze(const std::vector<std::string>& args);    // engine/analyze_cmd.cpp: results from a checkpoint
int cmd_convert(const std::vector<std::string>& args);    // engine/convert_cmd.cpp: structure format conversion
int cmd_plot(const std::vector<std::string>& args);       // engine/plot_cmd.cpp: figures via python -m mdrun.plot

}  // namespace mdrun
