// The whole `mdrun` run loop (engine/run/run_loop.cpp: replicas, thermo, trajectory, analysis sampling,
// checkpoints, final structures) driven through the batched GPU backend (kernels/batch_backend.hpp) with
// the HOST executor, registered under the name "cuda" in this test process. For born/coul/dsf every output
// file must equal the CPU backend's byte for byte (the batched bodies reproduce the CPU arithmetic exactly,
// and the backend wrapper — observables, sync_to_host, save/load — must not lose anything on the way). For
// the MTP the text outputs are compared to 1e-9 relative (see compare_runs), and a restarted batched run
// must end bit-identical to the uninterrupted batched run.
#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <vector>
#include <sstream>
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string>

#include "engine/md/backend.hpp"
#include "engine/run/checkpoint_format.hpp"
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

std::string config(const fs::path& out, long steps, long checkpoint_every) {
    const std::string data = MDRUN_TEST_DATA;
    return "[structure]\nfile = \"" + data + "/structures/Na3PS4_cNa3PS4_snapshot.POSCAR\"\n"
           "[potential]\nkind = \"mtp\"\nfile = \"" + data + "/mtp/Na3PS4_tensornet/pot.mtp\"\n"
           "elements = [\"Na\", \"P\", \"S\"]\n"
           // exact: the kernel bodies are compiled without contraction, so only the exact CPU mode is bitwise theirs
           "arithmetic = \"exact\"\nforce_sum = \"slots\"\n"
           "[md]\nensemble = \"nvt\"\ntimestep_fs = 2.0\nsteps = " + std::to_string(steps) + "\n"
           "temperature_K = 800.0\nvelocities = \"maxwell\"\nseed = 11\nneighbor_skin = 0.6\n"
           "[[replica]]\nname = \"T800\"\n"
           "[[replica]]\nname = \"T1100_frozenPS\"\ntemperature_K = 1100.0\nfreeze = [\"P\", \"S\"]\nchain = 4\n"
           "[[replica]]\nname = \"nve\"\nensemble = \"nve\"\ntimestep_fs = 1.0\n"
           "[output]\ndirectory = \"" + out.string() + "\"\nthermo_every = 10\ntrajectory_every = 20\n"
           "trajectory_format = \"extxyz\"\ncheckpoint_every = " + std::to_string(checkpoint_every) + "\n"
           "[analysis]\nsample_every = 10\nmsd = { elements = [\"Na\"] }\n"
           // per-site extrapolation grades every 10 steps (docs/grades.md): on the batched backend they come from the
           // device grade bodies, on the CPU from the force pass; every graded step is saved (save_above tiny),
           // so thermo.csv's max_grade and preselected.cfg compare the grades byte for byte
           "[extrapolation]\nstate = \"" + data + "/mtp/Na3PS4_tensornet/grade/state_nbh.als\"\nevery = 10\n"
           "save_above = 1e-6\nstop_above = 0\n";
}

// The LAMMPS reference NaCl system with born/coul/dsf (tests/data/lammps_reference), 3 replicas.
std::string born_config(const fs::path& out, long steps, long checkpoint_every) {
    const std::string data = MDRUN_TEST_DATA;
    return "[structure]\nfile = \"" + data + "/lammps_reference/data/nacl216_seed20240501.data\"\n"
           "format = \"lammps-data\"\nelements = [\"Na\", \"Cl\"]\n"
           // the full list: the CPU backend then sums in the batched bodies' order (bit for bit)
           "[potential]\nkind = \"born-coul-dsf\"\ncutoff = 8.0\nalpha = 0.2\ncoulomb = true\nneighbor_list = \"full\"\n"
           "pairs = [ { a = \"Na\", b = \"Na\", A = 0.263704, rho = 0.317, sigma = 2.340, C = 1.048573, D = -0.499321 },\n"
           "  { a = \"Na\", b = \"Cl\", A = 0.210963, rho = 0.317, sigma = 2.755, C = 6.990490, D = -8.675698 },\n"
           "  { a = \"Cl\", b = \"Cl\", A = 0.158222, rho = 0.317, sigma = 3.170, C = 72.40150, D = -145.4271 } ]\n"
           "[md]\nensemble = \"nvt\"\ntimestep_fs = 1.0\nsteps = " + std::to_string(steps) + "\n"
           "temperature_K = 600.0\nvelocities = \"maxwell\"\nseed = 77\nneighbor_skin = 1.0\n"
           "[[replica]]\nname = \"T600\"\n"
           "[[replica]]\nname = \"T900_frozenCl\"\ntemperature_K = 900.0\nfreeze = [\"Cl\"]\n"
           "[[replica]]\nname = \"nve\"\nensemble = \"nve\"\n"
           "[output]\ndirectory = \"" + out.string() + "\"\nthermo_every = 10\ntrajectory_every = 20\n"
           "trajectory_format = \"extxyz\"\ncheckpoint_every = " + std::to_string(checkpoint_every) + "\n";
}

