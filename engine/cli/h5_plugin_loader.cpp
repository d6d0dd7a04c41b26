// The mdrun executable's HDF5 functions: each opens libmdrun_h5.so (engine/cli/h5_plugin.hpp) on its first
// call and forwards to it. Linked into mdrun and mdrun_mpi only; everything else links mdrun_hdf5 itself.
//
// Where the plugin is looked for, in order: $MDRUN_H5_PLUGIN (a path: then only there), next to the
// executable (the build tree; a wheel's scripts directory), and <bindir>/MDRUN_PLUGIN_FROM_BIN (an install:
// <prefix>/lib/mdrun/libmdrun_h5.so). Missing or from another build: an mdrun::Error that says what needed
// it, where it was looked for and why each place failed.
#include <dlfcn.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "analysis/results_h5.hpp"
#include "engine/core/executable_path.hpp"
#include "engine/cli/h5_plugin.hpp"
#include "engine/core/error.hpp"

#ifndef MDRUN_PLUGIN_FROM_BIN
#define MDRUN_PLUGIN_FROM_BIN "../lib/mdrun"
#endif

namespace mdrun {

namespace {

namespace fs = std::filesystem;
constexpr const char* kPlugin = "libmdrun_h5.so";

struct Loaded {
    const H5PluginApi* api = nullptr;
    std::string failure;  // why it could not be loaded (every place tried)
};

Loaded load() {
    std::vector<std::string> candidates;
    if (const char* env = std::getenv("MDRUN_H5_PLUGIN"); env && *env) {
        candidates.push_back(env);
    } else {
        const fs::path exe = executable_path();
        if (!exe.empty()) {
            candidates.push_back((exe.parent_path() / kPlugin).string());
            candidates.push_back((exe.parent_path() / MDRUN_PLUGIN_FROM_BIN / kPlugin).lexically_normal().string());
        }
    }
    Loaded out;
    for (const std::string& path : candidates) {
        std::error_code ec;
        if (!fs::exists(path, ec)) {
            out.failure += "\n  " + path + ": no such file";
            continue;
        }
        void* h = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
        if (!h) {
            const char* e = dlerror();
            out.failure += "\n  " + path + ": " + (e ? e : "dlopen failed");
            continue;
        }
        using Entry = const H5PluginApi* (*)();
        auto entry = reinterpret_cast<Entry>(dlsym(h, "mdrun_h5_plugin"));
        const H5PluginApi* api = entry ? entry() : nullptr;
        if (!api) {
            out.failure += "\n  " + path + ": not an mdrun HDF5 plugin (no mdrun_h5_plugin)";
        } else if (api->abi != h5_plugin_abi()) {
            out.failure += "\n  " + path + ": from another build of mdrun (" + api->abi + "; this mdrun is " +
                           h5_plugin_abi() + ")";
        } else {
            out.api = api;
            return out;
        }
        dlclose(h);
    }
    if (candidates.empty()) out.failure = "\n  (the executable's directory is unknown: /proc/self/exe unreadable)";
    return out;
}

// Opened once, on first use (thread-safe static initialisation; never closed: writers it created live on).
const H5PluginApi& plugin(const std::string& what) {
    static const Loaded loaded = load();
    if (!loaded.api)
        throw Error(what + " needs HDF5, which this mdrun loads from " + kPlugin + " on first use, and it could not be "
                    "loaded:" + loaded.failure + "\nreinstall mdrun (cmake --install puts it in <prefix>/" +
                    "lib/mdrun/), set MDRUN_H5_PLUGIN to its path, or use a format without HDF5 (extxyz, lammps-dump)");
    return *loaded.api;
}

}  // namespace

std::unique_ptr<TrajectoryWriter> open_h5md_trajectory(const std::string& path, const System& initial,
                                                       long resume_step) {
    return plugin("writing the H5MD trajectory " + path).open_h5md_trajectory(path, initial, resume_step);
}

std::vector<StructureFrame> read_h5md_frames(const std::string& path, const std::vector<std::string>& elements) {
    return plugin("reading the H5MD file " + path).read_h5md_frames(path, elements);
}

void write_analysis_h5_file(const std::string& tmp, const std::string& path, const AnalysisResults& r,
                            const ResultsMetadata& meta) {
    plugin("writing " + path).write_analysis_h5_file(tmp, path, r, meta);
}

}  // namespace mdrun
