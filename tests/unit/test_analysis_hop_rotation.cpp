// Hop-rotation correlation (analysis/hop_rotation.hpp) on synthetic trajectories driven through the real
// HopDetector: polyanions next to a hopping Na turn by a known extra angle around the hop (detected: the hop
// samples equal the constructed angles, p tiny), the same trajectory without the coupling (p not
// significant), save/load mid-stream (bit-identical), corrupt checkpoints, and the Mann-Whitney test against a
// brute-force enumeration of every assignment.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstring>
#include <cmath>
#include <random>
#include <sstream>
#include <vector>

#include "analysis/analysis_set.hpp"
#include "analysis/hop_events.hpp"
#include "analysis/hop_rotation.hpp"
#include "analysis/mann_whitney.hpp"
#include "analysis/results.hpp"
#include "engine/core/error.hpp"

using namespace mdrun;

namespace {
Vec3 rotate(Vec3 u, Vec3 axis, double th) {
    return std::cos(th) * u + std::sin(th) * cross(axis, u) + (1.0 - std::cos(th)) * dot(axis, u) * axis;
}
double smoothstep(double x) { return x <= 0 ? 0.0 : x >= 1 ? 1.0 : x * x * (3 - 2 * x); }

// 10 tetrahedral groups (bond 2 Å) on a line x = 3 + 6 g in a 60 x 20 x 20 cell; 5 Na at sites x = 6 s,
// s = 0, 2, 4, 6, 8 (3.9 Å from the two centres beside the site). Na k hops to s + 1 at 1.5 + 1.2 k ps and
// back at 8.0 + 1.2 k ps. Each group librates about its own random axis, A sin(w t + phase); with `extra` != 0
// the three groups next to the old and the new site turn about z by `extra` over [t_j - 0.15, t_j + 0.15] ps.
struct Synthetic {
    static constexpr int G = 10, NA = 5;
    static constexpr double dts = 0.01;
    double extra = 0, amp = 0;
    std::vector<Vec3> lib_axis;
    std::vector<double> lib_w, lib_phase;
    std::vector<double> hop_t;    // jump times
    std::vector<int> hop_ion;     // which Na
    std::vector<int> hop_from;    // site before
    Vec3 tet[4];
    Box box;

