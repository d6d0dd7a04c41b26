// Per-replica stops (issue 17, engine/run/replica_stop.hpp): a replica whose polyanion falls apart, whose
// framework melts or that fails a safety check stops ALONE — post-mortem snapshot, reason in its summary.json,
// stopped.json and run.log — and the other replicas finish with exactly the outputs they have without it;
// the exit status (4) and replicas.json say which replicas did not finish; a restart keeps a stopped replica
// stopped. Checked on the CPU backend and on the batched (CUDA) backend driven by the host executor.
#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "engine/md/backend.hpp"
#include "engine/core/error.hpp"
#include "engine/run/run_loop.hpp"
#include "kernels/batch_backend.hpp"
#include "kernels/host_exec.hpp"

using namespace mdrun;
namespace fs = std::filesystem;

namespace {

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::unique_ptr<Backend> make_host_batched(std::vector<std::unique_ptr<Replica>>& replicas) {
    return std::make_unique<BatchBackend<HostExec, HostBuffer>>(replicas, "cuda", "host-driven kernel bodies");
}
bool always(std::string&) { return true; }

fs::path scratch(const std::string& what) {
    const fs::path d = fs::temp_directory_path() / ("mdrun_replica_stop_" + what + "_" + std::to_string(::getpid()));
    fs::remove_all(d);
    fs::create_directories(d);
    return d;
}

// NaAlBr4, 24-atom cell (demo MTP): half the smallest cell width is 3.37 Å, so at 2500 K an Al-Br bond soon
// exceeds it and the reorientation analysis reports a broken polyanion (step 95 with these settings).
std::string nabr_config(const fs::path& out, const std::string& replicas, long steps, const std::string& analysis,
                        long checkpoint_every = 0) {
    const std::string data = std::string(MDRUN_TEST_DATA) + "/mtp/NaAlBr4_chgnet/";
    return "[structure]\nfile = \"" + data + "NaAlBr4_relaxed24.cfg\"\nformat = \"cfg\"\nelements = [\"Na\", \"Al\", \"Br\"]\n"
           "[potential]\nkind = \"mtp\"\nfile = \"" + data + "pot.mtp\"\nelements = [\"Na\", \"Al\", \"Br\"]\n"
           "[md]\nensemble = \"nvt\"\ntimestep_fs = 2.0\nsteps = " + std::to_string(steps) +
           "\ntemperature_K = 300.0\nstop_on_close_pairs = false\n" + replicas +
           "[output]\ndirectory = \"" + out.string() + "\"\nthermo_every = 10\ntrajectory_every = 50\ntrajectory_format = \"extxyz\"\n"
           "checkpoint_every = " + std::to_string(checkpoint_every) + "\n[analysis]\nsample_every = 5\n" + analysis;
}
const char* kHot = "[[replica]]\nname = \"hot\"\nseed = 5\ntemperature_K = 2500.0\n";
const char* kCold = "[[replica]]\nname = \"cold\"\nseed = 7\n";
const char* kReor = "msd = { elements = [\"Na\"] }\nreorientation = { centers = [\"Al\"], ligands = [\"Br\"] }\n";

int run(const fs::path& cfg_path, const std::string& text, const std::string& device, const std::string& restart = "") {
    std::ofstream(cfg_path) << text;
    RunOptions opt;
    opt.config_path = cfg_path.string();
    opt.device = device;
    opt.quiet = true;
    opt.restart_file = restart;
    return run_md(opt);
}

void check_polyanion_stop(const std::string& device) {
    const fs::path d = scratch("poly_" + device);
    REQUIRE(run(d / "both.toml", nabr_config(d / "both", std::string(kHot) + kCold, 200, kReor), device) == 4);
    const std::string replicas = slurp(d / "both" / "replicas.json");
    CAPTURE(replicas);
    CHECK(replicas.find("\"replicas_stopped\": 1") != std::string::npos);
    CHECK(replicas.find("\"name\": \"hot\", \"directory\": \"hot\", \"status\": \"stopped\"") !=
          std::string::npos);
    CHECK(replicas.find("\"name\": \"cold\", \"directory\": \"cold\", \"status\": \"finished\"") !=
          std::string::npos);
    CHECK(replicas.find("the polyanion fell apart") != std::string::npos);
    const std::string summary = slurp(d / "both" / "hot" / "summary.json");
    CHECK(summary.find("\"stop\": {\"step\": ") != std::string::npos);
    CHECK(summary.find("polyanion fell apart") != std::string::npos);
    CHECK(fs::exists(d / "both" / "hot" / "stopped.json"));
    bool postmortem = false;
    for (const auto& e : fs::directory_iterator(d / "both" / "hot"))
        postmortem = postmortem || e.path().filename().string().rfind("postmortem_step", 0) == 0;
    CHECK(postmortem);
    CHECK_FALSE(fs::exists(d / "both" / "hot" / "final.extxyz"));
    const std::string log = slurp(d / "both" / "run.log");
    CHECK(log.find("== STOPPED replica 'hot'") != std::string::npos);
    CHECK(log.find("did not finish: replica hot") != std::string::npos);
    CHECK(slurp(d / "both" / "cold" / "summary.json").find("\"stop\": null") != std::string::npos);

    // the surviving replica's outputs are those of a run without the failing one
    REQUIRE(run(d / "alone.toml", nabr_config(d / "alone", kCold, 200, kReor), device) == 0);
    for (const char* f : {"thermo.csv", "trajectory.extxyz", "final.extxyz", "msd.csv", "reorientation.csv"}) {
        CAPTURE(f);
        CHECK_FALSE(slurp(d / "alone" / f).empty());
        CHECK(slurp(d / "both" / "cold" / f) == slurp(d / "alone" / f));  // (one replica writes to the top directory)
    }
    fs::remove_all(d);
}

}  // namespace

