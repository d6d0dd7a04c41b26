// Options shared by `mdrun calc-grade` and `mdrun select` (MLIP-2 spellings: --als-filename,
// --nbh-weight, --energy-weight, --force-weight, --stress-weight, --init-threshold,
// --select-threshold, --swap-threshold; `--name=value` or `--name value`).
#pragma once
#include <map>
#include <string>
#include <vector>

#include "potentials/maxvol.hpp"
#include "potentials/mtp_grade.hpp"

namespace mdrun {

struct GradeCliArgs {
    std::vector<std::string> positional;
    std::map<std::string, std::string> opts;  // name without "--" -> value
    bool help = false;
};

// `allowed` lists the option names the command accepts; anything else is an error naming it.
GradeCliArgs parse_grade_cli(const std::vector<std::string>& args, const std::vector<std::string>& allowed,
                             const char* command, const char* usage);
double option_number(const GradeCliArgs& a, const std::string& name, double def, const char* command);
GradeWeights weights_from_cli(const GradeCliArgs& a, const char* command);
MaxVolThresholds thresholds_from_cli(const GradeCliArgs& a, const char* command);

// Whole file as bytes (the potential's text goes into the state file verbatim).
std::string read_text_file(const std::string& path);
// True when the file starts like an MLIP state file: an .mtp text followed somewhere by '^'.
bool looks_like_als(const std::string& path);

}  // namespace mdrun
