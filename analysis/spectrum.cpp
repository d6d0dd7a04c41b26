#include "analysis/spectrum.hpp"

#include <cmath>

#include "engine/core/error.hpp"

namespace mdrun {

Spectrum normalised_spectrum(const std::vector<double>& c, double dt_ps) {
    const int M = static_cast<int>(c.size());
    if (M < 1 || !(c[0] > 0) || !(dt_ps > 0)) throw Error("spectrum: needs C(0) > 0 and a positive lag spacing");
    const double pi = 3.14159265358979323846;
    // Windowed correlation (Hann, decaying to 0 at lag M).
    std::vector<double> wc(M);
    for (int n = 0; n < M; ++n) wc[n] = 0.5 * (1.0 + std::cos(pi * n / M)) * c[n];
    Spectrum s;
    s.nu_THz.resize(M + 1);
    s.g.resize(M + 1);
    // Direct DCT-I-type sum: O(M^2), a few ms for M ~ 1000 and done once at the end of a run.
    // cos(2 pi nu_k n dt) = cos(pi k n / M); k n is reduced mod 2M so the argument stays small.
    for (int k = 0; k <= M; ++k) {
        double sum = wc[0];
        for (int n = 1; n < M; ++n) {
            const long kn = (static_cast<long>(k) * n) % (2L * M);
            sum += 2.0 * wc[n] * std::cos(pi * static_cast<double>(kn) / M);
        }
        s.nu_THz[k] = k / (2.0 * M * dt_ps);
        s.g[k] = 2.0 * dt_ps / c[0] * sum;
    }
    return s;
}

double zero_frequency_integral(const std::vector<double>& c, double dt_ps) {
    if (c.empty()) return 0;
    double s = 0;
    for (std::size_t n = 0; n < c.size(); ++n) s += (n == 0 || n + 1 == c.size()) ? 0.5 * c[n] : c[n];
    return 2.0 * s * dt_ps;
}

double integrate_spectrum(const Spectrum& s) {
    double v = 0;
    for (std::size_t k = 1; k < s.g.size(); ++k) v += 0.5 * (s.g[k] + s.g[k - 1]) * (s.nu_THz[k] - s.nu_THz[k - 1]);
    return v;
}

}  // namespace mdrun
