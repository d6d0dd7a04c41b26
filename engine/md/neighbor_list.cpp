#include "engine/md/neighbor_list.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <climits>
#include <cstdint>
#include <exception>
#include <new>
#include <string>

#include <omp.h>

#include "engine/core/error.hpp"
#include "engine/core/omp_trap.hpp"

namespace mdrun {

namespace {

// A slot of a full-list row of the per-slot-shift fall-back while it is built: j and its image relative to
// the unwrapped positions. (Compact rows are not sorted but transposed: build_compact_rows.)
struct Candidate {
    int j;
    int img[3];
};

bool candidate_less(const Candidate& a, const Candidate& b) {
    if (a.j != b.j) return a.j < b.j;
    if (a.img[0] != b.img[0]) return a.img[0] < b.img[0];
    if (a.img[1] != b.img[1]) return a.img[1] < b.img[1];
    return a.img[2] < b.img[2];
}

// Cell grid in fractional space. Along a periodic direction the cells tile [0,1); along a non-periodic
// one they tile [lo, hi] of the atoms' coordinates. Every cell is at least cutoff/split wide (perpendicular).
struct Grid {
    int nc[3];
    int reach[3];       // cells to search on each side
    double lo[3], inv_width[3];
    double cell_frac[3];  // fractional width of one cell (1 where the atoms span no width)
    bool periodic[3];
};

// Width of one fractional unit along k, measured perpendicular to the other two rows: the inverse length of
// the k-th reciprocal vector (column k of hinv). For a non-periodic direction hinv uses the substituted row,
// so this also holds there.
double fractional_width(const Box& box, int k) {
    return 1.0 / std::sqrt(box.hinv.m[0][k] * box.hinv.m[0][k] + box.hinv.m[1][k] * box.hinv.m[1][k] +
                           box.hinv.m[2][k] * box.hinv.m[2][k]);
}

// Cells of at least cutoff/split, searched `reach` cells to each side. split = 1 is the grid of the half
// list (its rows keep that search order); the full list uses split = 2 (finer cells, fewer distance checks
// with the stencil below). [smin, smax]: the atoms' fractional range along non-periodic directions.
Grid make_grid(const Box& box, double cutoff, int split, const double smin[3], const double smax[3], int n) {
    Grid g{};
    const double min_width = cutoff / split;
    for (int k = 0; k < 3; ++k) {
        g.periodic[k] = box.periodic[k];
        const double width = fractional_width(box, k);
        const double extent = g.periodic[k] ? 1.0 : std::max(smax[k] - smin[k], 0.0);
        const double ext_len = extent * width;
        // Clamped as a double before the conversion (a 1e12 Å box must not overflow int).
        int nc = static_cast<int>(std::max(1.0, std::min(std::floor(ext_len / min_width), 1024.0)));
        g.nc[k] = nc;
        g.lo[k] = g.periodic[k] ? 0.0 : smin[k];
        const double cell_frac = extent > 0 ? extent / nc : 1.0;
        g.cell_frac[k] = cell_frac;
        g.inv_width[k] = extent > 0 ? 1.0 / cell_frac : 0.0;
        // Cells to search on each side: enough to cover the cutoff, plus whole extra images when the
        // cell is thinner than the cutoff.
        if (g.periodic[k]) {
            const double reach = std::ceil(cutoff / (width * cell_frac));
            // A cell much thinner than the cutoff (a huge cutoff, or a tilt of 1e10 Å that squeezes a width to
            // nothing) would need billions of image cells per atom: that is a bad input, not a long search.
            if (!(reach <= 1000.0))
                throw Error("neighbour list: a cutoff of " + std::to_string(cutoff) + " Å spans " +
                            (std::isfinite(reach) ? std::to_string(static_cast<long long>(reach)) : std::string("infinitely many")) +
                            " periodic images of a cell " + std::to_string(width) +
                            " Å wide along lattice vector " + std::to_string(k + 1) +
                            " (at most 1000 are supported); check the cutoff and the cell (tilt factors)");
            g.reach[k] = static_cast<int>(reach);
        } else {
            // No images: every cell is at least cutoff/split wide (the guard below only widens them).
            g.reach[k] = split;
        }
    }
    // Total cells bounded by the atom count (a few atoms per cell keeps the list linear in N and the
    // counting sort small; 1024^3 cells of a sparse box would be 4 GB of empty cells): halve the finest
    // direction until it fits. Coarser cells stay >= cutoff/split wide, so only the reach per cell shrinks.
    const long long max_cells = std::max<long long>(27, 2LL * n);
    while (static_cast<long long>(g.nc[0]) * g.nc[1] * g.nc[2] > max_cells) {
        int k = 0;
        for (int q = 1; q < 3; ++q)
            if (g.nc[q] > g.nc[k]) k = q;
        g.nc[k] = std::max(1, g.nc[k] / 2);
        const double extent = g.periodic[k] ? 1.0 : std::max(smax[k] - smin[k], 0.0);
        const double cell_frac = extent > 0 ? extent / g.nc[k] : 1.0;
        g.cell_frac[k] = cell_frac;
        g.inv_width[k] = extent > 0 ? 1.0 / cell_frac : 0.0;
        if (g.periodic[k]) g.reach[k] = static_cast<int>(std::ceil(cutoff / (fractional_width(box, k) * cell_frac)));
    }
    return g;
}

// Minimum of u·G·u over the box lo <= u <= hi (G symmetric positive definite, 3x3): the exact minimum of a
// convex quadratic lies at the unconstrained minimum of the coordinates left free by its active set, so every
// choice of (free, at lo, at hi) per coordinate is tried and the feasible ones compared. Free coordinates
// are accepted slightly outside the box (the result errs low: it is used as a lower bound).
double box_min_quadratic(const double G[3][3], const double lo[3], const double hi[3]) {
    double best = INFINITY;
    for (int pattern = 0; pattern < 27; ++pattern) {
        int state[3];  // 0 free, 1 at lo, 2 at hi
        int p = pattern, nfree = 0, fr[3];
        double u[3] = {0, 0, 0};
        for (int k = 0; k < 3; ++k) {
            state[k] = p % 3;
            p /= 3;
            if (state[k] == 0) fr[nfree++] = k;
            else u[k] = state[k] == 1 ? lo[k] : hi[k];
        }
        // Free coordinates: G_ff u_f = -G_fc u_c.
        double rhs[3] = {0, 0, 0};
        for (int a = 0; a < nfree; ++a)
            for (int k = 0; k < 3; ++k)
                if (state[k] != 0) rhs[a] -= G[fr[a]][k] * u[k];
        if (nfree == 1) {
            u[fr[0]] = rhs[0] / G[fr[0]][fr[0]];
        } else if (nfree == 2) {
            const double a = G[fr[0]][fr[0]], b = G[fr[0]][fr[1]], d = G[fr[1]][fr[1]];
            const double det = a * d - b * b;
            u[fr[0]] = (d * rhs[0] - b * rhs[1]) / det;
            u[fr[1]] = (a * rhs[1] - b * rhs[0]) / det;
        }  // nfree == 3: u = 0 (rhs is zero)
        bool feasible = true;
        for (int a = 0; a < nfree; ++a) {
            const int k = fr[a];
            const double slack = 1e-9 * (hi[k] - lo[k]);
            if (!(u[k] >= lo[k] - slack && u[k] <= hi[k] + slack)) feasible = false;
        }
        if (!feasible) continue;
        double q = 0.0;
        for (int a = 0; a < 3; ++a)
            for (int b = 0; b < 3; ++b) q += u[a] * G[a][b] * u[b];
        best = std::min(best, q);
    }
    return best;
}

// Offsets (in cells) from an atom's cell that the search visits: for each (d0, d1) the range [lo2, hi2].
struct StencilRow {
    int d0, d1, lo2, hi2;
};

// The cell offsets within the reach whose cells can hold a pair closer than the cutoff. Two atoms in cells d
// apart are separated by (d + u)·cell_frac·h with u in (-1, 1)^3; an offset is skipped when the smallest
// such separation exceeds the cutoff (with a relative margin of 1e-6 against round-off in the fractional
// coordinates and the cell assignment). Skipping never changes the pairs found nor the order of the visits
// that remain (a half list's rows are in search order). Pruning is itself a search over the offsets; when
// there are far more offsets than atoms (a few atoms in a cell far thinner than the cutoff) it costs more
// than it saves, so then every offset is kept.
std::vector<StencilRow> make_stencil(const Grid& g, const Box& box, double cutoff, int n) {
    std::vector<StencilRow> rows;
    const long long noffsets = (2LL * g.reach[0] + 1) * (2LL * g.reach[1] + 1) * (2LL * g.reach[2] + 1);
    const bool prune = noffsets <= 64LL * n + 4096;
    const Mat3 full = inverse(box.hinv);  // h with the substituted rows of non-periodic directions
    double G[3][3];
    for (int a = 0; a < 3; ++a)
        for (int b = 0; b < 3; ++b)
            G[a][b] = g.cell_frac[a] * g.cell_frac[b] * dot(row(full, a), row(full, b));
    const double limit = cutoff * (1.0 + 1e-6);
    const double limit2 = limit * limit;
    for (int d0 = -g.reach[0]; d0 <= g.reach[0]; ++d0)
        for (int d1 = -g.reach[1]; d1 <= g.reach[1]; ++d1) {
            if (!prune) {
                rows.push_back({d0, d1, -g.reach[2], g.reach[2]});
                continue;
            }
            int lo2 = INT_MAX, hi2 = INT_MIN;
            for (int d2 = -g.reach[2]; d2 <= g.reach[2]; ++d2) {
                const double lo[3] = {d0 - 1.0, d1 - 1.0, d2 - 1.0}, hi[3] = {d0 + 1.0, d1 + 1.0, d2 + 1.0};
                if (box_min_quadratic(G, lo, hi) <= limit2) lo2 = std::min(lo2, d2), hi2 = std::max(hi2, d2);
            }
            // The minimum is convex in d2, so the kept offsets of a row are one interval.
            if (lo2 <= hi2) rows.push_back({d0, d1, lo2, hi2});
        }
    return rows;
}

// One grid's cell list: atoms sorted by cell (stable), and their wrapped positions in that order so that
// the search reads them contiguously.
struct CellList {
    const int* cell_of;
    const int* cell_start;
    const int* cell_atoms;
    const Vec3* cell_pos;  // wrapped[cell_atoms[s]]
};

// Fills the cell list of `g` into the scratch buffers.
CellList assign_cells(const Grid& g, const std::vector<Vec3>& frac, const std::vector<Vec3>& wrapped,
                      NeighborScratch& scr) {
    const int n = static_cast<int>(frac.size());
    const int ncell = g.nc[0] * g.nc[1] * g.nc[2];
    std::vector<int>& cell_of = scr.cell_of;
    cell_of.resize(n);
    for (int i = 0; i < n; ++i) {
        const double sv[3] = {frac[i].x, frac[i].y, frac[i].z};
        int c[3];
        for (int k = 0; k < 3; ++k) {
            int ck = static_cast<int>(std::floor((sv[k] - g.lo[k]) * g.inv_width[k]));
            c[k] = std::max(0, std::min(ck, g.nc[k] - 1));
        }
        cell_of[i] = (c[0] * g.nc[1] + c[1]) * g.nc[2] + c[2];
    }
    // Counting sort of atoms into cells (stable: atoms keep index order inside a cell).
    std::vector<int>& cell_start = scr.cell_start;
    std::vector<int>& cell_atoms = scr.cell_atoms;
    cell_start.assign(static_cast<std::size_t>(ncell) + 1, 0);
    cell_atoms.resize(n);
    for (int i = 0; i < n; ++i) cell_start[cell_of[i] + 1]++;
    for (int c = 0; c < ncell; ++c) cell_start[c + 1] += cell_start[c];
    std::vector<int>& fill = scr.fill;
    fill.assign(cell_start.begin(), cell_start.end() - 1);
    for (int i = 0; i < n; ++i) cell_atoms[fill[cell_of[i]]++] = i;
    scr.cell_pos.resize(n);
    for (int s = 0; s < n; ++s) scr.cell_pos[s] = wrapped[cell_atoms[s]];
    return CellList{cell_of.data(), cell_start.data(), cell_atoms.data(), scr.cell_pos.data()};
}

// Cell index a along a direction with its image: false when a non-periodic direction has no such cell.
inline bool cell_image(int& a, int& img, int nc, bool periodic) {
    if (!periodic) {
        img = 0;
        return a >= 0 && a < nc;
    }
    // floor(a / nc): the search reaches mostly the home image or a neighbouring one, so those skip the division.
    if (a >= 0 && a < nc) img = 0;
    else if (a < 0 && a >= -nc) img = -1;
    else if (a >= nc && a < 2 * nc) img = 1;
    else img = a >= 0 ? a / nc : -((nc - 1 - a) / nc);
    a -= img * nc;
    return true;
}

// The cells that the search of an atom in cell ci visits, in the fixed order of the cell search (offsets in
// increasing (d0, d1, d2)): segment(img, T, begin, end) for each run of cells along direction 2 that share one
// cell image img (lattice units; T = img·h); their atoms are consecutive, slots begin..end-1 of the cell list.
template <class Segment>
void for_each_segment(const Grid& g, const std::vector<StencilRow>& stencil, const Box& box, const CellList& cl,
                      int ci, Segment&& segment) {
    const int cc[3] = {ci / (g.nc[1] * g.nc[2]), (ci / g.nc[2]) % g.nc[1], ci % g.nc[2]};
    for (const StencilRow& st : stencil) {
        int a0 = cc[0] + st.d0, a1 = cc[1] + st.d1, img0, img1;
        if (!cell_image(a0, img0, g.nc[0], g.periodic[0]) || !cell_image(a1, img1, g.nc[1], g.periodic[1])) continue;
        int d2 = st.lo2, hi2 = st.hi2;
        if (!g.periodic[2]) d2 = std::max(d2, -cc[2]), hi2 = std::min(hi2, g.nc[2] - 1 - cc[2]);
        const int base = (a0 * g.nc[1] + a1) * g.nc[2];
        while (d2 <= hi2) {
            int a2 = cc[2] + d2, img2;
            cell_image(a2, img2, g.nc[2], g.periodic[2]);
            const int run = std::min(hi2 - d2, g.nc[2] - 1 - a2) + 1;  // consecutive cells of this image
            const int img[3] = {img0, img1, img2};
            const Vec3 T = to_cartesian(box, Vec3{double(img0), double(img1), double(img2)});
            segment(img, T, cl.cell_start[base + a2], cl.cell_start[base + a2 + run]);
            d2 += run;
        }
    }
}

// Visits every image pair of row i within the cutoff, in the order of the cell search: visit(j, img) with img
// the cell image of the wrapped positions. The distance test is the one expression (wrapped_j + T) - wrapped_i,
// whatever the grid, so every grid finds the same pairs.
template <class Visit>
void search_row(const Grid& g, const std::vector<StencilRow>& stencil, const Box& box, const CellList& cl,
                const Vec3* wrapped, double rc2, int i, Visit&& visit) {
    const Vec3 xi = wrapped[i];
    for_each_segment(g, stencil, box, cl, cl.cell_of[i], [&](const int img[3], const Vec3& T, int begin, int end) {
        const bool home = img[0] == 0 && img[1] == 0 && img[2] == 0;
        for (int s = begin; s < end; ++s) {
            if (norm2(cl.cell_pos[s] + T - xi) < rc2) {
                const int jj = cl.cell_atoms[s];
                if (!(home && jj == i)) visit(jj, img);
            }
        }
    });
}

// Keys j << 16 | code of the compact full list's slots: code(img) = ((img_0 + M_0)·W_1 + img_1 + M_1)·W_2 +
// img_2 + M_2 for the image img = cell image + wrap_i - wrap_j (relative to the unwrapped positions). The code
// is linear in the image, so key = (j << 16) - linear(wrap_j) + code(cell image + wrap_i): a per-atom part and
// a per-segment part, added per candidate.
struct KeyCoder {
    long long M[3], W[3];
    long long linear(const int v[3]) const { return (static_cast<long long>(v[0]) * W[1] + v[1]) * W[2] + v[2]; }
    long long code(const int img[3], const std::array<int, 3>& wi) const {
        return ((img[0] + wi[0] + M[0]) * W[1] + (img[1] + wi[1] + M[1])) * W[2] + (img[2] + wi[2] + M[2]);
    }
};

// What a row search needs: the grid, its stencil and cell list, and the wrapped positions.
struct Search {
    const Grid& g;
    const std::vector<StencilRow>& stencil;
    const Box& box;
    CellList cells;
    const Vec3* wrapped;
    double rc2;