    Synthetic(double extra_rad, double amp_rad, unsigned seed) : extra(extra_rad), amp(amp_rad) {
        std::mt19937_64 rng(seed);
        std::normal_distribution<double> g(0.0, 1.0);
        std::uniform_real_distribution<double> u(0.0, 1.0);
        for (int k = 0; k < G; ++k) {
            Vec3 a{g(rng), g(rng), g(rng)};
            lib_axis.push_back((1.0 / norm(a)) * a);
            lib_w.push_back(2 * M_PI * (0.8 + 1.5 * u(rng)));  // 0.8 .. 2.3 THz
            lib_phase.push_back(2 * M_PI * u(rng));
        }
        const double d = 2.0 / std::sqrt(3.0);
        tet[0] = {d, d, d};
        tet[1] = {d, -d, -d};
        tet[2] = {-d, d, -d};
        tet[3] = {-d, -d, d};
        Mat3 h = mat3_zero();
        h.m[0][0] = 60;
        h.m[1][1] = h.m[2][2] = 20;
        box = make_box(h);
        for (int k = 0; k < NA; ++k) {
            hop_t.push_back(1.5 + 1.2 * k);
            hop_ion.push_back(k);
            hop_from.push_back(2 * k);
            hop_t.push_back(8.0 + 1.2 * k);
            hop_ion.push_back(k);
            hop_from.push_back(2 * k + 1);
        }
    }
    // Total extra turn of group g about z at time t.
    double turn(int g, double t) const {
        double th = 0;
        for (std::size_t j = 0; j < hop_t.size(); ++j) {
            // Site a has the centres of groups a - 1 and a beside it (periodic).
            const int a = hop_from[j], b = a % 2 == 0 ? a + 1 : a - 1;
            const bool next = g == (a + G - 1) % G || g == a || g == (b + G - 1) % G || g == b;
            if (next) th += extra * smoothstep((t - (hop_t[j] - 0.15)) / 0.3);
        }
        return th;
    }
    Vec3 bond(int g, int b, double t) const {
        const Vec3 l = rotate(tet[b], lib_axis[g], amp * std::sin(lib_w[g] * t + lib_phase[g]));
        return rotate(l, Vec3{0, 0, 1}, turn(g, t));
    }
    Vec3 na(int k, double t) const {
        int site = 2 * k;
        for (std::size_t j = 0; j < hop_t.size(); ++j)
            if (hop_ion[j] == k && t >= hop_t[j] - 1e-9) site = hop_from[j] % 2 == 0 ? 2 * k + 1 : 2 * k;
        return Vec3{6.0 * site, 12.5, 10.0};
    }
    // Atoms: group g = centre 5 g, ligands 5 g + 1 .. 5 g + 4; Na k = 5 G + k.
    std::vector<Vec3> positions(double t) const {
        std::vector<Vec3> p(5 * G + NA);
        for (int g = 0; g < G; ++g) {
            const Vec3 c{3.0 + 6.0 * g, 10.0, 10.0};
            p[5 * g] = c;
            for (int b = 0; b < 4; ++b) p[5 * g + 1 + b] = c + bond(g, b, t);
        }
        for (int k = 0; k < NA; ++k) p[5 * G + k] = na(k, t);
        return p;
    }
    std::vector<int> ions() const {
        std::vector<int> v;
        for (int k = 0; k < NA; ++k) v.push_back(5 * G + k);
        return v;
    }
    HopRotationTracker tracker(int d, int frames) const {
        std::vector<int> centres, offset{0}, ligand;
        for (int g = 0; g < G; ++g) {
            centres.push_back(5 * g);
            for (int b = 0; b < 4; ++b) ligand.push_back(5 * g + 1 + b);
            offset.push_back(static_cast<int>(ligand.size()));
        }
        return HopRotationTracker(ions(), centres, offset, ligand, std::vector<double>(G, 4.2), d, frames, 4, 7);
    }
};

constexpr long kSamples = 1500;  // 15 ps
constexpr int kD = 30;           // Delta = 0.3 ps
constexpr int kFrames = 400;

void feed(const Synthetic& S, HopDetector& det, HopRotationTracker& T, long from, long to) {
    for (long s = from; s < to; ++s) {
        const double t = s * Synthetic::dts;
        const std::vector<Vec3> p = S.positions(t);
        std::vector<Vec3> x;
        for (int i : S.ions()) x.push_back(p[static_cast<std::size_t>(i)]);
        det.add(x.data());
        T.add(S.box, p.data(), det.closed_events(), Synthetic::dts);
    }
}

std::string bytes(const HopDetector& det, const HopRotationTracker& T) {
    std::ostringstream os(std::ios::binary);
    BinaryWriter w(os);
    det.save(w);
    T.save(w);
    return os.str();
}

double expected_dtheta(const Synthetic& S, int g, long c) {
    double sum = 0;
    for (int b = 0; b < 4; ++b) {
        const Vec3 u0 = S.bond(g, b, (c - kD) * Synthetic::dts), u1 = S.bond(g, b, (c + kD) * Synthetic::dts);
        sum += std::acos(std::max(-1.0, std::min(1.0, dot(u0, u1) / (norm(u0) * norm(u1)))));
    }
    return sum / 4;
}

MannWhitneyResult run_stat(const HopRotationTracker& T) {
    std::vector<double> x, y;
    for (const auto& s : T.hop_samples()) x.push_back(s.dtheta);
    for (const auto& s : T.baseline_samples()) y.push_back(s.dtheta);
    return mann_whitney_greater(x, y);
}
}  // namespace

