// Power spectra of velocity-type autocorrelations (analysis.md §7), one-sided, normalised, GPUMD
// convention with frequency nu in THz:
//   g(nu) = (2 dt / C0) [w0 C0 + 2 sum_{n=1}^{M-1} w_n C_n cos(2 pi nu n dt)],  w_n = (1 + cos(pi n / M)) / 2,
// on the grid nu_k = k / (2 M dt), k = 0 .. M (dnu = 1/(2 M dt), nu_Nyquist = 1/(2 dt)), so that the
// integral of g over [0, nu_Nyquist] is 1.
#pragma once
#include <vector>

namespace mdrun {

struct Spectrum {
    std::vector<double> nu_THz;
    std::vector<double> g;  // 1/THz, integral over nu = 1
};

// c[0..M-1]: correlation at lags n dt; dt_ps: lag spacing. Throws if c is empty or c[0] is not > 0.
Spectrum normalised_spectrum(const std::vector<double>& c, double dt_ps);

// Unnormalised, unwindowed one-sided transform at nu = 0 with the trapezoidal rule:
// 2 int_0^T C(t) dt (Green-Kubo: for the 3D VACF this equals 6 D).
double zero_frequency_integral(const std::vector<double>& c, double dt_ps);

// Trapezoidal integral of g over its grid (a check that the normalisation holds).
double integrate_spectrum(const Spectrum& s);

}  // namespace mdrun
