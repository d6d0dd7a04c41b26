// The memory and disk a run will need, estimated from the structure and the config before anything big is
// allocated (docs/config.md, "Resource limits"): the neighbour list and the potential's per-pair scratch (from
// the density and the cutoff), the analysis accumulators, and the trajectory/analysis output over the whole run.
// A run that does not fit the machine's memory, [output].max_output_GB or the free disk space is refused with
// the key that drives the size and the estimate.
#pragma once
#include <string>

#include "analysis/analysis_set.hpp"
#include "engine/core/config.hpp"
#include "engine/core/system.hpp"

namespace mdrun {

struct ResourceEstimate {
    double neighbor_bytes = 0;   // list + potential scratch
    double analysis_bytes = 0;   // accumulators
    double output_bytes = 0;     // trajectory + thermo + analysis.h5 over the run, per replica
};

// `cutoff_key` names what sets the cutoff in messages ("[potential].cutoff = 12 Å", "max_dist = 5 Å of pot.mtp").
ResourceEstimate estimate_resources(const RunConfig& cfg, const MdConfig& md, const System& sys, double cutoff,
                                    const AnalysisConfig* analysis);
// Throws mdrun::Error naming the key and the estimate when the run cannot fit.
void check_resources(const RunConfig& cfg, const MdConfig& md, const System& sys, double cutoff,
                     const std::string& cutoff_key, const AnalysisConfig* analysis, std::size_t replicas);

}  // namespace mdrun
