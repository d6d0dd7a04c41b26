// Per-thread bodies of the MTP kernels: the site energy and per-pair derivatives D_ij of one atom
// through the shared potentials/mtp_math.hpp (the same function the CPU MtpPotential calls), then the
// force gather F_i = sum_s D_is - sum_s D_{reverse(s)} with the per-atom virial and the second
// velocity-Verlet half kick. No floating-point atomics: every double is written by exactly one thread.
#pragma once
#include "engine/core/hd.hpp"
#include "engine/md/integrator_math.hpp"
#include "engine/core/vec3.hpp"
#include "kernels/batch_view.hpp"
#include "kernels/hd_atomic.hpp"
#include "potentials/mtp_math.hpp"

namespace mdrun {

// Doubles of scratch per thread: the compacted row's r_ij components and D_ij (6 cap) plus mtp_math's
// own scratch; ints: neighbour species and slot (2 cap).
MDRUN_HD_INLINE long mtp_thread_scratch(const MtpParamsView& p, int cap) {
    return 6L * cap + mtp_scratch_size(p, cap);
}
MDRUN_HD_INLINE long mtp_thread_iscratch(int cap) { return 2L * cap; }

// Site i = first + t, exactly as potentials/mtp_potential.cpp evaluates it: the row is compacted to the
// neighbours with r < max_dist (strict, as MLIP) in slot order, mtp_site gives V_i and D for them, D is
// scattered back to the slots (zero for the others), and the site virial -sum D (x) r is accumulated in
// the same order. Writes the energy and virial columns; counts pairs closer than min_dist.
MDRUN_HD_INLINE void mtp_site_body(int t, const BatchView& b, const MtpParamsView& p, int first, double* scratch,
                                   int* iscratch) {
    if (b.skip(b.rep[first + t])) return;
    const int i = first + t;
    const int cap = b.cap;
    double* rx = scratch + mtp_thread_scratch(p, cap) * t;
    double* ry = rx + cap;
    double* rz = ry + cap;
    double* dxl = rz + cap;
    double* dyl = dxl + cap;
    double* dzl = dyl + cap;
    double* site = dzl + cap;
    int* ntype = iscratch + mtp_thread_iscratch(cap) * t;
    int* slot = ntype + cap;
    const long base = static_cast<long>(i) * cap;
    const int nrow = b.nb_count[i] < cap ? b.nb_count[i] : cap;
    const Vec3 xi = b.pos[i];
    const int r = b.rep[i];
    int close = 0, nn = 0;
    double close_r = 0.0;
    for (int a = 0; a < nrow; ++a) {
        const long s = base + a;
        b.dx[s] = 0.0;
        b.dy[s] = 0.0;
        b.dz[s] = 0.0;
        const int j = b.nb_j[s];
        const Vec3 d = b.pos[j] + b.nb_shift[s] - xi;
        const double rr = sqrt(norm2(d));
        if (!(rr < p.max_dist)) continue;
        if (rr < p.min_dist) {
            if (close == 0 || rr < close_r) close_r = rr;
            ++close;
        }
        rx[nn] = d.x;
        ry[nn] = d.y;
        rz[nn] = d.z;
        ntype[nn] = b.mtp_type[j];
        slot[nn] = a;
        ++nn;
    }
    // Stride nn (not cap) for mtp_math's per-neighbour arrays: the same arithmetic, but the thread touches
    // only the scratch it needs (about half of a cap-strided block), which keeps more of it in cache.
    const double v = mtp_site(p, b.mtp_type[i], nn, nn > 0 ? nn : 1, rx, ry, rz, ntype, site, dxl, dyl, dzl);
    Mat3 w = mat3_zero();
    for (int k = 0; k < nn; ++k) {
        const long s = base + slot[k];
        b.dx[s] = dxl[k];
        b.dy[s] = dyl[k];
        b.dz[s] = dzl[k];
        add_outer(w, Vec3{dxl[k], dyl[k], dzl[k]}, Vec3{rx[k], ry[k], rz[k]}, -1.0);
    }
    const long n = b.n_atoms;
    b.cols[kColEnergy * n + i] = v;
    for (int k = 0; k < 9; ++k) b.cols[(kColVirial + k) * n + i] = w.m[k / 3][k % 3];
    if (close > 0) {
        hd_atomic_add(&b.status[r].close_pairs, close);
        hd_atomic_min(&b.status[r].close_atom, i);
        hd_atomic_min_nonneg(&b.status[r].close_r_bits, close_r);
    }
}

// The common end of every force body: frozen atoms get F = 0 (fix setforce 0 0 0); with `kick`, the second
// half kick (mobile atoms); m v^2 stored for the thermostat's temperature.
MDRUN_HD_INLINE void finish_force_kick(int i, const BatchView& b, Vec3 f, bool kick) {
    const bool fr = b.frozen[i] != 0;
    const Vec3 F = fr ? Vec3{0.0, 0.0, 0.0} : f;
    b.force[i] = F;
    Vec3 v = b.vel[i];
    if (kick && !fr) {
        vv_half_kick(v, F, b.mass[i], b.dt[b.rep[i]]);
        b.vel[i] = v;
    }
    b.cols[static_cast<long>(kColMv2) * b.n_atoms + i] = fr ? 0.0 : mv2(v, b.mass[i]);
}

// One thread per atom: force by gather over the row and the mirrored slots in the CPU's order
// (F += D_s, F -= D_reverse(s)); frozen atoms get F = 0 (fix setforce 0 0 0). With `kick`, the second
// half kick follows (mobile atoms); m v^2 is stored for the thermostat's temperature.
MDRUN_HD_INLINE void force_kick_body(int i, const BatchView& b, bool kick) {
    if (b.skip(b.rep[i])) return;
    const int cap = b.cap;
    const long base = static_cast<long>(i) * cap;
    const int nrow = b.nb_count[i] < cap ? b.nb_count[i] : cap;
    Vec3 f{0.0, 0.0, 0.0};
    for (int a = 0; a < nrow; ++a) {
        const long s = base + a;
        const long q = b.nb_reverse[s];
        f += Vec3{b.dx[s], b.dy[s], b.dz[s]};
        f -= Vec3{b.dx[q], b.dy[q], b.dz[q]};
    }
    finish_force_kick(i, b, f, kick);
}

}  // namespace mdrun
