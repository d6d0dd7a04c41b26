#include "engine/core/box.hpp"

#include <cmath>

namespace mdrun {

namespace {
bool is_zero_row(const Mat3& h, int i) { return h.m[i][0] == 0.0 && h.m[i][1] == 0.0 && h.m[i][2] == 0.0; }
}  // namespace

Box make_box(const Mat3& lattice_rows) {
    Box b;
    b.h = lattice_rows;
    Mat3 full = lattice_rows;  // zero rows replaced so that fractional coordinates are defined
    for (int k = 0; k < 3; ++k) b.periodic[k] = !is_zero_row(lattice_rows, k);
    for (int k = 0; k < 3; ++k) {
        if (b.periodic[k]) continue;
        // Use the unit normal of the two other rows when both are periodic, else the Cartesian axis.
        const int i = (k + 1) % 3, j = (k + 2) % 3;
        Vec3 n{0, 0, 0};
        if (b.periodic[i] && b.periodic[j]) n = cross(row(full, i), row(full, j));
        if (norm(n) == 0.0) n = Vec3{k == 0 ? 1.0 : 0.0, k == 1 ? 1.0 : 0.0, k == 2 ? 1.0 : 0.0};
        n = (1.0 / norm(n)) * n;
        full.m[k][0] = n.x; full.m[k][1] = n.y; full.m[k][2] = n.z;
    }
    b.hinv = inverse(full);
    return b;
}

double volume(const Box& b) {
    if (!b.periodic[0] || !b.periodic[1] || !b.periodic[2]) return 0.0;
    return std::fabs(det(b.h));
}

double perpendicular_width(const Box& b, int k) {
    const int i = (k + 1) % 3, j = (k + 2) % 3;
    const Vec3 n = cross(row(b.h, i), row(b.h, j));
    const double nn = norm(n);
    if (nn == 0.0) return 0.0;
    return std::fabs(dot(row(b.h, k), n)) / nn;
}

}  // namespace mdrun
