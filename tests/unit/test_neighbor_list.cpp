// Neighbour list against brute force over explicit images, for triclinic cells of every size,
// including cells thinner than the cutoff (self-images, several images of one atom) and non-periodic
// directions.
#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <random>
#include <tuple>
#include <vector>

#include <omp.h>

#include "engine/core/error.hpp"
#include "engine/md/neighbor_list.hpp"

using namespace mdrun;

namespace {

using Pair = std::tuple<int, int, long, long, long>;  // i, j, rounded shift (1e-6 Å units)

std::vector<Pair> brute_force(const Box& box, const std::vector<Vec3>& pos, double rc) {
    std::vector<Pair> out;
    int n_img[3];
    for (int k = 0; k < 3; ++k) {
        const double recip = std::sqrt(box.hinv.m[0][k] * box.hinv.m[0][k] + box.hinv.m[1][k] * box.hinv.m[1][k] +
                                       box.hinv.m[2][k] * box.hinv.m[2][k]);
        n_img[k] = box.periodic[k] ? static_cast<int>(rc * recip) + 3 : 0;
    }
    for (size_t i = 0; i < pos.size(); ++i)
        for (size_t j = 0; j < pos.size(); ++j) {
          // Images around the one nearest to i (atoms may sit many cells apart).
          const Vec3 f = to_fractional(box, pos[j] - pos[i]);
          const long c0 = box.periodic[0] ? -std::lround(f.x) : 0, c1 = box.periodic[1] ? -std::lround(f.y) : 0,
                     c2 = box.periodic[2] ? -std::lround(f.z) : 0;
          for (long a = c0 - n_img[0]; a <= c0 + n_img[0]; ++a)
                for (long b = c1 - n_img[1]; b <= c1 + n_img[1]; ++b)
                    for (long c = c2 - n_img[2]; c <= c2 + n_img[2]; ++c) {
                        if (i == j && a == 0 && b == 0 && c == 0) continue;
                        const Vec3 S = to_cartesian(box, Vec3{double(a), double(b), double(c)});
                        const Vec3 r = pos[j] + S - pos[i];
                        if (norm2(r) < rc * rc)
                            out.emplace_back(int(i), int(j), std::lround(S.x * 1e6), std::lround(S.y * 1e6),
                                             std::lround(S.z * 1e6));
                    }
        }
    std::sort(out.begin(), out.end());
    return out;
}

std::vector<Pair> from_list(const NeighborList& nl) {
    std::vector<Pair> out;
    for (size_t i = 0; i + 1 < nl.offset.size(); ++i)
        for (int s = nl.offset[i]; s < nl.offset[i + 1]; ++s)
            out.emplace_back(int(i), nl.j[s], std::lround(slot_shift(nl, s).x * 1e6),
                             std::lround(slot_shift(nl, s).y * 1e6), std::lround(slot_shift(nl, s).z * 1e6));
    std::sort(out.begin(), out.end());
    return out;
}

// wander: each atom also moved by a whole number of cells in [-wander, wander] along every periodic
// direction (unwrapped positions, as after a long run); compact: the full list is expected to hold image
// codes (else its images span more than 65536 codes and it keeps a shift per slot).
void check_case(const Mat3& h, int n, double rc, unsigned seed, double spread = 1.0, int wander = 0,
                bool compact = true) {
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<double> u(-0.3, 1.3);  // also positions outside the home cell
    std::uniform_int_distribution<int> cells(-wander, wander);
    const Box box = make_box(h);
    std::vector<Vec3> pos(n);
    for (auto& p : pos) {
        Vec3 s{u(rng), u(rng), u(rng)};
        if (!box.periodic[0]) s.x *= spread; else s.x += cells(rng);
        if (!box.periodic[1]) s.y *= spread; else s.y += cells(rng);
        if (!box.periodic[2]) s.z *= spread; else s.z += cells(rng);
        p = vec_mat(s, inverse(box.hinv));  // the substituted rows place non-periodic coordinates
    }
    NeighborList nl;
    build_neighbor_list(box, pos, rc, nl);
    const auto ref = brute_force(box, pos, rc);
    const auto got = from_list(nl);
    CHECK(got.size() == ref.size());
    CHECK(got == ref);
    if (compact) {
        // One 2-byte image per slot; the table holds each image in use once, in increasing order, with the
        // shift image·h exactly as the per-slot expression computes it.
        REQUIRE(nl.image.size() == nl.j.size());
        CHECK(nl.shift.empty());
        REQUIRE(nl.image_shift.size() == nl.image_lattice.size());
        std::vector<int> used(nl.image_lattice.size(), 0);
        for (std::uint16_t c : nl.image) {
            REQUIRE(c < nl.image_lattice.size());
            used[c] = 1;
        }
        CHECK(std::count(used.begin(), used.end(), 0) == 0);
        for (size_t k = 0; k < nl.image_lattice.size(); ++k) {
            const auto& g = nl.image_lattice[k];
            const Vec3 S = to_cartesian(box, Vec3{double(g[0]), double(g[1]), double(g[2])});
            CHECK(nl.image_shift[k].x == S.x);
            CHECK(nl.image_shift[k].y == S.y);
            CHECK(nl.image_shift[k].z == S.z);
            if (k > 0) CHECK(nl.image_lattice[k - 1] < g);
        }
    } else {
        CHECK(nl.image.empty());
        CHECK(nl.image_shift.empty());
        CHECK(nl.shift.size() == nl.j.size());
    }
    {
        // A rebuild into the same list gives the same list.
        const std::vector<int> j0 = nl.j, r0 = nl.reverse;
        const std::vector<std::uint16_t> i0 = nl.image;
        build_neighbor_list(box, pos, rc, nl);
        CHECK(nl.j == j0);
        CHECK(nl.reverse == r0);
        CHECK(nl.image == i0);
        CHECK(from_list(nl) == got);
    }
    // reverse slots point at the mirrored pair
    for (size_t i = 0; i + 1 < nl.offset.size(); ++i)
        for (int s = nl.offset[i]; s < nl.offset[i + 1]; ++s) {
            const int r = nl.reverse[s];
            CHECK(nl.j[r] == int(i));
            CHECK(slot_shift(nl, r).x == -slot_shift(nl, s).x);
            CHECK(slot_shift(nl, r).y == -slot_shift(nl, s).y);
            CHECK(slot_shift(nl, r).z == -slot_shift(nl, s).z);
        }
    // The half list holds every unordered pair once: both orders of its pairs are the full set.
    NeighborList half;
    half.want_half = true;
    build_neighbor_list(box, pos, rc, half);
    REQUIRE(half.half);
    CHECK(half.shift.empty());
    CHECK(half.reverse.empty());
    std::vector<Pair> both;
    for (size_t i = 0; i + 1 < half.offset.size(); ++i)
        for (int s = half.offset[i]; s < half.offset[i + 1]; ++s) {
            const int j = half.j[s];
            const auto& c = half.code_image[half.code[s]];
            const auto& wi = half.wrap[i];
            const auto& wj = half.wrap[static_cast<size_t>(j)];
            const Vec3 S = to_cartesian(box, Vec3{double(c[0] + wi[0] - wj[0]), double(c[1] + wi[1] - wj[1]),
                                                  double(c[2] + wi[2] - wj[2])});
            both.emplace_back(int(i), j, std::lround(S.x * 1e6), std::lround(S.y * 1e6), std::lround(S.z * 1e6));
            both.emplace_back(j, int(i), std::lround(-S.x * 1e6), std::lround(-S.y * 1e6), std::lround(-S.z * 1e6));
        }
    std::sort(both.begin(), both.end());
    CHECK(both == ref);
    // r_ij from the half list's vectors equals the brute-force separation.
    std::vector<Vec3> xw, shift;
    half_list_vectors(half, box, pos, xw, shift);
    double worst = 0.0;
    for (size_t i = 0; i + 1 < half.offset.size(); ++i)
        for (int s = half.offset[i]; s < half.offset[i + 1]; ++s) {
            const int j = half.j[s];
            const auto& c = half.code_image[half.code[s]];
            const auto& wi = half.wrap[i];
            const auto& wj = half.wrap[static_cast<size_t>(j)];
            const Vec3 S = to_cartesian(box, Vec3{double(c[0] + wi[0] - wj[0]), double(c[1] + wi[1] - wj[1]),
                                                  double(c[2] + wi[2] - wj[2])});
            worst = std::max(worst, norm((xw[static_cast<size_t>(j)] + shift[half.code[s]] - xw[i]) - (pos[j] + S - pos[i])));
        }
    CHECK(worst < 1e-12);
    // A rebuild into the same list (its buffers reused) gives the same list.
    const std::vector<int> j0 = half.j;
    const std::vector<std::uint16_t> c0 = half.code;
    build_neighbor_list(box, pos, rc, half);
    CHECK(half.j == j0);
    CHECK(half.code == c0);
}

}  // namespace

