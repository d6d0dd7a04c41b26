#include "analysis/spectral_overlap.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace mdrun {

namespace {
double interp(const Spectrum& s, double nu) {
    const auto& x = s.nu_THz;
    if (x.empty() || nu > x.back()) return 0.0;
    const auto it = std::upper_bound(x.begin(), x.end(), nu);
    // Negative lobes of the windowed transform are noise, not negative power: clamped at 0.
    if (it == x.begin()) return std::max(0.0, s.g.front());
    if (it == x.end()) return std::max(0.0, s.g.back());
    const std::size_t k = static_cast<std::size_t>(it - x.begin());
    const double t = (nu - x[k - 1]) / (x[k] - x[k - 1]);
    return std::max(0.0, (1 - t) * s.g[k - 1] + t * s.g[k]);
}
double area(const Spectrum& s, double hi) {  // trapezoid of g over [0, hi] on a fine grid
    const int n = 4000;
    double v = 0;
    for (int i = 1; i <= n; ++i) v += 0.5 * (interp(s, hi * (i - 1) / n) + interp(s, hi * i / n)) * hi / n;
    return v;
}
}  // namespace

SpectralOverlap spectral_overlap(const Spectrum& a, const Spectrum& b, double nu_max) {
    SpectralOverlap o;
    o.nu_max_THz = nu_max;
    const double nan = std::numeric_limits<double>::quiet_NaN();
    if (a.nu_THz.size() < 2 || b.nu_THz.size() < 2) {
        o.overlap = o.fraction_a = o.fraction_b = o.resolution_THz = nan;
        return o;
    }
    o.resolution_THz = std::max(a.nu_THz[1] - a.nu_THz[0], b.nu_THz[1] - b.nu_THz[0]);
    const double ta = area(a, a.nu_THz.back()), tb = area(b, b.nu_THz.back());
    const double hi = std::min({nu_max, a.nu_THz.back(), b.nu_THz.back()});
    const double la = area(a, hi), lb = area(b, hi);
    o.fraction_a = ta > 0 ? la / ta : nan;
    o.fraction_b = tb > 0 ? lb / tb : nan;
    if (!(la > 0) || !(lb > 0)) {
        o.overlap = nan;
        return o;
    }
    const int n = 4000;
    double v = 0, prev = std::min(interp(a, 0) / la, interp(b, 0) / lb);
    for (int i = 1; i <= n; ++i) {
        const double nu = hi * i / n, cur = std::min(interp(a, nu) / la, interp(b, nu) / lb);
        v += 0.5 * (prev + cur) * hi / n;
        prev = cur;
    }
    o.overlap = v;
    return o;
}

}  // namespace mdrun
