// Deterministic per-replica sums of the per-atom columns (energy, virial, m v^2) in two launches:
// partial sums over a fixed lane pattern, then a fixed sequential combination of the lanes. The order
// of additions is a function of (replica size, lanes) only, never of thread timing. With lanes = 1 the
// order is the plain atom order of the CPU backend's loops (bit-identical sums).
#pragma once
#include "engine/core/hd.hpp"
#include "kernels/batch_view.hpp"

namespace mdrun {

// One thread per (replica, column, lane).
MDRUN_HD_INLINE void reduce_partial_body(int t, const BatchView& b) {
    const int L = b.lanes;
    const int lane = t % L;
    const int k = (t / L) % kColCount;
    const int r = t / (L * kColCount);
    const double* col = b.cols + static_cast<long>(k) * b.n_atoms;
    double s = 0.0;
    for (int i = b.atom_start[r] + lane; i < b.atom_start[r + 1]; i += L) s += col[i];
    b.partials[t] = s;
}

// One thread per (replica, column).
MDRUN_HD_INLINE void reduce_final_body(int t, const BatchView& b) {
    const double* p = b.partials + static_cast<long>(t) * b.lanes;
    double s = p[0];
    for (int l = 1; l < b.lanes; ++l) s += p[l];
    b.sums[t] = s;
}

}  // namespace mdrun
