// The level schedule of the cooperative ("warp") MTP evaluation (potentials/mtp_warp_math.hpp): the
// contraction rows grouped so that the lanes of one warp can work on one site together.
//
// Forward: every product moment k is a "group" (all runs of rows with target k, in file order). A group's
// level is one more than the highest level of the moments its rows read (basic moments: level 0), so all
// groups of one level can be computed at once, one lane per group, between two sync points; each lane
// adds its group's rows in exactly the order of the sequential code (mtp_contract_forward), so the
// result is bit for bit the same. Backward: every moment's gradient g[j] (a gather over the rows that
// read M[j], mtp_contract_backward) gets a level one more than the highest level of the g[k] it reads;
// moments no row reads are level 0.
#pragma once
#include <vector>

#include "potentials/mtp_math.hpp"
#include "potentials/mtp_tables.hpp"

namespace mdrun {

// Read-only schedule (host or device pointers, like MtpParamsView).
struct MtpWarpView {
    int n_fwd_levels;             // forward levels (groups of level 1 .. n_fwd_levels)
    int n_bwd_levels;             // backward levels
    int n_groups;                 // forward groups (= product moments with at least one row)
    int max_fwd_width;            // most groups in one level (the parallelism available)
    int max_bwd_width;            // most gradients in one backward level
    const int* fwd_level_start;   // [n_fwd_levels+1] groups of level l: fwd_level_start[l] .. [l+1]-1
    const int* fwd_group_start;   // [n_groups+1] runs of group q: fwd_group_runs[fwd_group_start[q] ..]
    const int* fwd_group_runs;    // [n_runs] run indices (MtpParamsView::run_start/run_k), file order per group
    const int* bwd_level_start;   // [n_bwd_levels+1] into bwd_items
    const int* bwd_items;         // [n_alpha] positions in back_order (the idx of mtp_contract_backward)
};

struct MtpWarpTables {
    MtpWarpView counts{};
    std::vector<int> fwd_level_start, fwd_group_start, fwd_group_runs, bwd_level_start, bwd_items;
    // Where the warp kernel stores moment k in its shared M and g: slot_of[k] (basic moments stay in
    // place). The contraction lanes of a warp read moments at random, and two different moments in slots
    // equal mod 16 cost a shared-memory bank conflict (8-byte words, half-warps); the slots are chosen so
    // that the moments the lanes read together hit each bank at most twice (mtp_warp_bank_excess = 0
    // where the search reaches it). `tables` is the MtpTables the warp kernel runs on: the input's with
    // every moment index mapped to its slot (same rows, same order: the same arithmetic, bit for bit).
    std::vector<int> slot_of;
    MtpTables tables;
    long bank_excess = 0;     // mtp_warp_bank_excess left after the search (0: every access at most 2-way)
    long bank_excess_id = 0;  // the same for the unpermuted storage
    MtpWarpView view() const;
};

MtpWarpTables build_mtp_warp_tables(const MtpTables& t);

// The contraction phases' moment reads that the 32 lanes of a warp make together, split by half-warp
// (kernels/mtp_warp_bodies.hpp runs a level's groups / gradients round by round, lane l on item
// start + l + 32 n): each entry lists the distinct moments of one such access (M or g).
std::vector<std::vector<int>> mtp_warp_contraction_accesses(const MtpTables& t, const MtpWarpTables& w);
// Sum over those accesses and banks (slot mod 16) of the square of the distinct moments beyond 2 there.
long mtp_warp_bank_excess(const std::vector<std::vector<int>>& acc, const std::vector<int>& slot_of);

}  // namespace mdrun
