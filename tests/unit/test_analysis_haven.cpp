// The block Haven ratio through AnalysisSet: Na atoms moving in rigid pairs (every odd atom repeats its
// partner's random steps) have D_sigma = 2 D*, so H_R = 0.5; independent Na have H_R = 1. The run is longer
// than the collective series' planned capacity, so the series thins (stride 1 -> 2) mid-run, and a save/load in
// the middle must still give a bit-identical summary.json.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <random>
#include <sstream>
#include <string>

#include <unistd.h>

#include "analysis/analysis_set.hpp"
#include "analysis/analysis_state.hpp"
#include "analysis/results.hpp"
#include "engine/core/box.hpp"

using namespace mdrun;

namespace {
const double L = 20.0;
const int kNa = 16;

System na_box() {
    System s;
    Mat3 h = mat3_zero();
    h.m[0][0] = h.m[1][1] = h.m[2][2] = L;
    s.box = make_box(h);
    s.species = {"Na"};
    for (int k = 0; k < kNa; ++k) {
        s.type.push_back(0);
        s.pos.push_back(Vec3{1.0 + 1.1 * k, 2.0 + 0.7 * k, 3.0 + 0.5 * k});
        s.vel.push_back(Vec3{0, 0, 0});
        s.mass.push_back(22.99);
        s.id.push_back(k + 1);
    }
    s.force.assign(s.pos.size(), Vec3{0, 0, 0});
    s.frozen.assign(s.pos.size(), 0);
    return s;
}

// 0.3 Å per axis per sample of 0.02 ps: D* = 0.09 / 0.04 = 2.25 Å^2/ps. pairs: atom 2k+1 takes atom 2k's steps.
struct Walk {
    System sys;
    std::vector<Vec3> u;
    std::mt19937_64 rng;
    std::normal_distribution<double> g{0.0, 1.0};
    bool pairs;
    Walk(const System& s, bool p, unsigned seed) : sys(s), u(s.pos), rng(seed), pairs(p) {}
    void step() {
        Vec3 d{0, 0, 0};
        for (int i = 0; i < kNa; ++i) {
            if (!pairs || i % 2 == 0) d = Vec3{0.3 * g(rng), 0.3 * g(rng), 0.3 * g(rng)};
            u[i] += d;
        }
    }
    void publish() {
        for (int i = 0; i < kNa; ++i) {
            Vec3 f = to_fractional(sys.box, u[i]);
            f.x -= std::floor(f.x);
            f.y -= std::floor(f.y);
            f.z -= std::floor(f.z);
            sys.pos[i] = to_cartesian(sys.box, f);
        }
    }
};

AnalysisConfig msd_only() {
    AnalysisConfig c;
    c.enabled = true;
    c.sample_every = 10;
    c.msd = true;
    c.msd_elements = {"Na"};
    return c;
}

AnalysisRunInfo info() {
    AnalysisRunInfo i;
    i.timestep_ps = 0.002;
    i.temperature_K = 600;
    i.total_steps = 30000;  // 3001 planned samples: stride 1; the run below takes 5000 and thins to stride 2
    i.replica_name = "haven";
    return i;
}

std::string slurp(const std::string& p) {
    std::ifstream f(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(f), {});
}

DiffusionSummary run(bool pairs, unsigned seed, int samples) {
    const System s0 = na_box();
    Walk w(s0, pairs, seed);
    AnalysisSet A(msd_only(), s0, info());
    for (int k = 0; k < samples; ++k) {
        w.publish();
        A.sample(10L * k, w.sys);
        w.step();
    }
    const AnalysisResults r = compute_results(A);
    REQUIRE(r.diffusion.size() == 1);
    return r.diffusion[0];
}
}  // namespace

