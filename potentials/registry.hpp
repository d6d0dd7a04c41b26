// Creates the potential named by a config's [potential] table. One table row per potential kind
// ({name, keys, factory}); every factory checks its keys strictly (unknown key -> error naming it with a
// "did you mean") and that the potential covers every element of the structure.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include <toml.hpp>

#include "engine/core/system.hpp"
#include "potentials/mtp_arithmetic.hpp"
#include "potentials/potential.hpp"

namespace mdrun {

// `potential_table` is the raw [potential] table; `config_path` is the config file (relative file names
// resolve against its directory; error messages name it). Throws mdrun::Error on any problem.
std::unique_ptr<Potential> make_potential(const toml::value& potential_table, const System& sys,
                                          const std::string& config_path);

// The MTP arithmetic a [potential] table asks for: its `arithmetic` key ("fma" or "exact"), fma when absent
// (the mode then used may still fall back to exact: resolve_mtp_arithmetic). Throws naming the key when invalid.
MtpArithmetic mtp_arithmetic_of(const toml::value& potential_table, const std::string& config_path);

// The potential kinds the registry knows ("mtp", "born-coul-dsf"), for help texts and error messages.
std::vector<std::string> potential_kinds();

}  // namespace mdrun
