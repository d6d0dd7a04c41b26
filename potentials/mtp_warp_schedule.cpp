#include "potentials/mtp_warp_schedule.hpp"

#include <algorithm>
#include <string>

#include "engine/core/error.hpp"

namespace mdrun {

MtpWarpTables build_mtp_warp_tables(const MtpTables& t) {
    const MtpParamsView& c = t.counts;
    MtpWarpTables w;
    const int na = c.n_alpha;
    // ---- forward: one group per target moment, its runs in file order
    std::vector<int> level(na, 0);      // level of the moment (final once its last run is placed)
    std::vector<int> group_of(na, -1);  // group of a product moment
    std::vector<std::vector<int>> group_runs;
    std::vector<int> group_level, group_k;
    for (int r = 0; r < c.n_runs; ++r) {
        const int k = t.run_k[r];
        if (k < c.n_basic) throw Error("MTP tables: contraction row writes the basic moment " + std::to_string(k));
        int lv = 0;
        for (int row = t.run_start[r]; row < t.run_start[r + 1]; ++row)
            lv = std::max(lv, 1 + std::max(level[t.times_i0[row]], level[t.times_i1[row]]));
        if (group_of[k] < 0) {
            group_of[k] = static_cast<int>(group_runs.size());
            group_runs.emplace_back();
            group_level.push_back(0);
            group_k.push_back(k);
        }
        const int q = group_of[k];
        group_runs[q].push_back(r);
        group_level[q] = std::max(group_level[q], lv);
        level[k] = group_level[q];
    }
    // The rows are topologically ordered (build_mtp_tables checks that a row reads a moment only after its
    // last product row), so a moment's level is final when a later row reads it. Check the schedule
    // anyway: every row's inputs must be of a lower level than its group.
    const int ng = static_cast<int>(group_runs.size());
    int nlev = 0;
    for (int q = 0; q < ng; ++q) {
        nlev = std::max(nlev, group_level[q]);
        for (int r : group_runs[q])
            for (int row = t.run_start[r]; row < t.run_start[r + 1]; ++row)
                if (level[t.times_i0[row]] >= group_level[q] || level[t.times_i1[row]] >= group_level[q])
                    throw Error("MTP tables: contraction row " + std::to_string(row) +
                                " reads a moment of its own level (rows not topologically ordered)");
    }
    w.counts.n_fwd_levels = nlev;
    w.counts.n_groups = ng;
    w.fwd_level_start.assign(nlev + 1, 0);
    std::vector<int> order;  // groups by level, first appearance within a level
    for (int lv = 1; lv <= nlev; ++lv) {
        w.fwd_level_start[lv - 1] = static_cast<int>(order.size());
        for (int q = 0; q < ng; ++q)
            if (group_level[q] == lv) order.push_back(q);
    }
    w.fwd_level_start[nlev] = static_cast<int>(order.size());
    w.fwd_group_start.push_back(0);
    for (int q : order) {
        for (int r : group_runs[q]) w.fwd_group_runs.push_back(r);
        w.fwd_group_start.push_back(static_cast<int>(w.fwd_group_runs.size()));
    }
    int fw = 0;
    for (int lv = 0; lv < nlev; ++lv) fw = std::max(fw, w.fwd_level_start[lv + 1] - w.fwd_level_start[lv]);
    w.counts.max_fwd_width = fw;

    // ---- backward: g[j] reads g[use_k] of the rows reading M[j]; back_order puts those first
    std::vector<int> blevel(na, 0);
    int nb = 0;
    std::vector<int> item_level(na, 0);
    for (int idx = 0; idx < na; ++idx) {
        const int j = t.back_order[idx];
        int lv = 0;
        for (int u = t.use_start[idx]; u < t.use_start[idx + 1]; ++u) lv = std::max(lv, 1 + blevel[t.use_k[u]]);
        blevel[j] = lv;
        item_level[idx] = lv;
        nb = std::max(nb, lv + 1);
    }
    w.counts.n_bwd_levels = nb;
    w.bwd_level_start.assign(nb + 1, 0);
    for (int lv = 0; lv < nb; ++lv) {
        w.bwd_level_start[lv] = static_cast<int>(w.bwd_items.size());
        for (int idx = 0; idx < na; ++idx)
            if (item_level[idx] == lv) w.bwd_items.push_back(idx);
    }
    w.bwd_level_start[nb] = static_cast<int>(w.bwd_items.size());
    int bw = 0;
    for (int lv = 0; lv < nb; ++lv) bw = std::max(bw, w.bwd_level_start[lv + 1] - w.bwd_level_start[lv]);
    w.counts.max_bwd_width = bw;
    if (w.fwd_group_runs.empty()) w.fwd_group_runs.push_back(0);  // (no pointer of a view may be null)
    return w;
}

MtpWarpView MtpWarpTables::view() const {
    MtpWarpView v = counts;
    v.fwd_level_start = fwd_level_start.data();
    v.fwd_group_start = fwd_group_start.data();
    v.fwd_group_runs = fwd_group_runs.data();
    v.bwd_level_start = bwd_level_start.data();
    v.bwd_items = bwd_items.data();
    return v;
}

}  // namespace mdrun
