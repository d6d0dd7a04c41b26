// Per-replica state of a run: one independent system with its own potential instance, integrator
// parameters, thermostat state (inside the backend), random seed, output directory, analysis and counters.
// Replicas live in a std::vector<std::unique_ptr<Replica>> so their addresses are stable (backends and
// Dynamics keep references to `sys` and `potential`).
#pragma once
#include <cstdint>
#include <memory>
#include <string>

#include "analysis/analysis_set.hpp"
#include "engine/core/config.hpp"
#include "engine/md/dynamics.hpp"
#include "engine/core/system.hpp"
#include "potentials/potential.hpp"

namespace mdrun {

// (complete type needed: replicas own their AnalysisSet)

// Safety counters the run loop accumulates and checkpoints (so a restarted run reports the same totals).
struct ReplicaCounters {
    long close_pair_steps = 0;   // steps at which at least one pair was closer than the potential's min_dist
    long close_pairs_total = 0;  // sum over steps of the number of such pairs
    double min_close_r = 0.0;    // closest such distance seen (0 = none)
};

struct Replica {
    int index = 0;
    std::string name;       // "" for a single unnamed replica
    std::string directory;  // output directory (created by the run loop)
    MdConfig md;            // resolved [md] with this replica's overrides
    System sys;
    std::unique_ptr<Potential> potential;
    DynamicsParams params;  // integrator parameters derived from `md`
    std::unique_ptr<AnalysisSet> analysis;  // null without [analysis]
    std::string gpu_mtp_kernel = "thread";  // [gpu].mtp_kernel (the same for every replica of a run)
    ReplicaCounters counters;
    // A per-replica stop (safety check, broken polyanion, melted framework): the replica no longer moves and
    // writes no more output, the others go on (engine/run/replica_stop.hpp).
    bool stopped = false;
    long stop_step = -1;
    std::string stop_reason;

    std::string label() const { return name.empty() ? std::string("the system") : "replica '" + name + "'"; }
};

// [md] values -> integrator parameters (fs -> ps).
inline DynamicsParams dynamics_params(const MdConfig& md) {
    DynamicsParams p;
    p.ensemble = md.ensemble;
    p.dt_ps = md.timestep_fs * 1e-3;
    p.temperature_K = md.temperature_K < 0 ? 0.0 : md.temperature_K;
    p.tdamp_ps = md.tdamp_fs * 1e-3;
    p.chain = md.chain;
    p.tloop = md.tloop;
    p.skin = md.neighbor_skin;
    p.pressure_bar = md.pressure_bar;
    p.pdamp_ps = md.pdamp_fs * 1e-3;
    p.barostat = md.barostat;
    p.couple = md.couple;
    p.pchain = md.pchain;
    p.ploop = md.ploop;
    p.mtk = md.mtk;
    return p;
}

}  // namespace mdrun
