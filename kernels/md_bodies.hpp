// Per-thread bodies of the integrator kernels: one MD step of velocity Verlet with the Nose-Hoover chain
// of LAMMPS `fix nvt` (engine/md/integrator_math.hpp, the functions the CPU Dynamics calls), frozen atoms,
// the per-replica thermostat on the device (one thread per replica) and the device-side safety checks.
// Step order (as engine/md/dynamics.cpp): NHC half -> scale v -> kick -> drift -> [list] -> forces -> kick
// -> T -> NHC half -> scale v.
#pragma once
#include <cmath>

#include "engine/core/hd.hpp"
#include "engine/md/integrator_math.hpp"
#include "engine/core/vec3.hpp"
#include "kernels/batch_view.hpp"
#include "kernels/hd_atomic.hpp"
#include "kernels/npt_bodies.hpp"

namespace mdrun {

// One thread per replica: clears the per-step status and runs the first thermostat half step.
MDRUN_HD_INLINE void nhc_first_body(int r, const BatchView& b) {
    if (b.skip(r)) return;
    ReplicaStatus& st = b.status[r];
    st.halt_code = kHaltNone;
    st.disp2_bits = 0ULL;
    st.disp_atom = 0x7fffffff;
    if (b.npt[r]) mtk_chain_half_step(b.bar[r], b.dt[r]);  // (NPT: the barostat chain first, as fix npt)
    b.scale[r] = b.nvt[r] ? nhc_half_step(b.nhc[r], b.dt[r]) : 1.0;
}

// Prepares the force-call fields of the status (also used at setup).
MDRUN_HD_INLINE void force_status_reset_body(int r, const BatchView& b) {
    if (b.skip(r)) return;
    ReplicaStatus& st = b.status[r];
    st.close_pairs = 0;
    st.close_atom = 0x7fffffff;
    st.close_r_bits = 0x7ff0000000000000ULL;  // +inf
}

// One thread per atom: thermostat scaling, first half kick, drift, displacement bookkeeping and the
// neighbour-list skin test (fused: all per-atom, same operation order as the CPU loops).
MDRUN_HD_INLINE void kick_drift_body(int i, const BatchView& b) {
    if (b.skip(b.rep[i])) return;
    const int r = b.rep[i];
    if (b.npt[r]) return;  // NPT replicas: kernels/npt_bodies.hpp
    Vec3 v = b.vel[i];
    if (b.nvt[r]) nhc_scale_velocity(v, b.scale[r]);
    if (b.frozen[i]) {
        b.vel[i] = v;
        b.disp2[i] = 0.0;
        return;
    }
    vv_half_kick(v, b.force[i], b.mass[i], b.dt[r]);
    Vec3 x = b.pos[i];
    const Vec3 before = x;
    vv_drift(x, v, b.dt[r]);
    b.vel[i] = v;
    b.pos[i] = x;
    const double d2 = norm2(x - before);
    b.disp2[i] = d2;
    hd_atomic_max_nonneg(&b.status[r].disp2_bits, d2);
    if (norm2(x - b.pos_at_build[i]) > b.half_skin2[r]) hd_atomic_or(&b.status[r].rebuild, 1);
}

// One thread per atom: the lowest atom index that made the largest displacement (for the message).
MDRUN_HD_INLINE void disp_atom_body(int i, const BatchView& b) {
    if (b.skip(b.rep[i])) return;
    const int r = b.rep[i];
    if (!b.frozen[i] && hd_double_to_bits(b.disp2[i]) == b.status[r].disp2_bits) hd_atomic_min(&b.status[r].disp_atom, i);
}

// One thread per replica, after the reductions: second thermostat half step and the safety checks of
// the completed step (non-finite energy, displacement limit, close pairs), list-rebuild bookkeeping.
MDRUN_HD_INLINE void nhc_second_check_body(int r, const BatchView& b) {
    if (b.skip(r)) return;
    ReplicaStatus& st = b.status[r];
    const double* sums = b.sums + static_cast<long>(r) * kColCount;
    if (b.npt[r]) npt_before_thermostat(r, b);  // (sums[kColMv2] is then the m v^2 after the cell's drag)
    if (b.nvt[r]) {
        b.nhc[r].t_current = temperature_from_mv2(sums[kColMv2], b.dof[r]);
        b.scale[r] = nhc_half_step(b.nhc[r], b.dt[r]);
    } else {
        b.scale[r] = 1.0;
    }
    if (b.npt[r]) npt_after_thermostat(r, b);
    if (st.rebuild) {
        st.rebuilds += 1;
        st.rebuild = 0;
    }
    int code = b.npt[r] && st.cell_fail ? kHaltCellTilt : kHaltNone;
    const double e = sums[kColEnergy];
    if (code == kHaltNone && !(e - e == 0.0)) code = kHaltNonFinite;  // NaN or inf
    const double disp = sqrt(hd_bits_to_double(st.disp2_bits));
    if (code == kHaltNone && (disp > b.max_disp[r] || disp != disp)) code = kHaltDisplacement;
    if (st.close_pairs > 0) {
        st.close_pair_steps += 1;
        st.close_pairs_total += st.close_pairs;
        const double cr = hd_bits_to_double(st.close_r_bits);
        if (st.min_close_r == 0.0 || cr < st.min_close_r) st.min_close_r = cr;
        if (code == kHaltNone && b.stop_close[r]) code = kHaltClosePairs;
    }
    st.halt_code = code;
}

// One thread per atom: the second thermostat scaling.
MDRUN_HD_INLINE void scale_velocity_body(int i, const BatchView& b) {
    if (b.skip(b.rep[i])) return;
    const int r = b.rep[i];
    if (b.nvt[r]) nhc_scale_velocity(b.vel[i], b.scale[r]);
}

// One thread in all: counts the step and halts the batch at the first (lowest) failing replica. Running
// alone makes the halt decision independent of thread timing.
MDRUN_HD_INLINE void step_end_body(int, const BatchView& b) {
    if (b.halted()) return;
    b.step[0] += 1;
    for (int r = 0; r < b.n_replicas; ++r) {
        if (b.status[r].retired == 0 && b.status[r].halt_code != kHaltNone) {
            b.halt[0] = 1;
            b.halt[1] = r;
            b.halt[2] = b.status[r].halt_code;
            return;
        }
    }
}

// One thread per atom: m v^2 and m v v of the current velocities (thermo output after the thermostat scaling:
// temperature and pressure tensor).
MDRUN_HD_INLINE void mv2_body(int i, const BatchView& b) { npt_kinetic_columns(i, b, b.vel[i]); }

}  // namespace mdrun
