// Plain 3-vectors and 3x3 matrices in double precision, usable on host and device.
// Vec3 is 24 bytes with no padding so std::vector<Vec3> and a device double* of length 3N
// share one layout (x0 y0 z0 x1 y1 z1 ...).
#pragma once
#include <cmath>

#include "engine/core/hd.hpp"

namespace mdrun {

struct Vec3 {
    double x, y, z;
};

MDRUN_HD_INLINE Vec3 operator+(Vec3 a, Vec3 b) { return {a.x + b.x, a.y + b.y, a.z + b.z}; }
MDRUN_HD_INLINE Vec3 operator-(Vec3 a, Vec3 b) { return {a.x - b.x, a.y - b.y, a.z - b.z}; }
MDRUN_HD_INLINE Vec3 operator-(Vec3 a) { return {-a.x, -a.y, -a.z}; }
MDRUN_HD_INLINE Vec3 operator*(double s, Vec3 a) { return {s * a.x, s * a.y, s * a.z}; }
MDRUN_HD_INLINE Vec3 operator*(Vec3 a, double s) { return {s * a.x, s * a.y, s * a.z}; }
MDRUN_HD_INLINE Vec3& operator+=(Vec3& a, Vec3 b) { a.x += b.x; a.y += b.y; a.z += b.z; return a; }
MDRUN_HD_INLINE Vec3& operator-=(Vec3& a, Vec3 b) { a.x -= b.x; a.y -= b.y; a.z -= b.z; return a; }
MDRUN_HD_INLINE double dot(Vec3 a, Vec3 b) { return a.x * b.x + a.y * b.y + a.z * b.z; }
MDRUN_HD_INLINE Vec3 cross(Vec3 a, Vec3 b) {
    return {a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x};
}
MDRUN_HD_INLINE double norm2(Vec3 a) { return dot(a, a); }
MDRUN_HD_INLINE double norm(Vec3 a) { return sqrt(dot(a, a)); }
MDRUN_HD_INLINE double component(Vec3 a, int k) { return k == 0 ? a.x : (k == 1 ? a.y : a.z); }

// Row-major 3x3 matrix. For a cell, rows are the lattice vectors a, b, c (MLIP/VASP/ASE convention).
struct Mat3 {
    double m[3][3];
};

MDRUN_HD_INLINE Mat3 mat3_zero() { return Mat3{{{0, 0, 0}, {0, 0, 0}, {0, 0, 0}}}; }
MDRUN_HD_INLINE Vec3 row(const Mat3& h, int i) { return {h.m[i][0], h.m[i][1], h.m[i][2]}; }
MDRUN_HD_INLINE double det(const Mat3& h) {
    return h.m[0][0] * (h.m[1][1] * h.m[2][2] - h.m[1][2] * h.m[2][1]) -
           h.m[0][1] * (h.m[1][0] * h.m[2][2] - h.m[1][2] * h.m[2][0]) +
           h.m[0][2] * (h.m[1][0] * h.m[2][1] - h.m[1][1] * h.m[2][0]);
}
// Inverse of a non-singular matrix (adjugate / determinant).
MDRUN_HD_INLINE Mat3 inverse(const Mat3& h) {
    const double d = det(h);
    Mat3 r;
    r.m[0][0] = (h.m[1][1] * h.m[2][2] - h.m[1][2] * h.m[2][1]) / d;
    r.m[0][1] = (h.m[0][2] * h.m[2][1] - h.m[0][1] * h.m[2][2]) / d;
    r.m[0][2] = (h.m[0][1] * h.m[1][2] - h.m[0][2] * h.m[1][1]) / d;
    r.m[1][0] = (h.m[1][2] * h.m[2][0] - h.m[1][0] * h.m[2][2]) / d;
    r.m[1][1] = (h.m[0][0] * h.m[2][2] - h.m[0][2] * h.m[2][0]) / d;
    r.m[1][2] = (h.m[0][2] * h.m[1][0] - h.m[0][0] * h.m[1][2]) / d;
    r.m[2][0] = (h.m[1][0] * h.m[2][1] - h.m[1][1] * h.m[2][0]) / d;
    r.m[2][1] = (h.m[0][1] * h.m[2][0] - h.m[0][0] * h.m[2][1]) / d;
    r.m[2][2] = (h.m[0][0] * h.m[1][1] - h.m[0][1] * h.m[1][0]) / d;
    return r;
}
// v^T * M  (row vector times matrix): fractional s -> Cartesian x = s^T h for a row-vector cell.
MDRUN_HD_INLINE Vec3 vec_mat(Vec3 v, const Mat3& h) {
    return {v.x * h.m[0][0] + v.y * h.m[1][0] + v.z * h.m[2][0],
            v.x * h.m[0][1] + v.y * h.m[1][1] + v.z * h.m[2][1],
            v.x * h.m[0][2] + v.y * h.m[1][2] + v.z * h.m[2][2]};
}
// Outer-product accumulation M += a (x) b.
MDRUN_HD_INLINE void add_outer(Mat3& M, Vec3 a, Vec3 b, double s = 1.0) {
    const double av[3] = {a.x, a.y, a.z}, bv[3] = {b.x, b.y, b.z};
    for (int i = 0; i < 3; ++i)
        for (int j = 0; j < 3; ++j) M.m[i][j] += s * av[i] * bv[j];
}

}  // namespace mdrun