TEST_CASE("hop-rotation: without libration the hop neighbours turn by exactly the constructed angle") {
    const double phi = 0.5;  // rad about z; each bond (cos alpha = 1/sqrt 3 to z) turns 2 asin(sin(phi/2) sqrt(2/3))
    const Synthetic S(phi, 0.0, 1);
    HopDetector det(Synthetic::NA, Synthetic::dts, 1.5, 0.4, 2.0, 0.1);
    HopRotationTracker T = S.tracker(kD, kFrames);
    feed(S, det, T, 0, kSamples);
    REQUIRE(det.closed_events().size() == 10);
    CHECK(T.counts().hops_used == 10);
    CHECK(T.pending() == 0);
    REQUIRE(T.hop_samples().size() == 20);  // two centres within 4.2 Å of the Na at t_hop
    const double bond_turn = 2 * std::asin(std::sin(phi / 2) * std::sqrt(2.0 / 3.0));
    for (const auto& s : T.hop_samples()) {
        CHECK(std::fabs(s.dtheta - bond_turn) < 1e-11);
        // s_hop within d/2 of the jump (so the whole ramp lies inside the window)
        const double tj = det.closed_events()[static_cast<std::size_t>(s.hop)].t_mid_ps;
        CHECK(std::fabs(s.centre_sample * Synthetic::dts - tj) <= 0.5 * Synthetic::dts + 1e-12);
    }
    CHECK(T.baseline_samples().size() == 10u * 4u * Synthetic::G);
    const MannWhitneyResult m = run_stat(T);
    CHECK(m.method == "normal_tie_corrected");  // 20 x 400 pairs: above the exact limit
    CHECK(m.p_greater < 1e-6);
}

TEST_CASE("hop-rotation: coupled trajectory -> detected, values equal the construction, p tiny") {
    const Synthetic S(0.5, 0.12, 2);
    HopDetector det(Synthetic::NA, Synthetic::dts, 1.5, 0.4, 2.0, 0.1);
    HopRotationTracker T = S.tracker(kD, kFrames);
    feed(S, det, T, 0, kSamples);
    REQUIRE(T.hop_samples().size() == 20);
    double mean_hop = 0, mean_expected = 0;
    for (const auto& s : T.hop_samples()) {
        const double e = expected_dtheta(S, s.group, s.centre_sample);
        CHECK(std::fabs(s.dtheta - e) < 1e-11);
        mean_hop += s.dtheta / 20;
        mean_expected += e / 20;
    }
    for (const auto& s : T.baseline_samples())
        CHECK(std::fabs(s.dtheta - expected_dtheta(S, s.group, s.centre_sample)) < 1e-10);
    CHECK(std::fabs(mean_hop - mean_expected) < 1e-11);
    const MannWhitneyResult m = run_stat(T);
    MESSAGE("coupled: U = " << m.u << ", p = " << m.p_greater << ", mean hop " << mean_hop);
    CHECK(m.p_greater < 1e-8);
    CHECK(m.cles > 0.9);
}

TEST_CASE("hop-rotation: null trajectory (no coupling) -> p not significant") {
    for (unsigned seed : {3u, 4u, 5u}) {
        const Synthetic S(0.0, 0.12, seed);
        HopDetector det(Synthetic::NA, Synthetic::dts, 1.5, 0.4, 2.0, 0.1);
        HopRotationTracker T = S.tracker(kD, kFrames);
        feed(S, det, T, 0, kSamples);
        REQUIRE(T.hop_samples().size() == 20);
        const MannWhitneyResult m = run_stat(T);
        MESSAGE("null seed " << seed << ": U = " << m.u << ", z = " << m.z << ", p = " << m.p_greater);
        CHECK(m.p_greater > 0.01);
    }
}

