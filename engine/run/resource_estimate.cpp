#include "engine/run/resource_estimate.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "engine/core/error.hpp"
#include "engine/core/memory_budget.hpp"
#include "engine/md/neighbor_list.hpp"

namespace mdrun {

namespace {
// Bytes per atom of the per-atom state (positions, velocities, forces, masses, types, ids, list positions, ...).
constexpr double kAtomBytes = 256.0;
// Bytes per atom and frame of a trajectory (h5md: positions, velocities, images as doubles/ints; text formats
// about 20 characters per number).
double frame_bytes_per_atom(const std::string& format) {
    if (format == "h5md") return 3 * 8.0 + 3 * 8.0 + 3 * 4.0;
    return 6 * 20.0;
}

double total_steps(const RunConfig& cfg, const MdConfig& md) {
    if (cfg.stages.empty()) return static_cast<double>(md.steps);
    return static_cast<double>(cfg.stages.back().end_step);
}
}  // namespace

ResourceEstimate estimate_resources(const RunConfig& cfg, const MdConfig& md, const System& sys, double cutoff,
                                    const AnalysisConfig* a) {
    ResourceEstimate e;
    const double n = static_cast<double>(sys.size());
    if (cutoff > 0) {
        const double pairs = estimate_neighbor_pairs(sys.box, sys.size(), cutoff + md.neighbor_skin);
        e.neighbor_bytes = pairs * (kNeighborBytesPerPair + kPotentialScratchBytesPerPair) + n * kAtomBytes;
    }
    const double steps = total_steps(cfg, md);
    if (a && a->enabled) {
        const double samples = std::floor(steps / static_cast<double>(a->sample_every)) + 1;
        const double dt_sample_fs = md.timestep_fs * static_cast<double>(a->sample_every);
        if (a->msd) {
            // Multilevel correlator: block snapshots per level, log_ratio(samples) levels, 3 doubles per atom each.
            const double levels = std::max(1.0, std::ceil(std::log(std::max(samples, 2.0)) / std::log(a->msd_ratio)));
            e.analysis_bytes += n * a->msd_block * levels * 3 * 8.0 * 2;
        }
        // Linear correlators keep one velocity per atom and lag.
        if (a->vacf) e.analysis_bytes += n * std::ceil(a->vacf_max_lag_fs / dt_sample_fs + 1) * 3 * 8.0 * 2;
        if (a->angular_vacf) e.analysis_bytes += n * std::ceil(a->angular_vacf_max_lag_fs / dt_sample_fs + 1) * 3 * 8.0 * 2;
        if (a->orientation_density) {
            const double bins = static_cast<double>(a->rho_bins_theta) * a->rho_bins_phi * 8.0;
            e.analysis_bytes += bins * 2;
            e.output_bytes += bins;
        }
        if (a->hops || a->cna || a->reorientation) e.analysis_bytes += n * samples * 0.0 + n * 1024.0;
        e.output_bytes += e.analysis_bytes * 0.5;  // correlation functions written once
    }
    if (cfg.output.trajectory_every > 0)
        e.output_bytes += (std::floor(steps / static_cast<double>(cfg.output.trajectory_every)) + 1) * n *
                          frame_bytes_per_atom(cfg.output.trajectory_format);
    e.output_bytes += (std::floor(steps / static_cast<double>(cfg.output.thermo_every)) + 1) * 200.0;
    return e;
}

void check_resources(const RunConfig& cfg, const MdConfig& md, const System& sys, double cutoff,
                     const std::string& cutoff_key, const AnalysisConfig* a, std::size_t replicas) {
    const ResourceEstimate e = estimate_resources(cfg, md, sys, cutoff, a);
    const double r = static_cast<double>(replicas);
    const std::string& file = cfg.config_file;
    const std::string atoms = std::to_string(sys.size()) + " atoms";
    require_memory(e.neighbor_bytes * r,
                   file + ": " + cutoff_key + " (+ [md].neighbor_skin = " + std::to_string(md.neighbor_skin) +
                       " Å) with " + atoms + (replicas > 1 ? " x " + std::to_string(replicas) + " replicas" : "") +
                       ": the neighbour list",
                   "reduce the cutoff or the system size");
    require_memory(e.analysis_bytes * r,
                   file + ": [analysis] (sample_every, max_lag_fs, msd.block, bins) with " + atoms +
                       ": the analysis accumulators",
                   "sample less often or shorten the lags");
    require_memory((e.neighbor_bytes + e.analysis_bytes) * r, file + ": this run (neighbour list + analysis)", "");
    const double out = e.output_bytes * r;
    if (!(out <= cfg.output.max_output_GB * 1e9))
        throw Error(file + ": this run would write about " + format_bytes(out) +
                    " of output (trajectory_every = " + std::to_string(cfg.output.trajectory_every) +
                    ", thermo_every = " + std::to_string(cfg.output.thermo_every) +
                    ", [analysis]) over its steps, more than [output].max_output_GB = " +
                    std::to_string(cfg.output.max_output_GB) + "; write less often or raise [output].max_output_GB");
    // Free space of the file system that will hold the output (the nearest existing parent directory).
    namespace fs = std::filesystem;
    fs::path p = fs::path(cfg.output.directory);
    std::error_code ec;
    while (!p.empty() && !fs::exists(p, ec) && p != p.parent_path()) p = p.parent_path();
    const double free_b = p.empty() ? -1 : free_disk_bytes(p.string());
    if (free_b >= 0 && out > free_b)
        throw Error(file + ": this run would write about " + format_bytes(out) + " of output into " +
                    cfg.output.directory + ", but its file system has only " + format_bytes(free_b) +
                    " free; write less often ([output].trajectory_every) or free space");
}

}  // namespace mdrun
