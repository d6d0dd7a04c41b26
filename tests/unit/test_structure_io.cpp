// Structure readers and writers against the reference structures in tests/data: POSCAR vs the
// ASE-written extxyz of the same crystal, POSCAR vs MLIP .cfg, the LAMMPS data files of the LAMMPS
// reference runs; round trips through the writers; POSCAR/extxyz/LAMMPS variants; clear errors.
#include <doctest/doctest.h>

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>

#include "engine/core/error.hpp"
#include "engine/io/structure_io.hpp"

using namespace mdrun;

namespace {

const std::string kData = MDRUN_TEST_DATA;  // tests/data: reference files kept in the repository

std::string temp_dir() {
    static std::string dir;
    if (dir.empty()) {
        dir = (std::filesystem::temp_directory_path() / ("mdrun_test_structure_io_" + std::to_string(::getpid()))).string();
        std::filesystem::create_directories(dir);
    }
    return dir;
}

std::string write_temp(const std::string& name, const std::string& text) {
    const std::string p = temp_dir() + "/" + name;
    std::ofstream(p) << text;
    return p;
}

// Message of the mdrun::Error thrown by f ("" if none).
template <class F>
std::string error_of(F f) {
    try {
        f();
    } catch (const Error& e) {
        return e.what();
    }
    return "";
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// Distance between two positions under the minimum image of `box`.
double image_distance(const Box& box, Vec3 a, Vec3 b) { return norm(minimum_image(box, a - b)); }

}  // namespace

TEST_CASE("POSCAR and the ASE-written extxyz of NaAlCl4 describe the same crystal") {
    const System p = read_structure(kData + "/structures/NaAlCl4.POSCAR", "auto", {});
    const System x = read_structure(kData + "/structures/NaAlCl4.extxyz", "auto", {});
    REQUIRE(p.size() == 24);
    REQUIRE(x.size() == 24);
    CHECK(p.species == std::vector<std::string>{"Na", "Al", "Cl"});
    CHECK(x.species == p.species);
    CHECK(p.box.h.m[0][0] == 9.886);
    CHECK(p.box.h.m[1][1] == 6.167);
    CHECK(p.box.h.m[2][2] == 10.322);
    for (int i = 0; i < 3; ++i)
        for (int k = 0; k < 3; ++k) CHECK(x.box.h.m[i][k] == doctest::Approx(p.box.h.m[i][k]).epsilon(1e-12));
    for (std::size_t i = 0; i < p.size(); ++i) {
        CHECK(p.type[i] == x.type[i]);
        CHECK(p.id[i] == (long)i + 1);
        CHECK(image_distance(p.box, p.pos[i], x.pos[i]) < 1e-7);  // ASE wrote 8 decimals
    }
    CHECK(p.mass[0] == doctest::Approx(22.98976928).epsilon(1e-14));
    CHECK(p.mass[23] == doctest::Approx(35.45).epsilon(1e-14));
    CHECK_FALSE(p.has_velocities);
    CHECK_FALSE(x.has_velocities);
    CHECK(p.frozen == std::vector<std::uint8_t>(24, 0));
    CHECK(p.force.size() == 24);
    CHECK(p.charge.empty());
}

TEST_CASE("POSCAR with repeated species blocks equals the MLIP .cfg of the same Na3PS4 supercell") {
    const std::string dir = kData + "/mtp/Na3PS4_tensornet/";
    for (const char* stem : {"Na3PS4_relaxed128", "Na47P16S64_vacancy128"}) {
        CAPTURE(stem);
        const System p = read_structure(dir + stem + ".POSCAR", "auto", {});
        const System c = read_structure(dir + stem + ".cfg", "auto", {"Na", "P", "S"});
        REQUIRE(p.size() == c.size());
        CHECK(p.species == std::vector<std::string>{"Na", "P", "S"});
        CHECK(c.species == p.species);
        for (std::size_t i = 0; i < p.size(); ++i) {
            CHECK(p.type[i] == c.type[i]);
            CHECK(image_distance(p.box, p.pos[i], c.pos[i]) < 1e-9);
        }
    }
}

TEST_CASE("cfg without elements is a clear error") {
    const std::string m = error_of([] {
        read_structure(kData + "/mtp/Na3PS4_tensornet/Na3PS4_relaxed16.cfg", "auto", {});
    });
    CHECK(contains(m, "Na3PS4_relaxed16.cfg"));
    CHECK(contains(m, "elements"));
}

TEST_CASE("LAMMPS data files of the reference runs: charges, Masses, Velocities, box") {
    const std::string path = kData + "/lammps_reference/data/nacl216_seed20240501.data";
    CHECK(detect_structure_format(path) == "lammps-data");
    const System s = read_structure(path, "auto", {"Na", "Cl"});
    REQUIRE(s.size() == 216);
    CHECK(s.species == std::vector<std::string>{"Na", "Cl"});
    CHECK(s.box.h.m[0][0] == 16.92);
    CHECK(s.box.h.m[1][1] == 16.92);
    CHECK(s.box.h.m[2][2] == 16.92);
    CHECK(s.box.h.m[1][0] == 0.0);
    // First atom, exactly as in the file.
    CHECK(s.id[0] == 1);
    CHECK(s.type[0] == 0);
    CHECK(s.charge.size() == 216);
    CHECK(s.charge[0] == 1.0);
    CHECK(s.pos[0].x == 16.90365163472909);
    CHECK(s.pos[0].y == 16.87128424432401);
    CHECK(s.pos[0].z == 0.024729387047711028);
    CHECK(s.has_velocities);
    CHECK(s.vel[0].x == -3.437879561429918);
    CHECK(s.vel[0].y == -3.7023340096135446);
    CHECK(s.vel[0].z == -0.14758706278336745);
    // Masses section takes precedence over the built-in table (35.453, not 35.45).
    CHECK(s.mass[0] == 22.989769);
    int n_cl = 0;
    for (std::size_t i = 0; i < s.size(); ++i)
        if (s.type[i] == 1) {
            ++n_cl;
            CHECK(s.mass[i] == 35.453);
            CHECK(s.charge[i] == -1.0);
        }
    CHECK(n_cl == 108);
    // Without element names the types are recognised from their masses.
    const System t = read_structure(path, "lammps-data", {});
    CHECK(t.species == std::vector<std::string>{"Na", "Cl"});
    CHECK(t.type == s.type);
    // The 4096-atom benchmark file.
    const System big = read_structure(kData + "/lammps_reference/data/nacl4096_seed7.data", "auto", {"Na", "Cl"});
    CHECK(big.size() == 4096);
    CHECK(big.box.h.m[2][2] == 45.12);
}

TEST_CASE("LAMMPS data: atomic style, triclinic tilt, origin, image flags, unsorted ids") {
    const std::string text =
        "triclinic test\n\n 3 atoms\n 2 atom types\n\n"
        "1.0 11.0 xlo xhi\n-2.0 8.0 ylo yhi\n0.5 10.5 zlo zhi\n 1.5 -0.5 0.25 xy xz yz\n\n"
        "Masses\n\n1 22.99 # Na\n2 35.45\n\n"
        "Atoms # atomic\n\n"
        "3 2 2.0 3.0 4.0 0 0 0\n"
        "1 1 1.0 -2.0 0.5 1 0 -1\n"
        "2 1 5.0 5.0 5.0 0 0 0\n\n"
        "Velocities\n\n2 0.1 0.2 0.3\n1 1 2 3\n3 -1 -2 -3\n";
    const std::string path = write_temp("tri.data", text);
    const System s = read_structure(path, "auto", {"Na", "Cl"});
    REQUIRE(s.size() == 3);
    CHECK(s.charge.empty());
    CHECK(s.id == std::vector<long>{1, 2, 3});
    CHECK(s.type == std::vector<int>{0, 0, 1});
    CHECK(s.box.h.m[0][0] == 10.0);
    CHECK(s.box.h.m[1][0] == 1.5);
    CHECK(s.box.h.m[1][1] == 10.0);
    CHECK(s.box.h.m[2][0] == -0.5);
    CHECK(s.box.h.m[2][1] == 0.25);
    CHECK(s.box.h.m[2][2] == 10.0);
    // Atom 1: (1,-2,0.5) - origin (1,-2,0.5) = 0, plus image (1,0,-1): a - c = (10.5, -0.25, -10).
    CHECK(s.pos[0].x == doctest::Approx(10.5).epsilon(1e-15));
    CHECK(s.pos[0].y == doctest::Approx(-0.25).epsilon(1e-15));
    CHECK(s.pos[0].z == doctest::Approx(-10.0).epsilon(1e-15));
    CHECK(s.pos[1].x == doctest::Approx(4.0));
    CHECK(s.pos[1].y == doctest::Approx(7.0));
    CHECK(s.pos[1].z == doctest::Approx(4.5));
    CHECK(s.vel[0].x == 1.0);
    CHECK(s.vel[1].z == 0.3);
    CHECK(s.vel[2].y == -2.0);
    CHECK(s.mass[0] == 22.99);
    CHECK(s.mass[2] == 35.45);
}

TEST_CASE("LAMMPS data errors name the file and line") {
    const std::string bad_col = write_temp("bad_col.data",
                                           "x\n\n1 atoms\n1 atom types\n0 1 xlo xhi\n0 1 ylo yhi\n0 1 zlo zhi\n\n"
                                           "Atoms # charge\n\n1 1 0.5 abc 0 0\n");
    CHECK(contains(error_of([&] { read_structure(bad_col, "lammps-data", {"Na"}); }), "bad_col.data:11: expected a coordinate, got 'abc'"));
    const std::string bad_type = write_temp("bad_type.data",
                                            "x\n\n1 atoms\n1 atom types\n0 1 xlo xhi\n0 1 ylo yhi\n0 1 zlo zhi\n\n"
                                            "Atoms # atomic\n\n1 3 0 0 0\n");
    CHECK(contains(error_of([&] { read_structure(bad_type, "lammps-data", {"Na"}); }), "bad_type.data:11: atom type 3 out of range"));
    const std::string style = write_temp("style.data",
                                         "x\n\n1 atoms\n1 atom types\n0 1 xlo xhi\n0 1 ylo yhi\n0 1 zlo zhi\n\n"
                                         "Atoms # full\n\n1 1 1 0 0 0 0\n");
    CHECK(contains(error_of([&] { read_structure(style, "lammps-data", {"Na"}); }), "style.data:9: atom style 'full'"));
    const std::string no_el = write_temp("noel.data",
                                         "x\n\n1 atoms\n1 atom types\n0 1 xlo xhi\n0 1 ylo yhi\n0 1 zlo zhi\n\n"
                                         "Masses\n\n1 500.0\n\nAtoms # atomic\n\n1 1 0 0 0\n");
    CHECK(contains(error_of([&] { read_structure(no_el, "lammps-data", {}); }), "cannot tell the element of atom type 1"));
}

TEST_CASE("POSCAR variants: Cartesian, negative scale (volume), selective dynamics, velocities") {
    const std::string cart = write_temp("cart.POSCAR",
                                        "NaCl\n2.0\n 2 0 0\n 0 2 0\n 0 0 2\nNa Cl\n1 1\nSelective dynamics\nCartesian\n"
                                        " 0.0 0.0 0.0 T T F\n 1.0 1.0 1.0 F F F\n\n"
                                        " 0.001 0.002 0.003\n -0.001 0 0\n");
    const System s = read_structure(cart, "auto", {});
    CHECK(s.box.h.m[0][0] == 4.0);
    CHECK(s.pos[1].x == 2.0);
    CHECK(s.pos[1].z == 2.0);
    REQUIRE(s.has_velocities);
    CHECK(s.vel[0].x == doctest::Approx(1.0).epsilon(1e-14));  // 0.001 Å/fs = 1 Å/ps
    CHECK(s.vel[0].z == doctest::Approx(3.0).epsilon(1e-14));
    CHECK(s.vel[1].x == doctest::Approx(-1.0).epsilon(1e-14));

    const std::string vol = write_temp("vol.vasp", "x\n-64\n 1 0 0\n 0 1 0\n 0 0 1\nNa\n1\nDirect\n 0.5 0.5 0.5\n");
    const System v = read_structure(vol, "auto", {});
    CHECK(v.box.h.m[2][2] == doctest::Approx(4.0).epsilon(1e-14));
    CHECK(v.pos[0].y == doctest::Approx(2.0).epsilon(1e-14));
    CHECK_FALSE(v.has_velocities);
}

TEST_CASE("POSCAR errors name the file and line and say what was expected") {
    const std::string vasp4 = write_temp("v4.POSCAR", "x\n1.0\n 2 0 0\n 0 2 0\n 0 0 2\n1 1\nDirect\n0 0 0\n0.5 0.5 0.5\n");
    CHECK(contains(error_of([&] { read_structure(vasp4, "poscar", {}); }), "v4.POSCAR:6: expected the element symbols (VASP 5"));
    const std::string lat = write_temp("lat.POSCAR", "x\n1.0\n 2 0 0\n 0 abc 0\n 0 0 2\nNa\n1\nDirect\n0 0 0\n");
    CHECK(contains(error_of([&] { read_structure(lat, "poscar", {}); }), "lat.POSCAR:4: expected a number for a lattice vector, got 'abc'"));
    const std::string shortf = write_temp("short.POSCAR", "x\n1.0\n 2 0 0\n 0 2 0\n 0 0 2\nNa\n2\nDirect\n0 0 0\n");
    CHECK(contains(error_of([&] { read_structure(shortf, "poscar", {}); }), "short.POSCAR:10: unexpected end of file"));
    const std::string unknown = write_temp("unk.POSCAR", "x\n1.0\n 2 0 0\n 0 2 0\n 0 0 2\nXx\n1\nDirect\n0 0 0\n");
    CHECK(contains(error_of([&] { read_structure(unknown, "poscar", {}); }), "unk.POSCAR: unknown element 'Xx'"));
    CHECK(contains(error_of([] { read_structure("/nonexistent/POSCAR", "auto", {}); }), "/nonexistent/POSCAR: cannot open"));
    // A structure element missing from an explicit elements list.
    CHECK(contains(error_of([] { read_structure(kData + "/structures/NaAlCl4.POSCAR", "auto", {"Na", "Cl"}); }),
                   "element 'Al' of the structure is not in the given elements list"));
}

TEST_CASE("elements list fixes the species order of POSCAR/extxyz") {
    const System s = read_structure(kData + "/structures/NaAlCl4.POSCAR", "auto", {"Cl", "Al", "Na"});
    CHECK(s.species == std::vector<std::string>{"Cl", "Al", "Na"});
    CHECK(s.type[0] == 2);
    CHECK(s.type[23] == 0);
}

TEST_CASE("extxyz: any column order, extra columns, velocity conventions, pbc") {
    const double tu = ase_time_unit_ps();
    CHECK(tu == doctest::Approx(0.010180505671156725).epsilon(1e-15));  // ase.units.fs**-1 * 1e-3 (ASE 3.22)
    const std::string text =
        "2\nenergy=-3.5 Properties=id:I:1:forces:R:3:pos:R:3:species:S:1:velocities:R:3 "
        "Lattice=\"5 0 0 0 6 0 1 0 7\" pbc=\"T T T\" comment=\"a b c\"\n"
        "1 0.1 0.2 0.3 1.0 2.0 3.0 na 1.0 0.0 0.0\n"
        "2 0.1 0.2 0.3 -1.0 -2.0 -3.0 Cl 0.0 0.0 2.0\n";
    const System s = read_structure(write_temp("cols.extxyz", text), "auto", {});
    CHECK(s.species == std::vector<std::string>{"Na", "Cl"});
    CHECK(s.box.h.m[2][0] == 1.0);
    CHECK(s.pos[0].x == 1.0);
    CHECK(s.pos[1].z == -3.0);
    REQUIRE(s.has_velocities);
    CHECK(s.vel[0].x == doctest::Approx(1.0 / tu).epsilon(1e-15));
    CHECK(s.vel[1].z == doctest::Approx(2.0 / tu).epsilon(1e-15));

    // GPUMD's `vel` is Å/fs; `momenta` divided by the `masses` column.
    const std::string gp = "1\nLattice=\"5 0 0 0 5 0 0 0 5\" Properties=species:S:1:pos:R:3:vel:R:3\nNa 0 0 0 0.01 0 0\n";
    CHECK(read_structure(write_temp("g.xyz", gp), "auto", {}).vel[0].x == doctest::Approx(10.0).epsilon(1e-15));
    const std::string mo =
        "1\nLattice=\"5 0 0 0 5 0 0 0 5\" Properties=species:S:1:pos:R:3:masses:R:1:momenta:R:3\nNa 0 0 0 20.0 2.0 0 0\n";
    const System m = read_structure(write_temp("m.xyz", mo), "auto", {});
    CHECK(m.mass[0] == 20.0);
    CHECK(m.vel[0].x == doctest::Approx(0.1 / tu).epsilon(1e-15));

    // pbc F makes that lattice row zero (non-periodic); no Lattice at all = cluster.
    const std::string slab = "1\nLattice=\"5 0 0 0 5 0 0 0 5\" Properties=species:S:1:pos:R:3 pbc=\"T T F\"\nNa 0 0 1\n";
    const System sl = read_structure(write_temp("slab.xyz", slab), "auto", {});
    CHECK(sl.box.periodic[0]);
    CHECK_FALSE(sl.box.periodic[2]);
    const System cl = read_structure(write_temp("cl.xyz", "1\nProperties=species:S:1:pos:R:3\nNa 0 0 1\n"), "auto", {});
    CHECK_FALSE(cl.box.periodic[0]);
}

TEST_CASE("extxyz with atomic numbers instead of symbols") {
    const std::string z = "2\nLattice=\"5 0 0 0 5 0 0 0 5\" Properties=Z:I:1:pos:R:3\n11 0 0 0\n17 2.5 2.5 2.5\n";
    const System s = read_structure(write_temp("z.xyz", z), "auto", {});
    CHECK(s.species == std::vector<std::string>{"Na", "Cl"});
    CHECK(s.pos[1].y == 2.5);
    CHECK(contains(error_of([&] {
                       read_structure(write_temp("z2.xyz", "1\nProperties=Z:I:1:pos:R:3\n200 0 0 0\n"), "auto", {});
                   }),
                   "z2.xyz:3: atomic number 200 out of range"));
}

TEST_CASE("extxyz errors") {
    CHECK(contains(error_of([&] { read_structure(write_temp("e1.xyz", "2\nProperties=species:S:1:pos:R:3\nNa 0 0 0\n"), "auto", {}); }),
                   "e1.xyz:4: unexpected end of file"));
    CHECK(contains(error_of([&] { read_structure(write_temp("e2.xyz", "1\nLattice=\"1 2 3\"\nNa 0 0 0\n"), "auto", {}); }),
                   "e2.xyz:2: Lattice must hold 9 numbers"));
    CHECK(contains(error_of([&] { read_structure(write_temp("e3.xyz", "1\nProperties=species:S:1:pos:R:3\nNa 0 x 0\n"), "auto", {}); }),
                   "e3.xyz:3: expected a position (number), got 'x'"));
    CHECK(contains(error_of([&] { read_structure(write_temp("e4.xyz", "1\n\nQq 0 0 0\n"), "auto", {}); }),
                   "e4.xyz:3: unknown element 'Qq'"));
}

TEST_CASE("round trips through write_poscar and write_extxyz keep structure, masses and velocities") {
    System s = read_structure(kData + "/lammps_reference/data/nacl216_frozenCl_seed20240502.data", "auto", {"Na", "Cl"});
    // Shift some atoms out of the cell: writers wrap, readers must give the same atoms modulo the lattice.
    s.pos[3] = s.pos[3] + Vec3{16.92, -2 * 16.92, 0.0};
    const std::string px = temp_dir() + "/rt.extxyz", pp = temp_dir() + "/rt.POSCAR";
    write_extxyz(px, s);
    write_poscar(pp, s);
    const System x = read_structure(px, "auto", {"Na", "Cl"});
    const System p = read_structure(pp, "auto", {"Na", "Cl"});
    REQUIRE(x.size() == s.size());
    REQUIRE(p.size() == s.size());
    CHECK(x.has_velocities);
    CHECK(p.has_velocities);
    for (std::size_t i = 0; i < s.size(); ++i) {
        CHECK(x.type[i] == s.type[i]);
        CHECK(x.mass[i] == s.mass[i]);  // the masses column keeps LAMMPS masses
        CHECK(image_distance(s.box, x.pos[i], s.pos[i]) < 1e-12);
        CHECK(norm(x.vel[i] - s.vel[i]) < 1e-12 * (1 + norm(s.vel[i])));
        for (int k = 0; k < 3; ++k) {
            const double f = component(to_fractional(x.box, x.pos[i]), k);
            CHECK(f >= 0.0);
            CHECK(f < 1.0);
        }
    }
    // POSCAR groups by species (stable): the input is already grouped (Na first, then Cl).
    for (std::size_t i = 0; i < s.size(); ++i) {
        CHECK(p.type[i] == s.type[i]);
        CHECK(image_distance(s.box, p.pos[i], s.pos[i]) < 1e-12);
        CHECK(norm(p.vel[i] - s.vel[i]) < 1e-12 * (1 + norm(s.vel[i])));
    }
}

TEST_CASE("replicate: counts, order, positions, box") {
    const System base = read_structure(kData + "/structures/NaAlCl4.POSCAR", "auto", {});
    System s = base;
    replicate(s, 1, 2, 1);
    REQUIRE(s.size() == 48);
    CHECK(s.box.h.m[1][1] == doctest::Approx(2 * 6.167).epsilon(1e-15));
    CHECK(s.id.back() == 48);
    for (std::size_t i = 0; i < 24; ++i) {
        CHECK(s.type[i + 24] == base.type[i]);
        CHECK(norm(s.pos[i + 24] - (base.pos[i] + row(base.box.h, 1))) < 1e-14);
    }
    // The same supercell as the verified file NaAlCl4_sc121 (which is sorted by species).
    const System ref = read_structure(kData + "/structures/NaAlCl4_sc121.POSCAR", "auto", {});
    REQUIRE(ref.size() == 48);
    for (int i = 0; i < 3; ++i)
        for (int k = 0; k < 3; ++k) CHECK(ref.box.h.m[i][k] == doctest::Approx(s.box.h.m[i][k]).epsilon(1e-12));
    for (std::size_t i = 0; i < ref.size(); ++i) {
        double best = 1e9;
        for (std::size_t j = 0; j < s.size(); ++j)
            if (s.type[j] == ref.type[i]) best = std::min(best, image_distance(s.box, s.pos[j], ref.pos[i]));
        CHECK(best < 1e-8);
    }
    System t = base;
    replicate(t, 2, 3, 4);
    CHECK(t.size() == 24 * 24);
    CHECK(contains(error_of([&] { replicate(t, 0, 1, 1); }), "counts must be >= 1"));
    System cl = read_structure(write_temp("cl2.xyz", "1\nProperties=species:S:1:pos:R:3\nNa 0 0 1\n"), "auto", {});
    CHECK(contains(error_of([&] { replicate(cl, 2, 1, 1); }), "not periodic"));
}

TEST_CASE("remove_random: reproducible by seed, exact count, only the chosen element") {
    System base = read_structure(kData + "/structures/NaAlCl4_sc121.POSCAR", "auto", {});
    base.vel[5] = Vec3{1, 2, 3};
    System a = base, b = base, c = base;
    remove_random(a, "Na", 3, 7);
    remove_random(b, "Na", 3, 7);
    remove_random(c, "Na", 3, 8);
    REQUIRE(a.size() == 45);
    int na = 0;
    for (int t : a.type) na += t == 0;
    CHECK(na == 5);
    CHECK(a.id.back() == 45);
    bool same = true, differs = false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        same = same && norm(a.pos[i] - b.pos[i]) == 0.0;
        differs = differs || norm(a.pos[i] - c.pos[i]) != 0.0;
    }
    CHECK(same);
    CHECK(differs);
    // Remaining atoms keep their order and their data.
    std::size_t j = 0;
    for (std::size_t i = 0; i < base.size() && j < a.size(); ++i)
        if (norm(base.pos[i] - a.pos[j]) == 0.0) {
            CHECK(a.type[j] == base.type[i]);
            CHECK(norm(a.vel[j] - base.vel[i]) == 0.0);
            ++j;
        }
    CHECK(j == a.size());
    CHECK(contains(error_of([&] { remove_random(a, "Na", 6, 1); }), "exceeds the 5 Na atoms"));
    CHECK(contains(error_of([&] { remove_random(a, "K", 1, 1); }), "'K' is not in the structure"));
    System all = base;
    remove_random(all, "Na", 8, 1);
    CHECK(all.size() == 40);
}

