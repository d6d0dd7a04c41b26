// Shared by the host tests of the batched engine, the GPU test and the GPU benchmark: a System built from an
// MLIP .cfg configuration (species named X0, X1, ... by MTP type) and the batch spec of one MTP replica.
#pragma once
#include <algorithm>
#include <string>
#include <vector>

#include "engine/io/cfg_io.hpp"
#include "engine/md/dynamics.hpp"
#include "engine/core/system.hpp"
#include "kernels/batch_engine.hpp"
#include "potentials/mtp_potential.hpp"

namespace mdrun {

// masses[t] is the mass of MTP type t (amu); velocities and forces start at zero, nothing frozen.
inline System system_from_cfg(const CfgConfig& c, const std::vector<double>& masses) {
    System s;
    s.box = make_box(c.lattice);
    for (std::size_t t = 0; t < masses.size(); ++t) s.species.push_back("X" + std::to_string(t));
    s.type = c.type;
    s.id = c.id;
    s.pos = c.pos;
    s.vel.assign(c.size(), Vec3{0, 0, 0});
    s.force.assign(c.size(), Vec3{0, 0, 0});
    for (int t : c.type) s.mass.push_back(masses[static_cast<std::size_t>(t)]);
    s.frozen.assign(c.size(), 0);
    return s;
}

// The spec the batched backend builds for an MTP replica (same list cutoff as the CPU Dynamics), with the
// safety limits of the tests: 1 Å per step, close pairs only counted.
inline BatchReplicaSpec mtp_batch_spec(const System& sys, const MtpPotential& pot, const DynamicsParams& p) {
    BatchReplicaSpec s;
    s.sys = &sys;
    for (int t : sys.type) s.mtp_type.push_back(pot.species_map()[static_cast<std::size_t>(t)]);
    s.params = p;
    s.list_cutoff = neighbor_list_cutoff(pot, p.skin);
    s.max_displacement = 1.0;
    s.stop_on_close_pairs = false;
    return s;
}

}  // namespace mdrun
