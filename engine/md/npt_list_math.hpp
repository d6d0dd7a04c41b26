#pragma once
// The Verlet-list reuse test under a changing cell, written once for the CPU NPT path (dynamics_npt.cpp) and
// the batched engine's per-replica body (kernels/npt_bodies.hpp), so both decide a rebuild by the same bits.
//
// Atoms carried affinely from the cell the list was built in (b0) to the current cell (b1) keep their
// fractional coordinates; a list built with reach R = r_c + skin stays complete while every atom's move relative
// to that carried position stays below the returned allowance, 0.5 (s_min R - r_c), where s_min = 1/(1 + |F⁻¹ - 1|_F)
// bounds how much the deformation F = h0⁻¹ h can shrink a distance. A result <= 0 means rebuild now.

#include <cmath>

#include "engine/core/box.hpp"
#include "engine/core/hd.hpp"
#include "engine/core/vec3.hpp"

namespace mdrun {

MDRUN_HD_INLINE double npt_list_allowance(const Box& b0, const Box& b1, double reach_A, double cutoff_A) {
    Mat3 finv = mat3_zero();  // F⁻¹ = h⁻¹ h0 (row-vector convention)
    for (int i = 0; i < 3; ++i)
        for (int j = 0; j < 3; ++j)
            for (int k = 0; k < 3; ++k) finv.m[i][j] += b1.hinv.m[i][k] * b0.h.m[k][j];
    double dev2 = 0.0;
    for (int i = 0; i < 3; ++i)
        for (int j = 0; j < 3; ++j) {
            const double d = finv.m[i][j] - (i == j ? 1.0 : 0.0);
            dev2 += d * d;
        }
    const double smin = 1.0 / (1.0 + sqrt(dev2));
    return 0.5 * (smin * reach_A - cutoff_A);
}

}  // namespace mdrun
