// Distribution functions the uncertainty code needs (normal, chi-squared, Student t), written once so every
// interval and p-value in the results uses the same, tested implementation. Plain functions, double precision.
#pragma once

namespace mdrun {

double normal_cdf(double x);        // Phi(x)
double normal_quantile(double p);   // Phi^-1(p), p in (0, 1); NaN outside (relative error < 1e-15 after refinement)

// Upper tail of the chi-squared distribution with k degrees of freedom: P(X >= x) = Q(k/2, x/2).
double chi2_sf(double x, double k);

// Regularised incomplete gamma functions P(a, x) and Q(a, x) = 1 - P(a, x).
double gamma_p(double a, double x);
double gamma_q(double a, double x);

// Student t with nu degrees of freedom: two-sided p-value P(|T| >= |t|) and the quantile t_{nu, p}.
double student_t_two_sided_p(double t, double nu);
double student_t_quantile(double p, double nu);

// Quantile p of N(mu, sigma^2) truncated to [0, inf) (the posterior of a slope under a flat prior on slope >= 0).
double truncated_normal_quantile(double p, double mu, double sigma);
// Its mean and standard deviation.
void truncated_normal_moments(double mu, double sigma, double& mean, double& sd);

}  // namespace mdrun
