// Per-thread bodies of the NPT step on the batched layout: LAMMPS `fix npt` exactly as the CPU backend runs it
// (engine/md/dynamics_npt.cpp), each replica with its own barostat and cell in device memory. The scalar
// barostat updates run in one thread per replica and call the functions of engine/md/barostat_math.hpp that the
// CPU calls; per-atom work is one thread per atom; the kinetic tensor is summed in the fixed order of
// kernels/reduce_bodies.hpp (no floating-point atomics). Nothing here needs the host during a step.
//
// One step (kernels/batch_engine.hpp launch_step; CPU step_npt in brackets):
//   nhc_first_body            [barostat chain ½, thermostat chain ½]
//   npt_thermo_scale_body     [thermostat scaling of v], kinetic columns; reduce them
//   npt_first_kick_body       [P from the fresh KE and the last virial, cell kick ½], drag factors, cell ½
//   npt_kick_remap_drift_body [drag on v, force kick ½, atoms remapped, drift]
//   npt_remap_cell_body       [cell ½], the current cell, grid reach and the list criterion's limit
//   npt_remap_list_test_body  [atoms remapped, list test with cell deformation]
//   disp_atom_body, list rebuild, npt_shift_body [image shifts n·h for the current cell]
//   forces + force kick ½, reduce; npt_final_scale_body [drag on v], kinetic columns; reduce them
//   nhc_second_check_body     [T, P, cell kick ½, thermostat chain ½, barostat chain ½], safety checks
//   scale_velocity_body       [thermostat scaling of v]
// Replicas without a barostat return at once from every body here (a batch may mix ensembles).
#pragma once
#include <cmath>

#include "engine/core/box.hpp"
#include "engine/core/hd.hpp"
#include "engine/core/vec3.hpp"
#include "engine/md/barostat_math.hpp"
#include "engine/md/integrator_math.hpp"
#include "engine/md/npt_list_math.hpp"
#include "kernels/batch_view.hpp"
#include "kernels/hd_atomic.hpp"

