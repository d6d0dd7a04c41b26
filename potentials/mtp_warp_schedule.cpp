#include "potentials/mtp_warp_schedule.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <map>
#include <string>

#include "engine/core/error.hpp"

namespace mdrun {

namespace {

// Adds the accesses of one lane loop of one level (items [i0, i1) of a level, lane l = (i - i0) % 32 in
// round (i - i0) / 32) to `acc`: seq(i) lists the item's accesses as (instruction tag, moment) in the
// kernel's order; the n-th access with one tag of each lane of a half-warp in one round form one access.
template <class Seq>
void add_level(int i0, int i1, const Seq& seq, std::vector<std::vector<int>>& acc) {
    std::map<std::pair<int, int>, std::vector<int>> inst;  // (tag, occurrence) -> moments, for one half-warp
    std::vector<std::pair<int, int>> items;
    for (int first = i0; first < i1; first += 16) {  // one round's half-warp: items first .. first+15
        inst.clear();
        for (int i = first; i < i1 && i < first + 16; ++i) {
            std::map<int, int> occ;
            items.clear();
            seq(i, items);
            for (const auto& e : items) inst[{e.first, occ[e.first]++}].push_back(e.second);
        }
        for (auto& kv : inst) {
            std::vector<int>& m = kv.second;
            std::sort(m.begin(), m.end());
            m.erase(std::unique(m.begin(), m.end()), m.end());
            if (m.size() > 2) acc.push_back(m);
        }
    }
}

long excess_of(const std::vector<int>& m, const std::vector<int>& color) {
    int cnt[16] = {0};
    for (int k : m) ++cnt[color[k]];
    long e = 0;
    for (int c = 0; c < 16; ++c) e += cnt[c] > 2 ? (cnt[c] - 2) * (cnt[c] - 2) : 0;  // (a 4-way costs 4 3-ways)
    return e;
}

}  // namespace

std::vector<std::vector<int>> mtp_warp_contraction_accesses(const MtpTables& t, const MtpWarpTables& w) {
    std::vector<std::vector<int>> acc;
    // forward group: per run, *Mk, the row pairs (two instructions, each i0 then i1), the odd row, *Mk
    for (int lv = 0; lv < w.counts.n_fwd_levels; ++lv)
        add_level(w.fwd_level_start[lv], w.fwd_level_start[lv + 1],
                  [&](int q, std::vector<std::pair<int, int>>& out) {
                      for (int gi = w.fwd_group_start[q]; gi < w.fwd_group_start[q + 1]; ++gi) {
                          const int r = w.fwd_group_runs[gi];
                          out.push_back({0, t.run_k[r]});
                          const int t1 = t.run_start[r + 1];
                          int row = t.run_start[r];
                          for (; row + 1 < t1; row += 2) {
                              out.push_back({1, t.times_i0[row]});
                              out.push_back({1, t.times_i1[row]});
                              out.push_back({2, t.times_i0[row + 1]});
                              out.push_back({2, t.times_i1[row + 1]});
                          }
                          if (row < t1) {
                              out.push_back({3, t.times_i0[row]});
                              out.push_back({3, t.times_i1[row]});
                          }
                          out.push_back({4, t.run_k[r]});
                      }
                  },
                  acc);
    // backward gradient: the use pairs (g[use_k] then M[use_other], two instructions), the odd use, g[j]
    // (g and M alternate within a tag: the moments of one access are all of one array)
    for (int lv = 0; lv < w.counts.n_bwd_levels; ++lv)
        add_level(w.bwd_level_start[lv], w.bwd_level_start[lv + 1],
                  [&](int i, std::vector<std::pair<int, int>>& out) {
                      const int idx = w.bwd_items[i];
                      const int u1 = t.use_start[idx + 1];
                      int u = t.use_start[idx];
                      for (; u + 1 < u1; u += 2) {
                          out.push_back({5, t.use_k[u]});
                          out.push_back({5, t.use_other[u]});
                          out.push_back({6, t.use_k[u + 1]});
                          out.push_back({6, t.use_other[u + 1]});
                      }
                      if (u < u1) {
                          out.push_back({7, t.use_k[u]});
                          out.push_back({7, t.use_other[u]});
                      }
                      out.push_back({8, t.back_order[idx]});
                  },
                  acc);
    return acc;
}

long mtp_warp_bank_excess(const std::vector<std::vector<int>>& acc, const std::vector<int>& slot_of) {
    std::vector<int> color(slot_of.size());
    for (std::size_t k = 0; k < slot_of.size(); ++k) color[k] = slot_of[k] % 16;
    long e = 0;
    for (const auto& m : acc) e += excess_of(m, color);
    return e;
}

// The moments' storage slots (MtpWarpTables::slot_of), by a deterministic local search from the identity:
// two basic or two product moments swap slots whenever that lowers the conflicts beyond 2-way of the
// contraction accesses (slot mod 16), never making those of the basic-moment phase worse (lanes of one
// half-warp, 16 consecutive basic slots, read the monomial rows of their moments' components at one
// column: rows that differ but are equal mod 16 share a bank, for any odd row stride).
static void choose_moment_slots(const MtpTables& t, MtpWarpTables& w) {
    const int na = t.counts.n_alpha, nb = t.counts.n_basic;
    std::vector<int>& slot = w.slot_of;
    slot.resize(na);
    for (int k = 0; k < na; ++k) slot[k] = k;
    std::vector<int> at = slot;  // moment in each slot
    const std::vector<std::vector<int>> acc = mtp_warp_contraction_accesses(t, w);
    std::vector<std::vector<int>> of(na);  // accesses of each moment
    for (std::size_t a = 0; a < acc.size(); ++a)
        for (int k : acc[a]) of[k].push_back(static_cast<int>(a));
    std::vector<int> color(na);
    for (int k = 0; k < na; ++k) color[k] = slot[k] % 16;
    const int nblocks = (nb + 15) / 16;
    auto block_excess = [&](int blk) {  // basic phase: distinct component rows per residue in one half-warp
        int cnt[16] = {0};
        for (int s = 16 * blk; s < nb && s < 16 * blk + 16; ++s) {
            const int c = t.basic_comp[at[s]];
            bool seen = false;
            for (int s2 = 16 * blk; s2 < s; ++s2) seen = seen || t.basic_comp[at[s2]] == c;
            if (!seen) ++cnt[c % 16];
        }
        long e = 0;
        for (int r = 0; r < 16; ++r) e += cnt[r] > 2 ? cnt[r] - 2 : 0;
        return e;
    };
    std::vector<long> ex(acc.size()), bex(nblocks);
    long total = 0;
    for (std::size_t a = 0; a < acc.size(); ++a) total += ex[a] = excess_of(acc[a], color);
    w.bank_excess_id = total;
    for (int blk = 0; blk < nblocks; ++blk) total += bex[blk] = block_excess(blk);
    std::uint64_t rng = 0x9E3779B97F4A7C15ull;
    auto next = [&rng]() {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        return rng;
    };
    // members[kind][colour]: the basic (0) and product (1) moments of each colour, and each one's index there
    std::vector<int> member_pos(na);
    std::vector<std::vector<int>> members[2] = {std::vector<std::vector<int>>(16), std::vector<std::vector<int>>(16)};
    for (int k = 0; k < na; ++k) {
        std::vector<int>& m = members[k < nb ? 0 : 1][color[k]];
        member_pos[k] = static_cast<int>(m.size());
        m.push_back(k);
    }
    auto do_swap = [&](int x, int y) {  // (x, y of one kind)
        std::vector<int>* m = members[x < nb ? 0 : 1].data();
        std::swap(m[color[x]][member_pos[x]], m[color[y]][member_pos[y]]);
        std::swap(member_pos[x], member_pos[y]);
        std::swap(slot[x], slot[y]);
        at[slot[x]] = x;
        at[slot[y]] = y;
        color[x] = slot[x] % 16;
        color[y] = slot[y] % 16;
    };
    // per access: its moments per colour (the excess follows from these counts)
    std::vector<std::array<unsigned char, 16>> cnt(acc.size());
    for (std::size_t a = 0; a < acc.size(); ++a) {
        cnt[a].fill(0);
        for (int k : acc[a]) ++cnt[a][color[k]];
    }
    auto f = [](int n) { return n > 2 ? (n - 2) * (n - 2) : 0; };  // (as excess_of)
    // Visits the accesses of x but not y with (access, +1) and those of y but not x with (access, -1)
    // (of[] lists are ascending); a swap changes only their counts.
    auto for_each_changed = [&](int x, int y, auto&& fn) {
        const std::vector<int>&ox = of[x], &oy = of[y];
        std::size_t i = 0, j = 0;
        while (i < ox.size() || j < oy.size()) {
            if (j == oy.size() || (i < ox.size() && ox[i] < oy[j])) fn(ox[i++], +1);
            else if (i == ox.size() || oy[j] < ox[i]) fn(oy[j++], -1);
            else ++i, ++j;
        }
    };
    // Swaps the slots of x and y when that lowers the total (or keeps it, one time in four: a sideways
    // step out of a local minimum).
    auto try_swap = [&](int x, int y) {
        const int cx = color[x], cy = color[y];
        long d = 0;
        for_each_changed(x, y, [&](int a, int dir) {
            const int from = dir > 0 ? cx : cy, to = dir > 0 ? cy : cx;
            d += f(cnt[a][from] - 1) - f(cnt[a][from]) + f(cnt[a][to] + 1) - f(cnt[a][to]);
        });
        const bool basic = x < nb;
        const int b1 = slot[x] / 16, b2 = slot[y] / 16;
        long nb1 = 0, nb2 = 0;
        do_swap(x, y);
        if (basic) {
            nb1 = block_excess(b1);
            nb2 = b2 != b1 ? block_excess(b2) : 0;
            d += nb1 - bex[b1] + (b2 != b1 ? nb2 - bex[b2] : 0);
        }
        // the basic-moment phase may not get worse (its conflicts are not traded for the contractions')
        const bool block_worse = basic && (nb1 > bex[b1] || (b2 != b1 && nb2 > bex[b2]));
        if (block_worse || d > 0 || (d == 0 && next() % 4 != 0)) {
            do_swap(x, y);
            return false;
        }
        for_each_changed(x, y, [&](int a, int dir) {
            const int from = dir > 0 ? cx : cy, to = dir > 0 ? cy : cx;
            --cnt[a][from];
            ++cnt[a][to];
            long e = 0;
            for (int c = 0; c < 16; ++c) e += f(cnt[a][c]);
            total += e - ex[a];
            ex[a] = e;
        });
        if (basic) {
            total += nb1 - bex[b1];
            bex[b1] = nb1;
            if (b2 != b1) {
                total += nb2 - bex[b2];
                bex[b2] = nb2;
            }
        }
        return true;
    };
    // passes until 4 in a row bring the total no lower (sideways steps alone do not count)
    long best = total;
    for (int pass = 0, stale = 0; pass < 30 && total > 0 && stale < 4; ++pass) {
        bool improved = false;
        for (std::size_t a = 0; a < acc.size() && total > 0; ++a) {
            if (ex[a] == 0) continue;
            for (int x : acc[a]) {
                if (ex[a] == 0) break;
                if (cnt[a][color[x]] <= 2) continue;
                // partners: moments of the same kind in a colour this access uses at most once
                const int cls = x < nb ? 0 : 1;
                for (int tries = 0; tries < 96; ++tries) {
                    const int c = static_cast<int>(next() % 16);
                    if (cnt[a][c] > 1 || members[cls][c].empty()) continue;
                    const std::vector<int>& m = members[cls][c];
                    const int y = m[next() % m.size()];
                    if (try_swap(x, y)) {
                        improved = true;
                        break;
                    }
                }
            }
        }
        if (!improved) break;
        stale = total < best ? 0 : stale + 1;
        best = std::min(best, total);
    }
    long left = 0;
    for (long e : ex) left += e;
    w.bank_excess = left;
    // the warp kernel's tables: every moment index through slot_of
    MtpTables& p = w.tables;
    p = t;
    auto map_all = [&](std::vector<int>& v) {
        for (int& k : v) k = w.slot_of[k];
    };
    map_all(p.times_i0);
    map_all(p.times_i1);
    map_all(p.times_k);
    map_all(p.run_k);
    map_all(p.back_order);
    map_all(p.use_k);
    map_all(p.use_other);
    map_all(p.scalar_index);
    map_all(p.comp_basic_list);  // (same order within each component)
    for (int k = 0; k < na; ++k) p.g_seed[w.slot_of[k]] = t.g_seed[k];
    for (int b = 0; b < nb; ++b) {
        p.basic_mu[w.slot_of[b]] = t.basic_mu[b];
        p.basic_comp[w.slot_of[b]] = t.basic_comp[b];
    }
}

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
    choose_moment_slots(t, w);
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