void run(const fs::path& dir, const std::string& name, const std::string& device, long steps, long ckpt,
         const std::string& restart = "", bool born = false) {
    const fs::path cfg = dir / (name + ".toml");
    std::ofstream(cfg) << (born ? born_config(dir / name, steps, ckpt) : config(dir / name, steps, ckpt));
    RunOptions opt;
    opt.config_path = cfg.string();
    opt.device = device;
    opt.quiet = true;
    opt.restart_file = restart;
    CHECK(run_md(opt) == 0);
}

// Every regular file under a (relative path -> contents), except the run log (names the backend).
std::map<std::string, std::string> tree(const fs::path& a) {
    std::map<std::string, std::string> m;
    for (const auto& e : fs::recursive_directory_iterator(a)) {
        if (!e.is_regular_file()) continue;
        const std::string rel = fs::relative(e.path(), a).string();
        if (rel.find("run.log") != std::string::npos) continue;
        m[rel] = slurp(e.path());
    }
    return m;
}


void compare_runs(bool born) {
    register_backend(BackendEntry{"cuda", always, make_host_batched});
    const fs::path dir = fs::temp_directory_path() / ("mdrun_batch_run_" + std::to_string(::getpid()));
    fs::create_directories(dir);
    run(dir, "cpu", "cpu", 60, 0, "", born);
    run(dir, "gpu", "cuda", 60, 0, "", born);
    const auto a = tree(dir / "cpu"), b = tree(dir / "gpu");
    CHECK(a.size() == b.size());
    CHECK(a.count(born ? "T600/thermo.csv" : "T800/thermo.csv") == 1);
    if (!born) {
        // 7 graded steps (0, 10, ..., 60) per replica, all saved; where the grades came from, from run.log
        CHECK(a.count("T1100_frozenPS/preselected.cfg") == 1);
        const std::string ca = slurp(dir / "cpu" / "run.log"), cb = slurp(dir / "gpu" / "run.log");
        CHECK(ca.find("replica 'nve': 7 graded steps (1 by a separate host pass, the others by the cpu backend), 7 configurations") !=
              std::string::npos);
        CHECK(cb.find("replica 'nve': 7 graded steps (0 by a separate host pass, the others by the cuda backend), 7 configurations") !=
              std::string::npos);
    }
    for (const auto& [rel, text] : a) {
        CAPTURE(rel);
        REQUIRE(b.count(rel) == 1);
        std::string other = b.at(rel);
        // the checkpoint embeds the config, resolved.toml and summary.json name it (paths name the output folders
        // "cpu"/"gpu", of the same length); all else equal
        const auto same_paths = [&](std::string s) {
            const std::string from = (dir / "gpu").string(), to = (dir / "cpu").string();
            for (std::size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + 1)) s.replace(at, from.size(), to);
            std::string cfg_b = "gpu.toml", cfg_a = "cpu.toml";
            for (std::size_t at = s.find(cfg_b); at != std::string::npos; at = s.find(cfg_b, at + 1)) s.replace(at, cfg_b.size(), cfg_a);
            return s;
        };
        if (rel == "checkpoint.mdrun") {
            // section by section (each section's CRC covers its paths): the payloads equal once the paths do
            const auto sa = decode_checkpoint_sections(text, "cpu checkpoint");
            const auto sb = decode_checkpoint_sections(other, "gpu checkpoint");
            REQUIRE(sa.size() == sb.size());
            for (std::size_t k = 0; k < sa.size(); ++k) {
                CAPTURE(sa[k].name);
                CHECK(sa[k].name == sb[k].name);
                CHECK(sa[k].payload == same_paths(sb[k].payload));
            }
            continue;
        }
        if (rel == "resolved.toml" || rel.find("summary.json") != std::string::npos) other = same_paths(other);
        // Byte for byte for both potentials: the host build has no FMA contraction (-ffp-contract=off), so
        // MtpPotential's AVX2 clone and the batched bodies run the same operations.
        CHECK(text == other);
    }
    // restart: 30 steps with a checkpoint, then continue to 60 on the batched backend from it
    run(dir, "half", "cuda", 30, 30, "", born);
    run(dir, "half", "cuda", 60, 0, (dir / "half" / "checkpoint.mdrun").string(), born);
    // (compared with the uninterrupted batched run: a restart must continue bit for bit)
    for (const char* rep : born ? std::vector<const char*>{"T600", "T900_frozenCl", "nve"}
                                : std::vector<const char*>{"T800", "T1100_frozenPS", "nve"})
    {
        CHECK(slurp(dir / "half" / rep / "final.POSCAR") == b.at(std::string(rep) + "/final.POSCAR"));
        if (!born) {  // grades after the restart: thermo.csv's max_grade and preselected.cfg continue unchanged
            CHECK(slurp(dir / "half" / rep / "preselected.cfg") == b.at(std::string(rep) + "/preselected.cfg"));
            CHECK(slurp(dir / "half" / rep / "thermo.csv") == b.at(std::string(rep) + "/thermo.csv"));
        }
    }
    if (!getenv("MDRUN_KEEP_TEST_DIR")) fs::remove_all(dir);
}

}  // namespace

