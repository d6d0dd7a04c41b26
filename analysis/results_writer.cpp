#include "analysis/results_writer.hpp"

#include <cmath>
#include <cstdio>
#include <sstream>

#include "analysis/analysis_set.hpp"
#include "analysis/analysis_state.hpp"
#include "analysis/results_h5.hpp"
#include "engine/core/atomic_file.hpp"
#include "engine/core/error.hpp"
#include "engine/core/units.hpp"
#include "engine/core/version.hpp"

namespace mdrun {

namespace {


std::string num(double v) {
    if (std::isnan(v)) return "nan";
    char b[40];
    std::snprintf(b, sizeof b, "%.17g", v);
    return b;
}
std::string jnum(double v) {  // JSON has no NaN/Inf: null
    if (!std::isfinite(v)) return "null";
    return num(v);
}
std::string jstr(const std::string& s) {
    std::string o = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') o += '\\';
        if (static_cast<unsigned char>(c) < 0x20) { o += ' '; continue; }
        o += c;
    }
    return o + "\"";
}
std::string jbool(bool b) { return b ? "true" : "false"; }

void write_msd_csv(std::ostream& os, const AnalysisResults& r) {
    os << "# mdrun streaming MSD (analysis.md §1-2): per-atom averages over atoms of the species and over all\n"
          "# time origins spaced ratio^level samples apart (exact at every stored lag); drift-corrected positions.\n"
          "# units: lag_ps [ps]; msd_*_A2, tmsd_A2 [Å^2]; n_tmsd_A2 = n_atoms*tmsd [Å^2] (He et al. TMSD);\n"
          "# var_sq_A4 = <|dr|^4> - <|dr|^2>^2 [Å^4]; mscd_A2 = <|sum_i dr_i|^2> collective (charge) MSD [Å^2]\n"
          "# origins = time origins averaged at the lag (per atom); in_fit_window = 1 for the lags the D fit used\n";
    os << "species,lag_ps,level,origins,n_atoms,msd_x_A2,msd_y_A2,msd_z_A2,tmsd_A2,n_tmsd_A2,var_sq_A4,mscd_A2,"
          "in_fit_window\n";
    for (const auto& m : r.msd) {
        double lo = NAN, hi = NAN;
        for (const auto& d : r.diffusion)
            if (d.species == m.species && d.tracer.status == "ok") {
                lo = d.tracer.fit_tau_min_ps;
                hi = d.tracer.fit_tau_max_ps;
            }
        for (std::size_t i = 0; i < m.curve.tau_ps.size(); ++i) {
            const double t = m.curve.tau_ps[i];
            os << m.species << ',' << num(t) << ',' << m.level[i] << ',' << num(m.curve.origins[i])
               << ',' << m.n_atoms << ',' << num(m.curve.msd_xyz_A2[0][i]) << ',' << num(m.curve.msd_xyz_A2[1][i])
               << ',' << num(m.curve.msd_xyz_A2[2][i]) << ',' << num(m.curve.tmsd_A2[i]) << ','
               << num(m.n_atoms * m.curve.tmsd_A2[i]) << ',' << num(m.curve.var_sq_A4[i]) << ','
               << num(m.mscd_A2[i]) << ',' << (t >= lo && t <= hi ? 1 : 0) << '\n';
        }
    }
}

void write_reorientation_csv(std::ostream& os, const AnalysisResults& r) {
    os << "# mdrun polyanion reorientation (analysis.md §5): C1 = <u(t0).u(t0+tau)>, C2 = <P2(u(t0).u(t0+tau))>\n"
          "# over all centre->ligand unit bond vectors and origins spaced ratio^level samples apart.\n"
          "# units: lag_ps [ps]; C1, C2 dimensionless; pairs = (bond, origin) pairs averaged\n";
    os << "centre,lag_ps,level,pairs,C1,C2\n";
    for (const auto& c : r.reorientation)
        for (std::size_t i = 0; i < c.tau_ps.size(); ++i)
            os << c.centre << ',' << num(c.tau_ps[i]) << ',' << c.level[i] << ',' << num(c.pairs[i]) << ','
               << num(c.c1[i]) << ',' << num(c.c2[i]) << '\n';
}

void write_polyanion_rotation_csv(std::ostream& os, const AnalysisResults& r) {
    const PolyanionRotationSet& P = r.polyanion_rotation;
    os << "# mdrun reorientation_per_polyanion.csv format 1 (docs/analysis.md, per-polyanion reorientation)\n"
          "# C1 = <u(t0).u(t0+tau)>, C2 = <P2(u(t0).u(t0+tau))> over the bonds of ONE polyanion and all origins.\n"
          "# centre_id = 1-based id of the centre atom; units: lag_ps [ps]; pairs_per_bond = origins behind the lag;\n"
          "# per polyanion (summary.json reorientation_per_polyanion): min_C1 over tau <= min(0.5 t_run, rotation_tmax_ps),\n"
          "# rotating = min_C1 < 0.9, tau_rot = integral of C1 to its first zero\n";
    os << "centre,centre_id,lag_ps,pairs_per_bond,C1,C2\n";
    for (const auto& p : P.polyanions)
        for (std::size_t i = 0; i < P.tau_ps.size(); ++i)
            os << p.centre << ',' << p.centre_id << ',' << num(P.tau_ps[i]) << ',' << num(P.pairs_per_bond[i]) << ','
               << num(p.c1[i]) << ',' << num(p.c2[i]) << '\n';
}

void write_vacf_csv(std::ostream& os, const AnalysisResults& r) {
    os << "# mdrun linear-lag autocorrelations (analysis.md §7), every sample an origin.\n"
          "# kind = vacf: C = <v_i(0).v_i(t)> [Å^2/ps^2] per species; kind = angular_vacf: C = <w_j(0).w_j(t)>\n"
          "# [rad^2/ps^2] per polyanion centre species, w = I^-1 L about the group centre of mass.\n"
          "# units: lag_ps [ps]; C_normalised = C/C(0) dimensionless; origins = time origins behind the lag;\n"
          "# D_running_cm2_s = (1/3) int_0^t C (Green-Kubo running integral, vacf only) [cm^2/s] and its noise\n"
          "# sigma_running_cm2_s = |D| sqrt(4 t / (3 N t_run)); in_plateau = 1 on the lags averaged for D_GK\n";
    os << "kind,name,lag_ps,origins,C,C_normalised,D_running_cm2_s,sigma_running_cm2_s,in_plateau\n";
    const auto rows = [&](const char* kind, const std::vector<CorrelationCurve>& cs, bool gk) {
        for (const auto& c : cs) {
            const GreenKuboResult* g = nullptr;
            if (gk)
                for (const auto& d : r.diffusion)
                    if (d.species == c.name && d.green_kubo.D_running_cm2_s.size() == c.c.size()) g = &d.green_kubo;
            for (std::size_t i = 0; i < c.c.size(); ++i) {
                const double origins = r.samples > static_cast<long>(i) ? static_cast<double>(r.samples - i) : 0.0;
                os << kind << ',' << c.name << ',' << num(c.lag_ps[i]) << ',' << num(origins) << ',' << num(c.c[i]) << ','
                   << num(c.c[0] != 0 ? c.c[i] / c.c[0] : std::nan("")) << ','
                   << num(g ? g->D_running_cm2_s[i] : NAN) << ',' << num(g ? g->sigma_running_cm2_s[i] : NAN) << ','
                   << (g && g->status == "plateau" && c.lag_ps[i] >= g->plateau_from_ps ? 1 : 0) << '\n';
            }
        }
    };
    rows("vacf", r.vacf, true);
    rows("angular_vacf", r.angular_vacf, false);
}

void write_spectra_csv(std::ostream& os, const AnalysisResults& r) {
    os << "# mdrun power spectra (analysis.md §7): one-sided, Hann-windowed, normalised so that the integral of g\n"
          "# over nu in [0, nu_Nyquist] is 1: g(nu) = (2 dt/C0)[w0 C0 + 2 sum_n w_n C_n cos(2 pi nu n dt)].\n"
          "# units: nu_THz [THz = 1/ps, not rad/ps]; g_per_THz [1/THz]\n";
    os << "kind,name,nu_THz,g_per_THz\n";
    const auto rows = [&](const char* kind, const std::vector<CorrelationCurve>& cs) {
        for (const auto& c : cs)
            for (std::size_t i = 0; i < c.spectrum.g.size(); ++i)
                os << kind << ',' << c.name << ',' << num(c.spectrum.nu_THz[i]) << ',' << num(c.spectrum.g[i]) << '\n';
    };
    rows("vacf", r.vacf);
    rows("angular_vacf", r.angular_vacf);
}

void write_rho_csv(std::ostream& os, const AnalysisResults& r) {
    const double pi = 3.14159265358979323846;
    os << "# mdrun orientation density of centre->ligand bond vectors (analysis.md §9), lab frame.\n"
          "# Equal-area bins: uniform in cos(theta) in [-1, 1] and phi = atan2(u_y, u_x) in [-pi, pi).\n"
          "# units: cos_theta dimensionless; phi_rad [rad]; rho_per_sr [1/sr], integral over the sphere = 1\n"
          "# (isotropic: 1/(4 pi) = 0.0795775)\n";
    os << "centre,cos_theta_lo,cos_theta_hi,phi_lo_rad,phi_hi_rad,rho_per_sr\n";
    for (const auto& o : r.orientation)
        for (int it = 0; it < o.n_cos; ++it)
            for (int ip = 0; ip < o.n_phi; ++ip)
                os << o.centre << ',' << num(-1.0 + 2.0 * it / o.n_cos) << ',' << num(-1.0 + 2.0 * (it + 1) / o.n_cos)
                   << ',' << num(-pi + 2.0 * pi * ip / o.n_phi) << ',' << num(-pi + 2.0 * pi * (ip + 1) / o.n_phi)
                   << ',' << num(o.rho_per_sr[static_cast<std::size_t>(it) * o.n_phi + ip]) << '\n';
}

void write_hops_csv(std::ostream& os, const AnalysisResults& r) {
    os << "# mdrun long-lived hops by the h functional (analysis.md §6) on time-averaged, drift-corrected positions.\n"
          "# One row per event (maximal run of h = 1); runs still open at the end of the run are closed there.\n"
          "# units: t_*_ps [ps]; dx_A, dy_A, dz_A, length_A [Å] = rbar(t_end + t_a/2) - rbar(t_start - t_a/2)\n";
    os << "species,atom_id,t_start_ps,t_mid_ps,t_end_ps,dx_A,dy_A,dz_A,length_A\n";
    for (const auto& h : r.hops)
        os << h.species << ',' << h.atom_id << ',' << num(h.t_start_ps) << ',' << num(h.t_mid_ps) << ','
           << num(h.t_end_ps) << ',' << num(h.vector.x) << ',' << num(h.vector.y) << ',' << num(h.vector.z) << ','
           << num(norm(h.vector)) << '\n';
}

void write_cna_csv(std::ostream& os, const AnalysisResults& r) {
    os << "# mdrun centre-ion / centre-anion angular displacement events (analysis.md §8): the ion stays within\n"
          "# r_shell of one centre (each (ion, centre) pair on its own) for >= tau_min = " << num(r.cna_tau_min_ps)
       << " ps; r_shell [A]:";
    for (const auto& kv : r.cna_r_shell_A) os << ' ' << kv.first << '=' << num(kv.second);
    os << "; the ligand is the one closest to the ion at the start.\n"
          "# units: t_*_ps [ps]; dtheta_* [rad] = arccos(u(t_start).u(t_end)), the angle to the initial direction\n";
    os << "ion_species,ion_id,centre_id,ligand_id,t_start_ps,t_end_ps,dtheta_CNa_rad,dtheta_CA_rad\n";
    for (const auto& e : r.cna_events)
        os << e.ion_species << ',' << e.ion_id << ',' << e.centre_id << ',' << e.ligand_id << ',' << num(e.t_start_ps)
           << ',' << num(e.t_end_ps) << ',' << num(e.dtheta_cna_rad) << ',' << num(e.dtheta_ca_rad) << '\n';
}

void write_hop_rotation_csv(std::ostream& os, const AnalysisResults& r) {
    const HopRotationResult& h = r.hop_rotation;
    os << "# mdrun hop-rotation correlation (docs/analysis.md): dtheta = mean over a polyanion's bonds of the angle its\n"
          "# centre->ligand unit vector turns between t - Delta and t + Delta, Delta = " << num(h.half_window_ps)
       << " ps. group = hop: polyanions with centre within r_shell of the hopping ion at t = t_hop (r_shell [A]:";
    for (const auto& kv : h.r_shell_A) os << ' ' << kv.first << '=' << num(kv.second);
    os << "); group = baseline: every polyanion at " << h.baseline_per_hop
       << " random window centres per hop (seed " << h.seed << ").\n"
          "# units: t_centre_ps [ps, from the first analysis sample]; dtheta_rad [rad]; ion_id 0 for baseline rows\n";
    os << "group,ion_id,centre_species,centre_id,t_centre_ps,dtheta_rad\n";
    for (const auto& s : h.samples)
        os << (s.hop ? "hop" : "baseline") << ',' << s.ion_id << ',' << s.centre << ',' << s.centre_id << ','
           << num(s.t_centre_ps) << ',' << num(s.dtheta_rad) << '\n';
}

}  // namespace

