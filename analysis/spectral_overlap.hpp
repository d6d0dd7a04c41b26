// Overlap of two normalised power spectra below a cut-off (Yang et al., Chem. Mater. 2024, Fig. 3c: Na VACF
// spectrum against the polyanion angular-velocity spectrum below 8 THz). Each spectrum is restricted to
// [0, nu_max], renormalised to unit area there, and O = int_0^nu_max min(p_a, p_b) dnu (1 = identical shape,
// 0 = disjoint). Caveat, stated in summary.json: a shared frequency range shows that Na rattling and polyanion
// librations could exchange energy, not that they do (no causality, no phase information); O depends on the
// Hann window and on the resolution 1/(2 M dt) set by the max lags.
#pragma once
#include <vector>

#include "analysis/spectrum.hpp"

namespace mdrun {

struct SpectralOverlap {
    double nu_max_THz = 8.0;
    double overlap = 0;                 // in [0, 1]; NaN when a spectrum has no weight below nu_max
    double fraction_a = 0, fraction_b = 0;  // share of each spectrum's total area below nu_max
    double resolution_THz = 0;          // the coarser grid spacing of the two
};

SpectralOverlap spectral_overlap(const Spectrum& a, const Spectrum& b, double nu_max_THz = 8.0);

}  // namespace mdrun