TEST_CASE("neighbour list: large orthogonal cell") {
    check_case(Mat3{{{14, 0, 0}, {0, 13, 0}, {0, 0, 15}}}, 120, 4.5, 1);
}

TEST_CASE("neighbour list: triclinic cell") {
    check_case(Mat3{{{12, 0, 0}, {3.5, 11, 0}, {-2.0, 1.5, 12.5}}}, 100, 5.0, 2);
}

TEST_CASE("neighbour list: cell thinner than the cutoff (self-images, many images)") {
    check_case(Mat3{{{3.1, 0, 0}, {1.2, 2.9, 0}, {0.5, -0.7, 3.3}}}, 3, 6.0, 3);
    check_case(Mat3{{{2.0, 0, 0}, {0, 9, 0}, {0, 0, 9}}}, 5, 5.0, 4);
    check_case(Mat3{{{1.0, 0, 0}, {0.0, 1.0, 0}, {0, 0, 1.0}}}, 1, 3.2, 5);
}

TEST_CASE("neighbour list: atoms unwrapped several cells apart (image codes), and far apart (per-slot shifts)") {
    check_case(Mat3{{{14, 0, 0}, {0, 13, 0}, {0, 0, 15}}}, 80, 4.5, 9, 1.0, 3);
    check_case(Mat3{{{12, 0, 0}, {3.5, 11, 0}, {-2.0, 1.5, 12.5}}}, 60, 5.0, 10, 1.0, 40, false);
    check_case(Mat3{{{6, 0, 0}, {0, 0, 0}, {0, 0, 0}}}, 30, 4.0, 11, 8.0, 40);  // one periodic direction: < 200 codes
}

