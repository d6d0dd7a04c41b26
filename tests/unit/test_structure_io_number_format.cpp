// The writers that format with number_format.hpp (LAMMPS dump trajectory, LAMMPS data, POSCAR) give the bytes
// their snprintf versions gave, so files of old and new runs, and the two halves of a continued trajectory,
// compare equal. The dump frame is checked against the old writer's snprintf code kept here; the data file
// and POSCAR line by line against snprintf of the numbers each line holds (%.17g and % .16e read back
// to the same double). Values include -0, subnormals, huge and tiny exponents and inf/nan.
#include <doctest/doctest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "engine/core/lammps_cell.hpp"
#include "engine/io/structure_io.hpp"
#include "engine/io/trajectory.hpp"

using namespace mdrun;

namespace {

std::string temp_path(const std::string& name) {
    const auto dir = std::filesystem::temp_directory_path() / ("mdrun_test_numfmt_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    return (dir / name).string();
}

std::string slurp(const std::string& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

const double kInf = std::numeric_limits<double>::infinity();
const double kNaN = std::numeric_limits<double>::quiet_NaN();
const double kAwkward[] = {-0.0, 0.0, 1e-310, -5e-324, 1e300, -2.5e-100, 1.0 / 3.0, 123456789012345678.0, 1e16, 1e17,
                           1e-5, 9.9999999999999995e-5, -42.0, 0.1, 7.25};

// 40 atoms of three species (one with a long name) with awkward velocities and charges; positions inside a
// cell of rows `h` (periodic images included), so every writer accepts them.
System awkward_system(const Mat3& h, bool nonfinite) {
    System s;
    s.box = make_box(h);
    s.species = {"Na", "Cl", "Xx_a_rather_long_species_name"};
    const int n = 40, na = sizeof kAwkward / sizeof kAwkward[0];
    for (int i = 0; i < n; ++i) {
        s.type.push_back(i % 3);
        s.id.push_back(i == 7 ? 1000000000000L : i + 1);
        const Vec3 f{(i % 7) / 7.0 - 0.5, (i * 0.37) - std::floor(i * 0.37) + (i % 4 == 0 ? 1.0 : 0.0), i / 40.0};
        s.pos.push_back(vec_mat(f, s.box.h));
        s.vel.push_back(Vec3{kAwkward[i % na], kAwkward[(i + 3) % na], kAwkward[(i + 8) % na]});
        s.mass.push_back(s.type[i] == 0 ? 22.98977 : s.type[i] == 1 ? 35.453 : 1e-3);
        s.charge.push_back(s.type[i] == 1 ? -kAwkward[i % na] : kAwkward[i % na]);
    }
    if (nonfinite) {  // a blown-up run still writes its last frames the old way
        s.pos[1].x = kNaN;
        s.pos[2].y = -kInf;
        s.vel[4] = Vec3{kInf, -kNaN, kNaN};
    }
    s.has_velocities = true;
    return s;
}

// The LAMMPS dump frame as the snprintf writer produced it (its code, kept as the reference).
std::string old_dump_frame(const System& sys, long step) {
    const LammpsCell lc = lammps_cell(sys.box, "t");
    const std::size_t n = sys.size();
    std::ostringstream os;
    char buf[320];
    os << "ITEM: TIMESTEP\n" << step << "\nITEM: NUMBER OF ATOMS\n" << n << "\n";
    const double lx = lc.h.m[0][0], ly = lc.h.m[1][1], lz = lc.h.m[2][2];
    if (lc.tilted) {
        const double xy = lc.h.m[1][0], xz = lc.h.m[2][0], yz = lc.h.m[2][1];
        const double xlo = std::min({0.0, xy, xz, xy + xz}), xhi = lx + std::max({0.0, xy, xz, xy + xz});
        const double ylo = std::min(0.0, yz), yhi = ly + std::max(0.0, yz);
        std::snprintf(buf, sizeof buf,
                      "ITEM: BOX BOUNDS xy xz yz pp pp pp\n%.17g %.17g %.17g\n%.17g %.17g %.17g\n%.17g %.17g %.17g\n",
                      xlo, xhi, xy, ylo, yhi, xz, 0.0, lz, yz);
    } else {
        std::snprintf(buf, sizeof buf, "ITEM: BOX BOUNDS pp pp pp\n0 %.17g\n0 %.17g\n0 %.17g\n", lx, ly, lz);
    }
    os << buf << "ITEM: ATOMS id type element xu yu zu vx vy vz\n";
    const bool has_v = sys.vel.size() == n;
    for (std::size_t i = 0; i < n; ++i) {
        const Vec3 x = to_lammps_frame(sys.box, lc, sys.pos[i]);
        const Vec3 v = has_v ? to_lammps_frame(sys.box, lc, sys.vel[i]) : Vec3{0, 0, 0};
        const long id = sys.id.size() == n ? sys.id[i] : static_cast<long>(i) + 1;
        std::snprintf(buf, sizeof buf, "%ld %d %s %.17g %.17g %.17g %.17g %.17g %.17g\n", id, sys.type[i] + 1,
                      sys.species[static_cast<std::size_t>(sys.type[i])].c_str(), x.x, x.y, x.z, v.x, v.y, v.z);
        os << buf;
    }
    return os.str();
}

const Mat3 kOrthogonal{{{10.5, 0, 0}, {0, 12.25, 0}, {0, 0, 1e-3 + 9}}};
const Mat3 kTilted{{{10.0, 0, 0}, {-3.3, 9.0, 0}, {1.0 / 3.0, 2.5, 8.0}}};      // LAMMPS form, used as is
const Mat3 kRotated{{{7.0, 1.0, 0.5}, {0.25, 8.0, -1.0}, {0.5, 0.125, 9.0}}};  // turned into LAMMPS form

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);) out.push_back(l);
    return out;
}

