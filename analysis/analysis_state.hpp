// The accumulators behind AnalysisSet (its pimpl), visible to the results code and the unit tests.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "analysis/analysis_set.hpp"
#include "analysis/cna_correlation.hpp"
#include "analysis/collective_series.hpp"
#include "analysis/hop_events.hpp"
#include "analysis/hop_rotation.hpp"
#include "analysis/linear_correlator.hpp"
#include "analysis/multilevel_correlator.hpp"
#include "analysis/polyanion_groups.hpp"

namespace mdrun {

struct AnalysisSet::Impl {
    AnalysisConfig cfg;
    AnalysisRunInfo info;

    // Static description of the system (from the initial structure).
    std::vector<std::string> species;
    std::vector<int> type;
    std::vector<double> mass;
    std::vector<std::uint8_t> frozen;
    std::vector<int> diffusing;      // per species: 1 if listed in msd.elements (mobile ion), else framework
    std::vector<int> drift_atoms;    // mobile framework atoms whose mean displacement is the drift R(t)
    double half_width_A = 0;         // half the smallest perpendicular cell width (bond-length check)

    // Sampling state.
    long n_samples = 0;
    long first_step = -1, last_step = -1;
    double volume_sum_A3 = 0;        // sum of V over samples (NPT-ready: sigma uses <V>)
    std::vector<Vec3> prev_wrapped;  // positions at the previous sample, as given
    std::vector<Vec3> unwrapped;     // u_i(t)
    std::vector<Vec3> unwrapped0;    // u_i(0)
    std::vector<Vec3> drift_now;     // R(t) (one element; a vector so it serialises with vec())
    double max_framework_disp_A = 0; // max over samples and mobile framework atoms of |x_i(t) - x_i(0)|
    double temperature_sum_K = 0;    // sum of the thermo temperatures at steps >= start_step
    long temperature_count = 0;

    // MSD (E1 displacement mode): items = all atoms; group = species for mobile atoms, n_species + species
    // for frozen atoms (so a frozen species reports its own, exactly zero, MSD and never dilutes a mobile one).
    MultiLevelCorrelator msd;
    // Collective (charge) MSD: one item per species, X_s = sum of x_i over its mobile atoms.
    MultiLevelCorrelator mscd;
    std::vector<int> mobile_count;   // per species: number of mobile atoms
    // The same collective coordinates, kept as a bounded coarse series for the block estimate of D_sigma
    // and the Haven ratio (haven_blocks.hpp); item s = species s. Host-side on the GPU path too.
    CollectiveSeries mscd_series;

    // Polyanion groups (shared by reorientation, angular VACF and rho).
    PolyanionGroups groups;
    MultiLevelCorrelator reor;       // E1 dot mode: items = bonds, group = polyanion
    std::vector<int> vacf_atoms;     // atoms in the VACF (mobile atoms of vacf.elements)
    std::vector<int> vacf_species;   // species index per vacf group
    LinearCorrelator vacf;           // items = vacf_atoms, group = index in vacf_species
    LinearCorrelator wacf;           // items = groups, group = centre kind
    std::vector<std::uint64_t> rho_counts;  // [kind][cos-theta bin][phi bin]
    std::vector<std::uint64_t> rho_total;   // per kind: bond vectors histogrammed
    std::vector<int> hop_atoms;      // atoms tracked by the hop detector (mobile atoms of hops.elements)
    HopDetector hops;
    CnaTracker cna;
    std::vector<double> cna_r_shell_kind;  // shell radius per centre species (configured or step-0 g(r))
    HopRotationTracker hoprot;             // items = hop_atoms, groups = the polyanion groups
    std::vector<double> hoprot_r_shell_kind;
    std::vector<long> id;            // per atom: 1-based id from the input (for hops.csv)

    // Scratch (not state).
    std::vector<Vec3> scratch_x, scratch_items;

    double sample_dt_ps() const { return cfg.sample_every * info.timestep_ps; }
    double t_run_ps() const { return n_samples > 1 ? (n_samples - 1) * sample_dt_ps() : 0.0; }
    int species_index(const std::string& s) const;
};

}  // namespace mdrun
