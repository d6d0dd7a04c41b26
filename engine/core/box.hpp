// Periodic (or partly non-periodic) triclinic simulation cell.
#pragma once
#include "engine/core/vec3.hpp"

namespace mdrun {

// Rows of h are the lattice vectors. A lattice row of zeros means that direction is non-periodic
// (MLIP convention); for such a direction h keeps a zero row and `periodic[k]` is false.
struct Box {
    Mat3 h{};         // lattice vectors as rows (Å)
    Mat3 hinv{};      // inverse of h with zero rows replaced by unit vectors (so fractional coords exist)
    bool periodic[3] = {true, true, true};
};

// Builds a Box from lattice rows; zero rows become non-periodic directions.
Box make_box(const Mat3& lattice_rows);

double volume(const Box& box);                 // |det h|, 0 if any direction is non-periodic
double perpendicular_width(const Box& box, int k);  // distance between the two faces spanned by the other rows

MDRUN_HD_INLINE Vec3 to_fractional(const Box& b, Vec3 x) { return vec_mat(x, b.hinv); }
MDRUN_HD_INLINE Vec3 to_cartesian(const Box& b, Vec3 s) { return vec_mat(s, b.h); }

// Minimum-image displacement in fractional space (exact for |d| below half the smallest width).
MDRUN_HD_INLINE Vec3 minimum_image(const Box& b, Vec3 d) {
    Vec3 s = to_fractional(b, d);
    if (b.periodic[0]) s.x -= rint(s.x);
    if (b.periodic[1]) s.y -= rint(s.y);
    if (b.periodic[2]) s.z -= rint(s.z);
    return to_cartesian(b, s);
}

}  // namespace mdrun