TEST_CASE("format detection by name and content") {
    CHECK(detect_structure_format("x/CONTCAR") == "poscar");
    CHECK(detect_structure_format("a.vasp") == "poscar");
    CHECK(detect_structure_format("a.extxyz") == "extxyz");
    CHECK(detect_structure_format("a.cfg") == "cfg");
    CHECK(detect_structure_format("data.nacl") == "lammps-data");
    CHECK(detect_structure_format(write_temp("noext1", "2\nLattice=\"1 0 0 0 1 0 0 0 1\"\nNa 0 0 0\nNa 0.5 0.5 0.5\n")) == "extxyz");
    CHECK(detect_structure_format(write_temp("noext2", "x\n1.0\n 2 0 0\n 0 2 0\n 0 0 2\nNa\n1\nDirect\n0 0 0\n")) == "poscar");
    CHECK(detect_structure_format(write_temp("noext3", "x\n\n2 atoms\n1 atom types\n")) == "lammps-data");
    CHECK(contains(error_of([] { read_structure(kData + "/structures/NaAlCl4.POSCAR", "pdb", {}); }),
                   "unknown structure format 'pdb'"));
}

TEST_CASE("write_lammps_data round trip: charges, masses, image flags keep unwrapped positions") {
    System s = read_structure(kData + "/lammps_reference/data/nacl216_seed20240501.data", "auto", {"Na", "Cl"});
    s.pos[7] = s.pos[7] + Vec3{-2 * 16.92, 16.92, 3 * 16.92};  // an unwrapped atom
    const std::string p = temp_dir() + "/rt.data";
    write_lammps_data(p, s);
    const System r = read_structure(p, "auto", {});  // elements from the "# Na" comments of Masses
    REQUIRE(r.size() == s.size());
    CHECK(r.species == s.species);
    CHECK(r.charge == s.charge);
    CHECK(r.mass == s.mass);
    CHECK(r.id == s.id);
    for (std::size_t i = 0; i < s.size(); ++i) {
        CHECK(norm(r.pos[i] - s.pos[i]) < 1e-12);
        CHECK(norm(r.vel[i] - s.vel[i]) == 0.0);
    }
}

