// Per-thread bodies of the neighbour-list kernels (one function per kernel; the __global__ kernels in
// kernels/*.cu and the host drivers in tests call exactly these). They rebuild the list of every replica
// whose `status[r].rebuild` flag is set, on the device, with per-replica boxes and small-cell images.
//
// The rows come out identical to engine/md/neighbor_list.cpp's build_neighbor_list (same wrapped
// coordinates, same distance test, rows sorted by (j, image)), so the GPU sums forces in the CPU's
// neighbour order. Cells are filled with integer atomics in arbitrary order, but the per-row sort makes
// the result independent of that order (deterministic).
#pragma once
#include <cmath>

#include "engine/core/box.hpp"
#include "engine/core/hd.hpp"
#include "engine/core/vec3.hpp"
#include "kernels/batch_view.hpp"
#include "kernels/hd_atomic.hpp"

namespace mdrun {

// Displacement test after a drift (one thread per atom): flags the replica for a rebuild when the atom
// moved more than skin/2 since the last build (the CPU's needs_rebuild criterion).
MDRUN_HD_INLINE void nl_check_body(int i, const BatchView& b) {
    if (b.skip(b.rep[i])) return;
    const int r = b.rep[i];
    if (norm2(b.pos[i] - b.pos_at_build[i]) > b.half_skin2[r]) hd_atomic_or(&b.status[r].rebuild, 1);
}

// One thread per cell (all replicas): empties the cells of replicas being rebuilt.
MDRUN_HD_INLINE void nl_clear_body(int c, const BatchView& b) {
    if (b.skip(b.cell_rep[c])) return;
    if (b.status[b.cell_rep[c]].rebuild) b.cell_count[c] = 0;
}

// One thread per atom: wrapped fractional position, integer image and cell; counts atoms per cell.
MDRUN_HD_INLINE void nl_bin_body(int i, const BatchView& b) {
    if (b.skip(b.rep[i])) return;
    const int r = b.rep[i];
    if (!b.status[r].rebuild) return;
    const Box& box = b.box[r];
    const ReplicaGrid& g = b.grid[r];
    const Vec3 s = to_fractional(box, b.pos[i]);
    double sv[3] = {s.x, s.y, s.z};
    int w[3] = {0, 0, 0};
    for (int k = 0; k < 3; ++k) {
        if (box.periodic[k]) {
            const double f = floor(sv[k]);
            w[k] = static_cast<int>(f);
            sv[k] -= f;
            if (sv[k] >= 1.0) { sv[k] -= 1.0; w[k] += 1; }  // round-off at exactly 1 (as the CPU list)
        }
    }
    int c[3];
    for (int k = 0; k < 3; ++k) {
        if (box.periodic[k]) {
            int ck = static_cast<int>(floor(sv[k] * g.nc[k]));
            c[k] = ck < 0 ? 0 : (ck > g.nc[k] - 1 ? g.nc[k] - 1 : ck);
        } else {
            c[k] = 0;
        }
    }
    b.atom_wrap[3 * i + 0] = w[0];
    b.atom_wrap[3 * i + 1] = w[1];
    b.atom_wrap[3 * i + 2] = w[2];
    b.wrapped[i] = b.pos[i] - to_cartesian(box, Vec3{double(w[0]), double(w[1]), double(w[2])});
    const int cell = g.cell_base + (c[0] * g.nc[1] + c[1]) * g.nc[2] + c[2];
    b.atom_cell[i] = cell;
    hd_atomic_add(&b.cell_count[cell], 1);
}

// One thread per replica: exclusive scan of its cell counts (into the replica's own range of
// cell_atoms), fill cursors reset. Sequential on purpose: a replica has few cells, and integer sums
// are exact in any order anyway.
MDRUN_HD_INLINE void nl_scan_body(int r, const BatchView& b) {
    if (b.skip(r)) return;
    if (!b.status[r].rebuild) return;
    const ReplicaGrid& g = b.grid[r];
    int run = b.atom_start[r];
    for (int c = g.cell_base; c < g.cell_base + g.ncells; ++c) {
        b.cell_start[c] = run;
        b.cell_fill[c] = run;
        run += b.cell_count[c];
    }
}

// One thread per atom: drops the atom into its cell (order inside a cell is arbitrary; see header).
MDRUN_HD_INLINE void nl_fill_body(int i, const BatchView& b) {
    if (b.skip(b.rep[i])) return;
    if (!b.status[b.rep[i]].rebuild) return;
    const int slot = hd_atomic_add(&b.cell_fill[b.atom_cell[i]], 1);
    b.cell_atoms[slot] = i;
}

// (j, image) order of one row, as the CPU list.
MDRUN_HD_INLINE bool nl_slot_less(int ja, const int* ia, int jb, const int* ib) {
    if (ja != jb) return ja < jb;
    if (ia[0] != ib[0]) return ia[0] < ib[0];
    if (ia[1] != ib[1]) return ia[1] < ib[1];
    return ia[2] < ib[2];
}

// One thread per atom: gathers every (j, image) with |r_ij| < list cutoff from the surrounding cells,
// then sorts the row by (j, image). Rows longer than cap are counted (nb_overflow) but not stored; the
// host sees the overflow at the next sync and redoes the steps with a larger capacity.
MDRUN_HD_INLINE void nl_rows_body(int i, const BatchView& b) {
    if (b.skip(b.rep[i])) return;
    const int r = b.rep[i];
    if (!b.status[r].rebuild) return;
    const Box& box = b.box[r];
    const ReplicaGrid& g = b.grid[r];
    const double rc2 = b.list_cut2[r];
    const long base = static_cast<long>(i) * b.cap;
    const int ci = b.atom_cell[i] - g.cell_base;
    const int cc[3] = {ci / (g.nc[1] * g.nc[2]), (ci / g.nc[2]) % g.nc[1], ci % g.nc[2]};
    const int* wi = b.atom_wrap + 3 * i;
    const Vec3 xi = b.wrapped[i];
    int n = 0;
    for (int d0 = -g.reach[0]; d0 <= g.reach[0]; ++d0) {
        int a0 = cc[0] + d0, img0 = 0;
        if (box.periodic[0]) { img0 = static_cast<int>(floor(double(a0) / g.nc[0])); a0 -= img0 * g.nc[0]; }
        else if (a0 < 0 || a0 >= g.nc[0]) continue;
        for (int d1 = -g.reach[1]; d1 <= g.reach[1]; ++d1) {
            int a1 = cc[1] + d1, img1 = 0;
            if (box.periodic[1]) { img1 = static_cast<int>(floor(double(a1) / g.nc[1])); a1 -= img1 * g.nc[1]; }
            else if (a1 < 0 || a1 >= g.nc[1]) continue;
            for (int d2 = -g.reach[2]; d2 <= g.reach[2]; ++d2) {
                int a2 = cc[2] + d2, img2 = 0;
                if (box.periodic[2]) { img2 = static_cast<int>(floor(double(a2) / g.nc[2])); a2 -= img2 * g.nc[2]; }
                else if (a2 < 0 || a2 >= g.nc[2]) continue;
                const Vec3 T = to_cartesian(box, Vec3{double(img0), double(img1), double(img2)});
                const int cell = g.cell_base + (a0 * g.nc[1] + a1) * g.nc[2] + a2;
                const int s0 = b.cell_start[cell], s1 = s0 + b.cell_count[cell];
                for (int s = s0; s < s1; ++s) {
                    const int j = b.cell_atoms[s];
                    if (j == i && img0 == 0 && img1 == 0 && img2 == 0) continue;
                    const Vec3 d = b.wrapped[j] + T - xi;
                    if (!(norm2(d) < rc2)) continue;
                    if (n < b.cap) {
                        const int* wj = b.atom_wrap + 3 * j;
                        const long slot = base + n;
                        b.nb_j[slot] = j;
                        b.nb_img[3 * slot + 0] = img0 + wi[0] - wj[0];
                        b.nb_img[3 * slot + 1] = img1 + wi[1] - wj[1];
                        b.nb_img[3 * slot + 2] = img2 + wi[2] - wj[2];
                    }
                    ++n;
                }
            }
        }
    }
    b.nb_count[i] = n;
    if (n > b.cap) {
        hd_atomic_max(b.nb_overflow, n);
        n = b.cap;
    }
    // Insertion sort by (j, image): rows are short (tens of entries) and this runs only at rebuilds.
    for (int a = 1; a < n; ++a) {
        const long sa = base + a;
        const int jv = b.nb_j[sa];
        const int iv[3] = {b.nb_img[3 * sa], b.nb_img[3 * sa + 1], b.nb_img[3 * sa + 2]};
        int k = a - 1;
        while (k >= 0 && nl_slot_less(jv, iv, b.nb_j[base + k], b.nb_img + 3 * (base + k))) {
            const long from = base + k, to = base + k + 1;
            b.nb_j[to] = b.nb_j[from];
            b.nb_img[3 * to] = b.nb_img[3 * from];
            b.nb_img[3 * to + 1] = b.nb_img[3 * from + 1];
            b.nb_img[3 * to + 2] = b.nb_img[3 * from + 2];
            --k;
        }
        const long to = base + k + 1;
        b.nb_j[to] = jv;
        b.nb_img[3 * to] = iv[0];
        b.nb_img[3 * to + 1] = iv[1];
        b.nb_img[3 * to + 2] = iv[2];
    }
    for (int a = 0; a < n; ++a) {
        const long s = base + a;
        b.nb_shift[s] = to_cartesian(box, Vec3{double(b.nb_img[3 * s]), double(b.nb_img[3 * s + 1]),
                                               double(b.nb_img[3 * s + 2])});
    }
    b.pos_at_build[i] = b.pos[i];
}

// One thread per atom: the global slot of each pair's mirror (j -> i, -image), by binary search in the
// sorted row of j. Needed for the force gather.
MDRUN_HD_INLINE void nl_reverse_body(int i, const BatchView& b) {
    if (b.skip(b.rep[i])) return;
    if (!b.status[b.rep[i]].rebuild) return;
    const long base = static_cast<long>(i) * b.cap;
    const int n = b.nb_count[i] < b.cap ? b.nb_count[i] : b.cap;
    for (int a = 0; a < n; ++a) {
        const long s = base + a;
        const int j = b.nb_j[s];
        const int want[3] = {-b.nb_img[3 * s], -b.nb_img[3 * s + 1], -b.nb_img[3 * s + 2]};
        const long jbase = static_cast<long>(j) * b.cap;
        int lo = 0, hi = b.nb_count[j] < b.cap ? b.nb_count[j] : b.cap;
        while (lo < hi) {
            const int mid = (lo + hi) / 2;
            if (nl_slot_less(b.nb_j[jbase + mid], b.nb_img + 3 * (jbase + mid), i, want)) lo = mid + 1;
            else hi = mid;
        }
        // The list is symmetric unless rounding put a pair at the list cutoff in one row but not in the
        // other (|r_ij|^2 and |r_ji|^2 are computed from different sums). Then the search lands on another
        // pair or past the end of row j (past the whole array for the last atom): the mirror is checked,
        // a missing one is counted for the host, which stops as the CPU list does, and the slot points at
        // itself so that no kernel reads out of bounds before the host looks. (An overflowed row is
        // caught by nb_overflow[0] and the list rebuilt, so only complete rows are judged.)
        const int nj = b.nb_count[j] < b.cap ? b.nb_count[j] : b.cap;
        const long q = jbase + lo;
        const bool found = lo < nj && b.nb_j[q] == i && b.nb_img[3 * q] == want[0] && b.nb_img[3 * q + 1] == want[1] &&
                           b.nb_img[3 * q + 2] == want[2];
        if (found) {
            b.nb_reverse[s] = static_cast<int>(q);
        } else {
            b.nb_reverse[s] = static_cast<int>(s);
            hd_atomic_add(b.nb_overflow + 1, 1);
            hd_atomic_min(b.nb_overflow + 2, i);
        }
    }
}

}  // namespace mdrun