void write_analysis_h5(const std::string& path, const AnalysisResults& r, const ResultsMetadata& meta) {
    // The HDF5 calls are in results_h5.cpp (libmdrun_h5.so for the mdrun executable); the file appears whole.
    write_path_atomically(path, [&](const std::string& tmp) { write_analysis_h5_file(tmp, path, r, meta); });
}

void write_summary_json(const std::string& path, const AnalysisResults& r, const ResultsMetadata& meta) {
    std::ostringstream o;
    o << "{\n  \"program\": " << jstr(std::string("mdrun ") + MDRUN_VERSION_STRING) << ",\n";
    o << "  \"units\": {\"D\": \"cm^2/s\", \"conductivity\": \"mS/cm\", \"time\": \"ps\", \"length\": \"angstrom\"},\n";
    o << "  \"run\": {\"replica\": " << jstr(meta.replica_name) << ", \"temperature_K\": " << jnum(meta.temperature_K)
      << ", \"timestep_ps\": " << jnum(meta.timestep_ps) << ", \"sample_every\": " << meta.sample_every
      << ", \"sample_interval_ps\": " << jnum(r.sample_dt_ps) << ", \"samples\": " << r.samples
      << ", \"first_step\": " << meta.first_step << ", \"last_step\": " << meta.last_step
      << ", \"t_run_ps\": " << jnum(r.t_run_ps) << ", \"mean_volume_A3\": " << jnum(r.mean_volume_A3)
      << ", \"drift_correction\": " << jstr(meta.drift) << ", \"msd_block\": " << meta.msd_block
      << ", \"msd_ratio\": " << meta.msd_ratio << ", \"stop\": ";
    if (meta.stopped_at_step >= 0)
        o << "{\"step\": " << meta.stopped_at_step << ", \"reason\": " << jstr(meta.stop_reason) << "}";
    else
        o << "null";
    o << ",\n          \"start_ps\": " << jnum(r.start_ps)
      << ", \"start_step\": " << r.start_step << ", \"mean_temperature_K\": " << jnum(r.mean_temperature_K)
      << ", \"temperature_samples\": " << r.temperature_samples
      << ", \"mean_temperature_note\": \"mean of the instantaneous temperatures at the thermo steps >= start_step\""
      << ",\n          \"atoms_per_species\": {";
    for (std::size_t k = 0; k < r.atoms_per_species.size(); ++k)
        o << (k ? ", " : "") << jstr(r.atoms_per_species[k].first) << ": " << r.atoms_per_species[k].second;
    o << "}, \"mobile_atoms_per_species\": {";
    for (std::size_t k = 0; k < r.mobile_atoms_per_species.size(); ++k)
        o << (k ? ", " : "") << jstr(r.mobile_atoms_per_species[k].first) << ": " << r.mobile_atoms_per_species[k].second;
    o << "}},\n";
    o << "  \"provenance\": {\"mdrun_version\": " << jstr(MDRUN_VERSION_STRING) << ", \"k_B_eV_K\": " << jnum(kBoltz);
    for (const auto& kv : r.provenance) o << ", " << jstr(kv.first) << ": " << kv.second;
    o << "},\n";
    o << "  \"diffusion\": [";
    for (std::size_t k = 0; k < r.diffusion.size(); ++k) {
        const auto& d = r.diffusion[k];
        const auto& t = d.tracer;
        o << (k ? "," : "") << "\n    {\"species\": " << jstr(d.species) << ", \"status\": " << jstr(t.status)
          << ", \"reason\": " << jstr(t.reason) << ",\n     \"D_cm2_s\": " << jnum(t.D_cm2_s)
          << ", \"D_interval_cm2_s\": [" << jnum(t.D_lo_cm2_s) << ", " << jnum(t.D_hi_cm2_s) << "]"
          << ", \"sigma_D_cm2_s\": " << jnum(t.sigma_D_cm2_s) << ", \"confidence_level\": " << jnum(t.confidence_level)
          << ", \"estimator\": " << jstr(kDEstimator)
          << ",\n     \"D_xyz_cm2_s\": [" << jnum(t.D_xyz_cm2_s[0]) << ", " << jnum(t.D_xyz_cm2_s[1]) << ", "
          << jnum(t.D_xyz_cm2_s[2]) << "], \"D_xyz_estimator\": \"GLS slope of MSD_alpha / 2 with the same covariance shape; no interval\""
          << ",\n     \"fit_window_ps\": [" << jnum(t.fit_tau_min_ps) << ", " << jnum(t.fit_tau_max_ps)
          << "], \"fit_points\": " << t.fit_points << ", \"fit_window_rule\": \"He/Mo: first lag with TMSD >= "
          << jnum(meta.fit_min_tmsd_A2) << " A^2 and tau >= " << jnum(meta.fit_min_time_ps)
          << " ps, to the last lag <= 0.5 t_run with >= 10 origins\", \"intercept_A2\": " << jnum(t.intercept_A2)
          << ", \"variance_model_a_A4\": " << jnum(t.variance_model_a_A4) << ", \"chi2\": " << jnum(t.chi2)
          << ", \"chi2_dof\": " << t.chi2_dof;
        if (t.status == "insufficient")
            o << ",\n     \"observed_slope_A2_ps\": " << jnum(t.observed_slope_A2_ps) << ", \"needed_t_run_ps\": "
              << jnum(t.needed_t_run_ps > 0 ? t.needed_t_run_ps : NAN) << ", \"needed_extra_ps\": "
              << jnum(t.needed_t_run_ps > 0 ? std::max(0.0, t.needed_t_run_ps - r.t_run_ps) : NAN);
        o << ",\n     \"he_empirical\": {\"note\": \"He et al. 2018 empirical RSD = 3.43/sqrt(N_eff) + 0.04, not "
             "from this run's fluctuations; for comparison only\", \"rsd\": " << jnum(t.he_rsd)
          << ", \"sigma_D_cm2_s\": " << jnum(t.sigma_he_cm2_s) << ", \"n_eff\": " << jnum(t.n_eff) << "}"
          << ",\n     \"z\": " << jnum(d.z) << ", \"conductivity_status\": " << jstr(d.sigma_status)
          << ", \"conductivity_mS_cm\": " << jnum(d.sigma_mS_cm) << ", \"conductivity_interval_mS_cm\": ["
          << jnum(d.sigma_lo_mS_cm) << ", " << jnum(d.sigma_hi_mS_cm) << "], \"conductivity_err_mS_cm\": "
          << jnum(d.sigma_err_mS_cm) << ", \"conductivity_estimator\": \"Nernst-Einstein from D* with Haven ratio 1: "
             "N z^2 e^2 D / (V k_B T), V = mean volume, T = target temperature; interval = that of D*\""
          << ",\n     \"D_sigma_cm2_s\": " << jnum(d.D_sigma_cm2_s) << ", \"D_sigma_interval_cm2_s\": ["
          << jnum(d.D_sigma_lo_cm2_s) << ", " << jnum(d.D_sigma_hi_cm2_s) << "], \"D_sigma_err_cm2_s\": "
          << jnum(d.D_sigma_err_cm2_s) << ", \"D_sigma_confidence_level\": " << jnum(d.sigma_blocks.level)
          << ", \"D_sigma_estimator\": \"blocks: the run cut into n_blocks consecutive blocks of equal length; in each, "
             "the OLS slope / (6 N) of the collective MSD |sum_i dr_i|^2 over all origins inside the block at lags "
             "[lag_min, lag_max] (the tracer fit window, at most half a block); D_sigma = mean over blocks, err = "
             "standard error s/sqrt(n_blocks), interval = mean +- t(n_blocks - 1, 0.975) err (Student t)\""
          << ", \"D_sigma_blocks\": {\"n_blocks\": " << d.sigma_blocks.n_blocks << ", \"block_length_ps\": "
          << jnum(d.sigma_blocks.block_length_ps) << ", \"lag_min_ps\": " << jnum(d.sigma_blocks.lag_min_ps)
          << ", \"lag_max_ps\": " << jnum(d.sigma_blocks.lag_max_ps) << ", \"n_lags\": " << d.sigma_blocks.n_lags
          << ", \"t_quantile\": " << jnum(d.sigma_blocks.t_quantile) << ", \"reason\": " << jstr(d.sigma_blocks.reason)
          << ", \"D_block_cm2_s\": [";
        for (std::size_t k = 0; k < d.sigma_blocks.D_block.size(); ++k)
            o << (k ? ", " : "") << jnum(d.sigma_blocks.D_block[k] * 1e-4);
        o << "]}"
          << ", \"D_sigma_full_run_model\": {\"D_cm2_s\": " << jnum(d.D_sigma_gls_cm2_s) << ", \"interval_cm2_s\": ["
          << jnum(d.D_sigma_gls_lo_cm2_s) << ", " << jnum(d.D_sigma_gls_hi_cm2_s)
          << "], \"note\": \"the D* estimator on the full-run collective MSD (one item); for comparison only: its "
             "95 % interval covered the truth in 79 % of independent random-walk runs\"}"
          << ",\n     \"haven_ratio\": " << jnum(d.haven_ratio) << ", \"haven_ratio_interval\": ["
          << jnum(d.haven_ratio_lo) << ", " << jnum(d.haven_ratio_hi) << "], \"haven_ratio_err\": "
          << jnum(d.haven_ratio_err) << ", \"haven_status\": " << jstr(d.haven_status)
          << ", \"haven_confidence_level\": " << jnum(d.sigma_blocks.level)
          << ", \"haven_estimator\": \"H_R = D*/D_sigma (D_sigma from blocks); interval = D* over the ends of D_sigma's "
             "95 % Student-t block interval (D_sigma's error dominates by ~sqrt(N)); err = first-order propagation of "
             "D*'s posterior sd and D_sigma's block standard error, treated as independent\""
          << ", \"conductivity_haven_mS_cm\": " << jnum(d.sigma_haven_mS_cm) << ", \"conductivity_haven_interval_mS_cm\": ["
          << jnum(d.sigma_haven_lo_mS_cm) << ", " << jnum(d.sigma_haven_hi_mS_cm) << "]"
          << ",\n     \"green_kubo\": {\"status\": " << jstr(d.green_kubo.status) << ", \"reason\": "
          << jstr(d.green_kubo.reason) << ", \"D_cm2_s\": " << jnum(d.green_kubo.D_cm2_s) << ", \"sigma_cm2_s\": "
          << jnum(d.green_kubo.sigma_cm2_s) << ", \"plateau_ps\": [" << jnum(d.green_kubo.plateau_from_ps) << ", "
          << jnum(d.green_kubo.plateau_to_ps) << "], \"drift_cm2_s\": " << jnum(d.green_kubo.drift_cm2_s)
          << ", \"estimator\": \"D(t) = (1/3) int_0^t <v(0).v(s)> ds; mean over [t_max/2, t_max] when it changes by <= 2 "
             "noise sigmas there (Bartlett: sigma_D(t) = |D| sqrt(4t/(3 N t_run))); error = sigma_D(t_max) (+) drift/2; "
             "running integral in vacf.csv\"}"
          << ",\n     \"D_green_kubo_cm2_s\": " << jnum(d.D_green_kubo_cm2_s) << "}";
    }
    o << "\n  ],\n";
    o << "  \"reorientation\": [";
    for (std::size_t k = 0; k < r.reorientation.size(); ++k) {
        const auto& c = r.reorientation[k];
        o << (k ? ", " : "") << "{\"centre\": " << jstr(c.centre) << ", \"bonds\": " << c.bonds
          << ", \"min_C1\": " << jnum(c.min_c1) << ", \"rotating\": " << jbool(c.rotating)
          << ", \"tau_rot_ps\": " << jnum(c.tau_rot_ps) << ", \"tau_rot_status\": " << jstr(c.tau_rot_status)
          << ", \"tau_rot_estimator\": \"integral of the species-averaged C1 (C1(0) = 1, trapezoid over the stored lags) "
             "to its first zero; lower_bound: C1 stays > 0, integral over all lags\"}";
    }
    o << "],\n";
    o << "  \"reorientation_per_polyanion\": {\"threshold_C1\": 0.9, \"definition\": \"per polyanion: C1 over its own "
         "bonds and all origins; rotating when min C1 over tau <= min(0.5 t_run, rotation_tmax_ps) is < 0.9; tau_rot = "
         "integral of its C1 (trapezoid, C1(0) = 1) to the first zero (status lower_bound: C1 stays > 0); fraction_rotating "
         "= rotating / polyanions of the centre species; curves in reorientation_per_polyanion.csv\", \"kinds\": [";
    for (std::size_t k = 0; k < r.polyanion_rotation.kinds.size(); ++k) {
        const auto& K = r.polyanion_rotation.kinds[k];
        o << (k ? ", " : "") << "{\"centre\": " << jstr(K.centre) << ", \"polyanions\": " << K.polyanions
          << ", \"rotating\": " << K.rotating << ", \"fraction_rotating\": " << jnum(K.fraction_rotating)
          << ", \"tau_rot_ok\": " << K.tau_rot_ok << ", \"tau_rot_median_ps\": " << jnum(K.tau_rot_median_ps)
          << ", \"tau_rot_range_ps\": [" << jnum(K.tau_rot_min_ps) << ", " << jnum(K.tau_rot_max_ps) << "]}";
    }
    o << "], \"polyanions\": [";
    for (std::size_t k = 0; k < r.polyanion_rotation.polyanions.size(); ++k) {
        const auto& p = r.polyanion_rotation.polyanions[k];
        o << (k ? ",\n    " : "\n    ") << "{\"centre\": " << jstr(p.centre) << ", \"centre_id\": " << p.centre_id
          << ", \"min_C1\": " << jnum(p.min_c1) << ", \"rotating\": " << jbool(p.rotating) << ", \"tau_rot_ps\": "
          << jnum(p.tau_rot_ps) << ", \"tau_rot_status\": " << jstr(p.tau_rot_status) << "}";
    }
    o << "]},\n";
    o << "  \"spectral_overlap\": [";
    for (std::size_t k = 0; k < r.spectral_overlap.size(); ++k) {
        const auto& s = r.spectral_overlap[k];
        o << (k ? ", " : "") << "{\"species\": " << jstr(s.species) << ", \"centre\": " << jstr(s.centre)
          << ", \"nu_max_THz\": " << jnum(s.o.nu_max_THz) << ", \"overlap\": " << jnum(s.o.overlap)
          << ", \"fraction_below_vacf\": " << jnum(s.o.fraction_a) << ", \"fraction_below_angular\": "
          << jnum(s.o.fraction_b) << ", \"resolution_THz\": " << jnum(s.o.resolution_THz)
          << ", \"estimator\": \"each normalised spectrum restricted to [0, nu_max] and renormalised; overlap = "
             "int min(p_vacf, p_angular) dnu (1 = same shape)\", \"caveat\": \"a shared frequency range shows "
             "that Na rattling and polyanion librations could exchange energy, not that they do (no phase or "
             "causality); it depends on the Hann window and on the resolution set by the max lags\"}";
    }
    o << "],\n";
    o << "  \"hops\": [";
    for (std::size_t k = 0; k < r.hop_summary.size(); ++k) {
        const auto& h = r.hop_summary[k];
        o << (k ? ", " : "") << "{\"species\": " << jstr(h.species) << ", \"atoms\": " << h.atoms
          << ", \"events\": " << h.events << ", \"rate_per_atom_per_ps\": " << jnum(h.rate_per_atom_per_ps) << "}";
    }
    o << "],\n";
    if (r.cna_enabled) {
        o << "  \"cna_correlation\": {\"r_shell_A\": {";
        for (std::size_t k = 0; k < r.cna_r_shell_A.size(); ++k)
            o << (k ? ", " : "") << jstr(r.cna_r_shell_A[k].first) << ": " << jnum(r.cna_r_shell_A[k].second);
        o << "}, \"tau_min_ps\": " << jnum(r.cna_tau_min_ps) << ", \"n\": " << r.cna_n << ", \"pearson_r\": "
          << jnum(r.cna_r) << ", \"ci95\": [" << jnum(r.cna_ci_lo) << ", " << jnum(r.cna_ci_hi) << "], \"reason\": "
          << jstr(r.cna_reason) << ", \"spans\": " << r.cna_spans << ", \"longest_span_ps\": "
          << jnum(r.cna_longest_span_ps)
          << ", \"estimator\": \"Pearson r over events of (dtheta_CNa, dtheta_CA); 95 % CI by Fisher z = atanh r +- "
             "1.96/sqrt(n-3)\"},\n";
    }
    if (r.hop_rotation.enabled) {
        const HopRotationResult& h = r.hop_rotation;
        o << "  \"hop_rotation\": {\"half_window_ps\": " << jnum(h.half_window_ps) << ", \"r_shell_A\": {";
        for (std::size_t k = 0; k < h.r_shell_A.size(); ++k)
            o << (k ? ", " : "") << jstr(h.r_shell_A[k].first) << ": " << jnum(h.r_shell_A[k].second);
        o << "}, \"baseline_per_hop\": " << h.baseline_per_hop << ", \"seed\": " << h.seed
          << ", \"n_hops\": " << h.hops_used << ", \"hops\": {\"detected\": " << h.hops_detected
          << ", \"used\": " << h.hops_used << ", \"no_neighbour\": " << h.hops_no_neighbour
          << ", \"window_before_start\": " << h.hops_window_before_start << ", \"window_past_end\": "
          << h.hops_window_past_end << ", \"longer_than_max_hop_duration\": " << h.hops_window_lost
          << ", \"open_at_end\": " << h.hops_open_at_end << "}, \"n_hop_samples\": " << h.n_hop
          << ", \"n_baseline_samples\": " << h.n_baseline << ", \"mean_hop_deg\": " << jnum(h.mean_hop_deg)
          << ", \"mean_baseline_deg\": " << jnum(h.mean_baseline_deg) << ", \"median_hop_deg\": "
          << jnum(h.median_hop_deg) << ", \"median_baseline_deg\": " << jnum(h.median_baseline_deg)
          << ", \"U\": " << jnum(h.u) << ", \"z\": " << jnum(h.z) << ", \"p_value\": " << jnum(h.p_value)
          << ", \"p_method\": " << jstr(h.p_method) << ", \"prob_hop_greater\": " << jnum(h.cles)
          << ", \"reason\": " << jstr(h.reason)
          << ", \"estimator\": \"dtheta = mean over a polyanion's bonds of arccos(u(t - Delta) . u(t + Delta)); hop "
             "samples: polyanions with centre within r_shell of the hopping ion at t_hop (mid-time of the h = 1 run); "
             "baseline: every polyanion at random window centres; one-sided Mann-Whitney U (H1: hop neighbours turn "
             "more), exact without ties for n_hop n_baseline <= 400, else normal approximation with tie and "
             "continuity correction\"},\n";
    }
    const auto& c = r.classification;
    o << "  \"classification\": {\"tau_cls_ps\": " << jnum(c.tau_cls_ps)
      << ", \"framework_melting\": " << jbool(c.framework_melting) << ", \"melted_species\": [";
    for (std::size_t k = 0; k < c.melted_species.size(); ++k) o << (k ? ", " : "") << jstr(c.melted_species[k]);
    o << "], \"na_diffusing\": " << jbool(c.na_diffusing) << ", \"polyanions_rotating\": "
      << (c.rotation_evaluated ? jbool(c.polyanions_rotating) : "null")
      << ", \"max_framework_displacement_A\": " << jnum(c.max_framework_displacement_A) << ", \"tmsd_at_tau_cls_A2\": {";
    for (std::size_t k = 0; k < c.tmsd_at_tau_cls.size(); ++k)
        o << (k ? ", " : "") << jstr(c.tmsd_at_tau_cls[k].first) << ": " << jnum(c.tmsd_at_tau_cls[k].second);
    o << "}}\n}\n";
    const std::string text = o.str();
    write_file_atomically(path, [&](std::ostream& os) { os << text; });
}

