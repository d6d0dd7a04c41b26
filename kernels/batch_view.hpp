// The batched replica layout shared by every GPU kernel body (and by the host drivers that test them):
// the atoms of all replicas are concatenated (replica r owns atoms atom_start[r] .. atom_start[r+1]-1),
// so one launch covers every atom of every replica. Per-replica quantities (box, time step, thermostat,
// safety limits) are arrays indexed by replica. Neighbour rows have a fixed capacity `cap` per atom
// (slot s of atom i is i*cap + s), which lets the list be rebuilt on the device without the host ever
// learning its size: no host round trip in the step loop.
//
// BatchView holds plain pointers (device pointers on the GPU, std::vector data in host tests), so it is
// passed by value into kernels.
#pragma once
#include "engine/core/box.hpp"
#include "engine/md/barostat_math.hpp"
#include "engine/core/hd.hpp"
#include "engine/md/integrator_math.hpp"
#include "engine/core/vec3.hpp"

namespace mdrun {

// Cell grid of one replica. The number of cells is fixed for a run; under NPT `reach` follows the cell
// (kernels/npt_bodies.hpp) so that the cells searched always cover the list cutoff. Along a periodic direction the
// cells tile fractional [0,1) and are at least the list cutoff wide; `reach` cells are searched on each
// side (more than one when a cell is thinner than the cutoff, which also yields self-images). Along a
// non-periodic direction there is one cell and no images.
struct ReplicaGrid {
    int nc[3];
    int reach[3];
    int cell_base;  // index of this replica's first cell in the global cell arrays
    int ncells;
};

// Columns of the per-atom values summed per replica every step (fixed-order reduction).
enum ReduceColumn : int {
    kColEnergy = 0,      // site energy
    kColVirial = 1,      // 9 columns, W row-major (W_ab = -sum_j D_ij,a r_ij,b)
    kColMv2 = 10,        // m v^2 of mobile atoms (after the second kick, before the thermostat scaling)
    kColMvv = 11,        // 6 columns, m v_a v_b of mobile atoms (xx, yy, zz, xy, xz, yz): NPT pressure tensor
    kColCount = 17
};
// The step's per-replica sums cover the columns below kColForceSums (energy, virial, m v^2); the kinetic
// columns kColMv2 .. kColMv2 + kKineticCols - 1 are summed again, alone, where NPT needs the fresh kinetic tensor.
enum : int {
    kColForceSums = kColMvv,
    kKineticCols = 7
};

// Why a replica stopped (device-side safety checks; the host turns the code into a message).
enum HaltReason : int { kHaltNone = 0, kHaltNonFinite = 1, kHaltDisplacement = 2, kHaltClosePairs = 3, kHaltCellTilt = 4 };

// Per-replica device counters and flags. Doubles only where a value is stored, never summed atomically.
struct ReplicaStatus {
    int rebuild;                      // 1 = rebuild this replica's list in this step
    int halt_code;                    // HaltReason found at the end of this step (0 = none)
    int disp_atom;                    // lowest atom index with the largest displacement of the step
    int close_pairs;                  // ordered pairs (i->j slots) with r < min_dist in this force call
    int close_atom;                   // lowest central atom index of such a pair
    int retired;                      // 1 = this replica stopped on its own: every body skips it (set by the host)
    unsigned long long disp2_bits;    // largest |dx|^2 of the step (bit pattern, non-negative)
    unsigned long long close_r_bits;  // smallest close-pair distance of this force call (bit pattern)
    long long rebuilds;               // list rebuilds since setup
    long long close_pair_steps;       // steps with at least one close pair (since the last host sync)
    long long close_pairs_total;      // sum of close pairs over those steps (since the last host sync)
    double min_close_r;               // smallest close distance since the last host sync (0 = none)
    int cell_fail;                    // NPT: a tilt grew beyond kMtkTiltMax cell lengths in this step
};

struct BatchView {
    int n_atoms = 0;
    int n_replicas = 0;
    int cap = 0;           // neighbour slots per atom
    int lanes = 1;         // lanes of the per-replica reductions (1 = plain sequential order, like the CPU)
    int total_cells = 0;

    // ---- layout and per-atom constants
    const int* rep = nullptr;           // [N] replica of each atom
    const int* atom_start = nullptr;    // [R+1]
    const double* mass = nullptr;       // [N] amu
    const unsigned char* frozen = nullptr;  // [N] 1 = frozen
    const int* mtp_type = nullptr;      // [N] MTP species index
    const int* cell_rep = nullptr;      // [total_cells] replica of each cell

