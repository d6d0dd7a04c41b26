// A System from one MLIP .cfg configuration whose `type` column is the MTP species index (the convention
// of `mlp calc-efs` / `mlp calc-grade`). Used by the cfg-based subcommands (calc-efs, calc-grade, select).
#pragma once
#include <string>

#include "engine/io/cfg_io.hpp"
#include "engine/core/system.hpp"

namespace mdrun {

// Species are named "0".."S-1"; types are checked against species_count. Errors name `file`, the
// configuration's first line and its 1-based number `index + 1`.
System system_from_cfg(const CfgConfig& c, int species_count, const std::string& file, int index);

}  // namespace mdrun
