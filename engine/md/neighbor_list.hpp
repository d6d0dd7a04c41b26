// Full neighbour list (every pair i->j and j->i) built from a cell list, for triclinic cells of any
// size: cells thinner than the cutoff get several images of one atom and self-images.
// The list keeps each neighbour's image shift so that r_ij = pos[j] + shift - pos[i] is exact for the
// positions the list was built with, and stays valid (with a skin) while atoms move without wrapping.
#pragma once
#include <cstdint>
#include <vector>

#include "engine/core/box.hpp"
#include "engine/core/vec3.hpp"

namespace mdrun {

struct NeighborList {
    double cutoff = 0.0;         // pairs with |r_ij| < cutoff (strict) are listed
    std::vector<int> offset;     // CSR row starts, size N+1: neighbours of i are slots offset[i]..offset[i+1]-1
    std::vector<int> j;          // neighbour atom index per slot
    std::vector<Vec3> shift;     // Cartesian image shift per slot: r_ij = pos[j] + shift - pos[i]
    std::vector<int> reverse;    // slot of the reverse pair (j -> i, -shift) in j's row
    std::vector<Vec3> pos_at_build;  // positions used for the build (for the skin test)
    // Optional, set by the NPT integrator after each build (the builder leaves them empty): the slot's image
    // as an index into image_shift, the Cartesian shift of each distinct image in the current cell. When
    // image has one entry per slot, potentials read image_shift[image[s]] instead of shift[s], so a cell that
    // changes every step costs an update of a few dozen vectors instead of one per slot.
    std::vector<std::uint16_t> image;
    std::vector<Vec3> image_shift;

    std::size_t size() const { return offset.empty() ? 0 : offset.size() - 1; }
    std::size_t pairs() const { return j.size(); }
};

// r_ij shift of slot s (see `image`).
inline const Vec3& slot_shift(const NeighborList& nl, std::size_t s) {
    return nl.image.size() == nl.j.size() && !nl.image.empty() ? nl.image_shift[nl.image[s]] : nl.shift[s];
}

// Builds the full list of all image pairs with |r_ij| < cutoff. Deterministic: within a row, slots are
// sorted by (j, image). Rows are built in parallel with OpenMP; the result does not depend on threads.
// Throws mdrun::Error (never std::bad_alloc, never from inside the OpenMP region) when the list cannot be
// built: more pairs than an int slot index holds, or an allocation that fails.
void build_neighbor_list(const Box& box, const std::vector<Vec3>& pos, double cutoff, NeighborList& nl);

// Expected number of list slots (ordered pairs, images included) for n atoms in `box` with `cutoff`: the mean
// density times the cutoff sphere, per atom (capped at n - 1 per atom when no direction is periodic).
double estimate_neighbor_pairs(const Box& box, std::size_t n, double cutoff);
// Bytes the list needs while it is built (slots + per-thread candidates), per slot, and the per-pair scratch a
// potential keeps (forces per slot, site terms): used by the run's memory estimate.
constexpr double kNeighborBytesPerPair = 32.0 + 40.0;
constexpr double kPotentialScratchBytesPerPair = 64.0;

// True when any atom moved more than skin/2 since the list was built (the standard Verlet criterion).
bool needs_rebuild(const NeighborList& nl, const std::vector<Vec3>& pos, double skin);

}  // namespace mdrun
