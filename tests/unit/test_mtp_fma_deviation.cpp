// The FMA arithmetic mode of the CPU MTP against the exact mode on every reference configuration of
// tests/data/mtp (all six potentials; the inputs of every *reference_mlp*.cfg, naming rules of
// tests/data/mtp/SOURCE.md). Deviation measures (docs/mtp.md):
//   energy  |E_fma - E_exact| / |E_exact|
//   forces  max |F_fma - F_exact| (any atom, any component) / max(max |F_exact|, 1 eV/Å)
//   stress  max |W_fma - W_exact| (six PlusStress components) / max(max |W_exact|, 1 eV)
// each must stay below 1e-10. The floors matter only where forces vanish by symmetry (the perfect crystal of
// NaO_lev16/input.cfg: |F| ~ 1e-15 eV/Å, where round-off of either mode is the whole value); they are the
// floors of the MLIP-2 comparison (test_mtp_reference.cpp). Also: the mode names parse strictly, Exact is the library default, and the
// FMA mode is really used where the CPU has AVX2+FMA (else the fallback to exact is checked instead).
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "engine/core/box.hpp"
#include "engine/core/error.hpp"
#include "engine/io/cfg_io.hpp"
#include "engine/md/neighbor_list.hpp"
#include "potentials/mtp_arithmetic.hpp"
#include "potentials/mtp_file.hpp"
#include "potentials/mtp_potential.hpp"

using namespace mdrun;
namespace fs = std::filesystem;