    // ---- per-replica cells (constant under NVE/NVT; NPT: the current cell, set every step)
    Box* box = nullptr;           // [R]
    ReplicaGrid* grid = nullptr;  // [R]
    // ---- per-replica constants
    const double* dt = nullptr;         // [R] ps
    const double* list_cut2 = nullptr;  // [R] (potential cutoff + skin)^2
    const double* half_skin2 = nullptr; // [R] (skin/2)^2: rebuild when an atom moved farther
    const int* nvt = nullptr;           // [R] 1 = Nose-Hoover chain
    const double* max_disp = nullptr;   // [R] Å per step before the run stops
    const int* stop_close = nullptr;    // [R] 1 = stop on close pairs
    const double* list_cut = nullptr;   // [R] potential cutoff + skin (NPT: the grid's reach)

    // ---- NPT (kernels/npt_bodies.hpp): LAMMPS fix npt per replica, engine/md/barostat_math.hpp's state
    const int* npt = nullptr;               // [R] 1 = MTK barostat (nvt[r] is then 1 too: the particle chain)
    MtkState* bar = nullptr;                // [R] barostat, its chain and the cell
    MtkBox* nl_box = nullptr;               // [R] the cell the neighbour list was built in
    MtkBox* old_box = nullptr;              // [R] the cell before the last half-step remap
    MtkVelocityFactors* vfac = nullptr;     // [R] the cell's drag on the velocities in this step
    double* npt_lim2 = nullptr;             // [R] squared displacement from the carried build position that forces a rebuild
    const double* npt_rc = nullptr;         // [R] the potential's cutoff rc (list criterion)
    const double* npt_outer = nullptr;      // [R] rc + skin (list criterion; the list itself uses list_cut)

    // ---- dynamic state
    Vec3* pos = nullptr;    // [N] never wrapped (images live in the list)
    Vec3* vel = nullptr;    // [N]
    Vec3* force = nullptr;  // [N]
    double* disp2 = nullptr;  // [N] |dx|^2 of the last drift
    NhcState* nhc = nullptr;  // [R]
    double* scale = nullptr;  // [R] thermostat velocity factor of the current half step
    const double* dof = nullptr;  // [R]
    ReplicaStatus* status = nullptr;  // [R]
    int* halt = nullptr;      // [3]: halted (0/1), replica, reason; once set every body is a no-op
    long long* step = nullptr;  // [1] steps completed

    // ---- neighbour list (cell list + fixed-capacity rows)
    int* cell_count = nullptr;   // [total_cells]
    int* cell_start = nullptr;   // [total_cells] into cell_atoms (global)
    int* cell_fill = nullptr;    // [total_cells] fill cursors
    int* cell_atoms = nullptr;   // [N]
    int* atom_cell = nullptr;    // [N] global cell index
    int* atom_wrap = nullptr;    // [3N] integer image of the wrapped position
    Vec3* wrapped = nullptr;     // [N] pos - wrap.h
    Vec3* pos_at_build = nullptr;  // [N]
    int* nb_count = nullptr;     // [N] neighbours (may exceed cap: overflow)
    int* nb_j = nullptr;         // [N*cap]
    int* nb_img = nullptr;       // [3*N*cap]
    Vec3* nb_shift = nullptr;    // [N*cap] Cartesian image shift: r_ij = pos[j] + shift - pos[i]
    int* nb_reverse = nullptr;   // [N*cap] global slot of the mirrored pair
    // [3] list health, read by the host after every batch of steps: [0] largest row length seen when it
    // exceeded cap (0 = never); [1] slots whose mirror pair (j -> i, -image) is missing from row j (an
    // asymmetric list: a pair at the list cutoff within rounding); [2] lowest atom with such a slot.
    int* nb_overflow = nullptr;

    // ---- MTP per-slot derivatives and per-atom outputs
    double* dx = nullptr;        // [N*cap] D_ij = dV_i/dr_ij
    double* dy = nullptr;
    double* dz = nullptr;
    double* cols = nullptr;      // [kColCount][N] per-atom values to reduce
    double* partials = nullptr;  // [R][kColCount][lanes]
    double* sums = nullptr;      // [R][kColCount]

    MDRUN_HD_INLINE bool halted() const { return halt[0] != 0; }
    // A thread working for replica r does nothing when the batch is halted or r has been retired (a replica
    // stopped on its own: its state stays as it stopped, and the other replicas' arithmetic is untouched,
    // since no sum or list mixes replicas).
    MDRUN_HD_INLINE bool skip(int r) const { return halt[0] != 0 || status[r].retired != 0; }
};

}  // namespace mdrun
