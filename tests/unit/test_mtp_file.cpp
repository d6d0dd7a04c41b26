// The .mtp reader: the published files parse to the documented sizes, and malformed files (truncated,
// wrong counts, bad numbers, unknown radial basis, too few species, ...) give an mdrun::Error that names
// the file and line and says what was expected -- never a crash. Also the species mapping checks.
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "engine/core/error.hpp"
#include "potentials/mtp_file.hpp"
#include "potentials/mtp_potential.hpp"

using namespace mdrun;

namespace {

const std::string kMtpDir = std::string(MDRUN_TEST_DATA) + "/mtp";

std::string slurp(const std::string& path) {
    std::ifstream in(path);
    REQUIRE(in);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::string replace_once(std::string s, const std::string& from, const std::string& to) {
    const auto p = s.find(from);
    REQUIRE(p != std::string::npos);
    return s.replace(p, from.size(), to);
}

// Parses `text` and returns the error message ("" when it parsed).
std::string error_of(const std::string& text) {
    std::istringstream in(text);
    try {
        parse_mtp(in, "bad.mtp");
    } catch (const Error& e) {
        return e.what();
    }
    return "";
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("published .mtp files parse with the documented sizes") {
    struct Want {
        const char* name;
        int S, nb, nt, ns, nmu;
    };
    for (const Want& w : {Want{"NaO_lev16", 2, 130, 969, 92, 4}, Want{"ZrYbO_lev18", 3, 201, 2634, 163, 5},
                          Want{"La2Zr2O7_lev22", 3, 421, 15431, 500, 6}}) {
        const MtpModel m = read_mtp(kMtpDir + "/" + w.name + "/pot.mtp");
        CHECK(m.species_count == w.S);
        CHECK(m.basic_count() == w.nb);
        CHECK(m.times_count() == w.nt);
        CHECK(m.scalar_count() == w.ns);
        CHECK(m.radial_funcs_count == w.nmu);
        CHECK(m.radial_basis_size == 8);
        CHECK(m.radial_coeffs.size() == static_cast<size_t>(w.S * w.S * w.nmu * 8));
    }
    const MtpModel na = read_mtp(kMtpDir + "/NaO_lev16/pot.mtp");
    CHECK(na.min_dist == 1.35);
    CHECK(na.max_dist == 6.0);
    CHECK(na.scaling == doctest::Approx(1.480467843156920e-01).epsilon(1e-15));
    CHECK(na.potential_name == "MTP1m");
    CHECK(na.radial_coeffs[0] == -2.957369544155607e-01);
    // Block order a (central) outer, b (neighbour) inner: block 1-0 starts with this value.
    CHECK(na.radial_coeffs[(1 * 2 + 0) * 4 * 8] == 1.709894601228823e-01);
}

TEST_CASE("malformed .mtp files give errors naming file, line and what was expected") {
    const std::string good = slurp(kMtpDir + "/NaO_lev16/pot.mtp");
    REQUIRE(error_of(good).empty());

    SUBCASE("missing file") { CHECK_THROWS_WITH_AS(read_mtp("/nonexistent/x.mtp"), doctest::Contains("cannot open"), Error); }
    SUBCASE("truncated in the middle") {
        const std::string e = error_of(good.substr(0, good.size() / 2));
        CHECK(contains(e, "bad.mtp:"));
        CHECK(contains(e, "expected"));
    }
    SUBCASE("truncated before moment_coeffs") {
        const std::string e = error_of(good.substr(0, good.find("moment_coeffs")));
        CHECK(contains(e, "expected 'moment_coeffs'"));
    }
    SUBCASE("empty file") { CHECK(contains(error_of(""), "expected 'MTP'")); }
    SUBCASE("wrong version") { CHECK(contains(error_of(replace_once(good, "1.1.0", "2.0.0")), "unsupported MTP version")); }
    SUBCASE("unknown radial basis") {
        const std::string e = error_of(replace_once(good, "RBChebyshev", "RBShapeev"));
        CHECK(contains(e, "bad.mtp:7:"));
        CHECK(contains(e, "unknown radial basis 'RBShapeev'"));
    }
    SUBCASE("bad number") {
        const std::string e = error_of(replace_once(good, "-2.957369544155607e-01", "-2.95x7e-01"));
        CHECK(contains(e, "bad.mtp:14:"));
        CHECK(contains(e, "expected a number"));
        CHECK(contains(e, "-2.95x7e-01"));
    }
    SUBCASE("bad integer count") {
        CHECK(contains(error_of(replace_once(good, "radial_funcs_count = 4", "radial_funcs_count = four")),
                       "expected an integer for radial_funcs_count"));
    }
    SUBCASE("wrong basic count") {
        const std::string e = error_of(replace_once(good, "alpha_index_basic_count = 130", "alpha_index_basic_count = 131"));
        CHECK(contains(e, "expected 131 entries"));
        CHECK(contains(e, "found 130"));
    }
    SUBCASE("wrong times count") {
        CHECK(contains(error_of(replace_once(good, "alpha_index_times_count = 969", "alpha_index_times_count = 968")),
                       "expected 968 entries"));
    }
    SUBCASE("wrong scalar count") {
        CHECK(contains(error_of(replace_once(good, "alpha_scalar_moments = 92", "alpha_scalar_moments = 93")),
                       "alpha_moment_mapping: expected 93 values, found 92"));
    }
    SUBCASE("radial coefficient row too short") {
        CHECK(contains(error_of(replace_once(good, ", -1.251481706966162e-02}", "}")), "expected 8 values, found 7"));
    }
    SUBCASE("too few species: species_count larger than the radial blocks present") {
        const std::string e = error_of(replace_once(good, "species_count = 2", "species_count = 3"));
        CHECK(contains(e, "radial_coeffs"));
        CHECK(contains(e, "expected"));
    }
    SUBCASE("too few species coefficients") {
        CHECK(contains(error_of(replace_once(good, "species_coeffs = {-2.408416235807847e-01, ", "species_coeffs = {")),
                       "species_coeffs (one per species): expected 2 values, found 1"));
    }
    SUBCASE("moment index out of range") {
        CHECK(contains(error_of(replace_once(good, "alpha_moment_mapping = {0,", "alpha_moment_mapping = {350,")),
                       "is not a moment index"));
    }
    SUBCASE("min_dist above max_dist") {
        CHECK(contains(error_of(replace_once(good, "max_dist = 6.000000000000000e+00", "max_dist = 1.0")),
                       "expected 0 <= min_dist < max_dist"));
    }
    SUBCASE("missing '='") {
        CHECK(contains(error_of(replace_once(good, "max_dist = ", "max_dist ")), "expected '='"));
    }
}

TEST_CASE("species map must point at the potential's species") {
    MtpModel m = read_mtp(kMtpDir + "/NaO_lev16/pot.mtp");
    CHECK_THROWS_WITH_AS(MtpPotential(m, {0, 2}), doctest::Contains("species_count = 2"), Error);
    CHECK_NOTHROW(MtpPotential(m, {1, 0, 1}));
}
