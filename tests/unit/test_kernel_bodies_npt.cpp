// NPT on the batched GPU engine (kernels/npt_bodies.hpp), driven through the real run loop (run_md) with the
// HOST executor registered as "cuda": every replica has its own barostat and cell in the engine's buffers.
// Each batch mixes iso, aniso (couple xy, frozen atoms, a 2-link barostat chain with 2 sub-steps) and tri
// replicas with an NVT one, at a pressure far from equilibrium so that the cells change visibly and the lists
// are rebuilt under the deformation criterion.
//
// Expected agreement: bit for bit with the CPU backend (engine/md/dynamics_npt.cpp). The batched step runs the
// CPU's operations in its order: the same barostat_math functions, kinetic sums and virials summed in atom
// order (one reduction lane below 4097 atoms), the same list rows (sorted by (j, image)), image shifts n·h with
// the CPU's formula, and no FMA contraction on the host. born/coul/dsf uses [potential].neighbor_list = "full"
// (the CPU's half list sums pairs in another order) and the MTP force_sum = "slots" (the CPU's default
// chunks do too). So every output file
// (thermo.csv with the cell and pressure-tensor columns, trajectories, final structures, the checkpoint's
// dynamics and barostat sections) must be byte-identical, and a batched restart from a mid-run checkpoint must
// end byte-identical to the uninterrupted batched run.
#include <doctest/doctest.h>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

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

// The replicas of both potentials: three barostats and an NVT replica in one batch.
const char* kReplicas =
    "[[replica]]\nname = \"iso\"\n"
    "[[replica]]\nname = \"aniso\"\nbarostat = \"aniso\"\ncouple = \"xy\"\npchain = 2\nploop = 2\nfreeze = [\"FROZEN\"]\n"
    "[[replica]]\nname = \"tri\"\nbarostat = \"tri\"\npressure_bar = 2000.0\n"
    "[[replica]]\nname = \"nvt\"\nensemble = \"nvt\"\n";

std::string outputs(const fs::path& out, long checkpoint_every) {
    return "[output]\ndirectory = \"" + out.string() + "\"\nthermo_every = 5\ntrajectory_every = 20\n"
           "trajectory_format = \"extxyz\"\ncheckpoint_every = " + std::to_string(checkpoint_every) + "\n";
}

std::string replicas(const std::string& frozen) {
    std::string r = kReplicas;
    r.replace(r.find("FROZEN"), 6, frozen);
    return r;
}

// The LAMMPS reference NaCl system (216 atoms) with born/coul/dsf, the full list.
std::string born_config(const fs::path& out, long steps, long checkpoint_every) {
    const std::string data = MDRUN_TEST_DATA;
    return "[structure]\nfile = \"" + data + "/lammps_reference/data/nacl216_seed20240501.data\"\n"
           "format = \"lammps-data\"\nelements = [\"Na\", \"Cl\"]\n"
           "[potential]\nkind = \"born-coul-dsf\"\ncutoff = 8.0\nalpha = 0.2\ncoulomb = true\nneighbor_list = \"full\"\n"
           "pairs = [ { a = \"Na\", b = \"Na\", A = 0.263704, rho = 0.317, sigma = 2.340, C = 1.048573, D = -0.499321 },\n"
           "  { a = \"Na\", b = \"Cl\", A = 0.210963, rho = 0.317, sigma = 2.755, C = 6.990490, D = -8.675698 },\n"
           "  { a = \"Cl\", b = \"Cl\", A = 0.158222, rho = 0.317, sigma = 3.170, C = 72.40150, D = -145.4271 } ]\n"
           "[md]\nensemble = \"npt\"\ntimestep_fs = 1.0\nsteps = " + std::to_string(steps) + "\n"
           "temperature_K = 900.0\nvelocities = \"maxwell\"\nseed = 77\nneighbor_skin = 0.3\n"
           "pressure_bar = 20000.0\npdamp_fs = 50.0\n" +
           replicas("Cl") + outputs(out, checkpoint_every);
}