TEST_CASE("batched backend (host executor) through run_md: every output equals the CPU backend's (MTP)") {
    compare_runs(false);
}

TEST_CASE("batched backend (host executor) through run_md: every output equals the CPU backend's (born/coul/dsf)") {
    compare_runs(true);
}

namespace {

// The message run_md stops with (every replica above stop_above), with the run folder's path mapped to "RUN".
std::string stop_message(const fs::path& dir, const std::string& name, const std::string& device) {
    std::string text = config(dir / name, 30, 0);
    const std::string from = "stop_above = 0\n", to = "stop_above = 0.9\n";  // step 0 grades ~1.0: every replica stops
    REQUIRE(text.find(from) != std::string::npos);
    text.replace(text.find(from), from.size(), to);
    const fs::path cfg = dir / (name + ".toml");
    std::ofstream(cfg) << text;
    RunOptions opt;
    opt.config_path = cfg.string();
    opt.device = device;
    opt.quiet = true;
    std::string what;
    try {
        run_md(opt);
    } catch (const Error& e) {
        what = e.what();
    }
    const std::string path = (dir / name).string();
    for (std::size_t at = what.find(path); at != std::string::npos; at = what.find(path, at + 1)) what.replace(at, path.size(), "RUN");
    return what;
}

}  // namespace

TEST_CASE("batched backend (host executor): a grade above [extrapolation].stop_above stops with the CPU's message") {
    register_backend(BackendEntry{"cuda", always, make_host_batched});
    const fs::path dir = fs::temp_directory_path() / ("mdrun_batch_stop_" + std::to_string(::getpid()));
    fs::create_directories(dir);
    const std::string a = stop_message(dir, "cpu", "cpu"), b = stop_message(dir, "gpu", "cuda");
    CAPTURE(a);
    CHECK(a.find("every replica stopped") != std::string::npos);
    CHECK(a.find("step 0: replica 'nve': extrapolation grade") != std::string::npos);
    CHECK(a.find("worst atoms (id species grade):") != std::string::npos);
    CHECK(a == b);  // same grades, same worst atoms, same words
    // the configuration that stopped the run was saved
    CHECK(fs::file_size(dir / "gpu" / "T800" / "preselected.cfg") > 0);
    if (!getenv("MDRUN_KEEP_TEST_DIR")) fs::remove_all(dir);
}