TEST_CASE("write_lammps_data rotates a general triclinic cell into LAMMPS form") {
    // The monoclinic Na3PS4 snapshot, rotated so that a is not along x.
    System s = read_structure(kData + "/structures/Na3PS4_cNa3PS4_snapshot.POSCAR", "auto", {});
    const double c = std::cos(0.3), sn = std::sin(0.3);
    auto rot = [&](Vec3 v) { return Vec3{c * v.x - sn * v.y, sn * v.x + c * v.y, v.z}; };
    Mat3 h = s.box.h;
    for (int k = 0; k < 3; ++k) {
        const Vec3 v = rot(row(s.box.h, k));
        h.m[k][0] = v.x; h.m[k][1] = v.y; h.m[k][2] = v.z;
    }
    System t = s;
    t.box = make_box(h);
    for (std::size_t i = 0; i < t.size(); ++i) {
        t.pos[i] = rot(s.pos[i]);
        t.vel[i] = rot(Vec3{1.0 + (double)i, -2.0, 0.5});
    }
    const std::string p = temp_dir() + "/tri_rot.data";
    write_lammps_data(p, t);
    const System r = read_structure(p, "auto", {});
    REQUIRE(r.size() == t.size());
    CHECK(r.box.h.m[0][1] == 0.0);
    CHECK(r.box.h.m[0][2] == 0.0);
    CHECK(r.box.h.m[1][2] == 0.0);
    // Cell lengths, angles (via dot products), fractional coordinates and speeds are preserved.
    for (int a = 0; a < 3; ++a)
        for (int b = 0; b < 3; ++b)
            CHECK(dot(row(r.box.h, a), row(r.box.h, b)) ==
                  doctest::Approx(dot(row(t.box.h, a), row(t.box.h, b))).epsilon(1e-12));
    for (std::size_t i = 0; i < t.size(); ++i) {
        const Vec3 d = to_fractional(r.box, r.pos[i]) - to_fractional(t.box, t.pos[i]);
        CHECK(norm(d) < 1e-12);
        CHECK(norm(r.vel[i]) == doctest::Approx(norm(t.vel[i])).epsilon(1e-12));
        // Velocities turn with the cell: their projections on the lattice vectors are unchanged.
        for (int k = 0; k < 3; ++k)
            CHECK(dot(r.vel[i], row(r.box.h, k)) == doctest::Approx(dot(t.vel[i], row(t.box.h, k))).epsilon(1e-12));
    }
}
