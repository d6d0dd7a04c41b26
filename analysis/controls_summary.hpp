// The frozen-species controls of a replica series (issue 17; the paper's protocol): replicas are grouped by
// (temperature, seed) into a mobile run, a frozen-framework ("frozen-anion": every non-mobile-ion species
// frozen) run and a frozen-ion ("frozen-Na") run. Per group: D of the mobile ion mobile vs frozen-framework
// with their ratio and its uncertainty (the D fits' standard deviations propagated), the same ratio of the per-atom TMSD at
// tau_cls (defined even when the frozen run's D is "insufficient" because its MSD plateaus), C1/C2 mobile
// vs frozen-ion at tau_cls; per replica the paper's classification (rotation: min C1 < 0.9; diffusion:
// ion TMSD > 5 Å^2; framework melting: framework-cation TMSD > 2 Å^2) and whether it finished. Over seeds:
// means with standard errors, and the fraction of replicas classified as melted. Written to controls.json.
#pragma once
#include <string>
#include <vector>

#include "analysis/results.hpp"

namespace mdrun {

struct ControlReplica {
    std::string name;
    double T_K = 0;
    long seed = 0;
    std::vector<std::string> frozen;  // [md].freeze of the replica
    bool stopped = false;
    long stop_step = -1;
    std::string stop_reason;
    AnalysisResults results;
};

// A value with its one-sigma uncertainty; status "ok" or why it is missing.
struct ValueSigma {
    double value = 0, sigma = 0;
    std::string status = "ok";
};

struct ControlRow {  // one replica
    std::string name, kind, verdict;  // kind: mobile | frozen_framework | frozen_ion | other
    double T_K = 0;
    long seed = 0;
    std::vector<std::string> frozen;
    bool finished = true;
    std::string stop_reason;
    double t_run_ps = 0, tau_cls_ps = 0;
    std::string ion;                   // mobile-ion species ("" when none)
    std::string D_status;
    double D_cm2_s = 0, sigma_D_cm2_s = 0;
    ValueSigma tmsd_ion_A2;            // per-atom TMSD of the ion at tau_cls
    double min_c1 = 0, c1_tau = 0, c2_tau = 0;  // NaN without reorientation
    bool rotation_evaluated = false, rotating = false, ion_diffusing = false, melted = false;
    std::vector<std::string> melted_species;
    std::vector<std::pair<std::string, double>> tmsd_at_tau_cls;  // every species (the classification's numbers)
};

struct ControlGroup {  // one (T, seed)
    double T_K = 0;
    long seed = 0;
    int mobile = -1, frozen_framework = -1, frozen_ion = -1;  // indices into ControlsResult::replicas
    double tau_ps = 0;                 // common lag of the comparisons (the smaller tau_cls)
    ValueSigma D_ratio, tmsd_ratio;    // frozen-framework / mobile
    ValueSigma c1_mobile, c1_frozen_ion, c2_mobile, c2_frozen_ion;
    bool usable = false;               // mobile and frozen-framework finished, mobile not melted
    std::string note;
};

struct ControlsOverSeeds {  // one temperature
    double T_K = 0;
    int seeds = 0, usable = 0;
    ValueSigma D_mobile, D_ratio, tmsd_ratio, c1_mobile, c1_frozen_ion;  // mean and standard error over usable seeds
    int replicas = 0, melted = 0, mobile_replicas = 0, mobile_melted = 0, not_finished = 0;
};

struct ControlsResult {
    std::vector<ControlRow> replicas;
    std::vector<ControlGroup> groups;
    std::vector<ControlsOverSeeds> temperatures;
    bool any_control() const;  // at least one frozen-framework or frozen-ion replica
};

ControlsResult controls_from_replicas(const std::vector<ControlReplica>& reps);

// Writes controls.json atomically.
void write_controls_json(const std::string& path, const ControlsResult& c);

// Mean and standard error (sd / sqrt(n)); with one value its own sigma; status "none" for no values.
ValueSigma mean_sem(const std::vector<ValueSigma>& v);

}  // namespace mdrun