TEST_CASE("Haven ratio from blocks: rigid pairs give 0.5, independent atoms 1") {
    const DiffusionSummary p = run(true, 11, 5000), q = run(false, 12, 5000);
    for (const DiffusionSummary* d : {&p, &q}) {
        MESSAGE("H_R " << d->haven_ratio << " [" << d->haven_ratio_lo << ", " << d->haven_ratio_hi << "] +- "
                       << d->haven_ratio_err << "; " << d->sigma_blocks.n_blocks << " blocks of "
                       << d->sigma_blocks.block_length_ps << " ps, lags " << d->sigma_blocks.lag_min_ps << " .. "
                       << d->sigma_blocks.lag_max_ps << " ps; " << d->haven_status);
        REQUIRE(d->haven_status == "ok");
        CHECK(d->sigma_blocks.n_blocks == 12);  // min(16, floor(99.98 ps / (8 x 1 ps)))
        CHECK(d->sigma_blocks.D_block.size() == 12);
        CHECK(d->haven_ratio_lo < d->haven_ratio);
        CHECK(d->haven_ratio < d->haven_ratio_hi);
        // The interval is the block interval of D_sigma mapped through D* / D_sigma.
        CHECK(d->haven_ratio_lo == doctest::Approx(d->tracer.D_cm2_s / d->D_sigma_hi_cm2_s).epsilon(1e-12));
        CHECK(d->D_sigma_cm2_s == doctest::Approx(d->sigma_blocks.mean * 1e-4).epsilon(1e-12));
    }
    CHECK(p.haven_ratio_lo <= 0.5);
    CHECK(0.5 <= p.haven_ratio_hi);
    CHECK(p.haven_ratio == doctest::Approx(0.5).epsilon(0.3));
    CHECK(q.haven_ratio_lo <= 1.0);
    CHECK(1.0 <= q.haven_ratio_hi);
    CHECK(q.haven_ratio == doctest::Approx(1.0).epsilon(0.3));
    // Rigid pairs: twice the collective diffusion of independent atoms at the same D*.
    CHECK(p.D_sigma_cm2_s / p.tracer.D_cm2_s == doctest::Approx(2.0).epsilon(0.3));
}

TEST_CASE("Haven series: save/load mid-run (before and after the series thins) is bit-identical") {
    const System s0 = na_box();
    Walk a(s0, true, 5), b(s0, true, 5);
    AnalysisSet F(msd_only(), s0, info());
    for (int k = 0; k < 5000; ++k) {
        a.publish();
        F.sample(10L * k, a.sys);
        a.step();
    }
    CHECK(F.impl().mscd_series.stride() == 2);
    for (int cut : {2000, 4500}) {
        Walk c(s0, true, 5);
        std::stringstream ck;
        {
            AnalysisSet P(msd_only(), s0, info());
            for (int k = 0; k < cut; ++k) {
                c.publish();
                P.sample(10L * k, c.sys);
                c.step();
            }
            BinaryWriter w(ck);
            P.save(w);
        }
        AnalysisSet Q(msd_only(), s0, info());
        BinaryReader r(ck, "checkpoint");
        Q.load(r);
        for (int k = cut; k < 5000; ++k) {
            c.publish();
            Q.sample(10L * k, c.sys);
            c.step();
        }
        char da[128], db[128];
        std::snprintf(da, sizeof da, "/tmp/mdrun_test_haven_full_%d", static_cast<int>(getpid()));
        std::snprintf(db, sizeof db, "/tmp/mdrun_test_haven_restart_%d_%d", static_cast<int>(getpid()), cut);
        REQUIRE(std::system((std::string("mkdir -p ") + da + " " + db).c_str()) == 0);
        F.write_results(da);
        Q.write_results(db);
        const std::string x = slurp(std::string(da) + "/summary.json"), y = slurp(std::string(db) + "/summary.json");
        CHECK(x.find("\"D_sigma_blocks\": {\"n_blocks\": 12") != std::string::npos);
        CHECK(x == y);
        CHECK(slurp(std::string(da) + "/msd.csv") == slurp(std::string(db) + "/msd.csv"));
        CHECK(std::system((std::string("rm -rf ") + da + " " + db).c_str()) == 0);
    }
}
