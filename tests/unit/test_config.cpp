// config.toml parsing (docs/config.md): every key of the contract, defaults, [[replica]]
// overrides, unknown-key suggestions, wrong types and out-of-range values naming the key.
#include <doctest/doctest.h>

#include <string>

#include "engine/core/config.hpp"
#include "engine/core/error.hpp"

using namespace mdrun;

namespace {

// The full example of config.md (with the optional born-coul-dsf block left out).
const char* kFull = R"(
[structure]
file = "NaAlCl4_sc121.POSCAR"
format = "auto"
replicate = [1, 2, 3]
elements = ["Na", "Cl"]
remove = { element = "Na", count = 2, seed = 7 }

[potential]
kind = "mtp"
file = "pot.mtp"
elements = ["Na", "Al", "Cl"]

[md]
ensemble = "nvt"
timestep_fs = 2.0
steps = 100000
temperature_K = 600.0
tdamp_fs = 50.0
chain = 4
tloop = 2
velocities = "maxwell"
seed = 12345
freeze = ["Cl"]
neighbor_skin = 1.5

[[replica]]
name = "600K"
temperature_K = 600.0
[[replica]]
name = "600K_frozen_anions"
temperature_K = 700.0
freeze = ["Al", "Cl"]

[output]
directory = "runs/NaAlCl4_600K"
thermo_every = 100
trajectory_every = 1000
trajectory_format = "extxyz"
checkpoint_every = 100000

[analysis]
sample_every = 10
msd = { elements = ["Na"] }
)";

std::string error_of(const std::string& text) {
    try {
        parse_config(text, "/tmp/cfgtest/config.toml");
    } catch (const Error& e) {
        return e.what();
    }
    return "";
}

bool contains(const std::string& s, const std::string& sub) { return s.find(sub) != std::string::npos; }

const char* kMinimal = R"(
[structure]
file = "s.POSCAR"
[potential]
kind = "mtp"
[md]
steps = 10
temperature_K = 300
)";

}  // namespace

TEST_CASE("every key of config.md is read") {
    const RunConfig c = parse_config(kFull, "/tmp/cfgtest/config.toml");
    CHECK(c.structure.file == "/tmp/cfgtest/NaAlCl4_sc121.POSCAR");
    CHECK(c.structure.format == "auto");
    CHECK(c.structure.replicate[0] == 1);
    CHECK(c.structure.replicate[1] == 2);
    CHECK(c.structure.replicate[2] == 3);
    CHECK(c.structure.elements == std::vector<std::string>{"Na", "Cl"});
    CHECK(c.structure.remove);
    CHECK(c.structure.remove_element == "Na");
    CHECK(c.structure.remove_count == 2);
    CHECK(c.structure.remove_seed == 7);
    CHECK(toml::find<std::string>(c.potential, "kind") == "mtp");
    CHECK(c.md.ensemble == "nvt");
    CHECK(c.md.timestep_fs == 2.0);
    CHECK(c.md.steps == 100000);
    CHECK(c.md.temperature_K == 600.0);
    CHECK(c.md.tdamp_fs == 50.0);
    CHECK(c.md.chain == 4);
    CHECK(c.md.tloop == 2);
    CHECK(c.md.velocities == "maxwell");
    CHECK(c.md.seed == 12345);
    CHECK(c.md.freeze == std::vector<std::string>{"Cl"});
    CHECK(c.md.neighbor_skin == 1.5);
    CHECK(c.output.directory == "/tmp/cfgtest/runs/NaAlCl4_600K");
    CHECK(c.output.thermo_every == 100);
    CHECK(c.output.trajectory_every == 1000);
    CHECK(c.output.trajectory_format == "extxyz");
    CHECK(c.output.checkpoint_every == 100000);
    CHECK(c.has_analysis);
    CHECK(c.analysis.is_table());

    REQUIRE(c.replicas.size() == 2);
    CHECK(c.replicas[0].name == "600K");
    CHECK(c.replicas[0].directory == "/tmp/cfgtest/runs/NaAlCl4_600K/600K");
    CHECK(c.replicas[0].md.freeze == std::vector<std::string>{"Cl"});  // inherited from [md]
    CHECK(c.replicas[0].md.seed == 12345);                             // replica 0: [md].seed
    CHECK(c.replicas[1].name == "600K_frozen_anions");
    CHECK(c.replicas[1].directory == "/tmp/cfgtest/runs/NaAlCl4_600K/600K_frozen_anions");
    CHECK(c.replicas[1].md.temperature_K == 700.0);
    CHECK(c.replicas[1].md.freeze == std::vector<std::string>{"Al", "Cl"});
    CHECK(c.replicas[1].md.seed == 12346);  // own random stream: seed + index
    CHECK(c.replicas[1].md.chain == 4);     // other [md] keys inherited
}