std::vector<std::string> tokens(const std::string& line) {
    std::istringstream in(line);
    std::vector<std::string> t;
    for (std::string w; in >> w;) t.push_back(w);
    return t;
}

double num(const std::string& t) { return std::strtod(t.c_str(), nullptr); }

}  // namespace

TEST_CASE("LAMMPS dump frames are byte-identical to the snprintf writer's") {
    for (const Mat3* h : {&kOrthogonal, &kTilted, &kRotated}) {
        // Non-finite values only where the writer copies them (a cell in LAMMPS form): through the rotation
        // the sign of a NaN depends on the order the compiler gives the additions, not on the formatting.
        for (bool nonfinite : {false, h != &kRotated}) {
            CAPTURE(h == &kOrthogonal ? "orthogonal" : h == &kTilted ? "tilted" : "rotated");
            CAPTURE(nonfinite);
            const System s = awkward_system(*h, nonfinite);
            const std::string path = temp_path("t.lammpstrj");
            std::string want;
            {
                auto w = open_trajectory(path, "lammps-dump", s, -1);
                for (long step : {0L, 100L, 123456789012L}) {
                    w->write_frame(s, step, 0.0);
                    want += old_dump_frame(s, step);
                }
            }
            CHECK(slurp(path) == want);
        }
    }
}

TEST_CASE("LAMMPS data atom and velocity lines have printf's %ld/%d/%.17g characters") {
    for (const Mat3* h : {&kOrthogonal, &kTilted, &kRotated}) {
        for (bool charged : {true, false}) {
            System s = awkward_system(*h, false);
            if (!charged) s.charge.clear();
            const std::string path = temp_path("t.data");
            write_lammps_data(path, s);
            const std::vector<std::string> l = lines_of(slurp(path));
            std::size_t k = 0;
            while (k < l.size() && l[k].rfind("Atoms", 0) != 0) ++k;
            REQUIRE(k + 2 + s.size() <= l.size());
            int bad = 0, checked = 0;
            char want[512];
            for (std::size_t i = 0; i < s.size(); ++i) {
                const std::vector<std::string> t = tokens(l[k + 2 + i]);
                REQUIRE(t.size() == (charged ? 9u : 8u));
                const long id = std::atol(t[0].c_str());
                const int type = std::atoi(t[1].c_str());
                const std::size_t o = charged ? 3 : 2;
                if (charged)
                    std::snprintf(want, sizeof want, "%ld %d %.17g %.17g %.17g %.17g %ld %ld %ld", id, type, num(t[2]),
                                  num(t[o]), num(t[o + 1]), num(t[o + 2]), std::atol(t[o + 3].c_str()),
                                  std::atol(t[o + 4].c_str()), std::atol(t[o + 5].c_str()));
                else
                    std::snprintf(want, sizeof want, "%ld %d %.17g %.17g %.17g %ld %ld %ld", id, type, num(t[o]),
                                  num(t[o + 1]), num(t[o + 2]), std::atol(t[o + 3].c_str()), std::atol(t[o + 4].c_str()),
                                  std::atol(t[o + 5].c_str()));
                bad += l[k + 2 + i] != want;
                ++checked;
            }
            k += 2 + s.size();
            while (k < l.size() && l[k] != "Velocities") ++k;
            REQUIRE(k + 2 + s.size() <= l.size());
            for (std::size_t i = 0; i < s.size(); ++i) {
                const std::vector<std::string> t = tokens(l[k + 2 + i]);
                REQUIRE(t.size() == 4u);
                std::snprintf(want, sizeof want, "%ld %.17g %.17g %.17g", std::atol(t[0].c_str()), num(t[1]), num(t[2]),
                              num(t[3]));
                bad += l[k + 2 + i] != want;
                ++checked;
            }
            CHECK(checked == 2 * (int)s.size());
            CHECK(bad == 0);
            // the velocities of an as-is cell are written unchanged: -0 and subnormals included
            if (h != &kRotated) CHECK(l[k + 2] == "1 -0 -4.9406564584124654e-324 10000000000000000");
        }
    }
}

TEST_CASE("POSCAR lattice, coordinate and velocity lines have printf's \"% .16e\" characters") {
    for (const Mat3* h : {&kOrthogonal, &kTilted, &kRotated}) {
        const System s = awkward_system(*h, false);
        const std::string path = temp_path("t.POSCAR");
        write_poscar(path, s);
        const std::vector<std::string> l = lines_of(slurp(path));
        REQUIRE(l.size() == 8 + 2 * s.size() + 1);
        int bad = 0;
        char want[256];
        const auto check3 = [&](const std::string& line, const std::string& tail) {
            const std::vector<std::string> t = tokens(line);
            REQUIRE(t.size() >= 3u);
            std::snprintf(want, sizeof want, " % .16e % .16e % .16e%s", num(t[0]), num(t[1]), num(t[2]), tail.c_str());
            bad += line != want;
        };
        for (int r = 0; r < 3; ++r) check3(l[2 + r], "");
        for (std::size_t i = 0; i < s.size(); ++i) {
            const std::vector<std::string> t = tokens(l[8 + i]);
            REQUIRE(t.size() == 4u);
            check3(l[8 + i], " " + t[3]);
        }
        CHECK(l[8 + s.size()].empty());
        for (std::size_t i = 0; i < s.size(); ++i) check3(l[9 + s.size() + i], "");
        CHECK(bad == 0);
        // the first atom's velocity (-0, -5e-324) in Å/fs: -0 keeps its sign and takes the space's place
        CHECK(l[9 + s.size()].rfind(" -0.0000000000000000e+00 -0.0000000000000000e+00  1.", 0) == 0);
    }
}
