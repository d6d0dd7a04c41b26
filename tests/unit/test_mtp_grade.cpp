// MaxVol extrapolation grades against MLIP-2 (`mlp calc-grade`, tests/data/mtp/Na3PS4_tensornet/grade):
// - the coefficient gradient of the energy equals central finite differences for every coefficient;
// - MLIP's state files are read, and the grades from them equal every MLIP MV_grade (energy weight and
//   site-energy weight) to 1e-6 relative + 1e-6 absolute (MLIP prints six decimals);
// - the active set selected here from train.cfg gives the same grades;
// - our state files read back identically; malformed ones are clear errors.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "engine/io/cfg_io.hpp"
#include "engine/core/error.hpp"
#include "engine/md/neighbor_list.hpp"
#include "potentials/als_file.hpp"
#include "potentials/cfg_system.hpp"
#include "potentials/mtp_file.hpp"
#include "potentials/mtp_grade.hpp"
#include "potentials/mtp_potential.hpp"
#include "potentials/mtp_selection.hpp"

using namespace mdrun;

namespace {

const std::string kDir = std::string(MDRUN_TEST_DATA) + "/mtp/Na3PS4_tensornet";

MtpPotential make_pot(const MtpModel& m) {
    std::vector<int> id(m.species_count);
    for (int k = 0; k < m.species_count; ++k) id[k] = k;
    return MtpPotential(m, id);
}

double energy_of(const MtpModel& m, const System& sys) {
    const MtpPotential pot = make_pot(m);
    NeighborList nl;
    build_neighbor_list(sys.box, sys.pos, pot.list_cutoff(), nl);
    std::vector<Vec3> f;
    ForceResult r;
    pot.compute(sys, nl, f, r);
    return r.energy;
}

// The MV_grade feature of each configuration.
std::vector<double> mlip_grades(const std::vector<CfgConfig>& cfgs) {
    std::vector<double> g;
    for (const CfgConfig& c : cfgs) {
        double v = -1;
        for (const std::string& f : c.features)
            if (f.rfind("MV_grade", 0) == 0) v = std::stod(f.substr(8));
        REQUIRE(v >= 0);
        g.push_back(v);
    }
    return g;
}

// Compares our grades with MLIP's printed ones; returns the largest relative deviation.
double compare(const MtpPotential& pot, const MaxVol& mv, const GradeWeights& w, const std::string& file) {
    const std::vector<CfgConfig> cfgs = read_cfg(file);
    const std::vector<double> ref = mlip_grades(cfgs);
    double worst = 0.0;
    for (size_t k = 0; k < cfgs.size(); ++k) {
        const double g = configuration_grade(pot, mv, w, cfgs[k], file, static_cast<int>(k));
        if (ref[k] > 1e99) {
            CHECK(g > kMaxGradePrinted);
            continue;
        }
        const double dev = std::fabs(g - ref[k]);
        INFO(file << " configuration " << k + 1 << ": ours " << g << ", MLIP " << ref[k]);
        CHECK(dev <= 1e-6 * std::fabs(ref[k]) + 1e-6);
        worst = std::max(worst, dev / std::max(std::fabs(ref[k]), 1e-300));
    }
    MESSAGE(file << ": " << cfgs.size() << " grades, largest relative deviation from MLIP " << worst);
    return worst;
}

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::string write_tmp(const std::string& name, const std::string& data) {
    const std::string path = std::string(MDRUN_BINARY_DIR) + "/" + name;
    std::ofstream(path, std::ios::binary) << data;
    return path;
}

std::string error_of(const std::string& path) {
    try {
        read_als(path);
    } catch (const Error& e) {
        return e.what();
    }
    return "";
}

}  // namespace

