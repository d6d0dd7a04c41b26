// LAMMPS' cell convention, shared by the data-file and dump writers: a right-handed cell with
// a = (lx,0,0), b = (xy,ly,0), c = (xz,yz,lz). Any other cell is rotated into that form, keeping
// fractional coordinates, so positions and velocities turn with the cell.
#pragma once
#include <cmath>
#include <string>

#include "engine/core/error.hpp"
#include "engine/core/system.hpp"

namespace mdrun {

struct LammpsCell {
    Mat3 h{};            // lower-triangular lattice rows (Å)
    bool as_is = false;  // the input cell already had this form: numbers are used unchanged
    bool tilted = false; // any of xy, xz, yz non-zero
};

// Throws (naming `path`) for a non-periodic direction or a left-handed cell.
inline LammpsCell lammps_cell(const Box& box, const std::string& path) {
    for (int k = 0; k < 3; ++k)
        if (!box.periodic[k])
            throw Error(path + ": LAMMPS files need a cell; direction " + std::to_string(k + 1) + " has none");
    if (det(box.h) <= 0) throw Error(path + ": LAMMPS needs a right-handed cell (det(h) > 0)");
    const Vec3 a = row(box.h, 0), b = row(box.h, 1), c = row(box.h, 2);
    const double lx = norm(a);
    const double xy = dot(b, a) / lx;
    const double ly = std::sqrt(norm2(b) - xy * xy);
    const double xz = dot(c, a) / lx;
    const double yz = (dot(b, c) - xy * xz) / ly;
    const double lz = std::sqrt(norm2(c) - xz * xz - yz * yz);
    LammpsCell out;
    out.h = mat3_zero();
    out.h.m[0][0] = lx;
    out.h.m[1][0] = xy;
    out.h.m[1][1] = ly;
    out.h.m[2][0] = xz;
    out.h.m[2][1] = yz;
    out.h.m[2][2] = lz;
    out.as_is = box.h.m[0][1] == 0 && box.h.m[0][2] == 0 && box.h.m[1][2] == 0 && box.h.m[0][0] > 0 &&
                box.h.m[1][1] > 0 && box.h.m[2][2] > 0;
    if (out.as_is) out.h = box.h;  // no round-off from the rotation
    out.tilted = out.h.m[1][0] != 0 || out.h.m[2][0] != 0 || out.h.m[2][1] != 0;
    return out;
}

// A Cartesian vector of the mdrun frame (position or velocity) in the LAMMPS frame.
inline Vec3 to_lammps_frame(const Box& box, const LammpsCell& lc, Vec3 x) {
    return lc.as_is ? x : vec_mat(vec_mat(x, box.hinv), lc.h);
}

}  // namespace mdrun
