// Shared by the file-based fuzz targets: the readers take a path (they report errors as "path:line: ..."), so
// each input is written to one scratch file per process, created once under $TMPDIR (tmpfs is fastest).
// mdrun::Error is the expected outcome of a bad input and is swallowed; anything else (std::bad_alloc, another
// exception, a signal, a sanitizer report) escapes to libFuzzer and is a finding.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace mdrun_fuzz {

// Path of this process's scratch file, ending in `suffix` (the readers that detect the format look at it).
inline const std::string& scratch_path(const char* suffix) {
    static const std::string path = [suffix] {
        const char* tmp = std::getenv("TMPDIR");
        std::string dir = std::string(tmp && *tmp ? tmp : "/tmp") + "/mdrun_fuzz_XXXXXX";
        if (!mkdtemp(dir.data())) std::abort();
        return dir + "/input" + suffix;
    }();
    return path;
}

inline const std::string& write_scratch(const uint8_t* data, size_t size, const char* suffix) {
    const std::string& path = scratch_path(suffix);
    FILE* f = std::fopen(path.c_str(), "wb");
    if (!f) std::abort();
    if (size && std::fwrite(data, 1, size, f) != size) std::abort();
    std::fclose(f);
    return path;
}

}  // namespace mdrun_fuzz
