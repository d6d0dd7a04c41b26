// Diffusion coefficient from an MSD curve (analysis.md §2), its three uncertainties, Nernst-Einstein
// conductivity (§3) and the Haven ratio. Plain functions on plain vectors: the streaming accumulators
// produce the curve, these turn it into numbers, and the unit tests feed them synthetic curves.
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
};

// He/Mo rule: from the first lag with TMSD >= min_tmsd (4.5 Å^2) and tau >= min_time (1 ps) to the last lag
// <= 0.5 t_run that still has >= min_origins (10) origins; the TMSD rise over the window must be >= min_tmsd
// and there must be >= 3 lags, else status "insufficient".
FitWindow choose_fit_window(const MsdCurve& c, double min_tmsd_A2 = 4.5, double min_time_ps = 1.0,
                            int min_origins = 10);

struct DiffusionResult {
    std::string status = "insufficient";   // "ok" | "insufficient" | "frozen" | "empty"
    std::string reason;
    double fit_tau_min_ps = 0, fit_tau_max_ps = 0;
    int fit_points = 0;
    double D_cm2_s = 0;                     // tracer D* = slope / 6 (NaN unless status ok; 0 when frozen)
    double D_xyz_cm2_s[3] = {0, 0, 0};      // slope of MSD_alpha / 2
    double sigma_regression_cm2_s = 0;      // (a) WLS (weights 1/tau) regression error, pymatgen formula
    double sigma_gls_cm2_s = 0;             // (b) GLS with the kinisi covariance model
    double he_rsd = 0;                      // (c) He et al. relative SD: 3.43/sqrt(N_eff) + 0.04
    double sigma_he_cm2_s = 0;              //     = he_rsd * D
    double n_eff = 0;                       //     N max(TMSD) / a^2 (RSD undefined when < 1)
    double intercept_A2 = 0;
};

// Fits the curve over window [first, last]. site_distance_A: a of the He et al. rule.
DiffusionResult fit_diffusion(const MsdCurve& c, int first, int last, double site_distance_A = 3.0);

// Weighted least squares y = a + b x with weights w (w = 1 gives OLS). Returns {b, a, weighted SSR}.
struct LineFit {
    double slope = 0, intercept = 0, ssr = 0;
};
LineFit weighted_line_fit(const std::vector<double>& x, const std::vector<double>& y, const std::vector<double>& w);

// GLS slope of y = a + b tau with the kinisi covariance Cov_ij = Var_i n_i / n_j (i <= j),
// Var_i = s2_i / n_i, n_i = n_atoms t_run / tau_i. Returns {slope, sigma_slope}.
void gls_slope(const std::vector<double>& tau, const std::vector<double>& y, const std::vector<double>& s2,
               double n_atoms, double t_run, double& slope, double& sigma_slope);

// Nernst-Einstein conductivity in mS/cm: 1.859248e12 N z^2 D[cm^2/s] / (V[Å^3] T[K]).
double nernst_einstein_mS_cm(double n_ions, double z, double D_cm2_s, double volume_A3, double T_K);

// He et al. (npj Comput. Mater. 4, 18, 2018) empirical relative SD of D; NaN when N_eff < 1.
double he_relative_sd(double n_atoms, double max_tmsd_A2, double site_distance_A, double* n_eff = nullptr);

}  // namespace mdrun