    template <class Visit>
    void row(int i, Visit&& visit) const {
        search_row(g, stencil, box, cells, wrapped, rc2, i, visit);
    }

    // The unsorted keys (KeyCoder) of row i into keys[0, count); returns count. slot_key[s] = (j << 16) -
    // linear(wrap_j) for the atom j in cell-list slot s. Every candidate's key is written and the count
    // advanced by the distance test (and, in the home image, j != i), without a branch: about one candidate in
    // four is a pair, so a branch would be mispredicted often. The same test as search_row, so the same pairs.
    int row_keys(int i, const KeyCoder& kc, const std::array<int, 3>& wi, const long long* slot_key,
                 std::vector<std::uint64_t>& keys) const {
        const Vec3 xi = wrapped[i];
        const Vec3* cp = cells.cell_pos;
        const int* ca = cells.cell_atoms;
        const double r2 = rc2;
        int count = 0;
        for_each_segment(g, stencil, box, cells, cells.cell_of[i], [&](const int img[3], const Vec3& T, int begin, int end) {
            if (keys.size() < static_cast<std::size_t>(count + (end - begin)))
                keys.resize(2 * static_cast<std::size_t>(count + (end - begin)));
            std::uint64_t* out = keys.data();
            const long long base = kc.code(img, wi);
            const int self = img[0] == 0 && img[1] == 0 && img[2] == 0 ? i : -1;  // i itself is no pair
            for (int s = begin; s < end; ++s) {
                out[count] = static_cast<std::uint64_t>(slot_key[s] + base);
                count += static_cast<int>(norm2(cp[s] + T - xi) < r2) & static_cast<int>(ca[s] != self);
            }
        });
        return count;
    }
};

// Row counts to row starts in place: offset[i + 1] holds row i's count on entry and its end on return
// (offset[0] = 0). Slots are indexed by int (offset, reverse), so a list of more than INT_MAX slots is refused.
// Returns the slot count.
std::size_t counts_to_offsets(int* offset, int n) {
    long long total = 0;
    for (int i = 0; i < n; ++i) {
        total += offset[i + 1];
        if (total > INT_MAX) throw Error("neighbour list: more than 2^31 pairs; reduce the cutoff");
        offset[i + 1] = static_cast<int>(total);
    }
    return static_cast<std::size_t>(total);
}

// The half list (neighbor_list.hpp): rows counted in a first sweep, then filled in place by a second, so
// nothing but the list itself is allocated (a rebuild reuses its storage).
void build_half(const Search& search, const int m[3], int n, const std::array<int, 3>* wrap, NeighborList& nl) {
    const int w1 = 2 * m[1] + 1, w2 = 2 * m[2] + 1;
    auto code_of = [&](const int img[3]) {
        return static_cast<std::uint16_t>(((img[0] + m[0]) * w1 + (img[1] + m[1])) * w2 + (img[2] + m[2]));
    };
    nl.half = true;
    nl.shift.clear();
    nl.reverse.clear();
    nl.image.clear();
    nl.image_lattice.clear();
    nl.image_shift.clear();
    nl.code_image.resize(static_cast<std::size_t>(2 * m[0] + 1) * w1 * w2);
    for (int a = -m[0]; a <= m[0]; ++a)
        for (int b = -m[1]; b <= m[1]; ++b)
            for (int c = -m[2]; c <= m[2]; ++c) {
                const int img[3] = {a, b, c};
                nl.code_image[code_of(img)] = {a, b, c};
            }
    nl.wrap.assign(wrap, wrap + n);
    nl.offset.resize(static_cast<std::size_t>(n) + 1);
    nl.offset[0] = 0;
    int* off = nl.offset.data();
#pragma omp parallel for schedule(static)
    for (int i = 0; i < n; ++i) {
        int count = 0;
        search.row(i, [&](int jj, const int img[3]) { count += half_owner(i, jj, img) ? 1 : 0; });
        off[i + 1] = count;
    }
    const std::size_t total = counts_to_offsets(off, n);
    try {
        nl.j.resize(total);
        nl.code.resize(total);
    } catch (const std::bad_alloc&) {
        throw Error("neighbour list: out of memory for " + std::to_string(total) + " pairs of " + std::to_string(n) +
                    " atoms");
    }
    int* js = nl.j.data();
    std::uint16_t* cs = nl.code.data();
#pragma omp parallel for schedule(static)
    for (int i = 0; i < n; ++i) {
        int s = off[i];
        search.row(i, [&](int jj, const int img[3]) {
            if (!half_owner(i, jj, img)) return;
            js[s] = jj;
            cs[s] = code_of(img);
            ++s;
        });
    }
}

// The rows of a full list that keeps a shift per slot (the fall-back; compact lists: build_compact_rows):
// one call row(i, js, slots) per atom appends its sorted slots to the thread's arrays and returns their count.
// Each thread keeps the rows of its (static, contiguous) block of atoms in private j / slot arrays, then
// copies them to their final place once the row offsets are known; with one thread they become the list as
// they are (a swap, no copy). A static schedule over the same range gives every thread the same atoms in both
// loops. The arrays are reserved from the expected pair count: growing them by doubling faulted in twice the
// memory (calc-efs of 5632 atoms: half of its page faults were here). Sets nl.offset, nl.j, `slots` and sizes
// nl.reverse. No exception may leave an OpenMP region (that is std::terminate): the first one is returned, and
// the other threads skip their work.
template <class Slot, class Row>
std::exception_ptr build_full_rows(int n, double expected_pairs, Row&& row, NeighborList& nl, std::vector<Slot>& slots) {
    std::vector<std::vector<int>> per_thread_j;
    std::vector<std::vector<Slot>> per_thread_slot;
    nl.offset.assign(static_cast<std::size_t>(n) + 1, 0);
    OmpTrap trap;  // the first exception of any thread; the others then skip their work
#pragma omp parallel
    {
      try {
        const int nthreads = omp_get_num_threads();
#pragma omp single
        {
            per_thread_j.resize(static_cast<std::size_t>(nthreads));
            per_thread_slot.resize(static_cast<std::size_t>(nthreads));
        }
        std::vector<int>& mine_j = per_thread_j[static_cast<std::size_t>(omp_get_thread_num())];
        std::vector<Slot>& mine_slot = per_thread_slot[static_cast<std::size_t>(omp_get_thread_num())];
        // Half again the estimate of this thread's share (it assumes a uniform density; real cells hold more
        // pairs within the cutoff): reserved pages that are never written cost no memory (no page is touched).
        const auto share = static_cast<std::size_t>(std::min(1.5 * expected_pairs / nthreads + 64.0, 1e9));
        mine_j.reserve(share);
        mine_slot.reserve(share);
#pragma omp for schedule(static)
        for (int i = 0; i < n; ++i) {
            if (trap.failed()) continue;
            try {
                nl.offset[i + 1] = row(i, mine_j, mine_slot);
            } catch (...) {
                trap.record_current();
            }
        }
#pragma omp single
        {
            try {
                if (!trap.failed()) {
                    const std::size_t np = counts_to_offsets(nl.offset.data(), n);
                    if (nthreads == 1) {
                        nl.j.swap(per_thread_j[0]);
                        slots.swap(per_thread_slot[0]);
                    } else {
                        nl.j.resize(np);
                        slots.resize(np);
                    }
                    nl.reverse.resize(np);
                }
            } catch (...) {
                trap.record_current();
            }
        }
        std::size_t k = 0;
        if (!trap.failed() && nthreads > 1) {
#pragma omp for schedule(static)
            for (int i = 0; i < n; ++i) {
                for (int s = nl.offset[i]; s < nl.offset[i + 1]; ++s, ++k) {
                    nl.j[s] = mine_j[k];
                    slots[s] = mine_slot[k];
                }
            }
        }
      } catch (...) {
        trap.record_current();
      }
    }
    return trap.error();
}

// Slots of row i that share one neighbour (several images of it: cells thinner than the cutoff) sorted by
// image code; the transpose below leaves them in search order.
void sort_image_runs(const int* js, std::uint16_t* codes, int begin, int end) {
    int s = begin;
    while (s < end) {
        int e = s + 1;
        while (e < end && js[e] == js[s]) ++e;
        if (e - s > 1) std::sort(codes + s, codes + e);
        s = e;
    }
}

// The rows of a compact full list without sorting them. Each thread searches its (static, contiguous) block
// of rows in search order into private arrays (neighbour, image code) and counts, per atom, the pairs of its
// block that have that atom as the neighbour. The list is symmetric (every pair is found from both ends), so
// row i of the list is the set of pairs j -> i of all rows j, mirrored: scattering the rows in increasing j
// (thread by thread, each thread's block after those of lower threads) writes every row in increasing j,
// which is the sorted order (j, image) except among the images of one neighbour (sort_image_runs). That
// replaces a comparison sort per row (a third of the build) by one sequential read and one write per slot.
// The result is the sorted list whatever the thread count. The per-thread arrays live in the scratch (a
// rebuild reuses their pages). Sets nl.offset, nl.j, nl.image (codes; the caller maps them to the table) and
// sizes nl.reverse. Exceptions as build_full_rows; a row count that differs from its column count (an
// asymmetric list) is the internal error the reverse sweep reports.
std::exception_ptr build_compact_rows(int n, double expected_pairs, const Search& search, const KeyCoder& kc,
                                      const std::array<int, 3>* wrap, const long long* slot_key, NeighborList& nl,
                                      NeighborScratch& scr) {
    nl.offset.assign(static_cast<std::size_t>(n) + 1, 0);
    // code(-g) = 2 code(0) - code(g): the code is linear in the image.
    const int zero[3] = {0, 0, 0};
    const std::array<int, 3> origin{0, 0, 0};
    const long long mirror = 2 * kc.code(zero, origin);
    OmpTrap trap;  // the first exception of any thread; the others then skip their work
    // The neighbours of thread 0's rows in search order are kept in nl.reverse: the same type, and dead until
    // the reverse sweep after the scatter overwrites it; its size grows to the list's in the single below,
    // which keeps them. With one thread that saves the 4-byte half of the rows (the list is then 12 bytes a
    // slot while it builds and afterwards: j, image, reverse, and the kept 2-byte image codes of the rows).
    auto thread_neighbors = [&](std::size_t t) -> std::vector<int>& { return t == 0 ? nl.reverse : scr.thread_j[t]; };
#pragma omp parallel
    {
        const int nthreads = omp_get_num_threads();
        const auto t = static_cast<std::size_t>(omp_get_thread_num());
#pragma omp single
        {
            try {
                if (scr.thread_j.size() < static_cast<std::size_t>(nthreads)) {
                    scr.thread_j.resize(static_cast<std::size_t>(nthreads));
                    scr.thread_image.resize(static_cast<std::size_t>(nthreads));
                    scr.thread_count.resize(static_cast<std::size_t>(nthreads));
                }
            } catch (...) {
                trap.record_current();
            }
        }
        // Every thread reaches every worksharing construct and barrier, failed or not (a thread that left one
        // out would leave the others waiting).
        int first = n, last = -1;  // this thread's block of rows
        bool ready = false;
        try {
            if (!trap.failed()) {
                thread_neighbors(t).clear();
                scr.thread_image[t].clear();
                scr.thread_count[t].assign(static_cast<std::size_t>(n), 0);
                // See build_full_rows (reserved pages that are never written cost nothing).
                const auto share = static_cast<std::size_t>(std::min(1.5 * expected_pairs / nthreads + 64.0, 1e9));
                thread_neighbors(t).reserve(share);
                scr.thread_image[t].reserve(share);
                ready = true;
            }
        } catch (...) {
            trap.record_current();
        }
#pragma omp for schedule(static)
        for (int i = 0; i < n; ++i) {
            if (!ready || trap.failed()) continue;
            try {
                thread_local std::vector<std::uint64_t> keys;  // one row's candidates; kept across rows and builds
                const int found = search.row_keys(i, kc, wrap[i], slot_key, keys);
                std::vector<int>& uj = thread_neighbors(t);
                std::vector<std::uint16_t>& uc = scr.thread_image[t];
                int* count = scr.thread_count[t].data();
                const std::size_t at = uj.size();
                uj.resize(at + found);
                uc.resize(at + found);
                for (int q = 0; q < found; ++q) {
                    const int jj = static_cast<int>(keys[q] >> 16);
                    uj[at + q] = jj;
                    uc[at + q] = static_cast<std::uint16_t>(keys[q] & 0xffffu);
                    ++count[jj];
                }
                nl.offset[i + 1] = found;
                first = std::min(first, i);
                last = i;
            } catch (...) {
                trap.record_current();
            }
        }
#pragma omp single
        {
            try {
                if (!trap.failed()) {
                    // Row i's count (its slots) equals column i's (the slots naming i), as a symmetric list has.
                    for (int i = 0; i < n; ++i) {
                        long long column = 0;
                        for (int q = 0; q < nthreads; ++q) column += scr.thread_count[static_cast<std::size_t>(q)][i];
                        if (column != nl.offset[i + 1]) throw Error("internal error: neighbour list is not symmetric");
                    }
                    const std::size_t np = counts_to_offsets(nl.offset.data(), n);
                    nl.j.resize(np);
                    nl.image.resize(np);
                    nl.reverse.resize(np);
                }
            } catch (...) {
                trap.record_current();
            }
        }
        // Nothing below allocates or throws, so every thread reaches every barrier.
        if (!trap.failed()) {
            // Per destination row, where each thread's slots start: after those of the lower threads.
#pragma omp for schedule(static)
            for (int i = 0; i < n; ++i) {
                int at = nl.offset[i];
                for (int q = 0; q < nthreads; ++q) {
                    int& c = scr.thread_count[static_cast<std::size_t>(q)][i];
                    const int here = c;
                    c = at;
                    at += here;
                }
            }
            const int* uj = thread_neighbors(t).data();
            const std::uint16_t* uc = scr.thread_image[t].data();
            int* cursor = scr.thread_count[t].data();
            int* js = nl.j.data();
            std::uint16_t* codes = nl.image.data();
            std::size_t k = 0;
            for (int src = first; src <= last; ++src)
                for (int s = nl.offset[src]; s < nl.offset[src + 1]; ++s, ++k) {
                    const int at = cursor[uj[k]]++;
                    js[at] = src;
                    codes[at] = static_cast<std::uint16_t>(mirror - uc[k]);
                }
#pragma omp barrier
#pragma omp for schedule(static)
            for (int i = 0; i < n; ++i) sort_image_runs(js, codes, nl.offset[i], nl.offset[i + 1]);
        }
    }
    return trap.error();
}

// Reverse slots, in one sequential sweep over the rows (O(pairs), no search): row j is sorted by (i, image),
// so the pairs j -> i of all images form one block, and the blocks appear in increasing i. Visiting rows in
// increasing i, cursor[j] is the start of the block for the current i. Within a block the images are sorted
// ascending, and the reverse of image g is -g: negation reverses lexicographic order, so the t-th of k
// images in row i pairs with the (k-1-t)-th of the block.
void set_reverse_slots(int n, NeighborList& nl, std::vector<int>& cursor) {
    const int* off = nl.offset.data();
    const int* js = nl.j.data();
    int* rev = nl.reverse.data();
    cursor.assign(nl.offset.begin(), nl.offset.end() - 1);
    for (int i = 0; i < n; ++i) {
        int s = off[i];
        const int end = off[i + 1];
        while (s < end) {
            const int jj = js[s];
            int e = s + 1;
            while (e < end && js[e] == jj) ++e;
            const int k = e - s, base = cursor[jj];
            if (base + k > off[jj + 1] || js[base] != i || js[base + k - 1] != i)
                throw Error("internal error: neighbour list is not symmetric");
            for (int t = 0; t < k; ++t) rev[s + t] = base + (k - 1 - t);
            cursor[jj] += k;
            s = e;
        }
    }
}

}  // namespace

void build_neighbor_list(const Box& box, const std::vector<Vec3>& pos, double cutoff, NeighborList& nl) {
    const int n = static_cast<int>(pos.size());
    nl.cutoff = cutoff;
    nl.pos_at_build = pos;
    const double rc2 = cutoff * cutoff;

    // Fractional coordinates, wrapped into [0,1) along periodic directions; wrap[i] is the integer image
    // the original position sits in, so that pos = wrapped + wrap·h.
    NeighborScratch& scr = nl.scratch;
    std::vector<Vec3>& frac = scr.frac;
    std::vector<std::array<int, 3>>& wrap = scr.wrap;
    frac.resize(n);
    wrap.resize(n);
    double smin[3] = {0, 0, 0}, smax[3] = {1, 1, 1};
    for (int k = 0; k < 3; ++k) {
        if (!box.periodic[k]) { smin[k] = 1e300; smax[k] = -1e300; }
    }
    for (int i = 0; i < n; ++i) {
        Vec3 s = to_fractional(box, pos[i]);
        double sv[3] = {s.x, s.y, s.z};
        for (int k = 0; k < 3; ++k) {
            if (box.periodic[k]) {
                const double f = std::floor(sv[k]);
                // An image count that no int holds (or a NaN) is a run that has blown up or a cell that does not
                // fit its atoms; converting it would be undefined (found by fuzz_restore: a restored state moved
                // an atom ~9e9 cell lengths).
                if (!(std::fabs(f) < 1e9))
                    throw Error("neighbour list: atom " + std::to_string(i + 1) + " lies " + std::to_string(f) +
                                " cell lengths along cell vector " + std::to_string(k + 1) +
                                " from the cell (the simulation has become unstable, or the cell is wrong)");
                wrap[i][k] = static_cast<int>(f);
                sv[k] -= f;
                if (sv[k] >= 1.0) { sv[k] -= 1.0; wrap[i][k] += 1; }  // guards round-off at exactly 1
            } else {
                wrap[i][k] = 0;
                smin[k] = std::min(smin[k], sv[k]);
                smax[k] = std::max(smax[k], sv[k]);
            }
        }
        frac[i] = {sv[0], sv[1], sv[2]};
    }
    // The grid of cells >= cutoff: the half list searches it (its rows are in that search order), and its
    // reach bounds the cell images of either list (m below). The full list searches a finer one.
    const Grid g = make_grid(box, cutoff, 1, smin, smax, n);
    {
        // Expected slots: an int indexes them (offset, reverse), so more than INT_MAX is refused up front.
        const double est = estimate_neighbor_pairs(box, static_cast<std::size_t>(n), cutoff);
        if (!(est < static_cast<double>(INT_MAX)))
            throw Error("neighbour list: a cutoff of " + std::to_string(cutoff) + " Å with " + std::to_string(n) +
                        " atoms gives about " + std::to_string(static_cast<double>(est)) +
                        " pairs, more than the 2^31 the list can index; reduce the cutoff");
    }
    std::vector<Vec3>& wrapped = scr.wrapped;
    wrapped.resize(n);
    // pos - wrap·h keeps the exact non-periodic coordinates (h has zero rows there).
    for (int i = 0; i < n; ++i)
        wrapped[i] = pos[i] - to_cartesian(box, Vec3{double(wrap[i][0]), double(wrap[i][1]), double(wrap[i][2])});

    // Half list: image codes over the range of cell images the search can reach, [-m, m] per direction.
    int m[3] = {0, 0, 0};
    long long ncode = 1;
    for (int k = 0; k < 3; ++k) {
        if (g.periodic[k]) m[k] = g.reach[k] / g.nc[k] + 1;
        ncode *= 2LL * m[k] + 1;
    }
    if (nl.want_half && ncode <= 65536) {
        const std::vector<StencilRow> stencil = make_stencil(g, box, cutoff, n);
        const Search search{g, stencil, box, assign_cells(g, frac, wrapped, scr), wrapped.data(), rc2};
        build_half(search, m, n, wrap.data(), nl);
        return;
    }
    nl.half = false;
    nl.code.clear();
    nl.code_image.clear();
    nl.wrap.clear();

    // Image of a pair relative to the unwrapped positions: img + wrap_i - wrap_j, with img in [-m, m] (the
    // cell images the search reaches), so within [-M, M] per direction, M = m + the spread of the wraps. Coded
    // lexicographically over that box (code order = image order) in 2 bytes when it holds at most 65536
    // images; else the list keeps a Cartesian shift per slot.
    long long M[3] = {0, 0, 0}, W[3] = {1, 1, 1};
    bool compact = true;
    {
        long long ncodes = 1;
        for (int k = 0; k < 3; ++k) {
            if (!g.periodic[k] || n == 0) continue;
            int lo = wrap[0][k], hi = wrap[0][k];
            for (int i = 1; i < n; ++i) lo = std::min(lo, wrap[i][k]), hi = std::max(hi, wrap[i][k]);
            M[k] = m[k] + (static_cast<long long>(hi) - lo);
            W[k] = 2 * M[k] + 1;
            if (W[k] > 65536) compact = false;
            else ncodes *= W[k];
            if (ncodes > 65536) compact = false;
        }
    }

    // Cells of half the cutoff: at most 125 cells of (cutoff/2)^3 instead of 27 of cutoff^3 around an atom
    // (fewer where the stencil drops corners), so far fewer distance checks (NaO at 6 Å: 4.6 candidates per
    // pair instead of 10.6); the pairs found are the same.
    const Grid fine = make_grid(box, cutoff, 2, smin, smax, n);
    const std::vector<StencilRow> stencil = make_stencil(fine, box, cutoff, n);
    const Search search{fine, stencil, box, assign_cells(fine, frac, wrapped, scr), wrapped.data(), rc2};
    const double expected_pairs = estimate_neighbor_pairs(box, static_cast<std::size_t>(n), cutoff);
    std::exception_ptr failure;
    if (compact) {
        std::vector<Vec3>().swap(nl.shift);
        const KeyCoder kc{{M[0], M[1], M[2]}, {W[0], W[1], W[2]}};
        std::vector<long long>& slot_key = scr.slot_key;
        slot_key.resize(n);
        for (int s = 0; s < n; ++s) {
            const int jj = search.cells.cell_atoms[s];
            slot_key[s] = (static_cast<long long>(jj) << 16) - kc.linear(wrap[jj].data());
        }
        failure = build_compact_rows(n, expected_pairs, search, kc, wrap.data(), slot_key.data(), nl, scr);
    } else {
        std::vector<std::uint16_t>().swap(nl.image);
        nl.image_lattice.clear();
        nl.image_shift.clear();
        // Shift = (T + (wrap_i - wrap_j))·h.
        auto row = [&](int i, std::vector<int>& js, std::vector<Vec3>& shifts) {
            thread_local std::vector<Candidate> buf;
            buf.clear();
            search.row(i, [&](int jj, const int img[3]) {
                buf.push_back({jj, {img[0] + wrap[i][0] - wrap[jj][0], img[1] + wrap[i][1] - wrap[jj][1],
                                    img[2] + wrap[i][2] - wrap[jj][2]}});
            });
            std::sort(buf.begin(), buf.end(), candidate_less);
            for (const Candidate& c : buf) {
                js.push_back(c.j);
                shifts.push_back(to_cartesian(box, Vec3{double(c.img[0]), double(c.img[1]), double(c.img[2])}));
            }
            return static_cast<int>(buf.size());
        };
        failure = build_full_rows(n, expected_pairs, row, nl, nl.shift);
    }
    if (failure) {
        const bool want_half = nl.want_half;
        nl = NeighborList{};
        nl.want_half = want_half;
        try {
            std::rethrow_exception(failure);
        } catch (const std::bad_alloc&) {
            throw Error("neighbour list: out of memory building the list for " + std::to_string(n) +
                        " atoms with a cutoff of " + std::to_string(cutoff) + " Å");
        }
    }
    if (compact) {
        // The table of the images in use, in code order, and every slot's code replaced by its table index. The
        // shift is the per-slot expression of the fall-back, (T + (wrap_i - wrap_j))·h, so r_ij is the same bits.
        const std::size_t ncodes = static_cast<std::size_t>(W[0] * W[1] * W[2]);
        std::vector<int> index(ncodes, -1);
        const std::size_t np = nl.image.size();
        std::uint16_t* im = nl.image.data();
        for (std::size_t s = 0; s < np; ++s) index[im[s]] = 0;
        nl.image_lattice.clear();
        nl.image_shift.clear();
        for (std::size_t c = 0; c < ncodes; ++c) {
            if (index[c] < 0) continue;
            index[c] = static_cast<int>(nl.image_lattice.size());
            const long long q = static_cast<long long>(c);
            const int a = static_cast<int>(q / (W[1] * W[2]) - M[0]);
            const int b = static_cast<int>((q / W[2]) % W[1] - M[1]);
            const int d = static_cast<int>(q % W[2] - M[2]);
            nl.image_lattice.push_back({a, b, d});
            nl.image_shift.push_back(to_cartesian(box, Vec3{double(a), double(b), double(d)}));
        }
        const int* idx = index.data();
        const long long nps = static_cast<long long>(np);
#pragma omp parallel for schedule(static)
        for (long long s = 0; s < nps; ++s) im[s] = static_cast<std::uint16_t>(idx[im[s]]);
    }
    set_reverse_slots(n, nl, scr.cursor);
}

void half_list_vectors(const NeighborList& nl, const Box& box, const std::vector<Vec3>& pos, std::vector<Vec3>& xw,
                       std::vector<Vec3>& code_shift) {
    const std::size_t n = pos.size();
    xw.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
        const std::array<int, 3>& w = nl.wrap[i];
        xw[i] = pos[i] - to_cartesian(box, Vec3{double(w[0]), double(w[1]), double(w[2])});
    }
    code_shift.resize(nl.code_image.size());
    for (std::size_t k = 0; k < code_shift.size(); ++k) {
        const std::array<int, 3>& c = nl.code_image[k];
        code_shift[k] = to_cartesian(box, Vec3{double(c[0]), double(c[1]), double(c[2])});
    }
}

