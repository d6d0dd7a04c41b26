// Angular velocity of a polyanion group about its centre of mass (analysis.md §7), shared by the CPU
// backend and CUDA kernels: omega = I^-1 L with L = sum m r' x v', I = sum m (|r'|^2 1 - r' r'^T).
// This is the least-squares rigid-body fit of the velocities, exact for rigid motion. A singular I
// (linear group) is handled by the pseudo-inverse from a Jacobi eigen-decomposition.
#pragma once
#include <cmath>

#include "engine/core/hd.hpp"
#include "engine/core/vec3.hpp"

namespace mdrun {

// Cyclic Jacobi rotations for a symmetric 3x3 matrix: a -> diagonal eigenvalues, v -> eigenvectors
// (columns). A fixed number of sweeps keeps it branch-light for the device; 3x3 converges in < 10.
MDRUN_HD_INLINE void symmetric_eigen3(Mat3 a, double eval[3], Mat3& v) {
    v = mat3_zero();
    v.m[0][0] = v.m[1][1] = v.m[2][2] = 1.0;
    for (int sweep = 0; sweep < 16; ++sweep) {
        const double off = a.m[0][1] * a.m[0][1] + a.m[0][2] * a.m[0][2] + a.m[1][2] * a.m[1][2];
        const double diag = a.m[0][0] * a.m[0][0] + a.m[1][1] * a.m[1][1] + a.m[2][2] * a.m[2][2];
        if (off <= 1e-30 * diag || off == 0.0) break;
        for (int p = 0; p < 2; ++p) {
            for (int q = p + 1; q < 3; ++q) {
                const double apq = a.m[p][q];
                if (apq == 0.0) continue;
                const double theta = (a.m[q][q] - a.m[p][p]) / (2.0 * apq);
                const double t = (theta >= 0 ? 1.0 : -1.0) / (fabs(theta) + sqrt(theta * theta + 1.0));
                const double c = 1.0 / sqrt(t * t + 1.0), s = t * c;
                for (int k = 0; k < 3; ++k) {  // a <- a J (columns p, q)
                    const double akp = a.m[k][p], akq = a.m[k][q];
                    a.m[k][p] = c * akp - s * akq;
                    a.m[k][q] = s * akp + c * akq;
                }
                for (int k = 0; k < 3; ++k) {  // a <- J^T a (rows p, q)
                    const double apk = a.m[p][k], aqk = a.m[q][k];
                    a.m[p][k] = c * apk - s * aqk;
                    a.m[q][k] = s * apk + c * aqk;
                }
                for (int k = 0; k < 3; ++k) {
                    const double vkp = v.m[k][p], vkq = v.m[k][q];
                    v.m[k][p] = c * vkp - s * vkq;
                    v.m[k][q] = s * vkp + c * vkq;
                }
            }
        }
    }
    eval[0] = a.m[0][0];
    eval[1] = a.m[1][1];
    eval[2] = a.m[2][2];
}

// Solves I w = L for symmetric positive semi-definite I; eigenvalues below 1e-10 of the largest are
// treated as zero (pseudo-inverse), so a linear group gets no spurious spin about its axis.
MDRUN_HD_INLINE Vec3 solve_inertia(const Mat3& inertia, Vec3 L) {
    double ev[3];
    Mat3 v;
    symmetric_eigen3(inertia, ev, v);
    const double emax = fmax(fabs(ev[0]), fmax(fabs(ev[1]), fabs(ev[2])));
    Vec3 w{0, 0, 0};
    if (emax <= 0.0) return w;
    const double Lv[3] = {L.x, L.y, L.z};
    for (int k = 0; k < 3; ++k) {
        if (fabs(ev[k]) <= 1e-10 * emax) continue;
        const double proj = (v.m[0][k] * Lv[0] + v.m[1][k] * Lv[1] + v.m[2][k] * Lv[2]) / ev[k];
        w.x += proj * v.m[0][k];
        w.y += proj * v.m[1][k];
        w.z += proj * v.m[2][k];
    }
    return w;
}

// Inertia tensor and angular momentum about the centre of mass of n atoms whose positions are given
// relative to any common reference point (e.g. the centre atom, minimum image), with velocities and masses.
MDRUN_HD_INLINE void group_inertia_and_momentum(const Vec3* rel_pos, const Vec3* vel, const double* mass, int n,
                                                Mat3& inertia, Vec3& L) {
    double mt = 0;
    Vec3 com{0, 0, 0}, vcom{0, 0, 0};
    for (int k = 0; k < n; ++k) {
        mt += mass[k];
        com += mass[k] * rel_pos[k];
        vcom += mass[k] * vel[k];
    }
    inertia = mat3_zero();
    L = Vec3{0, 0, 0};
    if (mt <= 0) return;
    com = (1.0 / mt) * com;
    vcom = (1.0 / mt) * vcom;
    for (int k = 0; k < n; ++k) {
        const Vec3 r = rel_pos[k] - com, v = vel[k] - vcom;
        L += mass[k] * cross(r, v);
        const double r2 = norm2(r);
        inertia.m[0][0] += mass[k] * r2;
        inertia.m[1][1] += mass[k] * r2;
        inertia.m[2][2] += mass[k] * r2;
        add_outer(inertia, r, r, -mass[k]);
    }
}

// omega = I^-1 L (rad/ps for positions in Å and velocities in Å/ps).
MDRUN_HD_INLINE Vec3 group_angular_velocity(const Vec3* rel_pos, const Vec3* vel, const double* mass, int n) {
    Mat3 inertia;
    Vec3 L;
    group_inertia_and_momentum(rel_pos, vel, mass, n, inertia, L);
    return solve_inertia(inertia, L);
}

}  // namespace mdrun
