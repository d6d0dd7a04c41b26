// Cross-replica Arrhenius summary (analysis.md §4, §10): for each diffusing species, the replicas whose D fit
// is ok, whose mobile ion diffuses (TMSD > 5 Å^2 at tau_cls) and whose framework did not melt enter a
// weighted Arrhenius fit (sigma_D = the GLS uncertainty); D and sigma are extrapolated to 300 K.
// The run loop may call write_arrhenius_summary after all replicas finish (it needs >= 3 temperatures).
#pragma once
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
};

std::vector<ArrheniusSpecies> arrhenius_from_replicas(const std::vector<ReplicaDiffusion>& replicas, double T0_K = 300);

// Writes arrhenius.json (atomically) from the replicas' AnalysisSets (names and temperatures from their run info).
void write_arrhenius_summary(const std::string& path, const std::vector<const AnalysisSet*>& replicas);

}  // namespace mdrun
