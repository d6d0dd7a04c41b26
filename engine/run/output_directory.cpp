#include "engine/run/output_directory.hpp"

#include <filesystem>

#include "engine/core/atomic_file.hpp"
#include "engine/core/error.hpp"

namespace mdrun {

namespace fs = std::filesystem;

namespace {

void make_directory(const std::string& dir) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec || !fs::is_directory(dir))
        throw Error("[output].directory: cannot create " + dir + (ec ? ": " + ec.message() : std::string()));
}

}  // namespace

void check_output_needs(const RunConfig& cfg, const std::vector<std::unique_ptr<Replica>>& reps) {
    if (!cfg.output.write_final) return;
    for (const auto& r : reps)
        for (int k = 0; k < 3; ++k)
            if (!r->sys.box.periodic[k])
                throw Error(cfg.config_file + ": [output].write_final: final.POSCAR needs a periodic cell, but " +
                            r->label() + " is not periodic in direction " + std::to_string(k + 1) +
                            "; set write_final = false in [output] for a non-periodic system (checked before step 0 "
                            "so that the run does not fail at its end)");
}

bool final_outputs_missing(const RunConfig& cfg) {
    if (!cfg.output.write_final) return false;
    std::error_code ec;
    for (const auto& rc : cfg.replicas) {
        const fs::path d(rc.directory);
        if (fs::exists(d / "stopped.json", ec)) continue;  // a stopped replica writes no final structures
        if (!fs::exists(d / "final.POSCAR", ec) || !fs::exists(d / "final.extxyz", ec)) return true;
    }
    return false;
}

std::unique_ptr<DirectoryLock> claim_output_directories(const RunConfig& cfg,
                                                        const std::vector<std::unique_ptr<Replica>>& reps,
                                                        std::vector<std::string>& removed) {
    make_directory(cfg.output.directory);
    // The lock comes before anything else is created or opened: a refused second run changes nothing.
    auto lock = std::make_unique<DirectoryLock>(cfg.output.directory);
    for (auto& r : reps) make_directory(r->directory);
    std::vector<std::string> dirs{cfg.output.directory};
    for (const auto& r : reps)
        if (fs::path(r->directory).lexically_normal() != fs::path(cfg.output.directory).lexically_normal())
            dirs.push_back(r->directory);
    for (const auto& d : dirs)
        for (auto& p : remove_orphaned_temp_files(d)) removed.push_back(std::move(p));
    return lock;
}

}  // namespace mdrun
