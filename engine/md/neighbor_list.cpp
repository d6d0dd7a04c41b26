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

namespace mdrun {

namespace {

// A slot of a full-list row while it is built: j and its image relative to the unwrapped positions.
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
// one they tile [lo, hi] of the atoms' coordinates. Every cell is at least `cutoff` wide (perpendicular).
struct Grid {
    int nc[3];
    int reach[3];       // cells to search on each side
    double lo[3], inv_width[3];
    bool periodic[3];
};

struct NeighborGeometry {
    const int* cell_of;
    const int* cell_start;
    const int* cell_atoms;
    const Vec3* wrapped;
    const std::array<int, 3>* wrap;
};

// Visits every image pair of row i within the cutoff, in the fixed order of the cell search:
// visit(j, img) with img the cell image (lattice units) of the wrapped positions.
template <class Visit>
void search_row(const Grid& g, const Box& box, const NeighborGeometry& geo, double rc2, int i, Visit&& visit) {
    const int ci = geo.cell_of[i];
    const int cc[3] = {ci / (g.nc[1] * g.nc[2]), (ci / g.nc[2]) % g.nc[1], ci % g.nc[2]};
    const Vec3 xi = geo.wrapped[i];
    for (int d0 = -g.reach[0]; d0 <= g.reach[0]; ++d0) {
        int a0 = cc[0] + d0, img0 = 0;
        if (g.periodic[0]) { img0 = static_cast<int>(std::floor(double(a0) / g.nc[0])); a0 -= img0 * g.nc[0]; }
        else if (a0 < 0 || a0 >= g.nc[0]) continue;
        for (int d1 = -g.reach[1]; d1 <= g.reach[1]; ++d1) {
            int a1 = cc[1] + d1, img1 = 0;
            if (g.periodic[1]) { img1 = static_cast<int>(std::floor(double(a1) / g.nc[1])); a1 -= img1 * g.nc[1]; }
            else if (a1 < 0 || a1 >= g.nc[1]) continue;
            for (int d2 = -g.reach[2]; d2 <= g.reach[2]; ++d2) {
                int a2 = cc[2] + d2, img2 = 0;
                if (g.periodic[2]) { img2 = static_cast<int>(std::floor(double(a2) / g.nc[2])); a2 -= img2 * g.nc[2]; }
                else if (a2 < 0 || a2 >= g.nc[2]) continue;
                const int img[3] = {img0, img1, img2};
                const Vec3 T = to_cartesian(box, Vec3{double(img0), double(img1), double(img2)});
                const int cell = (a0 * g.nc[1] + a1) * g.nc[2] + a2;
                for (int s = geo.cell_start[cell]; s < geo.cell_start[cell + 1]; ++s) {
                    const int jj = geo.cell_atoms[s];
                    if (jj == i && img0 == 0 && img1 == 0 && img2 == 0) continue;
                    if (norm2(geo.wrapped[jj] + T - xi) < rc2) visit(jj, img);
                }
            }
        }
    }
}

// The half list (neighbor_list.hpp): rows counted in a first sweep, then filled in place by a second, so
// nothing but the list itself is allocated (a rebuild reuses its storage).
void build_half(const Grid& g, const int m[3], int n, double rc2, const Box& box, const NeighborGeometry& geo,
                NeighborList& nl) {
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
    nl.wrap.assign(geo.wrap, geo.wrap + n);
    nl.offset.resize(static_cast<std::size_t>(n) + 1);
    nl.offset[0] = 0;
    int* off = nl.offset.data();
#pragma omp parallel for schedule(static)
    for (int i = 0; i < n; ++i) {
        int count = 0;
        search_row(g, box, geo, rc2, i, [&](int jj, const int img[3]) { count += half_owner(i, jj, img) ? 1 : 0; });
        off[i + 1] = count;
    }
    long long total = 0;
    for (int i = 0; i < n; ++i) {
        total += off[i + 1];
        if (total > INT_MAX) throw Error("neighbour list: more than 2^31 pairs; reduce the cutoff");
        off[i + 1] = static_cast<int>(total);
    }
    try {
        nl.j.resize(static_cast<std::size_t>(total));
        nl.code.resize(static_cast<std::size_t>(total));
    } catch (const std::bad_alloc&) {
        throw Error("neighbour list: out of memory for " + std::to_string(total) + " pairs of " + std::to_string(n) +
                    " atoms");
    }
    int* js = nl.j.data();
    std::uint16_t* cs = nl.code.data();
#pragma omp parallel for schedule(static)
    for (int i = 0; i < n; ++i) {
        int s = off[i];
        search_row(g, box, geo, rc2, i, [&](int jj, const int img[3]) {
            if (!half_owner(i, jj, img)) return;
            js[s] = jj;
            cs[s] = code_of(img);
            ++s;
        });
    }
}

// The rows of a full list: one search per atom (gather: the row's candidates, sorted). Each thread keeps the
// rows of its (static, contiguous) block of atoms in private j / slot arrays (the list's own layout: the slot
// is a 2-byte image code, or the 24-byte shift of the fall-back), then copies them to their final place once
// the row offsets are known; with one thread they become the list as they are (a swap, no copy). A static
// schedule over the same range gives every thread the same atoms in both loops. The arrays are reserved from
// the expected pair count: growing them by doubling faulted in twice the memory (calc-efs of 5632 atoms: half
// of its page faults were here). Sets nl.offset, nl.j, `slots` and sizes nl.reverse. No exception may leave an
// OpenMP region (that is std::terminate): the first one is returned, and the other threads skip their work.
template <class Slot, class Gather, class Make>
std::exception_ptr build_full_rows(int n, double expected_pairs, Gather&& gather, NeighborList& nl,
                                   std::vector<Slot>& slots, Make&& make) {
    nl.offset.assign(static_cast<std::size_t>(n) + 1, 0);
    std::vector<std::vector<int>> per_thread_j;
    std::vector<std::vector<Slot>> per_thread_slot;
    std::exception_ptr failure;
    bool failed = false;
    auto fail = [&](std::exception_ptr e) {
#pragma omp critical(mdrun_neighbor_failure)
        if (!failure) failure = e;
#pragma omp atomic write
        failed = true;
    };
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
        std::vector<Candidate> buf;
#pragma omp for schedule(static)
        for (int i = 0; i < n; ++i) {
            bool stop;
#pragma omp atomic read
            stop = failed;
            if (stop) continue;
            try {
                gather(i, buf);
                nl.offset[i + 1] = static_cast<int>(buf.size());
                for (const Candidate& c : buf) {
                    mine_j.push_back(c.j);
                    mine_slot.push_back(make(c));
                }
            } catch (...) {
                fail(std::current_exception());
            }
        }
#pragma omp single
        {
            try {
                if (!failed) {
                    long long total = 0;
                    for (int i = 0; i < n; ++i) {
                        total += nl.offset[i + 1];
                        if (total > INT_MAX) throw Error("neighbour list: more than 2^31 pairs; reduce the cutoff");
                        nl.offset[i + 1] = static_cast<int>(total);
                    }
                    const std::size_t np = nl.offset[n];
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
                fail(std::current_exception());
            }
        }
        std::size_t k = 0;
        if (!failed && nthreads > 1) {
#pragma omp for schedule(static)
            for (int i = 0; i < n; ++i) {
                for (int s = nl.offset[i]; s < nl.offset[i + 1]; ++s, ++k) {
                    nl.j[s] = mine_j[k];
                    slots[s] = mine_slot[k];
                }
            }
        }
      } catch (...) {
        fail(std::current_exception());
      }
    }
    return failure;
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
    Grid g{};
    for (int k = 0; k < 3; ++k) g.periodic[k] = box.periodic[k];
    double smin[3] = {0, 0, 0}, smax[3] = {1, 1, 1};
    for (int k = 0; k < 3; ++k) {
        if (!g.periodic[k]) { smin[k] = 1e300; smax[k] = -1e300; }
    }
    for (int i = 0; i < n; ++i) {
        Vec3 s = to_fractional(box, pos[i]);
        double sv[3] = {s.x, s.y, s.z};
        for (int k = 0; k < 3; ++k) {
            if (g.periodic[k]) {
                const double f = std::floor(sv[k]);
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
    for (int k = 0; k < 3; ++k) {
        // Width of one fractional unit along k, measured perpendicular to the other two rows: the inverse
        // length of the k-th reciprocal vector (column k of hinv). For a non-periodic direction hinv uses
        // the substituted row, so this also holds there.
        const double width = 1.0 / std::sqrt(box.hinv.m[0][k] * box.hinv.m[0][k] + box.hinv.m[1][k] * box.hinv.m[1][k] +
                                             box.hinv.m[2][k] * box.hinv.m[2][k]);
        const double extent = g.periodic[k] ? 1.0 : std::max(smax[k] - smin[k], 0.0);
        const double ext_len = extent * width;
        // Clamped as a double before the conversion (a 1e12 Å box must not overflow int).
        int nc = static_cast<int>(std::max(1.0, std::min(std::floor(ext_len / cutoff), 1024.0)));
        g.nc[k] = nc;
        g.lo[k] = g.periodic[k] ? 0.0 : smin[k];
        const double cell_frac = extent > 0 ? extent / nc : 1.0;
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
            g.reach[k] = 1;
        }
    }
    // Total cells bounded by the atom count (a few atoms per cell keeps the list linear in N and the
    // counting sort small; 1024^3 cells of a sparse box would be 4 GB of empty cells): halve the finest
    // direction until it fits. Coarser cells stay >= cutoff wide, so only the reach per cell shrinks.
    {
        const long long max_cells = std::max<long long>(27, 2LL * n);
        while (static_cast<long long>(g.nc[0]) * g.nc[1] * g.nc[2] > max_cells) {
            int k = 0;
            for (int q = 1; q < 3; ++q)
                if (g.nc[q] > g.nc[k]) k = q;
            g.nc[k] = std::max(1, g.nc[k] / 2);
            const double extent = g.periodic[k] ? 1.0 : std::max(smax[k] - smin[k], 0.0);
            const double cell_frac = extent > 0 ? extent / g.nc[k] : 1.0;
            g.inv_width[k] = extent > 0 ? 1.0 / cell_frac : 0.0;
            if (g.periodic[k]) {
                const double width = 1.0 / std::sqrt(box.hinv.m[0][k] * box.hinv.m[0][k] +
                                                     box.hinv.m[1][k] * box.hinv.m[1][k] + box.hinv.m[2][k] * box.hinv.m[2][k]);
                g.reach[k] = static_cast<int>(std::ceil(cutoff / (width * cell_frac)));
            }
        }
    }
    {
        // Expected slots: an int indexes them (offset, reverse), so more than INT_MAX is refused up front.
        const double est = estimate_neighbor_pairs(box, static_cast<std::size_t>(n), cutoff);
        if (!(est < static_cast<double>(INT_MAX)))
            throw Error("neighbour list: a cutoff of " + std::to_string(cutoff) + " Å with " + std::to_string(n) +
                        " atoms gives about " + std::to_string(static_cast<double>(est)) +
                        " pairs, more than the 2^31 the list can index; reduce the cutoff");
    }
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
    {
        std::vector<int>& fill = scr.fill;
        fill.assign(cell_start.begin(), cell_start.end() - 1);
        for (int i = 0; i < n; ++i) cell_atoms[fill[cell_of[i]]++] = i;
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
    const NeighborGeometry geo{cell_of.data(), cell_start.data(), cell_atoms.data(), wrapped.data(), wrap.data()};
    if (nl.want_half && ncode <= 65536) {
        build_half(g, m, n, rc2, box, geo, nl);
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

    auto gather = [&](int i, std::vector<Candidate>& out) {
        out.clear();
        search_row(g, box, geo, rc2, i, [&](int jj, const int img[3]) {
            Candidate c;
            c.j = jj;
            c.img[0] = img[0] + wrap[i][0] - wrap[jj][0];
            c.img[1] = img[1] + wrap[i][1] - wrap[jj][1];
            c.img[2] = img[2] + wrap[i][2] - wrap[jj][2];
            out.push_back(c);
        });
        std::sort(out.begin(), out.end(), candidate_less);
    };
    const double expected_pairs = estimate_neighbor_pairs(box, static_cast<std::size_t>(n), cutoff);
    std::exception_ptr failure;
    if (compact) {
        std::vector<Vec3>().swap(nl.shift);
        failure = build_full_rows(n, expected_pairs, gather, nl, nl.image, [&](const Candidate& c) {
            return static_cast<std::uint16_t>(((c.img[0] + M[0]) * W[1] + (c.img[1] + M[1])) * W[2] +
                                              (c.img[2] + M[2]));
        });
    } else {
        std::vector<std::uint16_t>().swap(nl.image);
        nl.image_lattice.clear();
        nl.image_shift.clear();
        // Shift = (T + (wrap_i - wrap_j))·h.
        failure = build_full_rows(n, expected_pairs, gather, nl, nl.shift, [&](const Candidate& c) {
            return to_cartesian(box, Vec3{double(c.img[0]), double(c.img[1]), double(c.img[2])});
        });
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
    // Reverse slots, in one sequential sweep over the rows (O(pairs), no search): row j is sorted by (i, image),
    // so the pairs j -> i of all images form one block, and the blocks appear in increasing i. Visiting rows in
    // increasing i, cursor[j] is the start of the block for the current i. Within a block the images are sorted
    // ascending, and the reverse of image g is -g: negation reverses lexicographic order, so the t-th of k
    // images in row i pairs with the (k-1-t)-th of the block.
    {
        std::vector<int> cursor(nl.offset.begin(), nl.offset.end() - 1);
        for (int i = 0; i < n; ++i) {
            int s = nl.offset[i];
            const int end = nl.offset[i + 1];
            while (s < end) {
                const int jj = nl.j[s];
                int e = s;
                while (e < end && nl.j[e] == jj) ++e;
                const int k = e - s, base = cursor[jj];
                for (int t = 0; t < k; ++t) {
                    const int r = base + (k - 1 - t);
                    if (r >= nl.offset[jj + 1] || nl.j[r] != i)
                        throw Error("internal error: neighbour list is not symmetric");
                    nl.reverse[s + t] = r;
                }
                cursor[jj] += k;
                s = e;
            }
        }
    }
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
