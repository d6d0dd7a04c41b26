// Strict TOML access: unknown keys are errors that name the key and suggest the closest known one;
// wrong types and out-of-range values name the key ("[md].timestep_fs must be > 0, got -1").
#pragma once
#include <string>
#include <vector>

#include <toml.hpp>

namespace mdrun {

// Edit distance, for "did you mean" suggestions.
std::size_t edit_distance(const std::string& a, const std::string& b);
// The known key closest to `key`, or "" when nothing is reasonably close.
std::string closest_key(const std::string& key, const std::vector<std::string>& known);

// Throws mdrun::Error "<file>: unknown key '<where>.<key>' (did you mean '<closest>'?)" for any key of
// `table` not in `known`. `where` is the table path as the user writes it, e.g. "[md]" or "[[replica]] #2".
void check_known_keys(const toml::value& table, const std::vector<std::string>& known, const std::string& where,
                      const std::string& file);

// Typed getters: the error names the key, the expected type and what was found.
double get_double(const toml::value& table, const std::string& key, const std::string& where, const std::string& file);
long get_integer(const toml::value& table, const std::string& key, const std::string& where, const std::string& file);
bool get_bool(const toml::value& table, const std::string& key, const std::string& where, const std::string& file);
std::string get_string(const toml::value& table, const std::string& key, const std::string& where,
                       const std::string& file);
std::vector<std::string> get_string_list(const toml::value& table, const std::string& key, const std::string& where,
                                         const std::string& file);
bool has_key(const toml::value& table, const std::string& key);

// Range-checked getters. Every key has a physically meaningful range (docs/config.md): a value outside it is
// an error naming the key, the range with its unit and the value, e.g. "[md].timestep_fs must be > 0 and <= 100 (fs),
// got 0". `lo_open`: the lower bound is excluded (> lo); NaN and infinities are always rejected. Integers are
// checked as the 64-bit value TOML holds, before any narrowing to int (no silent truncation).
double get_double_in(const toml::value& table, const std::string& key, const std::string& where, const std::string& file,
                     double lo, double hi, bool lo_open, const std::string& unit);
long get_integer_in(const toml::value& table, const std::string& key, const std::string& where, const std::string& file,
                    long lo, long hi, const std::string& unit);
// The message of a range error, for checks done outside these getters.
std::string range_message(const std::string& file, const std::string& key, double lo, double hi, bool lo_open,
                          const std::string& unit, double got);

}  // namespace mdrun
