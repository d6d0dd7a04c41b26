// Integrator math shared by the CPU backend (engine/md/dynamics.cpp) and the CUDA kernels: velocity-Verlet
// kick/drift per atom and the Nosé–Hoover chain of LAMMPS `fix nvt` (fix_nh.cpp of LAMMPS 29 Sep 2021,
// tchain M, tloop, drag 0, eta_mass_flag on), written step for step as listed in
// ../shared/data/lammps_reference/README.md so that trajectories agree with LAMMPS to round-off.
//
// Everything here is MDRUN_HD_INLINE and uses only PODs, so a kernel can run the chain with one thread per
// replica (NhcState lives in device memory, one per replica) and the kicks with one thread per atom.
#pragma once
#include <cmath>

#include "engine/core/hd.hpp"
#include "engine/core/units.hpp"
#include "engine/core/vec3.hpp"

namespace mdrun {

constexpr int kNhcMaxChain = 16;

// Thermostat state of one replica. Plain data: copied to the GPU and into checkpoints as is.
struct NhcState {
    int chain = 3;                          // M, number of chain thermostats (1..kNhcMaxChain)
    int tloop = 1;                          // sub-steps per half step (LAMMPS tloop; no Suzuki–Yoshida)
    double t_target = 0.0;                  // K
    double t_freq = 0.0;                    // 1/Tdamp (1/ps)
    double dof = 0.0;                       // degrees of freedom of the thermostatted temperature
    double t_current = 0.0;                 // K; carried between half steps exactly as LAMMPS' t_current
    double eta[kNhcMaxChain] = {};
    double eta_dot[kNhcMaxChain + 1] = {};  // eta_dot[M] == 0 always (end of chain)
    double eta_dotdot[kNhcMaxChain] = {};
    double eta_mass[kNhcMaxChain] = {};
};

// ---- velocity Verlet (fix nve / the nve part of fix nh) ---------------------------------------------
// v += (dt/2 · ftm2v / m) · F, with the same operation order as LAMMPS (dtfm = dtf / mass).
MDRUN_HD_INLINE void vv_half_kick(Vec3& v, Vec3 f, double mass, double dt) {
    const double dtf = 0.5 * dt * kFtm2v;
    const double dtfm = dtf / mass;
    v.x += dtfm * f.x;
    v.y += dtfm * f.y;
    v.z += dtfm * f.z;
}
// x += dt · v.
MDRUN_HD_INLINE void vv_drift(Vec3& x, Vec3 v, double dt) {
    x.x += dt * v.x;
    x.y += dt * v.y;
    x.z += dt * v.z;
}
// Per-atom m·v² contribution to a temperature, in LAMMPS' operation order.
MDRUN_HD_INLINE double mv2(Vec3 v, double mass) { return (v.x * v.x + v.y * v.y + v.z * v.z) * mass; }
// Temperature from Σ m v² (compute temp: T = Σ m v² · mvv2e / (dof · boltz)).
MDRUN_HD_INLINE double temperature_from_mv2(double sum_mv2, double dof) {
    if (dof <= 0.0) return 0.0;
    const double tfactor = kMvv2e / (dof * kBoltz);
    return sum_mv2 * tfactor;
}
// Kinetic energy as LAMMPS' thermo `ke`: ½ · dof · boltz · T.
MDRUN_HD_INLINE double kinetic_from_temperature(double t, double dof) { return 0.5 * dof * kBoltz * t; }

// ---- Nosé–Hoover chain ----------------------------------------------------------------------------
// Initialises the chain at rest (η = η̇ = 0) with masses and η̈ as fix_nh.cpp's setup(). t_current is the
// temperature of the starting velocities.
MDRUN_HD_INLINE void nhc_init(NhcState& s, int chain, int tloop, double t_target, double tdamp_ps, double dof,
                              double t_current) {
    s.chain = chain < 1 ? 1 : (chain > kNhcMaxChain ? kNhcMaxChain : chain);
    s.tloop = tloop < 1 ? 1 : tloop;
    s.t_target = t_target;
    s.t_freq = 1.0 / tdamp_ps;
    s.dof = dof;
    s.t_current = t_current;
    for (int i = 0; i < kNhcMaxChain; ++i) {
        s.eta[i] = 0.0;
        s.eta_dot[i] = 0.0;
        s.eta_dotdot[i] = 0.0;
        s.eta_mass[i] = 0.0;
    }
    s.eta_dot[kNhcMaxChain] = 0.0;
    const double kt = kBoltz * s.t_target;
    const double f2 = s.t_freq * s.t_freq;
    s.eta_mass[0] = s.dof * kt / f2;
    for (int i = 1; i < s.chain; ++i) s.eta_mass[i] = kt / f2;
    for (int i = 1; i < s.chain; ++i)
        s.eta_dotdot[i] = (s.eta_mass[i - 1] * s.eta_dot[i - 1] * s.eta_dot[i - 1] - kt) / s.eta_mass[i];
}

// One thermostat half step (fix_nh.cpp nhc_temp_integrate). Uses and updates s.t_current (the caller sets
// it to the freshly computed temperature before the second half step of each MD step, as final_integrate
// does). Returns the factor by which all thermostatted velocities must be scaled; with tloop > 1 it is the
// product of the sub-step factors. LAMMPS scales the velocities once per sub-step: a caller that wants that
// exact operation order passes `factors` (room for s.tloop values) and applies them one after the other.
MDRUN_HD_INLINE double nhc_half_step(NhcState& s, double dt, double* factors = nullptr) {
    const int M = s.chain;
    const double kt = kBoltz * s.t_target;
    const double ke_target = s.dof * kt;
    const double f2 = s.t_freq * s.t_freq;
    // Masses are recomputed every half step (eta_mass_flag): unchanged for a constant target temperature.
    s.eta_mass[0] = s.dof * kt / f2;
    for (int i = 1; i < M; ++i) s.eta_mass[i] = kt / f2;

    double kecurrent = s.dof * kBoltz * s.t_current;
    s.eta_dotdot[0] = s.eta_mass[0] > 0.0 ? (kecurrent - ke_target) / s.eta_mass[0] : 0.0;

    const double ncfac = 1.0 / s.tloop;
    const double dthalf = 0.5 * dt, dt4 = 0.25 * dt, dt8 = 0.125 * dt;
    double total_scale = 1.0;
    for (int loop = 0; loop < s.tloop; ++loop) {
        for (int i = M - 1; i > 0; --i) {
            const double expfac = exp(-ncfac * dt8 * s.eta_dot[i + 1]);
            s.eta_dot[i] *= expfac;
            s.eta_dot[i] += s.eta_dotdot[i] * ncfac * dt4;
            s.eta_dot[i] *= expfac;
        }
        double expfac = exp(-ncfac * dt8 * s.eta_dot[1]);
        s.eta_dot[0] *= expfac;
        s.eta_dot[0] += s.eta_dotdot[0] * ncfac * dt4;
        s.eta_dot[0] *= expfac;

        const double factor_eta = exp(-ncfac * dthalf * s.eta_dot[0]);
        total_scale *= factor_eta;
        if (factors) factors[loop] = factor_eta;
        s.t_current *= factor_eta * factor_eta;

        kecurrent = s.dof * kBoltz * s.t_current;
        s.eta_dotdot[0] = s.eta_mass[0] > 0.0 ? (kecurrent - ke_target) / s.eta_mass[0] : 0.0;

        for (int i = 0; i < M; ++i) s.eta[i] += ncfac * dthalf * s.eta_dot[i];

        s.eta_dot[0] *= expfac;
        s.eta_dot[0] += s.eta_dotdot[0] * ncfac * dt4;
        s.eta_dot[0] *= expfac;

        for (int i = 1; i < M; ++i) {
            expfac = exp(-ncfac * dt8 * s.eta_dot[i + 1]);
            s.eta_dot[i] *= expfac;
            s.eta_dotdot[i] = (s.eta_mass[i - 1] * s.eta_dot[i - 1] * s.eta_dot[i - 1] - kt) / s.eta_mass[i];
            s.eta_dot[i] += s.eta_dotdot[i] * ncfac * dt4;
            s.eta_dot[i] *= expfac;
        }
    }
    return total_scale;
}

// Thermostat energy (LAMMPS `ecouple` of fix nvt): dof·kT·η₀ + ½Q₀η̇₀² + Σ_{i≥1} (kT·ηᵢ + ½Qᵢη̇ᵢ²).
MDRUN_HD_INLINE double nhc_energy(const NhcState& s) {
    const double kt = kBoltz * s.t_target;
    const double ke_target = s.dof * kt;
    double e = ke_target * s.eta[0] + 0.5 * s.eta_mass[0] * s.eta_dot[0] * s.eta_dot[0];
    for (int i = 1; i < s.chain; ++i) e += kt * s.eta[i] + 0.5 * s.eta_mass[i] * s.eta_dot[i] * s.eta_dot[i];
    return e;
}

// Scales one velocity by the thermostat factor (fix_nh.cpp nh_v_temp).
MDRUN_HD_INLINE void nhc_scale_velocity(Vec3& v, double factor) {
    v.x *= factor;
    v.y *= factor;
    v.z *= factor;
}

// Pressure in bar as LAMMPS compute pressure: (dof·kB·T + tr W) / (3V) · nktv2p.
MDRUN_HD_INLINE double pressure_bar(double dof, double t, double virial_trace, double volume) {
    return (dof * kBoltz * t + virial_trace) / 3.0 / volume * kNktv2p;
}

}  // namespace mdrun