TEST_CASE("a broken polyanion stops that replica only (CPU backend)") { check_polyanion_stop("cpu"); }

TEST_CASE("a broken polyanion stops that replica only (batched backend, host executor)") {
    register_backend(BackendEntry{"cuda", always, make_host_batched});
    check_polyanion_stop("cuda");
}

TEST_CASE("a melted framework stops that replica at a checkpoint; stop_on_melting = false keeps it") {
    for (const std::string device : {"cpu", "cuda"}) {
        CAPTURE(device);
        register_backend(BackendEntry{"cuda", always, make_host_batched});
        const fs::path d = scratch("melt_" + device);
        const std::string reps = std::string(kHot) + kCold;
        REQUIRE(run(d / "m.toml", nabr_config(d / "m", reps, 1500, "msd = { elements = [\"Na\"] }\n", 500), device) == 4);
        const std::string replicas = slurp(d / "m" / "replicas.json");
        CAPTURE(replicas);
        CHECK(replicas.find("\"status\": \"stopped\", \"last_step\": 1000, \"stop_reason\": \"step 1000 in replica 'hot': the framework melted (Al TMSD") !=
              std::string::npos);
        CHECK(slurp(d / "m" / "hot" / "summary.json").find("\"framework_melting\": true, \"melted_species\": [\"Al\"]") !=
              std::string::npos);
        // restart from the final checkpoint with more steps: the melted replica stays stopped
        REQUIRE(run(d / "m.toml", nabr_config(d / "m", reps, 1600, "msd = { elements = [\"Na\"] }\n", 500), device,
                    (d / "m" / "checkpoint.mdrun").string()) == 4);
        CHECK(slurp(d / "m" / "run.log").find("replica 'hot' stopped at step 1000 before this checkpoint") != std::string::npos);
        CHECK(slurp(d / "m" / "replicas.json").find("\"step_reached\": 1600") != std::string::npos);

        REQUIRE(run(d / "k.toml", nabr_config(d / "k", reps, 1500, "msd = { elements = [\"Na\"] }\nstop_on_melting = false\n", 500),
                    device) == 0);
        CHECK(slurp(d / "k" / "hot" / "summary.json").find("\"framework_melting\": true") != std::string::npos);
        fs::remove_all(d);
    }
}

