// CPU backend of the MD integrators for ONE replica: velocity-Verlet NVE, Nosé–Hoover-chain NVT and
// MTK/Nosé–Hoover NPT exactly as LAMMPS `fix nve` / `fix nvt` / `fix npt` (NPT: engine/md/dynamics_npt.cpp,
// math in engine/md/barostat_math.hpp), frozen atoms (v = 0, F = 0 as `fix setforce 0 0 0`), a Verlet neighbour
// list with skin, and a checkpointable state for bit-identical restarts.
// The per-atom and chain formulas live in engine/md/integrator_math.hpp (shared with the CUDA backend).
//
// Positions are never wrapped during a run: the neighbour list carries image shifts, so the trajectory
// does not depend on when the list was rebuilt and a restart reproduces it bit for bit.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "engine/core/binary_io.hpp"
#include "engine/md/barostat_math.hpp"
#include "engine/md/integrator_math.hpp"
#include "engine/md/neighbor_list.hpp"
#include "engine/core/system.hpp"
#include "potentials/potential.hpp"

namespace mdrun {

struct DynamicsParams {
    std::string ensemble = "nve";  // "nve" | "nvt" | "npt"
    double dt_ps = 0.001;
    double temperature_K = 300.0;  // NVT target
    double tdamp_ps = 0.1;         // NVT damping time
    int chain = 3;                 // NHC chain length (1..kNhcMaxChain)
    int tloop = 1;                 // NHC sub-steps
    double skin = 1.0;             // neighbour-list skin (Å); the list is rebuilt when an atom moved > skin/2
    // NPT (LAMMPS fix npt keywords and defaults; the thermostat above is its `temp` part).
    double pressure_bar = 1.0;     // target pressure (diagonal; tilts target 0)
    double pdamp_ps = 1.0;         // barostat damping time
    std::string barostat = "iso";  // "iso" | "aniso" | "tri"
    std::string couple = "none";   // aniso/tri: "none" | "xyz" | "xy" | "yz" | "xz" (iso is xyz)
    int pchain = 3;                // barostat chain length (0 = none)
    int ploop = 1;                 // barostat chain sub-steps
    bool mtk = true;               // MTK correction terms
    // Checkpoints also hold the cell (staged protocols, where an earlier stage may have changed it).
    bool checkpoint_cell = false;
};

class Dynamics {
public:
    // Keeps references to `sys` and `pot`; both must outlive the Dynamics. Throws mdrun::Error for bad
    // parameters (dt <= 0, unknown ensemble, chain out of range, ...).
    Dynamics(const DynamicsParams& params, System& sys, const Potential& pot);

    // Degrees of freedom, neighbour list, forces at step 0 (frozen forces zeroed), NHC set-up (as LAMMPS
    // setup()). Call once before the first step (not needed after load()).
    void setup();
    // One full step: NHC half, kick, drift, (list rebuild if needed), forces, kick, T, NHC half.
    void step();

    long step_count() const { return step_; }
    double kinetic_energy() const;     // ½·dof·kB·T (LAMMPS thermo `ke`), eV
    double temperature() const;        // over mobile atoms with dof(), K
    double potential_energy() const { return force_.energy; }
    Mat3 virial() const { return force_.virial; }
    double pressure_bar() const;       // LAMMPS thermo `press` with this temperature
    // LAMMPS thermo pxx pyy pzz pxy pxz pyz (bar) with the current velocities.
    void pressure_tensor_bar(double out[6]) const;
    double thermostat_energy() const;  // LAMMPS `ecouple`: chains, and for NPT the barostat (0 for NVE)
    // For iso NPT the barostat-chain term of thermostat_energy() uses the kT of the dynamics (conserved);
    // this is LAMMPS' reported ecouple, which counts 3 kT there (see mtk_add_energy).
    double lammps_ecouple() const;
    double conserved_energy() const;   // PE + KE + ecouple (LAMMPS `econserve`)
    double dof() const { return dof_; }
    long neighbor_rebuilds() const { return rebuilds_; }
    const ForceResult& last_force() const { return force_; }
    const NeighborList& neighbor_list() const { return nl_; }
    const NhcState& thermostat() const { return nhc_; }
    bool npt() const { return npt_; }
    // NPT set-up rotated the system into LAMMPS' cell orientation (a along x, b in the xy plane).
    bool rotated_to_lammps_orientation() const { return rotated_; }
    const MtkState& barostat() const { return bar_; }  // (NPT only)
    double cell_volume() const;                        // Å³ (LAMMPS `vol` under NPT)
    const DynamicsParams& params() const { return params_; }
    // Largest |Δx| of any atom in the last step (Å), and that atom's index, for the "> 1 Å" safety check.
    double max_displacement_last_step() const { return max_disp_; }
    int max_displacement_atom() const { return max_disp_atom_; }
    // A stage of a staged protocol continues the run's step and rebuild counters (call after setup()).
    void set_counters(long step, long rebuilds) { step_ = step; rebuilds_ = rebuilds; }
    // NPT: sum the cell after every step > `step` (for a following stage that starts from the mean cell);
    // mean_cell() gives the mean lattice rows, false when nothing was summed (then the cell did not change).
    void average_cell_from(long step) { cell_from_ = step; }
    bool mean_cell(Mat3& rows) const;
    // Whether per-atom energies are computed with each force call (off by default: costs a little).
    void set_want_site_energy(bool on) { want_site_energy_ = on; }
    // While `rows` is non-null, every force evaluation of an MTP also writes its grade rows there
    // (MtpPotential::compute_with_grade_rows): the CPU backend arms it for the steps [extrapolation] grades.
    // Throws mdrun::Error at the next force call when the potential is not an MTP.
    void capture_grade_rows(std::vector<double>* rows) { grade_rows_ = rows; }

