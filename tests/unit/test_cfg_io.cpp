// The MLIP .cfg reader/writer: any AtomData column order, direct coordinates, PlusStress column order,
// Feature lines, several configurations per file; a lossless write/read round trip of the references;
// and malformed files give errors naming the file, the line and what was expected.
#include <doctest/doctest.h>

#include <cstdio>
#include <sstream>
#include <string>

#include "engine/io/cfg_io.hpp"
#include "engine/core/error.hpp"

using namespace mdrun;

namespace {

std::vector<CfgConfig> parse(const std::string& text) {
    std::istringstream in(text);
    return parse_cfg(in, "t.cfg");
}

std::string error_of(const std::string& text) {
    try {
        parse(text);
    } catch (const Error& e) {
        return e.what();
    }
    return "";
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

const char* const kTwo = R"(BEGIN_CFG
 Size
    2
 Supercell
    4.0 0.0 0.0
    0.5 5.0 0.0
    0.0 0.0 6.0
 AtomData:  type id  cartes_z cartes_x cartes_y   fz fx fy
    1 7  3.0 1.0 2.0   -0.3 -0.1 -0.2
    0 8  0.5 0.25 0.75  0.3 0.1 0.2
 Energy
    -12.5
 PlusStress:  xy xz yz zz yy xx
    6 5 4 3 2 1
 Feature   EFS_by	VASP
 Feature tag md16_400K
END_CFG

BEGIN_CFG
 Size
  1
 Supercell
    2 0 0
    0 2 0
    0 0 2
 AtomData: id type direct_x direct_y direct_z
  1 0 0.5 0.25 0.0
END_CFG
)";

}  // namespace

TEST_CASE("cfg reader: column order, direct coordinates, stress order, features") {
    const auto c = parse(kTwo);
    REQUIRE(c.size() == 2);
    CHECK(c[0].size() == 2);
    CHECK(c[0].has_lattice);
    CHECK(c[0].lattice.m[1][0] == 0.5);
    CHECK(c[0].id[0] == 7);
    CHECK(c[0].type[0] == 1);
    CHECK(c[0].pos[0].x == 1.0);
    CHECK(c[0].pos[0].y == 2.0);
    CHECK(c[0].pos[0].z == 3.0);
    CHECK(c[0].has_forces);
    CHECK(c[0].force[1].x == 0.1);
    CHECK(c[0].force[1].z == 0.3);
    CHECK(c[0].has_energy);
    CHECK(c[0].energy == -12.5);
    CHECK(c[0].has_plus_stress);
    for (int k = 0; k < 6; ++k) CHECK(c[0].plus_stress[k] == k + 1);  // stored as xx yy zz yz xz xy
    REQUIRE(c[0].features.size() == 2);
    CHECK(c[0].features[0] == "EFS_by\tVASP");
    CHECK(c[0].features[1] == "tag md16_400K");
    CHECK(!c[1].has_forces);
    CHECK(!c[1].has_energy);
    CHECK(c[1].pos[0].x == 1.0);
    CHECK(c[1].pos[0].y == 0.5);
    CHECK(c[1].pos[0].z == 0.0);
}

TEST_CASE("cfg writer round trip is lossless (16 digits after the point)") {
    auto c = parse(kTwo);
    c[0].has_site_energies = true;
    c[0].site_energy = {-1.0 / 3.0, 2.0 / 7.0};
    c[0].pos[0].x = 0.1 + 0.2;  // not exactly representable in 16 significant digits
    std::ostringstream out;
    write_cfg(out, c);
    const auto d = parse(out.str());
    REQUIRE(d.size() == 2);
    CHECK(d[0].pos[0].x == c[0].pos[0].x);
    CHECK(d[0].site_energy[0] == c[0].site_energy[0]);
    CHECK(d[0].site_energy[1] == c[0].site_energy[1]);
    for (int k = 0; k < 6; ++k) CHECK(d[0].plus_stress[k] == c[0].plus_stress[k]);
    // MLIP's layout separates a feature's name and value by a tab.
    CHECK(d[0].features[0] == c[0].features[0]);
    CHECK(d[0].features[1] == "tag\tmd16_400K");
    CHECK(d[1].pos[0].y == 0.5);
    CHECK(contains(out.str(), " Feature   EFS_by\tVASP\n"));
    CHECK(contains(out.str(), "    -1.2500000000000000e+01\n"));
}

TEST_CASE("cfg reader: references in tests/data round-trip exactly") {
    const std::string path = std::string(MDRUN_TEST_DATA) + "/mtp/ZrYbO_lev18/reference_mlp_dft_subset.cfg";
    const auto a = read_cfg(path);
    REQUIRE(a.size() == 10);  // the first 10 of the 40 DFT snapshots (tests/data/mtp/SOURCE.md)
    std::ostringstream out;
    write_cfg(out, a);
    const auto b = parse(out.str());
    REQUIRE(b.size() == a.size());
    bool same = true;
    for (size_t k = 0; k < a.size(); ++k) {
        same = same && a[k].energy == b[k].energy && a[k].size() == b[k].size();
        for (size_t i = 0; i < a[k].size(); ++i)
            same = same && a[k].pos[i].x == b[k].pos[i].x && a[k].force[i].z == b[k].force[i].z && a[k].type[i] == b[k].type[i];
    }
    CHECK(same);
}

