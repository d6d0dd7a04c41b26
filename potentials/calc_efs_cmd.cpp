#include "engine/error.hpp"
#include "engine/subcommands.hpp"
namespace mdrun {
int cmd_calc_efs(const std::vector<std::string>&) { throw Error("calc-efs is not implemented yet"); }
}  // namespace mdrun
