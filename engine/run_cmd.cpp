#include "engine/error.hpp"
#include "engine/subcommands.hpp"
namespace mdrun {
int cmd_run(const std::vector<std::string>&) { throw Error("MD runs are not implemented yet"); }
}  // namespace mdrun
