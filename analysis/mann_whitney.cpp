#include "analysis/mann_whitney.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "analysis/statistics.hpp"

namespace mdrun {

namespace {
// P(U >= u_obs) for sample sizes (m, n) without ties: p(i, j, u) = i/(i+j) p(i-1, j, u-j) + j/(i+j) p(i, j-1, u)
// (the largest of the i + j values is an x with probability i/(i+j), and then it beats all j values of y).
double exact_upper_tail(long m, long n, double u_obs) {
    const long umax = m * n;
    // q[j][u] = p(i, j, u) for the current i; i = 0: U = 0 with probability 1.
    std::vector<std::vector<double>> q(n + 1, std::vector<double>(umax + 1, 0.0)), next = q;
    for (long j = 0; j <= n; ++j) q[j][0] = 1.0;
    for (long i = 1; i <= m; ++i) {
        for (long j = 0; j <= n; ++j) {
            std::fill(next[j].begin(), next[j].end(), 0.0);
            if (j == 0) { next[0][0] = 1.0; continue; }
            const double a = static_cast<double>(i) / (i + j), b = static_cast<double>(j) / (i + j);
            for (long u = 0; u <= i * j; ++u)
                next[j][u] = (u >= j ? a * q[j][u - j] : 0.0) + b * next[j - 1][u];
        }
        q.swap(next);
    }
    double p = 0;
    for (long u = umax; u >= 0 && u >= u_obs - 1e-9; --u) p += q[n][u];  // summed from the small tail up
    return std::min(1.0, p);
}
}  // namespace

MannWhitneyResult mann_whitney_greater(const std::vector<double>& x, const std::vector<double>& y) {
    MannWhitneyResult r;
    const double nan = std::numeric_limits<double>::quiet_NaN();
    r.n_x = static_cast<long>(x.size());
    r.n_y = static_cast<long>(y.size());
    r.u = r.z = r.p_greater = r.cles = nan;
    r.method = "undefined";
    if (r.n_x == 0 || r.n_y == 0) return r;
    const long n = r.n_x + r.n_y;
    std::vector<std::pair<double, int>> all;  // (value, 1 for x)
    all.reserve(static_cast<std::size_t>(n));
    for (double v : x) all.emplace_back(v, 1);
    for (double v : y) all.emplace_back(v, 0);
    std::sort(all.begin(), all.end());
    double rank_sum_x = 0, tie_term = 0;
    for (long i = 0; i < n;) {
        long j = i;
        while (j + 1 < n && all[j + 1].first == all[i].first) ++j;
        const double mid = 0.5 * (i + j) + 1.0;  // 1-based mid-rank of the tie block i..j
        const double t = static_cast<double>(j - i + 1);
        tie_term += t * t * t - t;
        for (long k = i; k <= j; ++k)
            if (all[k].second) rank_sum_x += mid;
        i = j + 1;
    }
    const double nx = static_cast<double>(r.n_x), ny = static_cast<double>(r.n_y), nn = static_cast<double>(n);
    r.u = rank_sum_x - nx * (nx + 1) / 2;
    r.cles = r.u / (nx * ny);
    const double var = nx * ny / 12.0 * ((nn + 1) - (n > 1 ? tie_term / (nn * (nn - 1)) : 0.0));
    if (var > 0) r.z = (r.u - nx * ny / 2 - 0.5) / std::sqrt(var);
    if (tie_term == 0 && r.n_x * r.n_y <= kExactMaxPairs) {
        r.p_greater = exact_upper_tail(r.n_x, r.n_y, r.u);
        r.method = "exact";
    } else if (var > 0) {
        r.p_greater = normal_cdf(-r.z);
        r.method = "normal_tie_corrected";
    }
    return r;
}

}  // namespace mdrun
