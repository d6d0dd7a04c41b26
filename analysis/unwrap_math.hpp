// Per-atom update math for unwrapped, drift-corrected positions (analysis.md §0), shared by the CPU
// backend and CUDA kernels. No std:: containers here: plain PODs so nvcc can compile it.
#pragma once
#include <cmath>

#include "engine/core/box.hpp"
#include "engine/core/hd.hpp"
#include "engine/core/vec3.hpp"

namespace mdrun {

// Incremental unwrapping: the fractional step ds = s(t+d) - s(t) is reduced to its nearest image
// (ds -= round(ds)) and mapped back with the *current* cell, u += h(t+d) ds. Using the current cell (not
// image counts times L) avoids the n L(t) artefact under a changing cell (von Buelow et al. 2020).
// Valid while no atom moves more than half a cell width between two calls.
MDRUN_HD_INLINE Vec3 unwrap_increment(const Box& box, Vec3 previous_wrapped, Vec3 current_wrapped) {
    Vec3 ds = to_fractional(box, current_wrapped - previous_wrapped);
    if (box.periodic[0]) ds.x -= rint(ds.x);
    if (box.periodic[1]) ds.y -= rint(ds.y);
    if (box.periodic[2]) ds.z -= rint(ds.z);
    return to_cartesian(box, ds);
}

// x_i(t) = u_i(t) - R(t): the drift-corrected position of a mobile atom. Frozen atoms are never
// corrected (they are fixed in the lab frame, so their MSD stays exactly 0).
MDRUN_HD_INLINE Vec3 drift_corrected(Vec3 unwrapped, Vec3 drift, bool frozen) {
    return frozen ? unwrapped : unwrapped - drift;
}

// Unit vector of a centre->ligand bond by the minimum image convention (analysis.md §0, §5).
// Returns the bond length in *length so callers can check |bond| < half the smallest cell width.
MDRUN_HD_INLINE Vec3 bond_unit_vector(const Box& box, Vec3 centre, Vec3 ligand, double* length) {
    const Vec3 d = minimum_image(box, ligand - centre);
    const double r = norm(d);
    *length = r;
    return r > 0 ? (1.0 / r) * d : Vec3{0, 0, 0};
}

}  // namespace mdrun
