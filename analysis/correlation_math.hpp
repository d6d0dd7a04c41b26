// Per-item pair accumulation of the two streaming engines (analysis.md §1), shared by the CPU backend
// and CUDA kernels: what one (origin, later) pair of one item adds to the sums of one lag.
#pragma once
#include "engine/core/hd.hpp"
#include "engine/core/vec3.hpp"

namespace mdrun {

// Slots of one lag's accumulator (doubles). Displacement mode (MSD):
//   [0..2] sum of dx^2, dy^2, dz^2   [3] sum |dx|^4 (for the variance of the MSD)   [4] unused
// Dot mode (reorientation): [0] sum u0.u1 (l = 1)  [1] sum P2(u0.u1)  [2] sum (u0.u1)^2  [3..4] unused
// The pair count is kept separately as a 64-bit integer.
constexpr int kLagSlots = 5;

MDRUN_HD_INLINE void accumulate_displacement_pair(Vec3 x0, Vec3 x1, double* acc) {
    const Vec3 d = x1 - x0;
    const double dx2 = d.x * d.x, dy2 = d.y * d.y, dz2 = d.z * d.z;
    const double r2 = dx2 + dy2 + dz2;
    acc[0] += dx2;
    acc[1] += dy2;
    acc[2] += dz2;
    acc[3] += r2 * r2;
}

MDRUN_HD_INLINE void accumulate_dot_pair(Vec3 u0, Vec3 u1, double* acc) {
    const double c = dot(u0, u1);
    acc[0] += c;
    acc[1] += 1.5 * c * c - 0.5;
    acc[2] += c * c;
}

// Linear correlator (E2): sum of x(t0) . x(t0 + lag) for one item.
MDRUN_HD_INLINE double correlation_pair(Vec3 a, Vec3 b) { return dot(a, b); }

}  // namespace mdrun
