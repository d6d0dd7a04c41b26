// Histogram bin of a unit bond vector for the orientation density rho(theta, phi) (analysis.md §9).
// Bins are equal-area: uniform in cos(theta) in [-1, 1] and in phi in [-pi, pi).
#pragma once
#include <cmath>

#include "engine/core/hd.hpp"
#include "engine/core/vec3.hpp"

namespace mdrun {

MDRUN_HD_INLINE int orientation_bin(Vec3 u, int bins_cos_theta, int bins_phi) {
    const double pi = 3.14159265358979323846;
    double c = u.z;
    if (c > 1.0) c = 1.0;
    if (c < -1.0) c = -1.0;
    int it = static_cast<int>((c + 1.0) * 0.5 * bins_cos_theta);
    if (it >= bins_cos_theta) it = bins_cos_theta - 1;
    if (it < 0) it = 0;
    const double phi = atan2(u.y, u.x);  // (-pi, pi]
    int ip = static_cast<int>((phi + pi) / (2.0 * pi) * bins_phi);
    if (ip >= bins_phi) ip = bins_phi - 1;
    if (ip < 0) ip = 0;
    return it * bins_phi + ip;
}

}  // namespace mdrun
