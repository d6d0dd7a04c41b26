// Per-thread bodies of the streaming-analysis accumulator updates (analysis.md §0, §1, §5, §7, §9), launched
// by kernels/device_analysis.hpp with either executor. Every formula is the SAME analysis/*_math.hpp function
// the host AnalysisSet calls; what is decided here is only the decomposition into threads and the order of
// the floating-point additions.
//
// Determinism: no floating-point atomics. Each accumulator slot is owned by exactly one thread, which adds
// its items in increasing item order — the order of the host loops in analysis/multilevel_correlator.cpp,
// analysis/linear_correlator.cpp and analysis/analysis_set.cpp. The host executor therefore reproduces the
// host AnalysisSet bit for bit (the host build has -ffp-contract=off); on the GPU the only difference is
// nvcc's FMA contraction inside the shared math functions (~1 ulp per operation). Histogram counts
// (rho) use integer atomics, whose result does not depend on the order threads arrive in.
#pragma once
#include <cstdint>

#include "analysis/angular_velocity_math.hpp"
#include "analysis/correlation_math.hpp"
#include "analysis/orientation_math.hpp"
#include "analysis/unwrap_math.hpp"
#include "engine/core/box.hpp"
#include "engine/core/hd.hpp"
#include "engine/core/vec3.hpp"
#include "kernels/hd_atomic.hpp"

