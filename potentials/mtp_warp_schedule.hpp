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
    MtpWarpView view() const;
};

MtpWarpTables build_mtp_warp_tables(const MtpTables& t);

}  // namespace mdrun