TEST_CASE("energy gradient w.r.t. every coefficient equals finite differences") {
    const MtpModel model = read_mtp(kDir + "/pot.mtp");
    const MtpPotential pot = make_pot(model);
    const std::vector<CfgConfig> cfgs = read_cfg(kDir + "/grade/grade_test.cfg");
    // A rattled 16-atom frame; strain it a little so that nothing is symmetric.
    CfgConfig c = cfgs[7];
    const System sys = system_from_cfg(c, model.species_count, "test", 0);
    NeighborList nl;
    build_neighbor_list(sys.box, sys.pos, pot.list_cutoff(), nl);
    std::vector<double> rows;
    mtp_site_gradients(pot, sys, nl, rows);
    const int nc = mtp_coeff_count(pot);
    REQUIRE(nc == 235);
    std::vector<double> grad(nc, 0.0);
    for (size_t i = 0; i < sys.size(); ++i)
        for (int k = 0; k < nc; ++k) grad[k] += rows[i * nc + k];
    // Species and moment parts are exact linear functions; radial parts checked by central differences.
    const int nrad = static_cast<int>(model.radial_coeffs.size());
    double worst = 0.0;
    for (int k = 0; k < nc; ++k) {
        MtpModel plus = model, minus = model;
        auto coeff = [&](MtpModel& m) -> double& {
            if (k < nrad) return m.radial_coeffs[k];
            if (k < nrad + m.species_count) return m.species_coeffs[k - nrad];
            return m.moment_coeffs[k - nrad - m.species_count];
        };
        const double h = 1e-5 * std::max(1.0, std::fabs(coeff(plus)));
        coeff(plus) += h;
        coeff(minus) -= h;
        const double fd = (energy_of(plus, sys) - energy_of(minus, sys)) / (2 * h);
        INFO("coefficient " << k << ": analytic " << grad[k] << ", finite difference " << fd);
        const double dev = std::fabs(fd - grad[k]);
        CHECK(dev <= 1e-6 * std::max(1.0, std::fabs(fd)));
        worst = std::max(worst, dev / std::max(1.0, std::fabs(fd)));
    }
    MESSAGE("largest deviation from finite differences (relative, floor 1): " << worst);
}

TEST_CASE("grades from MLIP's state files equal MLIP's MV_grade") {
    const AlsState st = read_als(kDir + "/grade/state.als");
    CHECK(st.weights.energy == 1.0);
    CHECK(st.weights.site == 0.0);
    CHECK(st.maxvol.n == 235);
    CHECK(st.configs.size() == 181);
    CHECK(st.maxvol.inverse_residual() < 1e-6);
    const MtpPotential pot = make_pot(st.model);
    compare(pot, st.maxvol, st.weights, kDir + "/grade/grade_test.cfg");
    compare(pot, st.maxvol, st.weights, kDir + "/grade/grade_holdout_hot.cfg");
    compare(pot, st.maxvol, st.weights, kDir + "/grade/grade_strained.cfg");

    const AlsState nb = read_als(kDir + "/grade/state_nbh.als");
    CHECK(nb.weights.site == 1.0);
    CHECK(nb.weights.energy == 0.0);
    const MtpPotential nbpot = make_pot(nb.model);
    compare(nbpot, nb.maxvol, nb.weights, kDir + "/grade/grade_strained_nbh.cfg");

    // The fast per-site product of MD (SiteGrader) gives the same per-atom grades as the general one.
    const std::vector<CfgConfig> frames = read_cfg(kDir + "/grade/grade_strained_nbh.cfg");
    const std::vector<double> ref = mlip_grades(frames);
    const SiteGrader grader(nbpot, nb.maxvol);
    for (size_t k = 0; k < frames.size(); k += 5) {
        const System sys = system_from_cfg(frames[k], 3, "strained", static_cast<int>(k));
        NeighborList nl;
        build_neighbor_list(sys.box, sys.pos, nbpot.list_cutoff(), nl);
        std::vector<double> rows, fast, slow(sys.size());
        mtp_site_gradients(nbpot, sys, nl, rows);
        grader.grades(sys, rows, fast);
        nb.maxvol.row_grades(rows.data(), static_cast<long>(sys.size()), slow.data());
        for (size_t i = 0; i < sys.size(); ++i) CHECK(std::fabs(fast[i] - slow[i]) <= 1e-9 * std::max(1.0, slow[i]));
        const double mx = *std::max_element(fast.begin(), fast.end());
        if (ref[k] < 1e99) CHECK(std::fabs(mx - ref[k]) <= 1e-6 * ref[k] + 1e-6);
    }
}

