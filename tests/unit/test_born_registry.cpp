// The [potential] registry for kind = "born-coul-dsf": a config table gives the same potential as the
// LAMMPS-reference parameters (energy of case a2's frame 0 against thermo.dat), and bad tables give errors
// that name the key.
#include <doctest/doctest.h>

#include <cmath>
#include <sstream>

#include "engine/core/error.hpp"
#include "engine/md/neighbor_list.hpp"
#include "lammps_ref_helpers.hpp"
#include "potentials/mtp_potential.hpp"
#include "potentials/registry.hpp"

using namespace mdrun;
using namespace mdrun_test;

namespace {

toml::value parse(const std::string& text) {
    std::istringstream in(text);
    return toml::parse(in, "test.toml");
}

const char* kNaCl = R"(
kind = "born-coul-dsf"
cutoff = 8.0
alpha = 0.2
coulomb = true
charges = { Na = 1.0, Cl = -1 }
pairs = [ { a = "Na", b = "Na", A = 0.263704, rho = 0.317, sigma = 2.340, C = 1.048573, D = -0.499321 },
          { a = "Cl", b = "Na", A = 0.210963, rho = 0.317, sigma = 2.755, C = 6.990490, D = -8.675698 },
          { a = "Cl", b = "Cl", A = 0.158222, rho = 0.317, sigma = 3.170, C = 72.40150, D = -145.4271 } ]
)";

std::string error_of(const std::string& text, const System& sys) {
    try {
        make_potential(parse(text), sys, "cfg/run.toml");
    } catch (const Error& e) {
        return e.what();
    }
    return "";
}

}  // namespace

TEST_CASE("born-coul-dsf from a [potential] table reproduces LAMMPS case a2 at step 0") {
    System sys = read_nacl_data(ref_dir() + "/data/nacl216_seed20240501.data");
    auto th = read_thermo(ref_dir() + "/case_a2_nve_born_dsf/thermo.dat");
    auto pot = make_potential(parse(kNaCl), sys, "cfg/run.toml");
    CHECK(pot->name() == "born-coul-dsf");
    CHECK(pot->cutoff() == 8.0);
    NeighborList nl;
    build_neighbor_list(sys.box, sys.pos, 8.5, nl);
    ForceResult fr;
    pot->compute(sys, nl, sys.force, fr);
    CHECK(std::fabs(fr.energy - th["PotEng"][0]) <= 1e-9 * std::fabs(th["PotEng"][0]));

    // Charges from the structure (LAMMPS data file) when the table has none.
    std::string no_charges = kNaCl;
    no_charges.replace(no_charges.find("charges"), no_charges.find('\n', no_charges.find("charges")) - no_charges.find("charges"), "");
    auto pot2 = make_potential(parse(no_charges), sys, "cfg/run.toml");
    ForceResult fr2;
    std::vector<Vec3> f2;
    pot2->compute(sys, nl, f2, fr2);
    CHECK(fr2.energy == fr.energy);

    // Plain born (a1).
    auto th1 = read_thermo(ref_dir() + "/case_a1_nve_born/thermo.dat");
    std::string born = kNaCl;
    born.replace(born.find("coulomb = true"), 14, "coulomb = false");
    auto pot3 = make_potential(parse(born), sys, "cfg/run.toml");
    ForceResult fr3;
    pot3->compute(sys, nl, f2, fr3);
    CHECK(std::fabs(fr3.energy - th1["PotEng"][0]) <= 1e-9 * std::fabs(th1["PotEng"][0]));
}

TEST_CASE("born-coul-dsf neighbor_list: half (default) or full, anything else an error naming the key") {
    System sys = read_nacl_data(ref_dir() + "/data/nacl216_seed20240501.data");
    CHECK(make_potential(parse(kNaCl), sys, "cfg/run.toml")->wants_half_list());
    CHECK(make_potential(parse(std::string(kNaCl) + "neighbor_list = \"half\"\n"), sys, "cfg/run.toml")->wants_half_list());
    CHECK_FALSE(make_potential(parse(std::string(kNaCl) + "neighbor_list = \"full\"\n"), sys, "cfg/run.toml")->wants_half_list());
    const std::string e = error_of(std::string(kNaCl) + "neighbor_list = \"quarter\"\n", sys);
    CHECK(e.find("cfg/run.toml: [potential].neighbor_list must be \"half\" or \"full\", got \"quarter\"") != std::string::npos);
}

TEST_CASE("born-coul-dsf arithmetic: vector (default) or exact, anything else an error naming the key") {
    System sys = read_nacl_data(ref_dir() + "/data/nacl216_seed20240501.data");
    auto arith = [&](const std::string& extra) {
        auto pot = make_potential(parse(std::string(kNaCl) + extra), sys, "cfg/run.toml");
        return dynamic_cast<const BornCoulDsfPotential&>(*pot).params().arithmetic;
    };
    CHECK(arith("") == PairArithmetic::Vector);
    CHECK(arith("arithmetic = \"vector\"\n") == PairArithmetic::Vector);
    CHECK(arith("arithmetic = \"exact\"\n") == PairArithmetic::Exact);
    const std::string e = error_of(std::string(kNaCl) + "arithmetic = \"fma\"\n", sys);
    CHECK(e.find("cfg/run.toml: [potential].arithmetic must be \"vector\"") != std::string::npos);
    CHECK(e.find("got \"fma\"") != std::string::npos);
}

