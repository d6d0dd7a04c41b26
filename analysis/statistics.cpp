#include "analysis/statistics.hpp"

#include <cmath>
#include <limits>

namespace mdrun {

namespace {
const double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kSqrt2 = 1.4142135623730950488;
constexpr double kSqrt2Pi = 2.5066282746310005024;

// Continued fraction of the regularised incomplete beta function (modified Lentz).
double beta_cf(double a, double b, double x) {
    const double tiny = 1e-300, eps = 1e-16;
    double c = 1.0, d = 1.0 - (a + b) * x / (a + 1.0);
    if (std::fabs(d) < tiny) d = tiny;
    d = 1.0 / d;
    double h = d;
    for (int m = 1; m <= 10000; ++m) {
        const double m2 = 2.0 * m;
        double aa = m * (b - m) * x / ((a - 1.0 + m2) * (a + m2));
        d = 1.0 + aa * d;
        if (std::fabs(d) < tiny) d = tiny;
        c = 1.0 + aa / c;
        if (std::fabs(c) < tiny) c = tiny;
        d = 1.0 / d;
        h *= d * c;
        aa = -(a + m) * (a + b + m) * x / ((a + m2) * (a + 1.0 + m2));
        d = 1.0 + aa * d;
        if (std::fabs(d) < tiny) d = tiny;
        c = 1.0 + aa / c;
        if (std::fabs(c) < tiny) c = tiny;
        d = 1.0 / d;
        const double del = d * c;
        h *= del;
        if (std::fabs(del - 1.0) < eps) break;
    }
    return h;
}

// I_x(a, b), the regularised incomplete beta function.
double incomplete_beta(double a, double b, double x) {
    if (x <= 0) return 0;
    if (x >= 1) return 1;
    const double lbt = std::lgamma(a + b) - std::lgamma(a) - std::lgamma(b) + a * std::log(x) + b * std::log1p(-x);
    if (x < (a + 1.0) / (a + b + 2.0)) return std::exp(lbt) * beta_cf(a, b, x) / a;
    return 1.0 - std::exp(lbt) * beta_cf(b, a, 1.0 - x) / b;
}
}  // namespace

double normal_cdf(double x) { return 0.5 * std::erfc(-x / kSqrt2); }

double normal_quantile(double p) {
    if (!(p > 0 && p < 1)) return p == 0 ? -INFINITY : (p == 1 ? INFINITY : kNaN);
    // Rational starting point (Acklam's coefficients), then two Halley steps on erfc, which make it exact
    // to round-off over the whole range.
    static const double a[] = {-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
                               1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00};
    static const double b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                               6.680131188771972e+01, -1.328068155288572e+01};
    static const double c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                               -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00};
    static const double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                               3.754408661907416e+00};
    const double pl = 0.02425;
    double x;
    if (p < pl) {
        const double q = std::sqrt(-2 * std::log(p));
        x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
            ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
    } else if (p <= 1 - pl) {
        const double q = p - 0.5, r = q * q;
        x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
            (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
    } else {
        const double q = std::sqrt(-2 * std::log1p(-p));
        x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
            ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
    }
    for (int it = 0; it < 2; ++it) {
        const double e = normal_cdf(x) - p;
        const double u = e * kSqrt2Pi * std::exp(0.5 * x * x);
        x -= u / (1 + 0.5 * x * u);
    }
    return x;
}

double gamma_p(double a, double x) {
    if (!(a > 0) || !(x >= 0)) return kNaN;
    if (x == 0) return 0;
    if (x < a + 1) {  // series
        double ap = a, sum = 1.0 / a, del = sum;
        for (int n = 0; n < 100000; ++n) {
            ap += 1;
            del *= x / ap;
            sum += del;
            if (std::fabs(del) < std::fabs(sum) * 1e-17) break;
        }
        return sum * std::exp(-x + a * std::log(x) - std::lgamma(a));
    }
    return 1.0 - gamma_q(a, x);
}

double gamma_q(double a, double x) {
    if (!(a > 0) || !(x >= 0)) return kNaN;
    if (x < a + 1) return 1.0 - gamma_p(a, x);
    // Continued fraction (modified Lentz).
    const double tiny = 1e-300;
    double b = x + 1 - a, c = 1 / tiny, d = 1 / b, h = d;
    for (int i = 1; i < 100000; ++i) {
        const double an = -i * (i - a);
        b += 2;
        d = an * d + b;
        if (std::fabs(d) < tiny) d = tiny;
        c = b + an / c;
        if (std::fabs(c) < tiny) c = tiny;
        d = 1 / d;
        const double del = d * c;
        h *= del;
        if (std::fabs(del - 1) < 1e-16) break;
    }
    return std::exp(-x + a * std::log(x) - std::lgamma(a)) * h;
}

double chi2_sf(double x, double k) {
    if (!(k > 0)) return kNaN;
    if (x <= 0) return 1.0;
    return gamma_q(0.5 * k, 0.5 * x);
}

double student_t_two_sided_p(double t, double nu) {
    if (!(nu > 0) || std::isnan(t)) return kNaN;
    return incomplete_beta(0.5 * nu, 0.5, nu / (nu + t * t));
}

double student_t_quantile(double p, double nu) {
    if (!(p > 0 && p < 1) || !(nu > 0)) return kNaN;
    if (p == 0.5) return 0;
    // Solve P(T <= t) = p by bisection on the two-sided tail (monotone), to round-off.
    const double tail = p > 0.5 ? 2 * (1 - p) : 2 * p;  // two-sided p of |t|
    double lo = 0, hi = 1;
    while (student_t_two_sided_p(hi, nu) > tail && hi < 1e12) hi *= 2;
    for (int it = 0; it < 200 && hi - lo > 1e-15 * hi; ++it) {
        const double mid = 0.5 * (lo + hi);
        (student_t_two_sided_p(mid, nu) > tail ? lo : hi) = mid;
    }
    const double t = 0.5 * (lo + hi);
    return p > 0.5 ? t : -t;
}

double truncated_normal_quantile(double p, double mu, double sigma) {
    if (!(sigma > 0)) return mu > 0 ? mu : 0.0;
    const double f0 = normal_cdf(-mu / sigma);  // mass below zero that the prior removes
    return mu + sigma * normal_quantile(f0 + p * (1 - f0));
}

void truncated_normal_moments(double mu, double sigma, double& mean, double& sd) {
    if (!(sigma > 0)) {
        mean = mu > 0 ? mu : 0.0;
        sd = 0;
        return;
    }
    const double alpha = -mu / sigma;
    const double tail = 0.5 * std::erfc(alpha / kSqrt2);  // 1 - Phi(alpha)
    const double lambda = std::exp(-0.5 * alpha * alpha) / kSqrt2Pi / tail;
    mean = mu + sigma * lambda;
    sd = sigma * std::sqrt(std::max(0.0, 1 + alpha * lambda - lambda * lambda));
}

}  // namespace mdrun