void write_analysis_files(const std::string& dir, const AnalysisResults& r, const ResultsMetadata& meta) {
    const std::string d = dir.empty() ? "." : dir;
    write_analysis_h5(d + "/analysis.h5", r, meta);
    if (!r.msd.empty()) write_file_atomically(d + "/msd.csv", [&](std::ostream& os) { write_msd_csv(os, r); });
    if (!r.reorientation.empty())
        write_file_atomically(d + "/reorientation.csv", [&](std::ostream& os) { write_reorientation_csv(os, r); });
    if (!r.polyanion_rotation.polyanions.empty())
        write_file_atomically(d + "/reorientation_per_polyanion.csv",
                              [&](std::ostream& os) { write_polyanion_rotation_csv(os, r); });
    if (!r.vacf.empty() || !r.angular_vacf.empty()) {
        write_file_atomically(d + "/vacf.csv", [&](std::ostream& os) { write_vacf_csv(os, r); });
        write_file_atomically(d + "/spectra.csv", [&](std::ostream& os) { write_spectra_csv(os, r); });
    }
    if (r.cna_enabled) write_file_atomically(d + "/cna_events.csv", [&](std::ostream& os) { write_cna_csv(os, r); });
    if (r.hops_enabled) write_file_atomically(d + "/hops.csv", [&](std::ostream& os) { write_hops_csv(os, r); });
    if (r.hop_rotation.enabled)
        write_file_atomically(d + "/hop_rotation.csv", [&](std::ostream& os) { write_hop_rotation_csv(os, r); });
    if (!r.orientation.empty())
        write_file_atomically(d + "/orientation_density.csv", [&](std::ostream& os) { write_rho_csv(os, r); });
    write_summary_json(d + "/summary.json", r, meta);
}

void AnalysisSet::write_results(const std::string& replica_dir) const {
    const Impl& I = *impl_;
    if (!I.cfg.enabled) return;
    ResultsMetadata meta;
    meta.replica_name = I.info.replica_name;
    meta.sample_every = I.cfg.sample_every;
    meta.timestep_ps = I.info.timestep_ps;
    meta.temperature_K = I.info.temperature_K;
    meta.first_step = I.first_step;
    meta.last_step = I.last_step;
    meta.total_steps = I.info.total_steps;
    meta.msd_block = I.cfg.msd_block;
    meta.msd_ratio = I.cfg.msd_ratio;
    meta.stopped_at_step = I.info.stopped_at_step;
    meta.stop_reason = I.info.stop_reason;
    meta.drift = I.cfg.drift;
    meta.fit_min_tmsd_A2 = I.cfg.fit_min_tmsd_A2;
    meta.fit_min_time_ps = I.cfg.fit_min_time_ps;
    write_analysis_files(replica_dir, compute_results(*this), meta);
}

}  // namespace mdrun