// The NaAlCl4 demo MTP (inputs/NaAlCl4, 48 atoms).
std::string mtp_config(const fs::path& out, long steps, long checkpoint_every) {
    const std::string dir = std::string(MDRUN_SOURCE_DIR) + "/inputs/NaAlCl4";
    return "[structure]\nfile = \"" + dir + "/supercell_b6167.cfg\"\nformat = \"cfg\"\nelements = [\"Na\", \"Al\", \"Cl\"]\n"
           "[potential]\nkind = \"mtp\"\nfile = \"" + dir + "/pot.mtp\"\nelements = [\"Na\", \"Al\", \"Cl\"]\n"
           // exact: the kernel bodies are compiled without contraction, so only the exact CPU mode is bitwise theirs
           "arithmetic = \"exact\"\nforce_sum = \"slots\"\n"
           "[md]\nensemble = \"npt\"\ntimestep_fs = 1.0\nsteps = " + std::to_string(steps) + "\n"
           "temperature_K = 300.0\nvelocities = \"maxwell\"\nseed = 5\nneighbor_skin = 0.3\n"
           "pressure_bar = 30000.0\npdamp_fs = 50.0\n" +
           replicas("Al") + outputs(out, checkpoint_every);
}

void run(const fs::path& dir, const std::string& name, const std::string& device, long steps, long ckpt, bool born,
         const std::string& restart = "") {
    const fs::path cfg = dir / (name + ".toml");
    std::ofstream(cfg) << (born ? born_config(dir / name, steps, ckpt) : mtp_config(dir / name, steps, ckpt));
    RunOptions opt;
    opt.config_path = cfg.string();
    opt.device = device;
    opt.quiet = true;
    opt.restart_file = restart;
    CHECK(run_md(opt) == 0);
}

std::map<std::string, std::string> tree(const fs::path& a) {
    std::map<std::string, std::string> m;
    for (const auto& e : fs::recursive_directory_iterator(a)) {
        if (!e.is_regular_file()) continue;
        const std::string rel = fs::relative(e.path(), a).string();
        if (rel.find("run.log") != std::string::npos) continue;  // (names the backend)
        m[rel] = slurp(e.path());
    }
    return m;
}

// Column `name` of a thermo.csv, row by row.
std::vector<double> column(const std::string& csv, const std::string& name) {
    std::istringstream in(csv);
    std::string line;
    std::getline(in, line);
    int idx = -1, k = 0;
    std::stringstream hs(line);
    for (std::string c; std::getline(hs, c, ','); ++k)
        if (c == name) idx = k;
    REQUIRE(idx >= 0);
    std::vector<double> v;
    while (std::getline(in, line)) {
        std::stringstream ls(line);
        std::string c;
        for (int j = 0; j <= idx; ++j) std::getline(ls, c, ',');
        v.push_back(std::stod(c));
    }
    return v;
}

