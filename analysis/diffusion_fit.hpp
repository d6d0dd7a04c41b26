// Diffusion coefficient from an MSD curve (analysis.md §2), Nernst-Einstein conductivity (§3) and the
// He et al. empirical error. Plain functions on plain vectors: the streaming accumulators produce the curve,
// these turn it into numbers, and the unit tests feed them synthetic curves.
//
// The recommended estimator (the only D mdrun reports) follows kinisi (McCluskey, Coles, Morgan et al.):
// the MSD at lag tau_i is an average over n_o,i = N t_run / tau_i independent observations; its variance is
// modelled as Var MSD_i = a tau_i^2 / n_o,i (a fitted to the observed variance of |dr|^2), and lags are
// correlated as Cov_ij = Var_i n_o,i / n_o,j (tau_i <= tau_j). That covariance is c tau_i tau_j min(tau_i, tau_j)
// with c = a / (N t_run): a Brownian-motion kernel between two diagonal scalings, whose inverse is tridiagonal
// and known in closed form, so the generalised least-squares fit needs no matrix inversion and no
// reconditioning. With flat priors (slope >= 0) the posterior of the slope is that GLS Gaussian truncated at
// zero: D is its median and the interval its 2.5 / 97.5 % quantiles (kinisi samples the same posterior by MCMC).
#pragma once
#include <string>
#include <vector>

namespace mdrun {

// One MSD curve of one species (per-atom averages over atoms and origins).
struct MsdCurve {
    std::vector<double> tau_ps;
    std::vector<double> tmsd_A2;        // per-atom total MSD (sum over x, y, z)
    std::vector<double> msd_xyz_A2[3];  // per-atom MSD per direction
    std::vector<double> var_sq_A4;      // variance of |dx|^2 over (atom, origin) pairs: <|dx|^4> - <|dx|^2>^2
    std::vector<double> origins;        // number of time origins averaged at each lag
    int n_atoms = 0;                    // atoms averaged (mobile atoms of the species)
    double t_run_ps = 0;                // length of the sampled run
};

struct FitWindow {
    int first = -1, last = -1;  // inclusive indices into the curve; -1 when there is none
    std::string status;         // "ok" | "insufficient" (reason in `reason`)
    std::string reason;
    // When insufficient and the Na moves at all: the run length the He/Mo rule would need at the slope seen
    // over the usable lags (an estimate: the slope of a short run may still include the vibrational rise).
    double observed_slope_A2_ps = 0;
    double needed_t_run_ps = 0;         // 0 when it cannot be estimated (no positive slope)
};

// He/Mo rule: from the first lag with TMSD >= min_tmsd (4.5 Å^2) and tau >= min_time (1 ps) to the last lag
// <= 0.5 t_run that still has >= min_origins (10) origins; the TMSD rise over the window must be >= min_tmsd
// and there must be >= 3 lags, else status "insufficient".
FitWindow choose_fit_window(const MsdCurve& c, double min_tmsd_A2 = 4.5, double min_time_ps = 1.0,
                            int min_origins = 10);

// Posterior of the slope of y = intercept + slope tau under the kinisi covariance model (see the top).
struct MsdSlopePosterior {
    bool ok = false;
    std::string reason;
    double slope = 0, intercept = 0;                  // GLS estimate (the maximum of the posterior)
    double var_slope = 0, var_intercept = 0, cov = 0; // c (Z^T K^-1 Z)^-1
    double a_A4 = 0;                                  // variance-model coefficient: Var MSD_i = a tau_i^2 / n_o,i
    double median = 0, lo = 0, hi = 0;                // slope >= 0 posterior: median and central `level` interval
    double mean = 0, sd = 0;                          // its mean and standard deviation
    double level = 0.95;
    double chi2 = 0;                                  // r^T Sigma^-1 r of the GLS residuals
    int dof = 0;                                      // points - 2
};

// tau strictly increasing and > 0; var_sq: variance of the squared displacement per observation;
// n_items: independent walkers (atoms for the tracer MSD, 1 for the collective one); t_obs: the run length.
MsdSlopePosterior msd_slope_posterior(const std::vector<double>& tau, const std::vector<double>& y,
                                      const std::vector<double>& var_sq, double n_items, double t_obs,
                                      double level = 0.95);
// The GLS slope of another curve over the same lags with the same covariance shape (D_x, D_y, D_z).
double gls_slope_same_covariance(const std::vector<double>& tau, const std::vector<double>& y);

struct DiffusionResult {
    std::string status = "insufficient";   // "ok" | "insufficient" | "frozen" | "empty"
    std::string reason;
    double fit_tau_min_ps = 0, fit_tau_max_ps = 0;
    int fit_points = 0;
    double D_cm2_s = 0;                     // tracer D*: posterior median of slope / 6 (NaN unless ok; 0 frozen)
    double D_lo_cm2_s = 0, D_hi_cm2_s = 0;  // central 95 % credible interval of the same posterior
    double sigma_D_cm2_s = 0;               // its standard deviation
    double confidence_level = 0.95;
    double D_xyz_cm2_s[3] = {0, 0, 0};      // GLS slope of MSD_alpha / 2, same covariance shape
    double intercept_A2 = 0;
    double variance_model_a_A4 = 0;         // a of Var MSD_i = a tau_i^2 / n_o,i
    double chi2 = 0;                        // of the GLS residuals under the model covariance
    int chi2_dof = 0;
    double he_rsd = 0;                      // He et al. empirical relative SD: 3.43/sqrt(N_eff) + 0.04 (not from
    double sigma_he_cm2_s = 0;              //     this run's fluctuations; for comparison) = he_rsd * D
    double n_eff = 0;                       //     N max(TMSD) / a^2 (RSD undefined when < 1)
    double needed_t_run_ps = 0;             // when insufficient: run length needed at the observed slope (0: unknown)
    double observed_slope_A2_ps = 0;
};

// Fits the curve over window [first, last]. site_distance_A: a of the He et al. rule.
DiffusionResult fit_diffusion(const MsdCurve& c, int first, int last, double site_distance_A = 3.0);

// Weighted least squares y = a + b x with weights w (w = 1 gives OLS). Returns {b, a, weighted SSR}.
struct LineFit {
    double slope = 0, intercept = 0, ssr = 0;
};
LineFit weighted_line_fit(const std::vector<double>& x, const std::vector<double>& y, const std::vector<double>& w);

// Nernst-Einstein conductivity in mS/cm: n z^2 e^2 D / (k_B T) with LAMMPS metal's k_B and e.
double nernst_einstein_mS_cm(double n_ions, double z, double D_cm2_s, double volume_A3, double T_K);

// He et al. (npj Comput. Mater. 4, 18, 2018) empirical relative SD of D; NaN when N_eff < 1.
double he_relative_sd(double n_atoms, double max_tmsd_A2, double site_distance_A, double* n_eff = nullptr);

}  // namespace mdrun