namespace mdrun {

// The Box of an NPT cell: make_box(mtk_lattice_rows(c)) for a periodic cell (same operations).
MDRUN_HD_INLINE Box npt_box(const MtkBox& c) {
    Box b;
    b.h = mtk_lattice_rows(c);
    b.hinv = inverse(b.h);
    b.periodic[0] = b.periodic[1] = b.periodic[2] = true;
    return b;
}

// Cells searched on each side so that the fixed cell grid covers the list cutoff in this cell (the formula of
// make_replica_grid). A list holds the same rows for any grid that covers the cutoff (rows are sorted).
MDRUN_HD_INLINE void npt_grid_reach(ReplicaGrid& g, const Box& box, double cutoff) {
    for (int k = 0; k < 3; ++k) {
        const double width = 1.0 / sqrt(box.hinv.m[0][k] * box.hinv.m[0][k] + box.hinv.m[1][k] * box.hinv.m[1][k] +
                                         box.hinv.m[2][k] * box.hinv.m[2][k]);
        g.reach[k] = static_cast<int>(ceil(cutoff / (width / g.nc[k])));
    }
}

// Kinetic columns of atom i from velocity v: m v^2 and m v_a v_b (mobile atoms; 0 for frozen ones), each the
// term the CPU adds in its atom loop (current_temperature, mtk_add_mvv), so the sums are the CPU's.
MDRUN_HD_INLINE void npt_kinetic_columns(int i, const BatchView& b, Vec3 v) {
    const long n = b.n_atoms;
    const bool fr = b.frozen[i] != 0;
    b.cols[kColMv2 * n + i] = fr ? 0.0 : mv2(v, b.mass[i]);
    double t6[6] = {0, 0, 0, 0, 0, 0};
    mtk_add_mvv(t6, v, b.mass[i]);
    for (int k = 0; k < 6; ++k) b.cols[(kColMvv + k) * n + i] = fr ? 0.0 : t6[k];
}

// fix_nh couple() and nh_omega_dot() from the replica's sums: the virial of the last force call and the kinetic
// sums of the kinetic pass just before. t_pressure: the temperature of the scalar (iso) pressure (the fresh one
// in the first half, the thermostat's in the second, which the caller has then set to the fresh one).
MDRUN_HD_INLINE void npt_pressure_kick(int r, const BatchView& b, double t_pressure) {
    MtkState& s = b.bar[r];
    const double* sums = b.sums + static_cast<long>(r) * kColCount;
    Mat3 w;
    for (int k = 0; k < 9; ++k) w.m[k / 3][k % 3] = sums[kColVirial + k];
    const double vol = mtk_volume(s.box);
    double mtk_ke = 0.0;
    if (s.style == kMtkIso) {
        mtk_couple(s, mtk_pressure_scalar(b.dof[r], t_pressure, w, vol), nullptr);
        mtk_ke = b.dof[r] * kBoltz * b.nhc[r].t_current;
    } else {
        double t6[6];
        for (int k = 0; k < 6; ++k) t6[k] = sums[kColMvv + k] * kMvv2e;
        double p6[6];
        mtk_pressure_tensor(t6, w, vol, p6);
        mtk_couple(s, 0.0, p6);
        for (int k = 0; k < 3; ++k)
            if (s.pflag[k]) mtk_ke += t6[k];
    }
    mtk_omega_half_kick(s, b.dt[r], mtk_ke);
}

// One thread per atom: the thermostat's scaling of the first half step, then the kinetic columns.
MDRUN_HD_INLINE void npt_thermo_scale_body(int i, const BatchView& b) {
    const int r = b.rep[i];
    if (b.skip(r) || !b.npt[r]) return;
    Vec3 v = b.vel[i];
    nhc_scale_velocity(v, b.scale[r]);
    b.vel[i] = v;
    npt_kinetic_columns(i, b, v);
}

// Half a step of the cell (mtk_remap_box), remembering the cell before it for the atoms' remap.
MDRUN_HD_INLINE void npt_remap_half(int r, const BatchView& b) {
    b.old_box[r] = b.bar[r].box;
    if (!mtk_remap_box(b.bar[r], b.dt[r])) b.status[r].cell_fail = 1;
}

// One thread per replica: pressure, cell kick, the drag factors of this step and the first half step of the cell.
MDRUN_HD_INLINE void npt_first_kick_body(int r, const BatchView& b) {
    if (b.skip(r) || !b.npt[r]) return;
    b.status[r].cell_fail = 0;
    const double* sums = b.sums + static_cast<long>(r) * kColCount;
    npt_pressure_kick(r, b, temperature_from_mv2(sums[kColMv2], b.dof[r]));
    // (omega_dot and mtk_term2 do not change again before the second drag: one set of factors serves both)
    b.vfac[r] = mtk_velocity_factors(b.bar[r], b.dt[r]);
    npt_remap_half(r, b);
}

// One thread per atom: drag and force kick (mobile atoms), remap into the new cell (every atom: LAMMPS
// `dilate all`), drift with the displacement bookkeeping of kick_drift_body.
MDRUN_HD_INLINE void npt_kick_remap_drift_body(int i, const BatchView& b) {
    const int r = b.rep[i];
    if (b.skip(r) || !b.npt[r]) return;
    const bool fr = b.frozen[i] != 0;
    Vec3 v = b.vel[i];
    if (!fr) {
        mtk_scale_velocity(v, b.vfac[r]);
        vv_half_kick(v, b.force[i], b.mass[i], b.dt[r]);
    }
    Vec3 x = mtk_from_lamda(b.bar[r].box, mtk_to_lamda(b.old_box[r], b.pos[i]));
    if (fr) {
        b.pos[i] = x;
        b.disp2[i] = 0.0;
        return;
    }
    const Vec3 before = x;
    vv_drift(x, v, b.dt[r]);
    b.vel[i] = v;
    b.pos[i] = x;
    const double d2 = norm2(x - before);
    b.disp2[i] = d2;
    hd_atomic_max_nonneg(&b.status[r].disp2_bits, d2);
}

// The current cell as the Box the list builder reads, with the grid's reach for it.
MDRUN_HD_INLINE void npt_set_cell(int r, const BatchView& b, const MtkBox& c) {
    b.box[r] = npt_box(c);
    npt_grid_reach(b.grid[r], b.box[r], b.list_cut[r]);
}

// One thread per replica: the second half step of the cell, the current cell, and the rebuild criterion of
// Dynamics::npt_neighbors: with F = h0⁻¹h the list built in h0 stays complete while every atom is within
// (σ_min(F)·R − rc)/2 of its affinely carried build position, σ_min(F) ≥ 1 / (1 + ‖F⁻¹ − 1‖_F).
MDRUN_HD_INLINE void npt_remap_cell_body(int r, const BatchView& b) {
    if (b.skip(r) || !b.npt[r]) return;
    npt_remap_half(r, b);
    npt_set_cell(r, b, b.bar[r].box);
    const double R = b.npt_outer[r], rc = b.npt_rc[r];
    const double allowed = npt_list_allowance(npt_box(b.nl_box[r]), b.box[r], R, rc);
    if (!(allowed > 0.0)) {
        b.status[r].rebuild = 1;
        b.npt_lim2[r] = 0.0;
    } else {
        b.npt_lim2[r] = allowed * allowed;
    }
}

// One thread per atom: the second remap (every atom) and the list test against the carried build position.
MDRUN_HD_INLINE void npt_remap_list_test_body(int i, const BatchView& b) {
    const int r = b.rep[i];
    if (b.skip(r) || !b.npt[r]) return;
    const Vec3 x = mtk_from_lamda(b.bar[r].box, mtk_to_lamda(b.old_box[r], b.pos[i]));
    b.pos[i] = x;
    if (b.status[r].rebuild) return;
    const Vec3 carried = mtk_from_lamda(b.bar[r].box, mtk_to_lamda(b.nl_box[r], b.pos_at_build[i]));
    if (norm2(x - carried) > b.npt_lim2[r]) hd_atomic_or(&b.status[r].rebuild, 1);
}

// One thread per atom: every slot's image shift n·h in the current cell (npt_refresh_shifts' formula), after
// each list test or build: the shifts are always those of the current cell, also right after a (re)build.
MDRUN_HD_INLINE void npt_shift_body(int i, const BatchView& b) {
    const int r = b.rep[i];
    if (b.skip(r) || !b.npt[r]) return;
    const double* h = b.bar[r].box.h;
    const long base = static_cast<long>(i) * b.cap;
    const int n = b.nb_count[i] < b.cap ? b.nb_count[i] : b.cap;
    for (int a = 0; a < n; ++a) {
        const long s = base + a;
        const double n0 = b.nb_img[3 * s], n1 = b.nb_img[3 * s + 1], n2 = b.nb_img[3 * s + 2];
        b.nb_shift[s] = Vec3{n0 * h[0] + n1 * h[5] + n2 * h[4], n1 * h[1] + n2 * h[3], n2 * h[2]};
    }
}

// One thread per atom, after the second force kick: the cell's drag (mobile atoms), then the kinetic columns.
MDRUN_HD_INLINE void npt_final_scale_body(int i, const BatchView& b) {
    const int r = b.rep[i];
    if (b.skip(r) || !b.npt[r]) return;
    Vec3 v = b.vel[i];
    if (!b.frozen[i]) {
        mtk_scale_velocity(v, b.vfac[r]);
        b.vel[i] = v;
    }
    npt_kinetic_columns(i, b, v);
}

// The second half of the barostat in nhc_second_check_body (before its thermostat half step): fresh T into the
// thermostat, pressure, cell kick. After the thermostat: npt_after_thermostat (barostat chain, list cell).
MDRUN_HD_INLINE void npt_before_thermostat(int r, const BatchView& b) {
    const double* sums = b.sums + static_cast<long>(r) * kColCount;
    b.nhc[r].t_current = temperature_from_mv2(sums[kColMv2], b.dof[r]);
    npt_pressure_kick(r, b, b.nhc[r].t_current);
}
MDRUN_HD_INLINE void npt_after_thermostat(int r, const BatchView& b) {
    mtk_chain_half_step(b.bar[r], b.dt[r]);
    if (b.status[r].rebuild) b.nl_box[r] = b.bar[r].box;  // the list of this step was built in this cell
}

// One thread per replica, around a list build outside the step (setup, restart, capacity growth): the cell the
// list was built in, then (npt_current_cell_body) the current cell again.
MDRUN_HD_INLINE void npt_build_cell_body(int r, const BatchView& b) {
    if (b.skip(r) || !b.npt[r]) return;
    npt_set_cell(r, b, b.nl_box[r]);
}
MDRUN_HD_INLINE void npt_current_cell_body(int r, const BatchView& b) {
    if (b.skip(r) || !b.npt[r]) return;
    npt_set_cell(r, b, b.bar[r].box);
}

}  // namespace mdrun