    // Everything needed to continue bit-identically: step, positions, velocities, thermostat, the neighbour
    // list's build positions (the list is rebuilt from them, giving the identical list) and counters.
    // Forces and energies are recomputed on load from the saved positions (deterministic).
    void save(BinaryWriter& w) const;
    void load(BinaryReader& r);

private:
    void compute_forces();
    double current_temperature() const;  // fresh Σ m v² over mobile atoms
    void thermostat_half_step();         // NHC half step and the velocity scaling
    // NPT (engine/md/dynamics_npt.cpp).
    void npt_setup();
    static bool h_needs_rotation(const Mat3& h);
    void rotate_to_lammps_orientation();
    void step_npt();
    void npt_current_pressure(bool fresh_temperature, double& mtk_ke);  // compute + couple, as fix_nh
    void npt_scale_velocities();
    void npt_remap();
    void npt_neighbors();        // rebuild test with cell deformation, rebuild, image shifts for this cell
    void npt_record_images();    // the list's distinct images after a build (the builder's table, or from its shifts)
    void npt_refresh_shifts();   // image shifts = image · h for the current cell
    void npt_save(BinaryWriter& w) const;
    void npt_load(BinaryReader& r);

    DynamicsParams params_;
    System& sys_;
    const Potential& pot_;
    NeighborList nl_;
    ForceResult force_;
    NhcState nhc_{};
    std::vector<double> nhc_factors_;  // per sub-step velocity factors of the last half step
    bool nvt_ = false;   // a Nosé–Hoover chain on the particles (nvt and npt)
    bool npt_ = false;
    bool rotated_ = false;
    MtkState bar_{};
    MtkBox nl_box_{};    // the cell the neighbour list was built in (NPT)
    struct Image16 { std::int16_t a, b, c; };
    std::vector<Image16> nl_image_;  // the distinct images of the list's slots (NPT; nl_.image indexes them)
    long cell_from_ = -1;            // < 0: no cell averaging
    double cell_sum_[6] = {0, 0, 0, 0, 0, 0};  // Σ lx, ly, lz, yz, xz, xy over the averaged steps
    long cell_n_ = 0;
    bool want_site_energy_ = false;
    std::vector<double>* grade_rows_ = nullptr;
    double dof_ = 0.0;
    double t_now_ = 0.0;  // temperature after the last completed step (freshly computed)
    long step_ = 0;
    long rebuilds_ = 0;
    double max_disp_ = 0.0;
    int max_disp_atom_ = -1;
};

// Degrees of freedom (config.md): 3·N_mobile − 3 when nothing is frozen (centre-of-mass momentum removed),
// 3·N_mobile when any atom is frozen.
// Cutoff the neighbour list is built with for this potential and skin: a hair above cutoff + skin, because the
// list's own distance test uses wrapped coordinates and the potential's uses unwrapped ones, which may differ
// by round-off at the boundary. Shared by the CPU backend and the batched GPU engine (same lists).
double neighbor_list_cutoff(const Potential& pot, double skin);

double degrees_of_freedom(const System& sys);

// NPT set-up shared by the CPU Dynamics and the batched GPU engine (kernels/batch_engine.hpp): checks the
// [md] barostat keys and the cell (periodic, LAMMPS orientation, right-handed) and initialises `bar` as LAMMPS
// fix npt's setup with the cell's origin at 0 and natoms atoms. Throws mdrun::Error naming the key.
void npt_init_barostat(MtkState& bar, const DynamicsParams& p, const Box& box, double natoms);

// Maxwell–Boltzmann velocities at T, seeded (same seed, same velocities on every machine): Gaussian
// components with σ² = kB·T/(m·mvv2e), total momentum of the mobile atoms removed when nothing is frozen,
// then scaled so the temperature with degrees_of_freedom(sys) is exactly T. Frozen atoms get v = 0.
// Sets sys.has_velocities.
void maxwell_boltzmann(System& sys, double T, std::uint64_t seed);

}  // namespace mdrun
