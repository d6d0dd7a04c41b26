// The state of one simulated system (one replica): a plain struct of arrays.
// Units: LAMMPS "metal" (Å, ps, eV, amu, K, bar); velocities in Å/ps; forces in eV/Å.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "engine/core/box.hpp"
#include "engine/core/vec3.hpp"

namespace mdrun {

struct System {
    Box box;
    std::vector<std::string> species;  // element symbol of each species index ("Na", "Cl", ...)
    std::vector<int> type;             // per atom: index into `species` (0-based)
    std::vector<long> id;              // per atom: 1-based id as read from the input (kept through the run)
    std::vector<Vec3> pos;             // Cartesian positions (Å); wrapped only at neighbour-list rebuilds
    std::vector<Vec3> vel;             // Å/ps
    std::vector<Vec3> force;           // eV/Å
    std::vector<double> mass;          // amu, per atom
    std::vector<double> charge;        // e, per atom (may be empty when no potential needs charges)
    std::vector<std::uint8_t> frozen;  // per atom: 1 = held fixed (v = 0, F = 0)
    bool has_velocities = false;       // true when the structure file supplied velocities

    std::size_t size() const { return pos.size(); }
};

}  // namespace mdrun