TEST_CASE("malformed cfg files give errors naming file, line and what was expected") {
    const std::string good = kTwo;
    auto with = [&](const std::string& from, const std::string& to) {
        std::string s = good;
        const auto p = s.find(from);
        REQUIRE(p != std::string::npos);
        return s.replace(p, from.size(), to);
    };
    REQUIRE(error_of(good).empty());
    CHECK_THROWS_WITH_AS(read_cfg("/nonexistent.cfg"), doctest::Contains("cannot open"), Error);
    SUBCASE("truncated: no END_CFG") {
        const std::string e = error_of(good.substr(0, good.find("END_CFG")));
        CHECK(contains(e, "t.cfg:1:"));
        CHECK(contains(e, "no END_CFG"));
    }
    SUBCASE("truncated inside AtomData") {
        CHECK(contains(error_of(good.substr(0, good.find("    0 8"))), "expected 2 atom lines"));
    }
    SUBCASE("fewer atom lines than Size") {
        const std::string e = error_of(with("    2\n", "    3\n"));
        CHECK(contains(e, "t.cfg:11:"));
        CHECK(contains(e, "expected 3 atom lines"));
    }
    SUBCASE("bad number") {
        const std::string e = error_of(with("0.25 0.75", "0.25 0.7.5"));
        CHECK(contains(e, "t.cfg:10:"));
        CHECK(contains(e, "expected a number for cartes_y"));
    }
    SUBCASE("bad Size") { CHECK(contains(error_of(with("    2\n", "    two\n")), "expected an integer for Size")); }
    SUBCASE("wrong number of values on an atom line") {
        CHECK(contains(error_of(with("-0.3 -0.1 -0.2", "-0.3 -0.1")), "expected 8 (one per AtomData column)"));
    }
    SUBCASE("unknown column") { CHECK(contains(error_of(with("fz fx fy", "fz fx fq")), "unknown AtomData column 'fq'")); }
    SUBCASE("missing type column") { CHECK(contains(error_of(with("type id", "id")), "has no 'type' column")); }
    SUBCASE("Stress is rejected") { CHECK(contains(error_of(with("PlusStress:", "Stress:")), "'Stress' is not supported")); }
    SUBCASE("bad stress column") { CHECK(contains(error_of(with("xy xz", "xy xq")), "PlusStress column 'xq'")); }
    SUBCASE("negative type") { CHECK(contains(error_of(with("    1 7", "    -1 7")), "non-negative species index")); }
    SUBCASE("garbage between configurations") {
        CHECK(contains(error_of(with("\nBEGIN_CFG\n Size\n  1", "\nhello\nBEGIN_CFG\n Size\n  1")), "expected BEGIN_CFG, found 'hello'"));
    }
    SUBCASE("unknown keyword") { CHECK(contains(error_of(with(" Energy\n", " Energi\n")), "unexpected 'Energi'")); }
}

TEST_CASE("cfg writer: atom lines have exactly printf's \"%.16e\" characters (to_chars), awkward values included") {
    CfgConfig c;
    c.has_lattice = true;
    c.lattice = Mat3{{{10.5, 0, 0}, {0, -0.0, 0}, {0, 0, 1e-310}}};
    const double v[] = {-0.0, 1e-310, 5e-324, 1.7976931348623157e308, -123456.789e-100, 0.1, -2.5e100, 1.0 / 3.0, 9.999999999999999e22};
    const int n = 9;
    for (int a = 0; a < n; ++a) {
        c.id.push_back(1000000000000L + a);
        c.type.push_back(a == 0 ? -3 : a);
        c.pos.push_back(Vec3{v[a], v[(a + 1) % n], v[(a + 2) % n]});
        c.force.push_back(Vec3{v[(a + 3) % n], v[(a + 4) % n], v[(a + 5) % n]});
        c.site_energy.push_back(v[(a + 6) % n]);
    }
    c.has_forces = c.has_site_energies = true;
    std::ostringstream os;
    write_cfg(os, {c});
    std::istringstream in(os.str());
    std::string line;
    while (std::getline(in, line) && line.find("AtomData") == std::string::npos) {
    }
    for (int a = 0; a < n; ++a) {
        REQUIRE(std::getline(in, line));
        char want[512];
        std::snprintf(want, sizeof want, "    %ld %d  %.16e %.16e %.16e  %.16e %.16e %.16e  %.16e", c.id[a], c.type[a], c.pos[a].x,
                      c.pos[a].y, c.pos[a].z, c.force[a].x, c.force[a].y, c.force[a].z, c.site_energy[a]);
        CHECK(line == std::string(want));
    }
}

TEST_CASE("cfg writer: configurations larger than its formatting chunk keep every atom line, in order") {
    // write_cfg formats 2048 atoms at a time into a reused buffer (in parallel above 2000 atoms): 2 full
    // chunks and a partial one must give exactly the printf lines of all atoms, none lost or repeated.
    CfgConfig c;
    const int n = 2 * 2048 + 3;
    for (int a = 0; a < n; ++a) {
        c.id.push_back(a + 1);
        c.type.push_back(a % 3);
        c.pos.push_back(Vec3{a * 0.1, -a / 7.0, 1e-3 * a * a});
        c.force.push_back(Vec3{1.0 / (a + 1), -0.5 * a, 3.25});
    }
    c.has_forces = true;
    std::ostringstream os;
    write_cfg(os, {c});
    std::istringstream in(os.str());
    std::string line;
    while (std::getline(in, line) && line.find("AtomData") == std::string::npos) {
    }
    int bad = 0;
    for (int a = 0; a < n; ++a) {
        REQUIRE(std::getline(in, line));
        char want[512];
        std::snprintf(want, sizeof want, "    %ld %d  %.16e %.16e %.16e  %.16e %.16e %.16e", c.id[a], c.type[a], c.pos[a].x,
                      c.pos[a].y, c.pos[a].z, c.force[a].x, c.force[a].y, c.force[a].z);
        if (line != want) ++bad;
    }
    CHECK(bad == 0);
    REQUIRE(std::getline(in, line));
    CHECK(line == "END_CFG");
}
