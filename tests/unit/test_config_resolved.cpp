// The resolved configuration of run.log / resolved.toml (engine/core/config_resolved.cpp): valid TOML that parses
// back to the same RunConfig (every key, replica, [potential] and [analysis] table, absolute paths), so that
// resolving it again gives the same text. Cases: the bundled examples and configs with the constructs the
// former hand-written writer got wrong (inline tables in [analysis], arrays of tables in [potential]).
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "engine/core/config.hpp"

using namespace mdrun;

namespace {

std::string read(const std::string& path) {
    std::ifstream in(path);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// Drops the first line ("# resolved from <file> ..."), which names the file it came from.
std::string body(const std::string& resolved) { return resolved.substr(resolved.find('\n') + 1); }

void check_same(const RunConfig& a, const RunConfig& b) {
    CHECK(a.structure.file == b.structure.file);
    CHECK(a.structure.format == b.structure.format);
    CHECK(a.structure.elements == b.structure.elements);
    for (int k = 0; k < 3; ++k) CHECK(a.structure.replicate[k] == b.structure.replicate[k]);
    CHECK(a.structure.remove == b.structure.remove);
    CHECK(a.structure.remove_count == b.structure.remove_count);
    CHECK(a.structure.remove_seed == b.structure.remove_seed);
    REQUIRE(a.replicas.size() == b.replicas.size());
    for (std::size_t r = 0; r < a.replicas.size(); ++r) {
        const MdConfig &x = a.replicas[r].md, &y = b.replicas[r].md;
        CHECK(a.replicas[r].name == b.replicas[r].name);
        CHECK(a.replicas[r].directory == b.replicas[r].directory);
        CHECK(x.ensemble == y.ensemble);
        CHECK(x.timestep_fs == y.timestep_fs);  // bit for bit
        CHECK(x.steps == y.steps);
        CHECK(x.temperature_K == y.temperature_K);
        CHECK(x.tdamp_fs == y.tdamp_fs);
        CHECK(x.chain == y.chain);
        CHECK(x.tloop == y.tloop);
        CHECK(x.velocities == y.velocities);
        CHECK(x.seed == y.seed);
        CHECK(x.freeze == y.freeze);
        CHECK(x.neighbor_skin == y.neighbor_skin);
        CHECK(x.stop_on_close_pairs == y.stop_on_close_pairs);
        CHECK(x.max_displacement == y.max_displacement);
        CHECK(x.min_distance == y.min_distance);
    }
    CHECK(a.output.directory == b.output.directory);
    CHECK(a.output.thermo_every == b.output.thermo_every);
    CHECK(a.output.trajectory_every == b.output.trajectory_every);
    CHECK(a.output.trajectory_format == b.output.trajectory_format);
    CHECK(a.output.checkpoint_every == b.output.checkpoint_every);
    CHECK(a.output.progress_every_s == b.output.progress_every_s);
    CHECK(a.output.write_final == b.output.write_final);
    CHECK(a.has_analysis == b.has_analysis);
    if (a.has_analysis) CHECK(a.analysis == b.analysis);
}

// Resolves `text` (as if at `path`), parses the result from a different directory, resolves again.
void round_trip(const std::string& text, const std::string& path) {
    const RunConfig a = parse_config(text, path);
    const std::string ra = resolved_config_toml(a);
    INFO("resolved:\n" << ra);
    RunConfig b;
    REQUIRE_NOTHROW(b = parse_config(ra, "/elsewhere/resolved.toml"));
    check_same(a, b);
    CHECK(body(resolved_config_toml(b)) == body(ra));
}

}  // namespace

TEST_CASE("the bundled examples round-trip") {
    for (const char* ex : {"NaAlCl4", "NaAlCl4_replicas", "NaCl_born_dsf"}) {
        const std::string path = std::string(MDRUN_SOURCE_DIR) + "/inputs/" + ex + "/config.toml";
        INFO(path);
        round_trip(read(path), path);
    }
}

TEST_CASE("inline tables, arrays of tables, remove, freeze, NVE without temperature") {
    const std::string text = R"(
[structure]
file = "s.POSCAR"
replicate = [1, 2, 3]
remove = { element = "Na", count = 2, seed = 7 }
[potential]
kind = "born-coul-dsf"
cutoff = 8.0
alpha = 0.2
coulomb = true
charges = { Na = 1.0, Cl = -1.0 }
pairs = [ { a = "Na", b = "Na", A = 0.263704, rho = 0.317, sigma = 2.340, C = 1.048573, D = -0.499321 },
          { a = "Na", b = "Cl", A = 0.210963, rho = 0.317, sigma = 2.755, C = 6.990490, D = -8.675698 } ]
[md]
ensemble = "nve"
timestep_fs = 0.1
steps = 10
velocities = "file"
freeze = ["Cl"]
[analysis]
sample_every = 10
msd = { elements = ["Na"] }
vacf = { elements = ["Na"], max_lag_fs = 500 }
)";
    round_trip(text, "/data/run/config.toml");
    const std::string r = resolved_config_toml(parse_config(text, "/data/run/config.toml"));
    INFO(r);
    CHECK(r.find("file = \"/data/run/s.POSCAR\"") != std::string::npos);  // absolute
    CHECK(r.find("[analysis]") != std::string::npos);
    CHECK(r.find("max_lag_fs") != std::string::npos);
    CHECK(r.find("vacf = max_lag_fs") == std::string::npos);  // the former writer's invalid output
    CHECK(r.find("[[\"\"]]") == std::string::npos);
    CHECK(r.find("temperature_K") == std::string::npos);       // not given, not invented
    CHECK(r.find("timestep_fs = 0.10000000000000001") != std::string::npos);  // 17 digits: the same double
}

TEST_CASE("an MTP file path is made absolute against the config's directory") {
    const std::string text = "[structure]\nfile = \"a.cfg\"\nelements = [\"Na\", \"O\"]\n"
                             "[potential]\nkind = \"mtp\"\nfile = \"../pots/pot.mtp\"\nelements = [\"Na\", \"O\"]\n"
                             "[md]\nsteps = 5\ntemperature_K = 300.0\n";
    const std::string r = resolved_config_toml(parse_config(text, "/data/run/config.toml"));
    CHECK(r.find("file = \"/data/pots/pot.mtp\"") != std::string::npos);
    round_trip(text, "/data/run/config.toml");
}