TEST_CASE("the active set selected from train.cfg gives MLIP's grades and its state file") {
    const MtpModel model = read_mtp(kDir + "/pot.mtp");
    const MtpPotential pot = make_pot(model);
    const std::string train_file = kDir + "/train.cfg";
    const std::vector<CfgConfig> train = read_cfg(train_file);
    const MaxVolThresholds thr;
    SUBCASE("energy weight") {
        const GradeWeights w;  // energy 1
        const MaxVol mv = select_active_set(pot, train, w, thr, train_file);
        const AlsState ref = read_als(kDir + "/grade/state.als");
        // The same training rows are selected as by MLIP (at possibly other positions of A), and as many
        // initial rows 1e-5 e_j stay. Which e_j stay for directions no training row spans is decided by
        // exact ties broken by round-off (10 of the 55 differ here); the grades below do not depend on it.
        int ours_init = 0, mlip_init = 0, matched = 0, training = 0;
        double dA = 0.0;
        for (int i = 0; i < mv.n; ++i) {
            const double* ri = mv.A.data() + static_cast<size_t>(i) * mv.n;
            const double* mi = ref.maxvol.A.data() + static_cast<size_t>(i) * mv.n;
            ours_init += mv.owner[i] < 0;
            mlip_init += std::count(mi, mi + mv.n, 0.0) == mv.n - 1 && std::fabs(mi[i] - 1e-5) == 0.0;
            if (mv.owner[i] < 0) continue;
            ++training;
            double best = 1e300;
            for (int k = 0; k < mv.n; ++k) {
                const double* rk = ref.maxvol.A.data() + static_cast<size_t>(k) * mv.n;
                double d = 0.0;
                for (int c = 0; c < mv.n; ++c) d = std::max(d, std::fabs(ri[c] - rk[c]));
                best = std::min(best, d);
            }
            matched += best < 1e-9;
            dA = std::max(dA, best);
        }
        MESSAGE(training << " training rows selected, " << matched << " equal an MLIP row (largest deviation " << dA
                         << "); initial rows left: ours " << ours_init << ", MLIP " << mlip_init);
        CHECK(matched == training);
        CHECK(ours_init == mlip_init);
        compare(pot, mv, w, kDir + "/grade/grade_test.cfg");
        compare(pot, mv, w, kDir + "/grade/grade_holdout_hot.cfg");
        compare(pot, mv, w, kDir + "/grade/grade_strained.cfg");

        // Our state file reads back to the same matrices, owners and configurations.
        const std::string path = std::string(MDRUN_BINARY_DIR) + "/test_mtp_grade_state.als";
        write_als(path, slurp(kDir + "/pot.mtp"), w, mv, train);
        const AlsState back = read_als(path);
        CHECK(back.maxvol.A == mv.A);
        CHECK(back.maxvol.invA_T == mv.invA_T);
        CHECK(back.configs.size() == ref.configs.size());
        for (int r = 0; r < mv.n; ++r) {
            const long o = mv.owner[r];
            CHECK(back.configs[back.maxvol.owner[r]].size() == (o < 0 ? 0 : train[o].size()));
        }
    }
    SUBCASE("site-energy (nbh) weight") {
        GradeWeights w;
        w.site = 1.0;
        w.energy = 0.0;
        const MaxVol mv = select_active_set(pot, train, w, thr, train_file);
        compare(pot, mv, w, kDir + "/grade/grade_strained_nbh.cfg");
    }
}

TEST_CASE("malformed state files are clear errors") {
    const std::string good = slurp(kDir + "/grade/state.als");
    const size_t caret = good.find('^');
    CHECK(error_of(write_tmp("als_bad_none.als", good.substr(0, caret))).find("no '^'") != std::string::npos);
    CHECK(error_of(write_tmp("als_bad_w.als", good.substr(0, caret + 10))).find("selection weights") != std::string::npos);
    std::string no_hash = good;
    no_hash[caret + 34] = 'x';
    CHECK(error_of(write_tmp("als_bad_hash.als", no_hash)).find("expected '#'") != std::string::npos);
    const std::string trunc = error_of(write_tmp("als_bad_mat.als", good.substr(0, caret + 36 + 1000)));
    CHECK(trunc.find("inside the MaxVol matrices") != std::string::npos);
    CHECK(trunc.find("235 coefficients") != std::string::npos);
    const size_t table = caret + 35 + 2 * 8 * 235 * 235;  // the newline before the table
    CHECK(error_of(write_tmp("als_bad_table.als", good.substr(0, table + 40))).find("row -> configuration table") !=
          std::string::npos);
    std::string bad_row = good;
    bad_row.replace(table + 1, 3, "7 0");  // first row must be "0 0"
    CHECK(error_of(write_tmp("als_bad_row.als", bad_row)).find("expected row 0") != std::string::npos);
    const size_t cfgs = good.find("BEGIN_CFG", table);
    CHECK(error_of(write_tmp("als_bad_cfgs.als", good.substr(0, cfgs))).find("refers to configuration") != std::string::npos);
    std::string bad_pot = good;
    bad_pot.replace(bad_pot.find("species_count = 3"), 17, "species_count = x");
    CHECK(error_of(write_tmp("als_bad_pot.als", bad_pot)).find("potential section") != std::string::npos);
    CHECK(error_of(std::string(MDRUN_BINARY_DIR) + "/no_such_file.als").find("cannot open") != std::string::npos);
}
