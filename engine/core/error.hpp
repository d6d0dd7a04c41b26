// Errors reported to the user: every message says where (file, line or TOML key) and what was expected.
// The CLI catches mdrun::Error, prints "mdrun: error: <what>" and exits with status 1.
#pragma once
#include <stdexcept>
#include <string>

namespace mdrun {

struct Error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// "file:line: message" (line <= 0 omits the line).
inline Error input_error(const std::string& file, long line, const std::string& message) {
    if (line > 0) return Error(file + ":" + std::to_string(line) + ": " + message);
    return Error(file + ": " + message);
}

}  // namespace mdrun