TEST_CASE("defaults and a single replica writing into the output directory itself") {
    const RunConfig c = parse_config(kMinimal, "/tmp/cfgtest/config.toml");
    REQUIRE(c.replicas.size() == 1);
    CHECK(c.replicas[0].name.empty());
    CHECK(c.replicas[0].directory == c.output.directory);
    CHECK(c.md.ensemble == "nvt");
    CHECK(c.md.timestep_fs == 1.0);
    CHECK(c.md.tdamp_fs == 100.0);
    CHECK(c.md.chain == 3);
    CHECK(c.md.tloop == 1);
    CHECK(c.md.velocities == "auto");
    CHECK(c.md.neighbor_skin == 1.0);
    CHECK(c.md.stop_on_close_pairs);
    CHECK(c.output.thermo_every == 100);
    CHECK(c.output.trajectory_format == "h5md");
    CHECK(!c.has_analysis);
    // The resolved config lists every key, defaults included, and parses back as TOML.
    const std::string r = resolved_config_toml(c);
    CHECK(contains(r, "tdamp_fs = 100.0"));
    CHECK(contains(r, "checkpoint_every = 100000"));
    std::istringstream is(r);
    CHECK_NOTHROW(toml::parse(is, "resolved"));
}

TEST_CASE("unknown and misspelled keys name the key and suggest the closest") {
    std::string e = error_of(std::string(kMinimal) + "temprature_K = 5\n");
    CHECK(contains(e, "config.toml"));
    CHECK(contains(e, "[md].temprature_K"));
    CHECK(contains(e, "did you mean 'temperature_K'"));
    e = error_of(std::string(kMinimal) + "[output]\ntrajectory_evry = 10\n");
    CHECK(contains(e, "[output].trajectory_evry"));
    CHECK(contains(e, "did you mean 'trajectory_every'"));
    e = error_of(std::string(kMinimal) + "[outptu]\n");
    CHECK(contains(e, "outptu"));
    CHECK(contains(e, "did you mean 'output'"));
    e = error_of(std::string(kMinimal) + "[[replica]]\nname = \"a\"\ntdamp = 3\n");
    CHECK(contains(e, "[[replica]] #1.tdamp"));
    CHECK(contains(e, "did you mean 'tdamp_fs'"));
    e = error_of(R"([structure]
file = "x"
replicat = [1,1,1]
[potential]
kind = "mtp"
[md]
steps = 1
temperature_K = 1
)");
    CHECK(contains(e, "did you mean 'replicate'"));
    e = error_of(R"([structure]
file = "x"
remove = { element = "Na", cont = 1 }
[potential]
kind = "mtp"
[md]
steps = 1
temperature_K = 1
)");
    CHECK(contains(e, "[structure].remove.cont"));
}

TEST_CASE("wrong types name the key and the expected type") {
    std::string e = error_of(R"([structure]
file = "s"
[potential]
kind = "mtp"
[md]
steps = "ten"
temperature_K = 300
)");
    CHECK(contains(e, "[md].steps must be an integer"));
    e = error_of(std::string(kMinimal) + "[output]\ndirectory = 3\n");
    CHECK(contains(e, "[output].directory must be a string"));
    e = error_of(R"([structure]
file = "s"
replicate = [1, 2]
[potential]
kind = "mtp"
[md]
steps = 1
temperature_K = 300
)");
    CHECK(contains(e, "[structure].replicate"));
    e = error_of(R"([structure]
file = "s"
[potential]
kind = "mtp"
[md]
steps = 1
temperature_K = 300
freeze = "Cl"
)");
    CHECK(contains(e, "[md].freeze must be an array of strings"));
    e = error_of(std::string(kMinimal) + "[output]\nwrite_final = 1\n");
    CHECK(contains(e, "[output].write_final must be true or false"));
}

