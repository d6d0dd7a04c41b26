// Damaged input files never crash the readers: every truncation and many random token corruptions of
// reference files in each format either read successfully or throw mdrun::Error (never another exception,
// never a crash). Keeps bad input on the "clear error" path the developer guide requires.
#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "engine/core/error.hpp"
#include "engine/io/structure_io.hpp"

using namespace mdrun;

namespace {

const std::string kData = MDRUN_TEST_DATA;  // tests/data: reference files kept in the repository

std::vector<std::string> lines_of(const std::string& path, std::size_t max_lines) {
    std::ifstream in(path);
    std::vector<std::string> out;
    std::string l;
    while (out.size() < max_lines && std::getline(in, l)) out.push_back(l);
    return out;
}

std::string join(const std::vector<std::string>& lines, std::size_t n) {
    std::string s;
    for (std::size_t i = 0; i < n && i < lines.size(); ++i) s += lines[i] + "\n";
    return s;
}

// Reads `text` as `format`; returns 0 = read, 1 = mdrun::Error. Any other exception fails the test.
int try_read(const std::string& text, const std::string& name, const std::string& format,
             const std::vector<std::string>& elements) {
    const auto dir = std::filesystem::temp_directory_path() / ("mdrun_fuzz_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    const std::string path = (dir / name).string();
    std::ofstream(path) << text;
    try {
        System s = read_structure(path, format, elements);
        CHECK(s.pos.size() == s.type.size());
        CHECK(s.mass.size() == s.size());
        return 0;
    } catch (const Error& e) {
        CHECK(std::string(e.what()).size() > 0);
        return 1;
    } catch (const std::exception& e) {
        FAIL("non-mdrun exception for " << name << ": " << e.what() << "\n--- input ---\n" << text);
    }
    return 2;
}

struct Case {
    std::string file, name, format;
    std::vector<std::string> elements;
};

}  // namespace

TEST_CASE("truncated and corrupted files give mdrun::Error, never a crash") {
    const std::vector<Case> cases = {
        {kData + "/structures/NaAlCl4.POSCAR", "f.POSCAR", "poscar", {}},
        {kData + "/structures/NaAlCl4.extxyz", "f.extxyz", "extxyz", {}},
        {kData + "/mtp/Na3PS4_tensornet/Na3PS4_relaxed16.cfg", "f.cfg", "cfg", {"Na", "P", "S"}},
        {kData + "/lammps_reference/data/nacl216_seed20240501.data", "f.data", "lammps-data", {"Na", "Cl"}},
    };
    const char* garbage[] = {"", "x", "-", "1e999", "nan", "inf", "-1", "0", "3.5", "Xx", "#", "\"", "=", "{",
                             "99999999999999999999", "Atoms", "Lattice=\"1", "Properties=a:R:0", "BEGIN_CFG"};
    std::mt19937_64 rng(12345);
    for (const Case& c : cases) {
        CAPTURE(c.name);
        // The data file is long: its first 60 lines (header, Masses, some atoms) are enough to exercise parsing.
        auto lines = lines_of(c.file, 60);
        REQUIRE(lines.size() > 5);
        for (std::size_t n = 0; n <= lines.size(); ++n) try_read(join(lines, n), c.name, c.format, c.elements);
        for (int trial = 0; trial < 400; ++trial) {
            auto damaged = lines;
            const std::size_t li = rng() % damaged.size();
            std::istringstream ss(damaged[li]);
            std::vector<std::string> tok;
            std::string t;
            while (ss >> t) tok.push_back(t);
            const std::string g = garbage[rng() % (sizeof garbage / sizeof *garbage)];
            if (tok.empty() || rng() % 4 == 0) {
                damaged[li] = g;  // replace the whole line
            } else {
                tok[rng() % tok.size()] = g;
                std::string l;
                for (const auto& x : tok) l += x + " ";
                damaged[li] = l;
            }
            if (rng() % 5 == 0) damaged.erase(damaged.begin() + (long)(rng() % damaged.size()));
            try_read(join(damaged, damaged.size()), c.name, c.format, c.elements);
        }
    }
}
