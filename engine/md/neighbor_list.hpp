// Neighbour list built from a cell list, for triclinic cells of any size: cells thinner than the cutoff get
// several images of one atom and self-images. Two forms:
//  - full (the default; many-body potentials such as the MTP): every pair i->j and j->i, each slot with the
//    2-byte index of its image into a per-list table of the distinct images (integer image and its Cartesian
//    shift), so that r_ij = pos[j] + image_shift[image[s]] - pos[i] (slot_shift), and the slot of its mirror:
//    10 bytes a slot (j, image, reverse). Only when the images of a build span more than 65536 codes (atoms
//    unwrapped far apart, or a cell far thinner than the cutoff) does it keep a 24-byte shift per slot instead
//    (32 bytes a slot), as the half list falls back to a full one;
//  - half (pair potentials, requested with want_half): every unordered pair once, each slot 6 bytes (j and a
//    2-byte code of the cell image); r_ij = (pos[j] - W_j) + T[code] - (pos[i] - W_i) with W = wrap·h and
//    T = code_image·h in the current cell (half_list_vectors). About 1/8 of the full list's bytes per pair.
// Both stay valid (with a skin) while atoms move without wrapping.
#pragma once
#include <array>
#include <cstdint>
#include <vector>

#include "engine/core/box.hpp"
#include "engine/core/vec3.hpp"

namespace mdrun {

// Buffers of the builder, kept with the list so that a rebuild reuses them (no allocation, no page faults).
// thread_j / thread_image / thread_count: a compact full list's rows in search order, per thread, before they
// are transposed into the sorted list (and each thread's pair count per neighbour atom; thread 0 keeps its
// neighbours in the list's `reverse` instead of thread_j); cell_pos and slot_key: per cell-list slot, the
// wrapped position and the atom's part of its sort key.
struct NeighborScratch {
    std::vector<Vec3> frac, wrapped, cell_pos;
    std::vector<std::array<int, 3>> wrap;
    std::vector<int> cell_of, cell_start, cell_atoms, fill, cursor;
    std::vector<long long> slot_key;
    std::vector<std::vector<int>> thread_j;
    std::vector<std::vector<std::uint16_t>> thread_image;
    std::vector<std::vector<int>> thread_count;
};

struct NeighborList {
    double cutoff = 0.0;         // pairs with |r_ij| < cutoff (strict) are listed
    // Request, kept across builds: a half list (see the top). The builder falls back to a full list when the
    // cell needs more than 65536 image codes (a cell far thinner than the cutoff); `half` says what was built.
    bool want_half = false;
    bool half = false;
    // Half lists: per slot the code of its cell image (j and offset as above; shift, reverse, image empty);
    // per code the integer image (lattice units); per atom the integer image its build position sat in.
    std::vector<std::uint16_t> code;
    std::vector<std::array<int, 3>> code_image;
    std::vector<std::array<int, 3>> wrap;
    std::vector<int> offset;     // CSR row starts, size N+1: neighbours of i are slots offset[i]..offset[i+1]-1
    std::vector<int> j;          // neighbour atom index per slot
    std::vector<int> reverse;    // slot of the reverse pair (j -> i, the negated image) in j's row
    std::vector<Vec3> pos_at_build;  // positions used for the build (for the skin test)
    // Full lists: per slot the index of its image (relative to the unwrapped build positions) into the table
    // of the list's distinct images, in increasing lexicographic order: image_lattice the integer image
    // (lattice units), image_shift its Cartesian shift image_lattice·h in the build cell. Read through
    // slot_shift(). The NPT integrator rewrites image_shift for the current cell every step (a few dozen
    // vectors instead of one per slot).
    std::vector<std::uint16_t> image;
    std::vector<std::array<int, 3>> image_lattice;
    std::vector<Vec3> image_shift;
    // Fall-back of a full list whose images span more than 65536 codes (image, image_lattice and image_shift
    // then empty): the Cartesian image shift per slot, r_ij = pos[j] + shift[s] - pos[i]. Empty otherwise.
    std::vector<Vec3> shift;

    NeighborScratch scratch;

    std::size_t size() const { return offset.empty() ? 0 : offset.size() - 1; }
    std::size_t pairs() const { return j.size(); }
};

// Half lists: the build positions less their wrap (xw = pos - wrap·h) and the Cartesian shift of every image
// code, both in `box` (the current cell), so that r_ij = xw[j] + shift[code[s]] - xw[i].
void half_list_vectors(const NeighborList& nl, const Box& box, const std::vector<Vec3>& pos, std::vector<Vec3>& xw,
                       std::vector<Vec3>& code_shift);

// Half lists: which of the two rows of an unordered pair {i, j} lists it. For i != j the lower index when
// i + j is odd and the higher when even, so that every row holds about half of its neighbours (ownership by
// the lower index alone would give the first rows all and the last none); for a self-image (j == i) the
// image that is positive in lexicographic order.
inline bool half_owner(int i, int j, const int img[3]) {
    if (i != j) return ((i + j) & 1) ? i < j : i > j;
    if (img[0] != 0) return img[0] > 0;
    if (img[1] != 0) return img[1] > 0;
    return img[2] > 0;
}

// r_ij shift of slot s of a full list (see `image`; `shift` when the list fell back to per-slot shifts).
inline const Vec3& slot_shift(const NeighborList& nl, std::size_t s) {
    return nl.image.size() == nl.j.size() && !nl.image.empty() ? nl.image_shift[nl.image[s]] : nl.shift[s];
}

// Builds the list of all image pairs with |r_ij| < cutoff: full, or half when nl.want_half (see the top).
// Deterministic: within a row of a full list, slots are sorted by (j, image); a half list's rows are in the
// fixed order of the cell search over cells at least the cutoff wide. (A full list searches cells of half the
// cutoff with a stencil that skips cells out of reach, and gets its rows sorted by transposing the rows of
// the search instead of sorting them; the pairs, and so the list, are the same.) Rows are built in parallel
// with OpenMP; the result does not depend on threads.
// Throws mdrun::Error (never std::bad_alloc, never from inside the OpenMP region) when the list cannot be
// built: more pairs than an int slot index holds, or an allocation that fails.
void build_neighbor_list(const Box& box, const std::vector<Vec3>& pos, double cutoff, NeighborList& nl);

// Expected number of list slots (ordered pairs, images included) for n atoms in `box` with `cutoff`: the mean
// density times the cutoff sphere, per atom (capped at n - 1 per atom when no direction is periodic).
double estimate_neighbor_pairs(const Box& box, std::size_t n, double cutoff);
// Bytes the list needs while it is built, per slot: the list (j, image, reverse: 10) and the per-thread rows
// (j, image: 6; with one thread only the 2-byte image, j being kept in `reverse` until it is computed; the
// rows stay in the scratch between builds), and the per-pair scratch a potential keeps (the MTP's
// dV_i/dr_ij per slot, 24 bytes, with [potential].force_sum = "slots"; none with the default "chunks"), with
// a margin: used by the run's memory estimate, a bound for either form. (Compact full lists; the
// per-slot-shift fall-back needs 32 + 28, a half list 6 bytes per unordered pair, 3 per full-list slot.)
constexpr double kNeighborBytesPerPair = 10.0 + 6.0;
constexpr double kPotentialScratchBytesPerPair = 32.0;

// True when any atom moved more than skin/2 since the list was built (the standard Verlet criterion).
bool needs_rebuild(const NeighborList& nl, const std::vector<Vec3>& pos, double skin);

}  // namespace mdrun