TEST_CASE("safety stops of two replicas in one step: both reported, the third finishes; CPU == batched byte for byte") {
    register_backend(BackendEntry{"cuda", always, make_host_batched});
    const std::string data = MDRUN_SOURCE_DIR;
    auto cfg = [&](const fs::path& out, const std::string& reps) {
        return "[structure]\nfile = \"" + data + "/inputs/NaCl_born_dsf/nacl216_seed20240501.data\"\n"
               "format = \"lammps-data\"\nelements = [\"Na\", \"Cl\"]\n"
               // the full list: the CPU backend then sums in the batched bodies' order (bit for bit)
               "[potential]\nkind = \"born-coul-dsf\"\ncutoff = 8.0\nalpha = 0.2\ncoulomb = true\nneighbor_list = \"full\"\n"
               "pairs = [ { a = \"Na\", b = \"Na\", A = 0.263704, rho = 0.317, sigma = 2.340, C = 1.048573, D = -0.499321 },\n"
               "  { a = \"Na\", b = \"Cl\", A = 0.210963, rho = 0.317, sigma = 2.755, C = 6.990490, D = -8.675698 },\n"
               "  { a = \"Cl\", b = \"Cl\", A = 0.158222, rho = 0.317, sigma = 3.170, C = 72.40150, D = -145.4271 } ]\n"
               "[md]\nensemble = \"nvt\"\ntimestep_fs = 1.0\nsteps = 40\ntemperature_K = 600.0\nvelocities = \"maxwell\"\n"
               "neighbor_skin = 1.0\n" + reps +
               "[output]\ndirectory = \"" + out.string() + "\"\nthermo_every = 5\ntrajectory_every = 10\n"
               "trajectory_format = \"extxyz\"\ncheckpoint_every = 20\n[analysis]\nsample_every = 5\nmsd = { elements = [\"Na\"] }\n";
    };
    // replicas a and c move more than 0.02 Å in their first step (Maxwell velocities at 3000 K)
    const std::string reps = "[[replica]]\nname = \"a\"\nseed = 1\ntemperature_K = 3000.0\nmax_displacement = 0.02\n"
                             "[[replica]]\nname = \"b\"\nseed = 2\n"
                             "[[replica]]\nname = \"c\"\nseed = 3\ntemperature_K = 3000.0\nmax_displacement = 0.02\n";
    const fs::path d = scratch("safety");
    REQUIRE(run(d / "cpu.toml", cfg(d / "cpu", reps), "cpu") == 4);
    REQUIRE(run(d / "gpu.toml", cfg(d / "gpu", reps), "cuda") == 4);
    const std::string rj = slurp(d / "cpu" / "replicas.json");
    CAPTURE(rj);
    CHECK(rj.find("\"replicas_stopped\": 2") != std::string::npos);
    CHECK(rj.find("\"name\": \"b\", \"directory\": \"b\", \"status\": \"finished\"") != std::string::npos);
    CHECK(rj.find("step 1 in replica 'a': atom id") != std::string::npos);
    CHECK(rj.find("step 1 in replica 'c': atom id") != std::string::npos);
    for (const auto& e : fs::recursive_directory_iterator(d / "cpu")) {
        if (!e.is_regular_file()) continue;
        const std::string rel = fs::relative(e.path(), d / "cpu").string();
        if (rel == "run.log" || rel == "checkpoint.mdrun") continue;  // name the backend / embed the paths
        CAPTURE(rel);
        std::string a = slurp(e.path()), b = slurp(d / "gpu" / rel);
        const std::string from = (d / "gpu").string(), to = (d / "cpu").string();
        for (std::size_t at = b.find(from); at != std::string::npos; at = b.find(from, at + 1)) b.replace(at, from.size(), to);
        CHECK(a == b);
    }
    // the survivor equals a run of it alone
    REQUIRE(run(d / "b.toml", cfg(d / "b", "[[replica]]\nname = \"b\"\nseed = 2\n"), "cpu") == 0);
    CHECK_FALSE(slurp(d / "b" / "thermo.csv").empty());
    CHECK(slurp(d / "cpu" / "b" / "thermo.csv") == slurp(d / "b" / "thermo.csv"));
    CHECK(slurp(d / "cpu" / "b" / "msd.csv") == slurp(d / "b" / "msd.csv"));

    // every replica stopping is an error (exit through mdrun::Error), as a single replica's stop always was
    const std::string all = "[[replica]]\nname = \"a\"\nseed = 1\ntemperature_K = 3000.0\nmax_displacement = 0.02\n"
                            "[[replica]]\nname = \"c\"\nseed = 3\ntemperature_K = 3000.0\nmax_displacement = 0.02\n";
    CHECK_THROWS_WITH_AS(run(d / "all.toml", cfg(d / "all", all), "cpu"), doctest::Contains("every replica stopped"), Error);
    // they stopped at step 1, before the first checkpoint (step 20): no promise of an untouched one
    CHECK_THROWS_WITH_AS(run(d / "all2.toml", cfg(d / "all2", all), "cpu"),
                         doctest::Contains("no checkpoint had been written yet"), Error);
    CHECK(slurp(d / "all2" / "run.log").find("no checkpoint had been written yet") != std::string::npos);
    CHECK(slurp(d / "all2" / "run.log").find("checkpoint is untouched") == std::string::npos);
    fs::remove_all(d);
}