TEST_CASE("registry errors name the key") {
    System sys = read_nacl_data(ref_dir() + "/data/nacl216_seed20240501.data");
    std::string bad = kNaCl;
    bad.replace(bad.find("alpha"), 5, "alpah");
    std::string e = error_of(bad, sys);
    CHECK(e.find("alpah") != std::string::npos);
    CHECK(e.find("did you mean 'alpha'") != std::string::npos);

    e = error_of("kind = \"born-coul-dfs\"\n", sys);
    CHECK(e.find("born-coul-dsf") != std::string::npos);
    CHECK(e.find("did you mean") != std::string::npos);

    e = error_of("file = \"x.mtp\"\n", sys);
    CHECK(e.find("[potential].kind") != std::string::npos);

    std::string missing = kNaCl;
    missing.replace(missing.find("{ a = \"Cl\", b = \"Cl\""), 0, "");
    missing = missing.substr(0, missing.find(",\n          { a = \"Cl\", b = \"Cl\"")) + " ]\n";
    e = error_of(missing, sys);
    CHECK(e.find("Cl-Cl") != std::string::npos);

    std::string wrong_type = kNaCl;
    wrong_type.replace(wrong_type.find("cutoff = 8.0"), 12, "cutoff = \"8\"");
    e = error_of(wrong_type, sys);
    CHECK(e.find("[potential].cutoff") != std::string::npos);

    std::string neg = kNaCl;
    neg.replace(neg.find("cutoff = 8.0"), 12, "cutoff = -1e0");
    e = error_of(neg, sys);
    CHECK(e.find("[potential].cutoff must be > 0") != std::string::npos);

    std::string partial_charges = kNaCl;
    partial_charges.replace(partial_charges.find("Cl = -1 "), 8, "K = 1 ");
    e = error_of(partial_charges, sys);
    CHECK(e.find("no charge for Cl") != std::string::npos);

    std::string bad_pair_key = kNaCl;
    bad_pair_key.replace(bad_pair_key.find("sigma = 2.340"), 5, "sigme");
    e = error_of(bad_pair_key, sys);
    CHECK(e.find("[potential].pairs[1].sigme") != std::string::npos);

    std::string bad_el = kNaCl;
    bad_el.replace(bad_el.find("a = \"Cl\", b = \"Cl\""), 8, "a = \"CL\"");
    e = error_of(bad_el, sys);
    CHECK(e.find("[potential].pairs[3].a") != std::string::npos);
    CHECK(e.find("CL") != std::string::npos);

    e = error_of("kind = \"mtp\"\nfile = \"nonexistent.mtp\"\nelements = [\"Na\", \"Cl\"]\n", sys);
    CHECK(e.find("nonexistent.mtp") != std::string::npos);
    MESSAGE("example error: " << e);
}

TEST_CASE("mtp: a structure element that the potential lacks is an error") {
    System sys = read_nacl_data(ref_dir() + "/data/nacl216_seed20240501.data");
    const std::string mtp = std::string(MDRUN_TEST_DATA) + "/mtp/NaO_lev16/pot.mtp";
    std::ifstream probe(mtp);
    if (!probe) return;  // data set without this potential
    const std::string e = error_of("kind = \"mtp\"\nfile = \"" + mtp + "\"\nelements = [\"Na\", \"O\"]\n", sys);
    CHECK(e.find("Cl") != std::string::npos);
    CHECK(e.find("lacks") != std::string::npos);
}

TEST_CASE("mtp force_sum: chunks (default) or slots, anything else an error naming the key") {
    System sys = read_nacl_data(ref_dir() + "/data/nacl216_seed20240501.data");
    const std::string mtp = std::string(MDRUN_TEST_DATA) + "/mtp/NaAlBr4_chgnet/pot.mtp";
    // NaAlBr4's potential covers Na (and Al, Br): the NaCl structure's Cl is missing, so use Na only
    sys.species = {"Na", "Al"};
    const std::string base = "kind = \"mtp\"\nfile = \"" + mtp + "\"\nelements = [\"Na\", \"Al\", \"Br\"]\n";
    auto sum = [&](const std::string& extra) {
        auto pot = make_potential(parse(base + extra), sys, "cfg/run.toml");
        return dynamic_cast<const MtpPotential&>(*pot).force_sum();
    };
    CHECK(sum("") == MtpForceSum::Chunks);
    CHECK(sum("force_sum = \"chunks\"\n") == MtpForceSum::Chunks);
    CHECK(sum("force_sum = \"slots\"\n") == MtpForceSum::Slots);
    const std::string e = error_of(base + "force_sum = \"atoms\"\n", sys);
    CHECK(e.find("cfg/run.toml: [potential].force_sum must be \"chunks\"") != std::string::npos);
    CHECK(e.find("got \"atoms\"") != std::string::npos);
}