namespace mdrun {

constexpr int kAnaMaxGroupAtoms = 16;  // = kMaxGroupAtoms of analysis/analysis_set.cpp (checked there)

MDRUN_HD_INLINE void hd_atomic_add_u64(std::uint64_t* p, std::uint64_t v) {
#if defined(__CUDA_ARCH__)
    atomicAdd(reinterpret_cast<unsigned long long*>(p), static_cast<unsigned long long>(v));
#else
    *p += v;
#endif
}

// §0, first sample: prev = u = u0 = x(t0). One thread per atom of the replica.
struct AnaFirstFn {
    const Vec3* pos;  // the replica's first atom in the batch
    Vec3 *prev, *u, *u0;
    MDRUN_HD_INLINE void operator()(int i) const {
        prev[i] = pos[i];
        u[i] = pos[i];
        u0[i] = pos[i];
    }
};

// §0, later samples: incremental unwrapping with the current cell. One thread per atom.
struct AnaUnwrapFn {
    Box box;
    const Vec3* pos;
    Vec3 *prev, *u;
    MDRUN_HD_INLINE void operator()(int i) const {
        u[i] += unwrap_increment(box, prev[i], pos[i]);
        prev[i] = pos[i];
    }
};

// §0 drift R(t): mean displacement of the drift atoms, summed in list order, and the running maximum of
// the framework displacement. One thread per replica (a short sequential loop: bitwise the host's order).
struct AnaDriftFn {
    const Vec3 *u, *u0;
    const int* drift_atoms;
    int n_drift;
    Vec3* drift;          // [1]
    double* max_disp;     // [1]
    MDRUN_HD_INLINE void operator()(int) const {
        Vec3 R{0, 0, 0};
        if (n_drift > 0) {
            for (int a = 0; a < n_drift; ++a) R += u[drift_atoms[a]] - u0[drift_atoms[a]];
            R = (1.0 / static_cast<double>(n_drift)) * R;
        }
        drift[0] = R;
        double m = max_disp[0];
        for (int a = 0; a < n_drift; ++a) {
            const int i = drift_atoms[a];
            const double d = norm(drift_corrected(u[i], R, false) - u0[i]);
            if (d > m) m = d;
        }
        max_disp[0] = m;
    }
};

// x_i = u_i - R (mobile atoms) or u_i (frozen). One thread per atom.
struct AnaCorrectFn {
    const Vec3* u;
    const Vec3* drift;
    const unsigned char* frozen;
    Vec3* x;
    MDRUN_HD_INLINE void operator()(int i) const { x[i] = drift_corrected(u[i], drift[0], frozen[i] != 0); }
};

// Collective (charge) MSD item of species s: sum of x_i over its mobile atoms in atom order. One thread
// per species.
struct AnaSpeciesSumFn {
    const Vec3* x;
    const int* type;
    const unsigned char* frozen;
    int n_atoms;
    Vec3* out;
    MDRUN_HD_INLINE void operator()(int s) const {
        Vec3 X{0, 0, 0};
        for (int i = 0; i < n_atoms; ++i)
            if (!frozen[i] && type[i] == s) X += x[i];
        out[s] = X;
    }
};

// Gather x[idx[a]] (VACF velocities, hop positions). One thread per item.
struct AnaGatherFn {
    const Vec3* src;
    const int* idx;
    Vec3* dst;
    MDRUN_HD_INLINE void operator()(int a) const { dst[a] = src[idx[a]]; }
};

// §5 bond unit vectors by the minimum image. A bond not shorter than half the smallest cell width (the
// polyanion fell apart) records its index in *bad (smallest such index: integer atomic min).
struct AnaBondFn {
    Box box;
    const Vec3* pos;
    const int* bond_centre;   // per bond: centre atom
    const int* bond_ligand;   // per bond: ligand atom
    double half_width;
    Vec3* unit;
    int* bad;                 // [1], 0x7fffffff = none
    MDRUN_HD_INLINE void operator()(int b) const {
        double len = 0;
        unit[b] = bond_unit_vector(box, pos[bond_centre[b]], pos[bond_ligand[b]], &len);
        if (!(len < half_width) || !(len > 0)) hd_atomic_min(bad, b);
    }
};

// Latches the first sample whose bond check failed: `bad` is the per-sample flag of AnaBondFn (reset
// here for the next sample); first = {step, bond} of the first failure, {-1, -1} while none. One thread
// per replica; the host reads `first` only when a chunk of steps ends (no copy back per sample).
struct AnaBadLatchFn {
    long step;
    int* bad;     // [1]
    long* first;  // [2]
    MDRUN_HD_INLINE void operator()(int) const {
        if (*bad != 0x7fffffff) {
            if (first[0] < 0) {
                first[0] = step;
                first[1] = *bad;
            }
            *bad = 0x7fffffff;
        }
    }
};

// §9 orientation density: one count per bond in its kind's (cos theta, phi) bin.
struct AnaRhoFn {
    const Vec3* unit;
    const int* bond_kind;
    int bins_theta, bins_phi;
    std::uint64_t* counts;
    std::uint64_t* total;
    MDRUN_HD_INLINE void operator()(int b) const {
        const int k = bond_kind[b];
        hd_atomic_add_u64(counts + static_cast<long>(k) * bins_theta * bins_phi + orientation_bin(unit[b], bins_theta, bins_phi), 1);
        hd_atomic_add_u64(total + k, 1);
    }
};

// §7 group angular velocity omega = I^-1 L about the centre. One thread per polyanion group.
struct AnaOmegaFn {
    Box box;
    const Vec3 *pos, *vel;
    const double* mass;
    const int* centre;        // per group
    const int* offset;        // per group: first bond; offset[g + 1] = end
    const int* ligand;        // per bond
    Vec3* omega;
    MDRUN_HD_INLINE void operator()(int g) const {
        Vec3 rel[kAnaMaxGroupAtoms], v[kAnaMaxGroupAtoms];
        double m[kAnaMaxGroupAtoms];
        const int c = centre[g];
        int k = 0;
        rel[k] = Vec3{0, 0, 0};
        v[k] = vel[c];
        m[k++] = mass[c];
        for (int b = offset[g]; b < offset[g + 1] && k < kAnaMaxGroupAtoms; ++b) {
            rel[k] = minimum_image(box, pos[ligand[b]] - pos[c]);
            v[k] = vel[ligand[b]];
            m[k++] = mass[ligand[b]];
        }
        omega[g] = group_angular_velocity(rel, v, m, k);
    }
};

// E1 (multi-level) insertion of one snapshot x into one level: pairs with the stored snapshots at ring
// distance j in [j0, jmax]. One thread per (j, group); the thread adds the group's items (CSR
// group_items) in increasing item order and the group's pair count — the host's order per slot.
struct AnaMultiLevelPairFn {
    const Vec3* ring;            // block * n_items
    const Vec3* x;
    const int* group_offset;     // n_groups + 1
    const int* group_items;      // items sorted by group, increasing within a group
    const std::uint64_t* per_group;
    int n_items, n_groups, block, head, j0;
    int dot_mode;
    double* acc;                 // [j][group][kLagSlots]
    std::uint64_t* count;        // [j][group]
    MDRUN_HD_INLINE void operator()(int t) const {
        const int j = j0 + t / n_groups, g = t % n_groups;
        const int slot = ((head - j) % block + block) % block;
        const Vec3* old = ring + static_cast<long>(slot) * n_items;
        double* a = acc + (static_cast<long>(j) * n_groups + g) * kLagSlots;
        if (dot_mode) {
            for (int q = group_offset[g]; q < group_offset[g + 1]; ++q) accumulate_dot_pair(old[group_items[q]], x[group_items[q]], a);
        } else {
            for (int q = group_offset[g]; q < group_offset[g + 1]; ++q)
                accumulate_displacement_pair(old[group_items[q]], x[group_items[q]], a);
        }
        count[static_cast<long>(j) * n_groups + g] += per_group[g];
    }
};

// The same insertion split into lanes for large groups (more threads on the GPU): one thread per
// (j, group, lane) sums the lane's items (q = lane, lane + L, ...) into its own zeroed partial slots; then
// AnaMultiLevelCombineFn adds the lanes to the accumulator in lane order. Deterministic, but the order of
// additions differs from the host's item order, so the sums agree to round-off, not bit for bit (used only
// above kAnaLaneThreshold items per group; see kernels/device_analysis.hpp).
struct AnaMultiLevelPartialFn {
    const Vec3* ring;
    const Vec3* x;
    const int* group_offset;
    const int* group_items;
    int n_items, n_groups, block, head, j0, lanes;
    int dot_mode;
    double* partial;             // [(j - j0)][group][lane][kLagSlots]
    MDRUN_HD_INLINE void operator()(int t) const {
        const int lane = t % lanes;
        const int g = (t / lanes) % n_groups;
        const int j = j0 + t / (lanes * n_groups);
        const int slot = ((head - j) % block + block) % block;
        const Vec3* old = ring + static_cast<long>(slot) * n_items;
        double* a = partial + static_cast<long>(t) * kLagSlots;
        for (int k = 0; k < kLagSlots; ++k) a[k] = 0.0;
        if (dot_mode) {
            for (int q = group_offset[g] + lane; q < group_offset[g + 1]; q += lanes)
                accumulate_dot_pair(old[group_items[q]], x[group_items[q]], a);
        } else {
            for (int q = group_offset[g] + lane; q < group_offset[g + 1]; q += lanes)
                accumulate_displacement_pair(old[group_items[q]], x[group_items[q]], a);
        }
    }
};
struct AnaMultiLevelCombineFn {
    const double* partial;
    const std::uint64_t* per_group;
    int n_groups, j0, lanes;
    double* acc;
    std::uint64_t* count;
    MDRUN_HD_INLINE void operator()(int t) const {
        const int j = j0 + t / n_groups, g = t % n_groups;
        double* a = acc + (static_cast<long>(j) * n_groups + g) * kLagSlots;
        const double* p = partial + static_cast<long>(t) * lanes * kLagSlots;
        for (int l = 0; l < lanes; ++l)
            for (int k = 0; k < kLagSlots; ++k) a[k] += p[l * kLagSlots + k];
        count[static_cast<long>(j) * n_groups + g] += per_group[g];
    }
};

// Copy of a snapshot into a ring slot (also seeds a new level with the t = 0 snapshot). One thread per item.
struct AnaCopyFn {
    const Vec3* src;
    Vec3* dst;
    MDRUN_HD_INLINE void operator()(int i) const { dst[i] = src[i]; }
};

// E2 (linear) correlator: after x was stored in slot `head`, one thread per (lag, group) adds
// sum_i x_i(t - lag) . x_i(t). With one group the host sums the items into a local first and adds that
// once (analysis/linear_correlator.cpp); with several it adds item by item; both are mirrored.
struct AnaLinearPairFn {
    const Vec3* ring;            // lags * n_items
    const Vec3* x;
    const int* group_offset;
    const int* group_items;
    const std::uint64_t* per_group;
    int n_items, n_groups, lags;
    long head;
    double* sum;                 // [lag][group]
    std::uint64_t* count;
    MDRUN_HD_INLINE void operator()(int t) const {
        const long lag = t / n_groups;
        const int g = t % n_groups;
        const long slot = ((head - lag) % lags + lags) % lags;
        const Vec3* old = ring + slot * n_items;
        double* s = sum + lag * n_groups + g;
        if (n_groups == 1) {
            double a = 0;
            for (int q = group_offset[g]; q < group_offset[g + 1]; ++q) a += correlation_pair(old[group_items[q]], x[group_items[q]]);
            *s += a;
        } else {
            for (int q = group_offset[g]; q < group_offset[g + 1]; ++q) *s += correlation_pair(old[group_items[q]], x[group_items[q]]);
        }
        count[lag * n_groups + g] += per_group[g];
    }
};

// One launch over the items of several replicas: entry r of `fns` (a body with its own replica's
// pointers and box) runs threads [off[r], off[r + 1]) with its local thread index t - off[r]. The bodies
// are the per-replica ones above, so every accumulator slot is still owned by one thread and summed in
// the same order: batching changes no result. off is non-decreasing with off[0] = 0.
template <class F>
struct AnaBatchFn {
    const F* fns;
    const long* off;  // n + 1
    int n;
    MDRUN_HD_INLINE void operator()(int t) const {
        int lo = 0, hi = n - 1;  // the last r with off[r] <= t
        while (lo < hi) {
            const int mid = (lo + hi + 1) / 2;
            if (off[mid] <= t)
                lo = mid;
            else
                hi = mid - 1;
        }
        fns[lo](static_cast<int>(t - off[lo]));
    }
};

}  // namespace mdrun