TEST_CASE("hop-rotation: save/load mid-stream is bit-identical; a damaged state is refused") {
    const Synthetic S(0.5, 0.12, 6);
    HopDetector d1(Synthetic::NA, Synthetic::dts, 1.5, 0.4, 2.0, 0.1);
    HopRotationTracker t1 = S.tracker(kD, kFrames);
    feed(S, d1, t1, 0, kSamples);
    for (long cut : {160L, 555L, 1010L}) {
        HopDetector d2(Synthetic::NA, Synthetic::dts, 1.5, 0.4, 2.0, 0.1);
        HopRotationTracker t2 = S.tracker(kD, kFrames);
        feed(S, d2, t2, 0, cut);
        const std::string mid = bytes(d2, t2);
        std::istringstream is(mid, std::ios::binary);
        BinaryReader r(is, "ck", mid.size());
        HopDetector d3(Synthetic::NA, Synthetic::dts, 1.5, 0.4, 2.0, 0.1);
        HopRotationTracker t3 = S.tracker(kD, kFrames);
        d3.load(r);
        t3.load(r);
        feed(S, d3, t3, cut, kSamples);
        CHECK(bytes(d3, t3) == bytes(d1, t1));
    }
    // Settings that differ, and a count that no longer adds up, are errors.
    std::ostringstream os(std::ios::binary);
    BinaryWriter w(os);
    t1.save(w);
    std::string blob = os.str();
    {
        std::istringstream is(blob, std::ios::binary);
        BinaryReader r(is, "ck", blob.size());
        HopRotationTracker other = S.tracker(kD + 1, kFrames);
        CHECK_THROWS_WITH_AS(other.load(r), doctest::Contains("settings differ"), Error);
    }
    {
        std::string bad = blob;
        // HopRotationCounts is the last field: hops_used is its second long.
        const std::size_t at = bad.size() - 5 * sizeof(long) + sizeof(long);
        long v;
        std::memcpy(&v, &bad[at], sizeof v);
        v += 1;
        std::memcpy(&bad[at], &v, sizeof v);
        std::istringstream is(bad, std::ios::binary);
        BinaryReader r(is, "ck", bad.size());
        HopRotationTracker t = S.tracker(kD, kFrames);
        CHECK_THROWS_WITH_AS(t.load(r), doctest::Contains("corrupt"), Error);
    }
}

TEST_CASE("hop-rotation: a hop longer than the ring allows is counted, not used") {
    const Synthetic S(0.5, 0.12, 2);
    HopDetector det(Synthetic::NA, Synthetic::dts, 1.5, 0.4, 2.0, 0.1);
    HopRotationTracker T = S.tracker(kD, 2 * kD + 1);  // the ring cannot reach back to t_hop - Delta
    feed(S, det, T, 0, kSamples);
    CHECK(T.counts().hops_seen == 10);
    CHECK(T.counts().window_lost == 10);
    CHECK(T.hop_samples().empty());
    CHECK(T.baseline_samples().empty());
}

TEST_CASE("Mann-Whitney: exact p equals a brute-force enumeration; normal approximation with ties by hand") {
    std::mt19937_64 rng(11);
    std::normal_distribution<double> g(0.0, 1.0);
    for (int trial = 0; trial < 6; ++trial) {
        const int nx = 3 + trial % 3, ny = 4 + trial % 2;
        std::vector<double> x(nx), y(ny), all;
        for (double& v : x) v = g(rng) + 0.7;
        for (double& v : y) v = g(rng);
        all = x;
        all.insert(all.end(), y.begin(), y.end());
        const MannWhitneyResult m = mann_whitney_greater(x, y);
        REQUIRE(m.method == "exact");
        double u_obs = 0;
        for (double a : x)
            for (double b : y) u_obs += a > b;
        CHECK(m.u == u_obs);
        // Every way of choosing which nx of the pooled values are "x".
        const int n = nx + ny;
        long total = 0, at_least = 0;
        for (int mask = 0; mask < (1 << n); ++mask) {
            if (__builtin_popcount(static_cast<unsigned>(mask)) != nx) continue;
            double u = 0;
            for (int i = 0; i < n; ++i)
                for (int j = 0; j < n; ++j)
                    if ((mask >> i & 1) && !(mask >> j & 1)) u += all[i] > all[j];
            ++total;
            at_least += u >= u_obs;
        }
        CHECK(m.p_greater == doctest::Approx(static_cast<double>(at_least) / total).epsilon(1e-12));
    }
    // Ties: x = {1, 2, 2, 3, 5, 5}, y = {0, 2, 2, 4, 5, 1, 1, 0, 3, 3, 3, 6, 7, 2, 2, 2, 2, 9, 9, 1, 0}.
    const std::vector<double> x{1, 2, 2, 3, 5, 5}, y{0, 2, 2, 4, 5, 1, 1, 0, 3, 3, 3, 6, 7, 2, 2, 2, 2, 9, 9, 1, 0};
    double u = 0;
    for (double a : x)
        for (double b : y) u += a > b ? 1.0 : a == b ? 0.5 : 0.0;
    std::vector<double> all = x;
    all.insert(all.end(), y.begin(), y.end());
    double ties = 0;
    for (double v : {0., 1., 2., 3., 4., 5., 6., 7., 9.}) {
        const double t = static_cast<double>(std::count(all.begin(), all.end(), v));
        ties += t * t * t - t;
    }
    const double nx = 6, ny = 21, nn = 27;
    const double sd = std::sqrt(nx * ny / 12 * ((nn + 1) - ties / (nn * (nn - 1))));
    const MannWhitneyResult m = mann_whitney_greater(x, y);
    CHECK(m.method == "normal_tie_corrected");
    CHECK(m.u == u);
    CHECK(m.z == doctest::Approx((u - nx * ny / 2 - 0.5) / sd).epsilon(1e-14));
    CHECK(m.p_greater == doctest::Approx(0.5 * std::erfc(m.z / std::sqrt(2.0))).epsilon(1e-12));
    CHECK(std::isnan(mann_whitney_greater({}, y).p_greater));
}