bool needs_rebuild(const NeighborList& nl, const std::vector<Vec3>& pos, double skin) {
    if (nl.pos_at_build.size() != pos.size()) return true;
    const double lim2 = 0.25 * skin * skin;
    const std::size_t n = pos.size();
    int moved = 0;
#pragma omp parallel for reduction(| : moved) schedule(static)
    for (std::size_t i = 0; i < n; ++i) moved |= norm2(pos[i] - nl.pos_at_build[i]) > lim2 ? 1 : 0;
    return moved != 0;
}

double estimate_neighbor_pairs(const Box& box, std::size_t n, double cutoff) {
    if (n == 0) return 0.0;
    const double sphere = 4.0 / 3.0 * 3.14159265358979323846 * cutoff * cutoff * cutoff;
    const bool all_periodic = box.periodic[0] && box.periodic[1] && box.periodic[2];
    const double vol = std::fabs(volume(box));
    const double nn = static_cast<double>(n);
    if (all_periodic && vol > 0) return nn * (nn / vol * sphere);
    // Without a volume: no atoms pack denser than ~0.2 per Å³ (diamond: 0.18), and without images there are
    // at most n - 1 neighbours (non-periodic directions have no images; this bounds partly periodic cells too).
    const bool any_periodic = box.periodic[0] || box.periodic[1] || box.periodic[2];
    return nn * (any_periodic ? 0.2 * sphere : std::min(0.2 * sphere, nn - 1.0));
}

}  // namespace mdrun
