// Neighbour list against brute force over explicit images, for triclinic cells of every size,
// including cells thinner than the cutoff (self-images, several images of one atom) and non-periodic
// directions.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <tuple>
#include <vector>

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
