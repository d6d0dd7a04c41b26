// Cross-replica Arrhenius summary (analysis.md §4, §10): for each diffusing species, the replicas whose D fit
// is ok, whose mobile ion diffuses (TMSD > 5 Å^2 at tau_cls) and whose framework did not melt enter a
// weighted Arrhenius fit (sigma_lnD from each D's 95 % posterior interval); D and the Nernst-Einstein
// conductivity are extrapolated to 300 K with their intervals.
// The run loop may call write_arrhenius_summary after all replicas finish (it needs >= 3 temperatures).
#pragma once
#include <cmath>
#include <string>
#include <vector>

#include "analysis/analysis_set.hpp"
#include "analysis/arrhenius.hpp"
#include "analysis/results.hpp"

namespace mdrun {

struct ReplicaDiffusion {
    std::string replica;
    double T_K = 0;
    AnalysisResults results;
};

struct ArrheniusSpecies {
    std::string species;
    std::vector<std::string> used, excluded;      // replica names; excluded with reasons "name: reason"
    std::vector<ArrheniusPoint> points;
    ArrheniusResult fit;
    int n_ions = 0;            // atoms of the species (for sigma at T0)
    double z = 0;
    double volume_sum_A3 = 0, mean_volume_A3 = std::nan("");
    double sigma_T0_mS_cm = std::nan(""), sigma_T0_lo95_mS_cm = std::nan(""), sigma_T0_hi95_mS_cm = std::nan("");
};

std::vector<ArrheniusSpecies> arrhenius_from_replicas(const std::vector<ReplicaDiffusion>& replicas, double T0_K = 300);

// Writes arrhenius.json (atomically) from the replicas' AnalysisSets (names and temperatures from their run info).
void write_arrhenius_summary(const std::string& path, const std::vector<const AnalysisSet*>& replicas);

}  // namespace mdrun
