// The streaming-analysis manager the run loop talks to: one AnalysisSet per replica.
// It owns every accumulator of [analysis] (MSD/MSCD on the multi-level engine E1, polyanion C(t) on E1,
// VACF and angular-velocity ACF on the linear correlator E2, the orientation density rho(theta, phi)),
// samples them every `sample_every` steps, saves/loads them bit-exactly in checkpoints and writes the
// result files (analysis.h5, CSVs, summary.json) at the end. Specification: shared/docs/analysis.md.
#pragma once
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <toml.hpp>

#include "engine/core/binary_io.hpp"
#include "engine/core/system.hpp"

namespace mdrun {

struct AnalysisConfig {
    bool enabled = false;         // false when the config has no [analysis] table: sample()/write are no-ops
    long sample_every = 10;       // steps between samples
    double start_ps = 0.0;        // equilibration discarded: no accumulator sees a step before this time
    std::string drift = "framework";  // "framework" (mean displacement of non-MSD, non-frozen atoms) | "none"

    // MSD per element and direction + collective (charge) MSD, engine E1.
    bool msd = false;
    std::vector<std::string> msd_elements;
    int msd_block = 16;           // B: snapshots kept per level
    int msd_ratio = 2;            // m: decimation factor between levels
    int haven_blocks = 0;         // blocks of the D_sigma / Haven-ratio error (0: automatic, haven_blocks.hpp)

    // Polyanion reorientation C1(t), C2(t), engine E1 on unit bond vectors.
    bool reorientation = false;
    std::vector<std::string> centers;   // centre species (groups shared by reorientation / angular_vacf / rho)
    std::vector<std::string> ligands;   // ligand (anion) species; default: the anions present
    double bond_cutoff_A = 0.0;         // 0 = automatic (first g(r) minimum, fallback 1.25 (r_cov,C + r_cov,A))

    // Linear-lag correlators (engine E2).
    bool vacf = false;
    std::vector<std::string> vacf_elements;
    double vacf_max_lag_fs = 2000.0;
    bool angular_vacf = false;
    double angular_vacf_max_lag_fs = 2000.0;

    // Orientation density of centre->ligand bonds.
    bool orientation_density = false;
    int rho_bins_theta = 90;            // bins in cos(theta)
    int rho_bins_phi = 180;             // bins in phi

    // Long-lived hops by the h functional (analysis.md §6); defaults are ours, not the papers'.
    bool hops = false;
    std::vector<std::string> hop_elements;  // default: msd.elements
    double hop_a_A = 1.5, hop_window_ps = 0.4, hop_ta_ps = 2.0, hop_tau_v_ps = 0.1;

    // Centre-ion / centre-anion angular-displacement correlation (analysis.md §8); uses the polyanion groups.
    bool cna = false;
    std::vector<std::string> cna_elements;  // default: msd.elements
    double cna_r_shell_A = 0.0;             // 0 = first minimum of the centre-ion g(r) at step 0
    std::map<std::string, double> cna_r_shell_by_centre;  // r_shell_A = { P = 4.2 }: per centre species
    double cna_tau_min_ps = 1.0;

    // Hop-rotation correlation (docs/analysis.md, "Hop-rotation correlation"); needs hops and the groups.
    bool hop_rotation = false;
    double hoprot_half_window_ps = 0.5;     // Delta: the window is [t_hop - Delta, t_hop + Delta]
    double hoprot_r_shell_A = 0.0;          // 0 = first minimum of the centre-ion g(r) at step 0
    std::map<std::string, double> hoprot_r_shell_by_centre;
    int hoprot_baseline_per_hop = 1;        // random window centres per hop (all polyanions at each)
    long hoprot_seed = 1;
    double hoprot_max_hop_ps = 2.0;         // longest h = 1 run whose window the ring still holds

    // Results (diffusion fit, conductivity, classification).
    double fit_min_tmsd_A2 = 4.5;       // He/Mo rule: window starts at the first lag with TMSD >= this ...
    double fit_min_time_ps = 1.0;       // ... and >= this time; ends at 0.5 t_run
    double site_distance_A = 3.0;       // a of the He et al. empirical RSD
    double tau_cls_ps = 1e300;          // classification lag: min(0.5 t_run, tau_cls_ps)
    double rotation_tmax_ps = 1e300;    // rotating if min_{tau <= min(0.5 t_run, this)} C1 < 0.9
    std::map<std::string, double> oxidation_states;  // z per element for Nernst-Einstein (defaults: Na, Li, K = +1)
    // Stop a replica (alone) when its classification says framework_melting; checked where the run loop writes
    // a checkpoint (engine/run/replica_stop.hpp). A melt is no longer the crystal the run was meant to sample.
    bool stop_on_melting = true;
};

// Parses the [analysis] table strictly (unknown keys name themselves and suggest the closest).
AnalysisConfig parse_analysis_config(const toml::value& analysis_table, const std::string& config_file);

struct AnalysisRunInfo {
    double timestep_ps = 0.001;
    double temperature_K = 300.0;
    long total_steps = 0;
    std::string replica_name;
    // Set when the run loop stopped this replica early (summary.json "run.stop"); -1 = not stopped.
    long stopped_at_step = -1;
    std::string stop_reason;
    // What the run was made with (potential file hash, thermostat, seed ...), JSON values by key; written to
    // summary.json as is. Filled by the run loop (engine/run/run_provenance.cpp).
    std::vector<std::pair<std::string, std::string>> provenance;
};

class AnalysisSet {
public:
    AnalysisSet(const AnalysisConfig& config, const System& initial, const AnalysisRunInfo& info);
    ~AnalysisSet();
    AnalysisSet(AnalysisSet&&) noexcept;
    AnalysisSet& operator=(AnalysisSet&&) noexcept;

    int sample_every() const;
    bool due(long step) const;  // step % sample_every == 0, step >= start_step() (and analysis enabled)
    long start_step() const;    // first step that may be sampled: ceil(start_ps / timestep)
    // The run loop reports the instantaneous temperature at its thermo steps; those at steps >= start_step()
    // make the measured mean temperature of summary.json (checkpointed with the accumulators).
    void observe_temperature(long step, double T_K);
    // Called at every due step, step 0 included. sys.pos may be wrapped or unwrapped: positions are
    // unwrapped incrementally here (analysis.md §0), which needs no atom to move more than half a cell
    // between samples.
    void sample(long step, const System& sys);
    void save(BinaryWriter& w) const;   // bit-identical restart
    void load(BinaryReader& r);
    // Writes analysis.h5, msd.csv, reorientation.csv, vacf.csv, spectra.csv, orientation_density.csv, hops.csv and
    // summary.json (only the files of enabled analyses) into replica_dir, each atomically.
    void write_results(const std::string& replica_dir) const;

    long samples_taken() const;

    struct Impl;
    const Impl& impl() const { return *impl_; }  // read access for tests and the results writer
    // Write access for kernels/device_analysis.hpp, which keeps the accumulators on the GPU between
    // samples and copies them back here before results or checkpoints are written.
    Impl& mutable_impl() { return *impl_; }

private:
    std::unique_ptr<Impl> impl_;
};

}  // namespace mdrun
