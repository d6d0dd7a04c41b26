// End-of-run (or on-demand) results computed from the accumulators: averaged curves per species/kind,
// D with its three uncertainties, Nernst-Einstein sigma, Haven ratio, spectra, rho(theta, phi) and the
// run classification. The writer (results_writer.cpp) turns this into files; tests read it directly.
#pragma once
#include <cmath>
#include <string>
#include <vector>

#include "analysis/analysis_set.hpp"
#include "analysis/diffusion_fit.hpp"
#include "analysis/green_kubo.hpp"
#include "analysis/haven_blocks.hpp"
#include "analysis/polyanion_rotation.hpp"
#include "analysis/spectral_overlap.hpp"
#include "analysis/spectrum.hpp"
#include "engine/core/vec3.hpp"

namespace mdrun {

struct SpeciesMsd {
    std::string species;
    int n_atoms = 0;            // atoms averaged (mobile ones; all of them when the species is frozen)
    bool frozen = false;        // every atom of the species is frozen: MSD == 0, D = 0, not fitted
    bool diffusing = false;     // listed in msd.elements
    MsdCurve curve;             // per-atom MSD (Å^2) per direction and total, variance, origins
    std::vector<int> level;     // E1 level of each lag
    std::vector<double> mscd_A2;       // collective MSD <|sum_i dx_i|^2> (Å^2) at the same lags
    std::vector<double> mscd_var_A4;   // its variance over origins
    std::vector<double> mscd_origins;
};

struct DiffusionSummary {
    std::string species;
    DiffusionResult tracer;
    double z = 0;                         // charge number used (0 = unknown: sigma not computed)
    // Nernst-Einstein conductivity from D* (Haven ratio taken as 1), with the interval of D*.
    double sigma_mS_cm = 0, sigma_lo_mS_cm = 0, sigma_hi_mS_cm = 0, sigma_err_mS_cm = 0;
    std::string sigma_status;             // "ok" | "no_oxidation_state" | D's status
    // Collective (charge) D from the MSCD: the block estimate (mean over blocks, its standard error and the
    // Student-t 95 % interval; haven_blocks.hpp), which the Haven ratio uses.
    double D_sigma_cm2_s = 0, D_sigma_lo_cm2_s = 0, D_sigma_hi_cm2_s = 0, D_sigma_err_cm2_s = 0;
    BlockDsigma sigma_blocks;             // the blocks behind it (values in Å^2/ps)
    // For comparison only: the full-run kinisi-model fit of the MSCD (its interval under-covers).
    double D_sigma_gls_cm2_s = 0, D_sigma_gls_lo_cm2_s = 0, D_sigma_gls_hi_cm2_s = 0;
    double haven_ratio = 0, haven_ratio_err = 0, haven_ratio_lo = 0, haven_ratio_hi = 0;
    std::string haven_status;
    // Conductivity with the measured Haven ratio (= NE with D_sigma), when haven_status is ok; else NaN.
    double sigma_haven_mS_cm = std::nan(""), sigma_haven_lo_mS_cm = std::nan(""), sigma_haven_hi_mS_cm = std::nan("");
    double D_green_kubo_cm2_s = 0;        // plateau of the running VACF integral (vacf.elements), else NaN
    GreenKuboResult green_kubo;           // running integral, plateau test, error
};

struct ReorientationCurve {
    std::string centre;
    int bonds = 0;
    std::vector<double> tau_ps, c1, c2, pairs;
    std::vector<int> level;
    double min_c1 = 1;                    // over tau <= tau_max
    bool rotating = false;
    // Reorientation time of the species-averaged C1: integral (trapezoid over the stored lags, C1(0) = 1) to the
    // first zero crossing. When C1 stays positive: status "lower_bound" and the integral over all lags.
    double tau_rot_ps = 0;
    std::string tau_rot_status;
};

struct CorrelationCurve {
    std::string name;                     // species (VACF) or centre species (angular VACF)
    int items = 0;
    std::vector<double> lag_ps, c;        // C(lag): Å^2/ps^2 (VACF) or rad^2/ps^2 (angular)
    Spectrum spectrum;                    // normalised, Hann-windowed, THz
};

struct OrientationDensity {
    std::string centre;
    int n_cos = 0, n_phi = 0;
    std::vector<double> rho_per_sr;       // [cos bin][phi bin], integral over the sphere = 1
    unsigned long long vectors = 0;
};

struct HopRecord {
    std::string species;
    long atom_id = 0;
    double t_start_ps = 0, t_mid_ps = 0, t_end_ps = 0;
    Vec3 vector{0, 0, 0};
};

struct HopSummary {
    std::string species;
    int atoms = 0;
    long events = 0;
    double rate_per_atom_per_ps = 0;   // events / (atoms x evaluated time)
};

struct CnaRecord {
    std::string ion_species;
    long ion_id = 0, centre_id = 0, ligand_id = 0;
    double t_start_ps = 0, t_end_ps = 0, dtheta_cna_rad = 0, dtheta_ca_rad = 0;
};

struct HopRotationRecord {
    bool hop = false;                     // hop neighbour (true) or baseline sample
    long ion_id = 0;                      // hopping ion (0 for baseline)
    long centre_id = 0;                   // polyanion centre
    std::string centre;                   // its species
    double t_centre_ps = 0;               // window centre (s_hop or the random time), from the first sample
    double dtheta_rad = 0;                // mean bond-turn angle over [t - Delta, t + Delta]
};

struct HopRotationResult {
    bool enabled = false;
    double half_window_ps = 0;            // Delta (rounded to whole sampling intervals)
    std::vector<std::pair<std::string, double>> r_shell_A;  // per centre species
    int baseline_per_hop = 0;
    long seed = 0;
    long hops_detected = 0;               // events of the detector (closed and still open)
    long hops_used = 0, hops_no_neighbour = 0, hops_window_before_start = 0, hops_window_lost = 0,
         hops_window_past_end = 0, hops_open_at_end = 0;
    long n_hop = 0, n_baseline = 0;       // samples in each group
    double mean_hop_deg = 0, mean_baseline_deg = 0, median_hop_deg = 0, median_baseline_deg = 0;
    double u = 0, z = 0, p_value = 0, cles = 0;
    std::string p_method;
    std::string reason;                   // why nothing could be computed (n = 0), else empty
    std::vector<HopRotationRecord> samples;
};

struct Classification {
    double tau_cls_ps = 0;
    bool framework_melting = false;
    std::vector<std::string> melted_species;
    bool na_diffusing = false;
    bool polyanions_rotating = false;
    bool rotation_evaluated = false;
    double max_framework_displacement_A = 0;
    std::vector<std::pair<std::string, double>> tmsd_at_tau_cls;  // per species, per-atom TMSD (Å^2)
};

struct SpectralOverlapRecord {
    std::string species, centre;          // VACF species, angular-VACF centre species
    SpectralOverlap o;
};

struct AnalysisResults {
    long samples = 0;
    double sample_dt_ps = 0, t_run_ps = 0, mean_volume_A3 = 0;
    double start_ps = 0;                   // [analysis].start_ps (equilibration discarded)
    long start_step = 0;
    double mean_temperature_K = 0;         // mean of the thermo temperatures at steps >= start_step (NaN: none)
    long temperature_samples = 0;
    std::vector<std::pair<std::string, int>> atoms_per_species, mobile_atoms_per_species;
    std::vector<std::pair<std::string, std::string>> provenance;  // from AnalysisRunInfo
    std::vector<SpeciesMsd> msd;
    std::vector<DiffusionSummary> diffusion;
    std::vector<ReorientationCurve> reorientation;
    PolyanionRotationSet polyanion_rotation;  // per polyanion C1/C2, tau_rot; fraction rotating per kind
    std::vector<CorrelationCurve> vacf, angular_vacf;
    std::vector<SpectralOverlapRecord> spectral_overlap;  // every (vacf species, angular centre) pair, < 8 THz
    std::vector<OrientationDensity> orientation;
    bool hops_enabled = false;
    std::vector<HopRecord> hops;
    std::vector<HopSummary> hop_summary;
    bool cna_enabled = false;
    std::vector<std::pair<std::string, double>> cna_r_shell_A;  // per centre species
    double cna_tau_min_ps = 0;
    std::string cna_reason;                // why n < 3 (no correlation), else empty
    long cna_spans = 0;                    // (ion, centre) spans seen, long enough or not
    double cna_longest_span_ps = 0;
    std::vector<CnaRecord> cna_events;     // closed events
    long cna_n = 0;                        // events in the correlation (closed + long-enough open spans)
    double cna_r = 0, cna_ci_lo = 0, cna_ci_hi = 0;
    HopRotationResult hop_rotation;
    Classification classification;
};

AnalysisResults compute_results(const AnalysisSet& set);

// The hop-rotation part of the results (analysis/hop_rotation_results.cpp).
void hop_rotation_results(const AnalysisSet::Impl& I, HopRotationResult& out);

// Integral of C1 (with C1(0) = 1 at tau = 0) by the trapezoid rule to its first zero (linearly interpolated):
// status "ok"; when C1 stays positive, the integral over all lags and status "lower_bound".
double reorientation_time(const std::vector<double>& tau_ps, const std::vector<double>& c1, std::string& status);

// Default charge numbers for Nernst-Einstein (alkali and coinage metals +1, alkaline earths/Zn +2);
// 0 when unknown. [analysis].oxidation_states overrides.
double default_oxidation_state(const std::string& element);

}  // namespace mdrun
