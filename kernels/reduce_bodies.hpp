// Deterministic per-replica sums of the per-atom columns (energy, virial, m v^2, m v v) in two launches:
// partial sums over a fixed lane pattern, then a fixed sequential combination of the lanes. The order
// of additions is a function of (replica size, lanes) only, never of thread timing. With lanes = 1 the
// order is the plain atom order of the CPU backend's loops (bit-identical sums).
//
// A launch sums the columns k0 .. k0 + nk - 1 (the step's force sums, or the kinetic columns alone where
// NPT needs them mid-step); with npt_only, replicas without a barostat are left as they are.
#pragma once
#include "engine/core/hd.hpp"
#include "kernels/batch_view.hpp"

namespace mdrun {

// One thread per (replica, column of the range, lane).
MDRUN_HD_INLINE void reduce_partial_body(int t, const BatchView& b, int k0, int nk, bool npt_only) {
    const int L = b.lanes;
    const int lane = t % L;
    const int k = k0 + (t / L) % nk;
    const int r = t / (L * nk);
    if (npt_only && !b.npt[r]) return;
    const double* col = b.cols + static_cast<long>(k) * b.n_atoms;
    double s = 0.0;
    for (int i = b.atom_start[r] + lane; i < b.atom_start[r + 1]; i += L) s += col[i];
    b.partials[(static_cast<long>(r) * kColCount + k) * L + lane] = s;
}

// One thread per (replica, column of the range).
MDRUN_HD_INLINE void reduce_final_body(int t, const BatchView& b, int k0, int nk, bool npt_only) {
    const int k = k0 + t % nk;
    const int r = t / nk;
    if (npt_only && !b.npt[r]) return;
    const long rk = static_cast<long>(r) * kColCount + k;
    const double* p = b.partials + rk * b.lanes;
    double s = p[0];
    for (int l = 1; l < b.lanes; ++l) s += p[l];
    b.sums[rk] = s;
}

}  // namespace mdrun