TEST_CASE("neighbour list: non-periodic directions") {
    check_case(Mat3{{{0, 0, 0}, {0, 0, 0}, {0, 0, 0}}}, 60, 4.0, 6, 10.0);
    check_case(Mat3{{{6, 0, 0}, {0, 0, 0}, {0, 0, 0}}}, 40, 4.0, 7, 8.0);
    check_case(Mat3{{{3, 3, 0}, {0, 0, 0}, {0, 0, 7}}}, 40, 4.5, 8, 8.0);
}

namespace {

// The exact list, field for field, by a straightforward O(N^2) search over images: the builder's wrapped
// positions and its distance expression ((wrapped_j + T) - wrapped_i, T = cell image·h), every slot's image
// relative to the unwrapped positions, rows sorted by (j, image), the table of the images in use, reverse slots
// by lookup. Whatever cells, stencil or sort the builder uses, its full list must be this, bit for bit.
// Returns whether the list kept image codes (else it fell back to per-slot shifts).
bool check_exact_full_list(const Box& box, const std::vector<Vec3>& pos, double rc) {
    const int n = static_cast<int>(pos.size());
    std::vector<std::array<int, 3>> wrap(n);
    std::vector<Vec3> wrapped(n);
    for (int i = 0; i < n; ++i) {
        const Vec3 s = to_fractional(box, pos[i]);
        const double sv[3] = {s.x, s.y, s.z};
        for (int k = 0; k < 3; ++k) {
            wrap[i][k] = 0;
            if (!box.periodic[k]) continue;
            wrap[i][k] = static_cast<int>(std::floor(sv[k]));
            if (sv[k] - std::floor(sv[k]) >= 1.0) wrap[i][k] += 1;
        }
        wrapped[i] = pos[i] - to_cartesian(box, Vec3{double(wrap[i][0]), double(wrap[i][1]), double(wrap[i][2])});
    }
    int n_img[3];
    for (int k = 0; k < 3; ++k) {
        const double recip = std::sqrt(box.hinv.m[0][k] * box.hinv.m[0][k] + box.hinv.m[1][k] * box.hinv.m[1][k] +
                                       box.hinv.m[2][k] * box.hinv.m[2][k]);
        n_img[k] = box.periodic[k] ? static_cast<int>(rc * recip) + 2 : 0;
    }
    using Slot = std::tuple<int, std::array<int, 3>>;  // j, image
    std::vector<std::vector<Slot>> rows(n);
    for (int i = 0; i < n; ++i)
        for (int j = 0; j < n; ++j) {
            const Vec3 f = to_fractional(box, wrapped[j] - wrapped[i]);
            const int c0 = box.periodic[0] ? -static_cast<int>(std::lround(f.x)) : 0;
            const int c1 = box.periodic[1] ? -static_cast<int>(std::lround(f.y)) : 0;
            const int c2 = box.periodic[2] ? -static_cast<int>(std::lround(f.z)) : 0;
            for (int a = c0 - n_img[0]; a <= c0 + n_img[0]; ++a)
                for (int b = c1 - n_img[1]; b <= c1 + n_img[1]; ++b)
                    for (int c = c2 - n_img[2]; c <= c2 + n_img[2]; ++c) {
                        if (i == j && a == 0 && b == 0 && c == 0) continue;
                        const Vec3 T = to_cartesian(box, Vec3{double(a), double(b), double(c)});
                        if (norm2(wrapped[j] + T - wrapped[i]) < rc * rc)
                            rows[i].emplace_back(j, std::array<int, 3>{a + wrap[i][0] - wrap[j][0],
                                                                       b + wrap[i][1] - wrap[j][1],
                                                                       c + wrap[i][2] - wrap[j][2]});
                    }
        }
    std::vector<int> offset(1, 0), js;
    std::vector<std::array<int, 3>> images;
    for (auto& r : rows) {
        std::sort(r.begin(), r.end());
        for (const auto& [j, g] : r) js.push_back(j), images.push_back(g);
        offset.push_back(static_cast<int>(js.size()));
    }
    std::vector<int> reverse(js.size());
    for (int i = 0; i < n; ++i)
        for (int s = offset[i]; s < offset[i + 1]; ++s) {
            const std::array<int, 3>& g = images[s];
            const Slot mirror{i, {-g[0], -g[1], -g[2]}};
            const auto& r = rows[static_cast<std::size_t>(js[s])];
            const auto it = std::lower_bound(r.begin(), r.end(), mirror);
            REQUIRE(it != r.end());
            REQUIRE(*it == mirror);
            reverse[s] = offset[js[s]] + static_cast<int>(it - r.begin());
        }
    bool compact = true;
    const int saved_threads = omp_get_max_threads();
    for (int threads : {1, 2}) {
        omp_set_num_threads(threads);
        NeighborList nl;
        for (int build = 0; build < 2; ++build) {  // a fresh list, then a rebuild into its buffers
            build_neighbor_list(box, pos, rc, nl);
            REQUIRE(!nl.half);
            CHECK(nl.offset == offset);
            CHECK(nl.j == js);
            CHECK(nl.reverse == reverse);
            compact = !nl.image.empty() || nl.shift.empty();
            if (compact) {
                std::vector<std::array<int, 3>> table = images;
                std::sort(table.begin(), table.end());
                table.erase(std::unique(table.begin(), table.end()), table.end());
                CHECK(nl.image_lattice == table);
                REQUIRE(nl.image_shift.size() == table.size());
                for (std::size_t k = 0; k < table.size(); ++k) {
                    const Vec3 S = to_cartesian(box, Vec3{double(table[k][0]), double(table[k][1]), double(table[k][2])});
                    CHECK((nl.image_shift[k].x == S.x && nl.image_shift[k].y == S.y && nl.image_shift[k].z == S.z));
                }
                REQUIRE(nl.image.size() == js.size());
                for (std::size_t s = 0; s < js.size(); ++s) {
                    const auto at = std::lower_bound(table.begin(), table.end(), images[s]) - table.begin();
                    CHECK(nl.image[s] == at);
                }
                CHECK(nl.shift.empty());
            } else {
                REQUIRE(nl.shift.size() == js.size());
                for (std::size_t s = 0; s < js.size(); ++s) {
                    const Vec3 S = to_cartesian(box, Vec3{double(images[s][0]), double(images[s][1]), double(images[s][2])});
                    CHECK((nl.shift[s].x == S.x && nl.shift[s].y == S.y && nl.shift[s].z == S.z));
                }
                CHECK(nl.image_lattice.empty());
            }
        }
    }
    omp_set_num_threads(saved_threads);
    return compact;
}

}  // namespace

