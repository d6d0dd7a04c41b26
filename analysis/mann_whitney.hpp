// One-sided Mann–Whitney U test (Wilcoxon rank-sum) of "x tends to be larger than y", used by the
// hop–rotation correlation (docs/analysis.md, "Hop–rotation correlation"). U = R_x - n_x (n_x + 1)/2 with
// R_x the sum of the mid-ranks of x in the pooled sample = the number of pairs (x_i, y_j) with x_i > y_j,
// ties counting 1/2. p = P(U >= U_obs) under H0 (both samples from one distribution):
//   exact (the null distribution of U by the recurrence of Mann & Whitney 1947) when there are no ties and
//   n_x n_y <= kExactMaxPairs; otherwise the normal approximation with tie correction and continuity
//   correction, z = (U - n_x n_y / 2 - 1/2) / sigma, sigma^2 = n_x n_y / 12 [(n + 1) - sum(t^3 - t)/(n (n - 1))]
//   (what scipy.stats.mannwhitneyu(x, y, alternative="greater") does with method "exact" / "asymptotic").
#pragma once
#include <string>
#include <vector>

namespace mdrun {

struct MannWhitneyResult {
    long n_x = 0, n_y = 0;
    double u = 0;            // U of x (NaN when a sample is empty)
    double z = 0;            // standardised U of the normal approximation (NaN when sigma = 0 or a sample is empty)
    double p_greater = 0;    // one-sided p-value, H1: x stochastically larger (NaN when undefined)
    double cles = 0;         // U / (n_x n_y): probability that a random x exceeds a random y (ties 1/2)
    std::string method;      // "exact" | "normal_tie_corrected" | "undefined"
};

constexpr long kExactMaxPairs = 400;

MannWhitneyResult mann_whitney_greater(const std::vector<double>& x, const std::vector<double>& y);

}  // namespace mdrun