namespace {

const std::string kMtpDir = std::string(MDRUN_TEST_DATA) + "/mtp";

struct Efs {
    double energy;
    double ps[6];
    std::vector<Vec3> force;
};

Efs evaluate(const MtpPotential& pot, const CfgConfig& c) {
    System sys;
    sys.box = make_box(c.lattice);
    sys.pos = c.pos;
    sys.type = c.type;
    NeighborList nl;
    build_neighbor_list(sys.box, sys.pos, pot.list_cutoff(), nl);
    Efs e;
    ForceResult r;
    pot.compute(sys, nl, e.force, r);
    e.energy = r.energy;
    const Mat3& W = r.virial;
    const double ps[6] = {W.m[0][0], W.m[1][1], W.m[2][2], W.m[1][2], W.m[0][2], W.m[0][1]};
    std::copy(ps, ps + 6, e.ps);
    return e;
}

// The input configurations of a folder's references (input.cfg / test.cfg / X.cfg / X_input.cfg ...).
std::vector<std::string> inputs_in(const std::string& folder) {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(folder)) {
        const std::string ref = e.path().filename().string();
        if (ref.find("reference_mlp") == std::string::npos || ref.size() < 5 || ref.substr(ref.size() - 4) != ".cfg")
            continue;
        std::vector<std::string> cands;
        if (ref == "reference_mlp.cfg") {
            cands = {"input.cfg", "test.cfg"};
        } else if (ref.rfind("reference_mlp_", 0) == 0) {
            cands = {ref.substr(std::string("reference_mlp_").size())};
        } else {
            const std::string prefix = ref.substr(0, ref.size() - std::string("_reference_mlp.cfg").size());
            cands = {prefix + ".cfg", prefix + "_input.cfg"};
        }
        std::string input;
        for (const auto& c : cands)
            if (fs::exists(folder + "/" + c)) input = folder + "/" + c;
        INFO("reference " << folder << "/" << ref);
        REQUIRE(!input.empty());
        out.push_back(input);
    }
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace

TEST_CASE("MTP arithmetic modes: names, library default, resolution") {
    CHECK(parse_mtp_arithmetic("fma", "k") == MtpArithmetic::Fma);
    CHECK(parse_mtp_arithmetic("exact", "k") == MtpArithmetic::Exact);
    CHECK_THROWS_WITH_AS(parse_mtp_arithmetic("FMA", "cfg.toml: [potential].arithmetic"),
                         doctest::Contains("cfg.toml: [potential].arithmetic = \"FMA\""), Error);
    CHECK_THROWS_AS(parse_mtp_arithmetic("", "k"), Error);
    CHECK(std::string(mtp_arithmetic_name(MtpArithmetic::Fma)) == "fma");
    CHECK(resolve_mtp_arithmetic(MtpArithmetic::Exact) == MtpArithmetic::Exact);
    const MtpPotential plain(read_mtp(kMtpDir + "/NaO_lev16/pot.mtp"), {0, 1});
    CHECK(plain.arithmetic() == MtpArithmetic::Exact);
    const MtpPotential fma(read_mtp(kMtpDir + "/NaO_lev16/pot.mtp"), {0, 1}, MtpArithmetic::Fma);
    CHECK(fma.requested_arithmetic() == MtpArithmetic::Fma);
    CHECK(fma.arithmetic() == (mtp_fma_available() ? MtpArithmetic::Fma : MtpArithmetic::Exact));
    MESSAGE("this CPU: " << describe_mtp_arithmetic(MtpArithmetic::Fma));
}

TEST_CASE("MTP fma vs exact: below 1e-10 relative on every reference configuration") {
    REQUIRE(fs::is_directory(kMtpDir));
    long checked = 0, folders = 0, differing = 0;
    double worst_e = 0, worst_f = 0, worst_w = 0;
    for (const auto& dir : fs::directory_iterator(kMtpDir)) {
        const std::string folder = dir.path().string();
        if (!fs::exists(folder + "/pot.mtp")) continue;
        ++folders;
        const MtpModel model = read_mtp(folder + "/pot.mtp");
        std::vector<int> ident(model.species_count);
        for (int k = 0; k < model.species_count; ++k) ident[k] = k;
        const MtpPotential exact(model, ident, MtpArithmetic::Exact);
        const MtpPotential fma(model, ident, MtpArithmetic::Fma);
        double fe = 0, ff = 0, fw = 0;
        for (const std::string& input : inputs_in(folder)) {
            const std::vector<CfgConfig> in = read_cfg(input);
            for (size_t k = 0; k < in.size(); ++k) {
                INFO(input << " configuration " << k);
                const Efs a = evaluate(exact, in[k]), b = evaluate(fma, in[k]);
                const double de = std::fabs(b.energy - a.energy) / std::fabs(a.energy);
                double fmax = 0, dfmax = 0;
                for (size_t i = 0; i < a.force.size(); ++i) {
                    const double fa[3] = {a.force[i].x, a.force[i].y, a.force[i].z};
                    const double fb[3] = {b.force[i].x, b.force[i].y, b.force[i].z};
                    for (int q = 0; q < 3; ++q) {
                        fmax = std::max(fmax, std::fabs(fa[q]));
                        dfmax = std::max(dfmax, std::fabs(fb[q] - fa[q]));
                    }
                }
                double wmax = 0, dwmax = 0;
                for (int q = 0; q < 6; ++q) {
                    wmax = std::max(wmax, std::fabs(a.ps[q]));
                    dwmax = std::max(dwmax, std::fabs(b.ps[q] - a.ps[q]));
                }
                const double df = dfmax / std::max(fmax, 1.0), dw = dwmax / std::max(wmax, 1.0);
                CHECK(de < 1e-10);
                CHECK(df < 1e-10);
                CHECK(dw < 1e-10);
                if (de > 0 || df > 0 || dw > 0) ++differing;
                fe = std::max(fe, de);
                ff = std::max(ff, df);
                fw = std::max(fw, dw);
                ++checked;
            }
        }
        MESSAGE(dir.path().filename().string() << ": max relative deviation energy " << fe << ", forces " << ff
                                               << ", stress " << fw);
        worst_e = std::max(worst_e, fe);
        worst_f = std::max(worst_f, ff);
        worst_w = std::max(worst_w, fw);
    }
    MESSAGE(checked << " configurations, " << differing << " differ; worst energy " << worst_e << ", forces "
                    << worst_f << ", stress " << worst_w);
    CHECK(folders == 6);
    CHECK(checked >= 108);
    // Where FMA runs, the modes must really differ (else the FMA object would not be in use).
    if (mtp_fma_available()) CHECK(differing > checked / 2);
}

// Rows the references do not have: the FMA group sorts each row by neighbour species and pads it to a multiple
// of four slots (potentials/mtp_cpu_blocked.hpp). An atom with no neighbour (an empty row: zero force), a pair
// (one-slot rows), and rows of one species only must agree with the exact mode like any other.
TEST_CASE("MTP fma vs exact: empty, one-slot and one-species rows") {
    const MtpModel model = read_mtp(kMtpDir + "/NaO_lev16/pot.mtp");
    const MtpPotential exact(model, {0, 1}, MtpArithmetic::Exact);
    const MtpPotential fma(model, {0, 1}, MtpArithmetic::Fma);
    CfgConfig c;
    c.lattice = mat3_zero();
    for (int k = 0; k < 3; ++k) c.lattice.m[k][k] = 30.0;
    c.has_lattice = true;
    // An O-O pair 2.1 Å apart, a Na three far from everything in a tight Na cluster, and a lone Na.
    c.pos = {{1, 1, 1}, {3.1, 1, 1}, {15, 15, 15}, {17.4, 15, 15}, {15, 17.3, 15.2}, {16, 16, 17.1}, {8, 24, 8}};
    c.type = {1, 1, 0, 0, 0, 0, 0};
    const Efs a = evaluate(exact, c), b = evaluate(fma, c);
    CHECK(std::fabs(b.energy - a.energy) <= 1e-12 * std::fabs(a.energy));
    double fmax = 1.0;
    for (const Vec3& f : a.force) fmax = std::max({fmax, std::fabs(f.x), std::fabs(f.y), std::fabs(f.z)});
    for (size_t i = 0; i < a.force.size(); ++i) {
        INFO("atom " << i);
        CHECK(std::fabs(b.force[i].x - a.force[i].x) <= 1e-12 * fmax);
        CHECK(std::fabs(b.force[i].y - a.force[i].y) <= 1e-12 * fmax);
        CHECK(std::fabs(b.force[i].z - a.force[i].z) <= 1e-12 * fmax);
    }
    CHECK(a.force[6].x == 0.0);  // the lone atom (no neighbour within max_dist = 6 Å)
    CHECK(b.force[6].x == 0.0);
    CHECK(b.force[6].y == 0.0);
    CHECK(b.force[6].z == 0.0);
    CHECK(std::fabs(b.force[0].x) > 1e-3);  // the pair really interacts
}

namespace {

// The level-8 NaAlCl4 potential with `extra` radial functions more than its two, none of them used by a basic
// moment (so the energy cannot change): the FMA build's blocked radial functions are templated on the count
// (1..8 in registers, more through mtp_radial per neighbour), and the references have 2 to 6 only.
MtpModel with_unused_radial_functions(int extra) {
    std::ifstream in(kMtpDir + "/NaAlCl4_tensornet_lev08/pot.mtp");
    std::ostringstream text;
    std::string line;
    int rows_in_block = 0;
    auto unused_rows = [&] {
        for (int k = 0; k < extra; ++k) {
            text << "\t\t\t{";
            for (int q = 0; q < 8; ++q) text << (q ? ", " : "") << 0.01 * (k + 1) * (q % 3 - 1);
            text << "}\n";
        }
    };
    while (std::getline(in, line)) {
        const bool row = line.find("\t\t\t{") == 0;
        if (rows_in_block > 0 && !row) {  // the end of a species pair's block: its unused rows follow
            unused_rows();
            rows_in_block = 0;
        }
        if (line.find("radial_funcs_count = 2") != std::string::npos)
            line = "\tradial_funcs_count = " + std::to_string(2 + extra);
        text << line << "\n";
        if (row) ++rows_in_block;
    }
    const fs::path path = fs::temp_directory_path() / ("mdrun_test_unused_mu" + std::to_string(extra) + ".mtp");
    std::ofstream(path) << text.str();
    MtpModel m = read_mtp(path.string());
    fs::remove(path);
    return m;
}

}  // namespace

TEST_CASE("MTP fma: 7 and 9 radial functions (register and fall-back paths) give the 2-function numbers") {
    const MtpModel base = read_mtp(kMtpDir + "/NaAlCl4_tensornet_lev08/pot.mtp");
    const std::vector<CfgConfig> in = read_cfg(inputs_in(kMtpDir + "/NaAlCl4_tensornet_lev08")[0]);
    REQUIRE(!in.empty());
    const MtpPotential ref(base, {0, 1, 2}, MtpArithmetic::Fma);
    for (const int extra : {5, 7}) {
        INFO((2 + extra) << " radial functions");
        const MtpModel m = with_unused_radial_functions(extra);
        REQUIRE(m.radial_funcs_count == 2 + extra);
        const MtpPotential pot(m, {0, 1, 2}, MtpArithmetic::Fma);
        for (size_t k = 0; k < in.size(); ++k) {
            const Efs a = evaluate(ref, in[k]), b = evaluate(pot, in[k]);
            // Each radial function's sum is its own, so within the register path (2 and 7) nothing moves; the
            // fall-back (9) is the scalar mtp_radial, equal to round-off.
            const double tol = extra == 5 ? 0.0 : 1e-12;
            CHECK(std::fabs(b.energy - a.energy) <= tol * std::fabs(a.energy));
            for (size_t i = 0; i < a.force.size(); ++i) {
                CHECK(std::fabs(b.force[i].x - a.force[i].x) <= tol * (1.0 + std::fabs(a.force[i].x)));
                CHECK(std::fabs(b.force[i].y - a.force[i].y) <= tol * (1.0 + std::fabs(a.force[i].y)));
                CHECK(std::fabs(b.force[i].z - a.force[i].z) <= tol * (1.0 + std::fabs(a.force[i].z)));
            }
        }
    }
}