TEST_CASE("[analysis].hop_rotation parsing: ranges and clear errors") {
    const auto parse = [](const std::string& text) {
        std::istringstream is(text);
        const toml::value root = toml::parse(is, "config.toml");
        return parse_analysis_config(toml::find(root, "analysis"), "config.toml");
    };
    const AnalysisConfig c = parse(
        "[analysis]\nhops = { elements = [\"Na\"] }\n"
        "hop_rotation = { centers = [\"P\"], half_window_ps = 0.4, r_shell_A = { P = 4.5 }, baseline_per_hop = 8, "
        "seed = 42, max_hop_duration_ps = 3.0 }\n");
    CHECK(c.hop_rotation);
    CHECK(c.hoprot_half_window_ps == 0.4);
    CHECK(c.hoprot_r_shell_by_centre.at("P") == 4.5);
    CHECK(c.hoprot_baseline_per_hop == 8);
    CHECK(c.hoprot_seed == 42);
    CHECK(c.hoprot_max_hop_ps == 3.0);
    CHECK(c.centers == std::vector<std::string>{"P"});
    CHECK_THROWS_WITH_AS(parse("[analysis]\nhop_rotation = { centers = [\"P\"] }\n"), doctest::Contains("needs [analysis].hops"), Error);
    CHECK_THROWS_WITH_AS(parse("[analysis]\nhops = {}\nhop_rotation = {}\n"), doctest::Contains("centers"), Error);
    CHECK_THROWS_WITH_AS(parse("[analysis]\nhops = {}\nhop_rotation = { centers = [\"P\"], half_window_ps = -1 }\n"),
                         doctest::Contains("half_window_ps"), Error);
    CHECK_THROWS_WITH_AS(parse("[analysis]\nhops = {}\nhop_rotation = { centers = [\"P\"], baseline_per_hop = 0 }\n"),
                         doctest::Contains("baseline_per_hop"), Error);
    CHECK_THROWS_WITH_AS(parse("[analysis]\nhops = {}\nhop_rotation = { centers = [\"P\"], windw = 1 }\n"),
                         doctest::Contains("hop_rotation.windw"), Error);
}

