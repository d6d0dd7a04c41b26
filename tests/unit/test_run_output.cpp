// thermo.csv writer (header, 17 significant digits, restart truncation), progress line formatting and
// the backend registry's --device handling.
#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "engine/md/backend.hpp"
#include "engine/core/error.hpp"
#include "engine/run/progress.hpp"
#include "engine/run/thermo_output.hpp"

using namespace mdrun;

namespace {
std::string slurp(const std::string& p) {
    std::ifstream in(p);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}
ReplicaObservables obs(long step, double t) {
    ReplicaObservables o;
    o.step = step;
    o.temperature_K = t;
    o.kinetic_eV = 0.1;
    o.potential_eV = -878.78945875030729;
    o.total_eV = o.kinetic_eV + o.potential_eV;
    o.conserved_eV = -862.11490004530731;
    o.pressure_bar = -2222.3409665728045;
    o.close_pairs = step == 20 ? 3 : 0;
    o.neighbor_rebuilds = step / 10;
    return o;
}
}  // namespace

TEST_CASE("thermo.csv: config.md header first, 17 significant digits that round-trip") {
    CHECK(std::string(ThermoWriter::header())
              .rfind("step,time_ps,temperature_K,kinetic_eV,potential_eV,total_eV,conserved_eV,pressure_bar", 0) == 0);
    const std::string row = ThermoWriter::format_row(obs(100, 600.00000000000045), 0.1);
    CHECK(row.rfind("100,0.10000000000000001,600.00000000000045,", 0) == 0);
    CHECK(row.find("-878.78945875030729") != std::string::npos);
    // Every field parses back to the identical double.
    std::istringstream is(row);
    std::string field;
    std::getline(is, field, ',');
    std::getline(is, field, ',');
    CHECK(std::stod(field) == 0.1);
}

TEST_CASE("thermo.csv restart keeps rows up to the checkpoint step and appends") {
    const std::string dir = (std::filesystem::temp_directory_path() / "mdrun_test_thermo").string();
    std::filesystem::create_directories(dir);
    const std::string p = dir + "/thermo.csv";
    {
        ThermoWriter w(p, -1);
        for (long s = 0; s <= 50; s += 10) w.write(obs(s, 300 + s), 0.001 * s);
        w.flush();
    }
    const std::string full = slurp(p);
    {
        ThermoWriter w(p, -1);  // a fresh run replaces the file
        for (long s = 0; s <= 20; s += 10) w.write(obs(s, 300 + s), 0.001 * s);
        w.write(obs(30, 999), 0.03);  // rows after the checkpoint (step 20) that a crash left behind
        w.flush();
    }
    {
        ThermoWriter w(p, 20);
        for (long s = 30; s <= 50; s += 10) w.write(obs(s, 300 + s), 0.001 * s);
        w.flush();
    }
    CHECK(slurp(p) == full);
    {
        std::ofstream bad(p);
        bad << "something,else\n";
    }
    CHECK_THROWS_AS(ThermoWriter(p, 20), Error);
    CHECK_THROWS_AS(ThermoWriter(dir + "/missing.csv", 20), Error);
    std::filesystem::remove_all(dir);
}

TEST_CASE("progress formatting") {
    CHECK(format_duration(42) == "42s");
    CHECK(format_duration(185) == "3m 05s");
    CHECK(format_duration(3720) == "1h 02m");
    CHECK(format_duration(2 * 86400 + 3600) == "2d 01h");
    Progress p(0, 1000, 100, 0.001, 60);
    CHECK(p.line(0).find("step 0/1000") != std::string::npos);
    CHECK(p.line(250).find("25.0%") != std::string::npos);
}

TEST_CASE("--device: cpu always, auto falls back to cpu, cuda errors clearly without a registered GPU backend") {
    std::vector<std::unique_ptr<Replica>> none;
    CHECK(make_backend("cpu", none)->name() == "cpu");
    if (!find_backend("cuda")) {
        CHECK(make_backend("auto", none)->name() == "cpu");
        CHECK_THROWS_WITH_AS(make_backend("cuda", none), doctest::Contains("--device cuda"), Error);
    }
    CHECK_THROWS_AS(make_backend("tpu", none), Error);
}