TEST_CASE("neighbour list: every field exactly as an O(N^2) search over images builds it") {
    std::mt19937_64 rng(2026);
    std::uniform_real_distribution<double> u(0.0, 1.0);
    for (int c = 0; c < 48; ++c) {
        const int kind = c % 8;
        Mat3 h{};
        const double L = 4.0 + 12.0 * u(rng);
        for (int a = 0; a < 3; ++a) h.m[a][a] = L * (0.4 + u(rng));
        if (kind >= 2)  // tilted
            h.m[1][0] = (u(rng) - 0.5) * L, h.m[2][0] = (u(rng) - 0.5) * L, h.m[2][1] = (u(rng) - 0.5) * L;
        if (kind == 3) h.m[1][1] *= 0.15;  // a cell far thinner than the cutoff
        for (int a = 0; a < 3; ++a) {
            if (kind == 4) h.m[0][a] = 0.0;                     // one non-periodic direction
            if (kind == 5) h.m[1][a] = h.m[2][a] = 0.0;         // two
            if (kind == 6) h.m[0][a] = h.m[1][a] = h.m[2][a] = 0.0;  // a cluster
        }
        const Box box = make_box(h);
        const int n = 1 + static_cast<int>(u(rng) * (kind == 3 ? 12 : 70));
        const double rc = 2.5 + 3.5 * u(rng);
        const int wander = kind == 7 ? 3 : (c % 3 == 0 ? 1 : 0);  // unwrapped positions, several cells apart
        const Mat3 full = inverse(box.hinv);
        std::vector<Vec3> pos(static_cast<std::size_t>(n));
        for (auto& p : pos) {
            double s[3];
            for (int k = 0; k < 3; ++k) {
                s[k] = u(rng) * 1.6 - 0.3;
                if (box.periodic[k]) s[k] += std::floor(u(rng) * (2 * wander + 1)) - wander;
                else s[k] *= 12.0;
            }
            p = vec_mat(Vec3{s[0], s[1], s[2]}, full);
        }
        CAPTURE(c);
        CHECK(check_exact_full_list(box, pos, rc));
    }
    // Atoms unwrapped 40 cells apart: the images span more than 65536 codes (the per-slot-shift fall-back).
    const Box box = make_box(Mat3{{{12, 0, 0}, {3.5, 11, 0}, {-2.0, 1.5, 12.5}}});
    std::vector<Vec3> pos;
    for (int k = 0; k < 40; ++k)
        pos.push_back(to_cartesian(box, Vec3{u(rng) + std::floor(81 * u(rng)) - 40, u(rng) + std::floor(81 * u(rng)) - 40,
                                             u(rng) + std::floor(81 * u(rng)) - 40}));
    CHECK(!check_exact_full_list(box, pos, 5.0));
}

// An atom so far outside a periodic cell that its image count holds in no int (a blown-up run; found by
// fuzz_restore, where the conversion was undefined behaviour) is a clear error naming the atom.
TEST_CASE("an atom 1e11 cell lengths away is an error, not an image count") {
    const Box box = make_box(Mat3{{{10, 0, 0}, {0, 10, 0}, {0, 0, 10}}});
    std::vector<Vec3> pos = {{1, 1, 1}, {2, 2, 2}, {3, 3, 3}};
    pos[2].y = -1e12;
    NeighborList nl;
    CHECK_THROWS_WITH_AS(build_neighbor_list(box, pos, 4.0, nl), doctest::Contains("atom 3 lies"), Error);
    pos[2].y = 3;
    build_neighbor_list(box, pos, 4.0, nl);  // the same list object still builds
    CHECK(nl.size() == 3);
}