void compare(bool born) {
    register_backend(BackendEntry{"cuda", always, make_host_batched});
    const fs::path dir = fs::temp_directory_path() / ("mdrun_batch_npt_" + std::to_string(::getpid()) + (born ? "b" : "m"));
    fs::create_directories(dir);
    const long steps = 60;
    run(dir, "cpu", "cpu", steps, 0, born);
    run(dir, "gpu", "cuda", steps, 0, born);
    const auto a = tree(dir / "cpu"), b = tree(dir / "gpu");
    CHECK(a.size() == b.size());
    REQUIRE(a.count("iso/thermo.csv") == 1);
    // the test is about moving cells: each barostat changed its volume by well over round-off, and tri its tilts
    for (const char* rep : {"iso", "aniso", "tri"}) {
        CAPTURE(rep);
        const std::vector<double> vol = column(a.at(std::string(rep) + "/thermo.csv"), "volume_A3");
        REQUIRE(vol.size() == static_cast<std::size_t>(steps / 5 + 1));
        CHECK(std::fabs(vol.back() - vol.front()) > 1e-3 * vol.front());
    }
    const std::vector<double> xy = column(a.at("tri/thermo.csv"), "xy_A");
    CHECK(xy.back() != 0.0);
    const std::vector<double> lx = column(a.at("aniso/thermo.csv"), "lx_A"), lz = column(a.at("aniso/thermo.csv"), "lz_A");
    CHECK(lx.back() / lx.front() != lz.back() / lz.front());  // aniso: the lengths moved independently
    for (const auto& [rel, text] : a) {
        CAPTURE(rel);
        REQUIRE(b.count(rel) == 1);
        std::string other = b.at(rel);
        const auto same_paths = [&](std::string s) {
            const std::string from = (dir / "gpu").string(), to = (dir / "cpu").string();
            for (std::size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + 1)) s.replace(at, from.size(), to);
            const std::string cb = "gpu.toml", ca = "cpu.toml";
            for (std::size_t at = s.find(cb); at != std::string::npos; at = s.find(cb, at + 1)) s.replace(at, cb.size(), ca);
            return s;
        };
        if (rel == "checkpoint.mdrun") {
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
        CHECK(text == other);
    }
    // restart in the middle on the batched backend: the same bits as the uninterrupted batched run
    run(dir, "half", "cuda", steps / 2, steps / 2, born);
    run(dir, "half", "cuda", steps, 0, born, (dir / "half" / "checkpoint.mdrun").string());
    for (const char* rep : {"iso", "aniso", "tri", "nvt"}) {
        CAPTURE(rep);
        CHECK(slurp(dir / "half" / rep / "final.POSCAR") == b.at(std::string(rep) + "/final.POSCAR"));
        CHECK(slurp(dir / "half" / rep / "thermo.csv") == b.at(std::string(rep) + "/thermo.csv"));
    }
    if (!getenv("MDRUN_KEEP_TEST_DIR")) fs::remove_all(dir);
}

}  // namespace

TEST_CASE("batched NPT (host executor): iso, aniso, tri and NVT replicas equal the CPU backend bit for bit (born/coul/dsf)") {
    compare(true);
}

TEST_CASE("batched NPT (host executor): iso, aniso, tri and NVT replicas equal the CPU backend bit for bit (MTP)") {
    compare(false);
}

TEST_CASE("batched NPT refuses a cell outside LAMMPS' orientation (the CPU backend rotates it)") {
    register_backend(BackendEntry{"cuda", always, make_host_batched});
    const fs::path dir = fs::temp_directory_path() / ("mdrun_batch_npt_rot_" + std::to_string(::getpid()));
    fs::create_directories(dir);
    const std::string data = MDRUN_TEST_DATA;
    // (this snapshot's a has a z component: lattice rows with a non-zero entry above the diagonal)
    std::ofstream(dir / "c.toml") << "[structure]\nfile = \"" + data + "/structures/Na3PS4_cNa3PS4_snapshot.POSCAR\"\n"
        "[potential]\nkind = \"mtp\"\nfile = \"" + data + "/mtp/Na3PS4_tensornet/pot.mtp\"\nelements = [\"Na\", \"P\", \"S\"]\n"
        "[md]\nensemble = \"npt\"\ntimestep_fs = 1.0\nsteps = 2\ntemperature_K = 600.0\nvelocities = \"maxwell\"\n"
        "[output]\ndirectory = \"" + (dir / "out").string() + "\"\n";
    RunOptions opt;
    opt.config_path = (dir / "c.toml").string();
    opt.device = "cuda";
    opt.quiet = true;
    std::string what;
    try {
        run_md(opt);
    } catch (const Error& e) {
        what = e.what();
    }
    CAPTURE(what);
    CHECK(what.find("LAMMPS' cell orientation") != std::string::npos);
    CHECK(what.find("--device cpu") != std::string::npos);
    if (!getenv("MDRUN_KEEP_TEST_DIR")) fs::remove_all(dir);
}
