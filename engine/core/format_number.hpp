// A number as text for messages and run.log lines (printf-style format, "%.6g" by default). One helper for
// the whole engine, so every message formats its numbers the same way.
#pragma once
#include <cstdio>
#include <string>

namespace mdrun {

inline std::string format_number(double v, const char* printf_format = "%.6g") {
    char b[64];
    std::snprintf(b, sizeof b, printf_format, v);
    return b;
}

}  // namespace mdrun
