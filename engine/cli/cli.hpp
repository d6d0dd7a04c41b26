// The mdrun command line, built with CLI11: a registry of subcommands, each of which declares its own
// options and positionals on a CLI::App and returns the action to run once they are parsed.
//
//   mdrun CONFIG.toml [run options]      the default subcommand ("run") without its name
//   mdrun SUBCOMMAND [options] ARGS...   options may come before or after positionals; --opt=value works
//   mdrun [SUBCOMMAND] --help            help of that level
//
// A word where a subcommand or the config file may stand is a subcommand when it is a registered name;
// otherwise it is the config file of a run if a file of that name exists or it ends in ".toml"; anything
// else is an unknown subcommand, reported with the closest registered name ("mdrun calc-grade" is never
// read as a config file unless such a file exists).
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "engine/core/error.hpp"

namespace CLI {
class App;
}

namespace mdrun {
// A command line that cannot be run as given (unknown option, missing or malformed argument): exit status 2.
// Bad input (a file, key or value) is mdrun::Error: exit status 1.
struct UsageError : Error {
    using Error::Error;
};
}  // namespace mdrun

namespace mdrun::cli {

// What a subcommand does once its command line is parsed; returns the process exit status.
using Action = std::function<int()>;
// Declares a subcommand's options/positionals on `app` (bound to state the returned Action reads).
using Setup = Action (*)(CLI::App& app);

struct Subcommand {
    const char* name;     // as typed: "calc-efs"
    const char* summary;  // one line for `mdrun --help`
    Setup setup;
};

// Parses `args` (without the program name) against `registry` and runs the chosen action. The entry
// named `default_name` also serves `mdrun ARGS...` without a subcommand name. Usage errors print
// "mdrun: error: ..." (with a suggestion where one is close) and return 2; --help prints and returns 0;
// mdrun::Error from an action prints "mdrun: error: ..." and returns 1; anything else returns 3.
int run(const std::vector<std::string>& args, const std::vector<Subcommand>& registry,
        const std::string& default_name = "run");

// The registered name closest to `word`, or "" when none is reasonably close (edit distance).
std::string closest_name(const std::string& word, const std::vector<std::string>& names);

// Adapter for a subcommand written against the plain argument list (`int f(const std::vector<std::string>&)`):
// CLI11 passes every argument after the subcommand name through unparsed. Registry line:
//   {"name", "summary", cli::raw_args<cmd_name>},
template <int (*F)(const std::vector<std::string>&)>
Action raw_args(CLI::App& app);

// Implementation detail of raw_args (keeps CLI11 out of this header).
Action raw_args_impl(CLI::App& app, int (*f)(const std::vector<std::string>&));
template <int (*F)(const std::vector<std::string>&)>
Action raw_args(CLI::App& app) {
    return raw_args_impl(app, F);
}

}  // namespace mdrun::cli