namespace {
// The synthetic trajectory as a System (P centres, S ligands, Na), for AnalysisSet.
System synthetic_system(const Synthetic& S, double t) {
    System s;
    s.box = S.box;
    s.species = {"Na", "P", "S"};
    const std::vector<Vec3> p = S.positions(t);
    for (std::size_t i = 0; i < p.size(); ++i) {
        const int type = i >= 5 * Synthetic::G ? 0 : (i % 5 == 0 ? 1 : 2);
        s.type.push_back(type);
        s.pos.push_back(p[i]);
        s.vel.push_back(Vec3{0, 0, 0});
        s.mass.push_back(type == 0 ? 22.99 : type == 1 ? 30.97 : 32.06);
        s.id.push_back(static_cast<long>(i + 1));
    }
    s.force.assign(s.pos.size(), Vec3{0, 0, 0});
    s.frozen.assign(s.pos.size(), 0);
    return s;
}
AnalysisConfig set_config() {
    AnalysisConfig c;
    c.enabled = true;
    c.sample_every = 10;  // 0.001 ps steps: 0.01 ps samples, as Synthetic
    c.drift = "none";
    c.centers = {"P"};
    c.ligands = {"S"};
    c.bond_cutoff_A = 2.5;
    c.hops = true;
    c.hop_elements = {"Na"};
    c.hop_rotation = true;
    c.hoprot_half_window_ps = 0.3;
    c.hoprot_r_shell_A = 4.2;
    c.hoprot_baseline_per_hop = 4;
    return c;
}
AnalysisRunInfo set_info() {
    AnalysisRunInfo i;
    i.timestep_ps = 0.001;
    i.total_steps = 10 * (kSamples - 1);
    return i;
}
std::string set_bytes(const AnalysisSet& a) {
    std::ostringstream os(std::ios::binary);
    BinaryWriter w(os);
    a.save(w);
    return os.str();
}
}  // namespace

TEST_CASE("hop-rotation through AnalysisSet: the construction is found, n = 0 has its reason, restart-exact") {
    const Synthetic S(0.5, 0.12, 2);
    {
        // No hop at all: n = 0 with the reason, p null.
        Synthetic still = S;
        still.hop_t.clear();
        still.hop_ion.clear();
        still.hop_from.clear();
        AnalysisSet A(set_config(), synthetic_system(still, 0), set_info());
        for (long k = 0; k < 300; ++k) A.sample(10 * k, synthetic_system(still, k * Synthetic::dts));
        const AnalysisResults r = compute_results(A);
        CHECK(r.hop_rotation.enabled);
        CHECK(r.hop_rotation.n_hop == 0);
        CHECK(r.hop_rotation.reason == "no hop event was detected");
        CHECK(std::isnan(r.hop_rotation.p_value));
    }
    AnalysisSet A(set_config(), synthetic_system(S, 0), set_info());
    std::string mid;
    for (long k = 0; k < kSamples; ++k) {
        A.sample(10 * k, synthetic_system(S, k * Synthetic::dts));
        if (k == 700) mid = set_bytes(A);
    }
    const AnalysisResults r = compute_results(A);
    const HopRotationResult& h = r.hop_rotation;
    CHECK(h.hops_detected == 10);
    CHECK(h.n_hop == 20);
    CHECK(h.n_baseline == 10 * 4 * Synthetic::G);
    CHECK(h.r_shell_A.at(0).second == 4.2);
    CHECK(h.half_window_ps == doctest::Approx(0.3));
    CHECK(h.p_value < 1e-8);
    CHECK(h.mean_hop_deg > h.mean_baseline_deg);
    CHECK(h.reason.empty());
    for (const auto& s : h.samples)
        if (s.hop) CHECK(s.ion_id > 5 * Synthetic::G);
    // Restart from the mid-run state: bit-identical state at the end.
    AnalysisSet B(set_config(), synthetic_system(S, 700 * Synthetic::dts), set_info());
    std::istringstream is(mid, std::ios::binary);
    BinaryReader rd(is, "ck", mid.size());
    B.load(rd);
    for (long k = 701; k < kSamples; ++k) B.sample(10 * k, synthetic_system(S, k * Synthetic::dts));
    CHECK(set_bytes(B) == set_bytes(A));
    CHECK_THROWS_WITH_AS(
        [&] {
            AnalysisConfig c = set_config();
            c.hoprot_half_window_ps = 0.004;  // below one sampling interval
            AnalysisSet bad(c, synthetic_system(S, 0), set_info());
        }(),
        doctest::Contains("half_window_ps"), Error);
}