TEST_CASE("out-of-range and invalid values name the key") {
    auto md = [](const std::string& extra) {
        return std::string("[structure]\nfile = \"s\"\n[potential]\nkind = \"mtp\"\n[md]\nsteps = 10\n") + extra;
    };
    CHECK(contains(error_of(md("temperature_K = 300\ntimestep_fs = 0\n")), "[md].timestep_fs must be > 0"));
    CHECK(contains(error_of(md("temperature_K = 300\ntimestep_fs = -1\n")), "[md].timestep_fs must be > 0"));
    CHECK(contains(error_of(md("temperature_K = -5\n")), "[md].temperature_K must be >= 0"));
    CHECK(contains(error_of(md("temperature_K = 300\ntdamp_fs = 0\n")), "[md].tdamp_fs"));
    CHECK(contains(error_of(md("temperature_K = 300\nchain = 0\n")), "[md].chain"));
    CHECK(contains(error_of(md("temperature_K = 300\nchain = 17\n")), "[md].chain"));
    CHECK(contains(error_of(md("temperature_K = 300\ntloop = 0\n")), "[md].tloop"));
    CHECK(contains(error_of(md("temperature_K = 300\nensemble = \"nph\"\n")), "[md].ensemble must be one of nve, nvt, npt"));
    CHECK(contains(error_of(md("temperature_K = 300\nvelocities = \"random\"\n")), "[md].velocities"));
    CHECK(contains(error_of(md("temperature_K = 300\nseed = -1\n")), "[md].seed"));
    CHECK(contains(error_of(md("temperature_K = 300\nneighbor_skin = -1\n")), "[md].neighbor_skin"));
    CHECK(contains(error_of(md("")), "[md].temperature_K is required"));  // nvt without T
    CHECK(error_of(md("ensemble = \"nve\"\n")).empty());                   // nve with velocities from file
    CHECK(contains(error_of(md("temperature_K = 300\n[output]\nthermo_every = 0\n")), "[output].thermo_every"));
    CHECK(contains(error_of(md("temperature_K = 300\n[output]\ntrajectory_format = \"dcd\"\n")),
                   "[output].trajectory_format must be one of h5md, extxyz"));
    CHECK(contains(error_of(md("temperature_K = 300\n[output]\ncheckpoint_every = -1\n")), "[output].checkpoint_every"));
    CHECK(contains(error_of(md("temperature_K = 300\n[[replica]]\nname = \"a\"\n[[replica]]\nname = \"a\"\n")),
                   "used by two replicas"));
    CHECK(contains(error_of(md("temperature_K = 300\n[[replica]]\nname = \"../x\"\n")), "plain directory name"));
    CHECK(contains(error_of(md("temperature_K = 300\n[[replica]]\ntimestep_fs = 0\n")),
                   "[[replica]] #1.timestep_fs must be > 0"));
}

TEST_CASE("missing tables and keys, bad TOML, missing file") {
    CHECK(contains(error_of("[potential]\nkind = \"mtp\"\n[md]\nsteps = 1\n"), "missing table [structure]"));
    CHECK(contains(error_of("[structure]\nfile = \"s\"\n[md]\nsteps = 1\n"), "missing table [potential]"));
    CHECK(contains(error_of("[structure]\nfile = \"s\"\n[potential]\nkind = \"mtp\"\n"), "missing table [md]"));
    CHECK(contains(error_of("[structure]\nfile = \"s\"\n[potential]\nkind = \"mtp\"\n[md]\ntemperature_K = 1\n"),
                   "missing key [md].steps"));
    CHECK(contains(error_of("[structure]\nformat = \"auto\"\n"), "missing key [structure].file"));
    CHECK(contains(error_of("[md\nsteps = 1"), "not valid TOML"));
    CHECK_THROWS_WITH_AS(load_config("/nonexistent/dir/config.toml"),
                         doctest::Contains("configuration file not found"), Error);
}

TEST_CASE("paths: relative to the config file, absolute kept") {
    const RunConfig c = parse_config(
        "[structure]\nfile = \"/abs/s.POSCAR\"\n[potential]\nkind = \"mtp\"\n[md]\nsteps = 1\ntemperature_K = 1\n"
        "[output]\ndirectory = \"../out\"\n",
        "/tmp/a/b/config.toml");
    CHECK(c.structure.file == "/abs/s.POSCAR");
    CHECK(c.output.directory == "/tmp/a/out");
}

TEST_CASE("fingerprint ignores steps and [output], not the physics") {
    const std::string base = kMinimal;
    const auto f0 = config_fingerprint(parse_config(base, "/tmp/c/config.toml"));
    std::string more = base;
    more.replace(more.find("steps = 10"), 10, "steps = 99");
    CHECK(config_fingerprint(parse_config(more + "[output]\nthermo_every = 7\n", "/tmp/c/config.toml")) == f0);
    std::string hot = base;
    hot.replace(hot.find("temperature_K = 300"), 19, "temperature_K = 301");
    CHECK(config_fingerprint(parse_config(hot, "/tmp/c/config.toml")) != f0);
}

TEST_CASE("[gpu].mtp_kernel: thread by default, warp accepted, anything else named; not in the fingerprint") {
    const std::string base = kMinimal;
    CHECK(parse_config(base, "/tmp/c/config.toml").gpu.mtp_kernel == "thread");
    const RunConfig w = parse_config(base + "[gpu]\nmtp_kernel = \"warp\"\n", "/tmp/c/config.toml");
    CHECK(w.gpu.mtp_kernel == "warp");
    CHECK(contains(resolved_config_toml(w), "mtp_kernel = \"warp\""));
    CHECK(config_fingerprint(w) == config_fingerprint(parse_config(base, "/tmp/c/config.toml")));
    CHECK(contains(error_of(base + "[gpu]\nmtp_kernel = \"block\"\n"), "[gpu].mtp_kernel must be one of thread, warp"));
    CHECK(contains(error_of(base + "[gpu]\nmtp_kernal = \"warp\"\n"), "mtp_kernal"));
    CHECK(contains(error_of(base + "[gpu]\nmtp_kernel = 3\n"), "mtp_kernel"));
}
