// GPU benchmark matrix: NVT MD with MTP level 16 (Na2O, tests/data/mtp/NaO_lev16) and level 22
// (La2Zr2O7 pyrochlore, tests/data/mtp/La2Zr2O7_lev22), systems of ~200 to ~100k atoms, 1 to 256
// replicas batched in one BatchEngine. Prints atom-steps/s, ns/day (per replica) and device memory.
// Exits 0 with a message when no GPU is visible.
// With --cpu, each system size is also run on the CPU backend (engine/md/dynamics.cpp, OpenMP, one replica) for
// comparison; --cpu-only does just that (works without a GPU). --kernel thread|warp|warp-global|both|all (default
// all): the MTP force kernel ([gpu] mtp_kernel; warp-global = the warp kernel with its per-atom blocks in global
// instead of shared memory); both = thread and warp, all = the three, every point run with each, side by side.
//   bench_gpu_matrix [--quick] [--seconds S] [--max-total-atoms N] [--data DIR] [--no-graphs] [--cpu|--cpu-only]
//                    [--kernel thread|warp|warp-global|both|all]
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <omp.h>

#include "engine/io/cfg_io.hpp"
#include "engine/md/dynamics.hpp"
#include "engine/io/structure_io.hpp"
#include "kernels/batch_engine.hpp"
#include "kernels/cuda_device.hpp"
#include "kernels/cuda_exec.cuh"
#include "kernels/device_buffer.hpp"
#include "potentials/mtp_file.hpp"
#include "potentials/mtp_potential.hpp"
#include "tests/support/batch_fixture.hpp"

using namespace mdrun;

namespace {

using DeviceEngine = BatchEngine<CudaExec, DeviceBuffer>;

struct Model {
    const char* label;
    const char* dir;
    int config;                  // configuration of reference_mlp.cfg used as the unit cell
    std::vector<double> masses;  // per MTP species
    std::vector<int> map;
    std::vector<std::array<int, 3>> reps;  // replications giving ~200, ~1k, ~10k, ~100k atoms
};

double now_s() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace

int main(int argc, char** argv) {
    bool quick = false, graphs = true, cpu = false, cpu_only = false;
    double seconds = 2.0;
    double max_total = 4.0e6;
    std::string data = MDRUN_TEST_DATA;  // the reference MTPs kept in the repository
    std::vector<std::string> kernels = {"thread", "warp", "warp-global"};
    for (int a = 1; a < argc; ++a) {
        if (!std::strcmp(argv[a], "--quick")) quick = true;
        else if (!std::strcmp(argv[a], "--no-graphs")) graphs = false;
        else if (!std::strcmp(argv[a], "--cpu")) cpu = true;
        else if (!std::strcmp(argv[a], "--cpu-only")) cpu = cpu_only = true;
        else if (!std::strcmp(argv[a], "--seconds") && a + 1 < argc) seconds = std::atof(argv[++a]);
        else if (!std::strcmp(argv[a], "--max-total-atoms") && a + 1 < argc) max_total = std::atof(argv[++a]);
        else if (!std::strcmp(argv[a], "--data") && a + 1 < argc) data = argv[++a];
        else if (!std::strcmp(argv[a], "--kernel") && a + 1 < argc) {
            const std::string k = argv[++a];
            if (k == "both") kernels = {"thread", "warp"};
            else if (k == "all") kernels = {"thread", "warp", "warp-global"};
            else if (k == "thread" || k == "warp" || k == "warp-global") kernels = {k};
            else {
                std::fprintf(stderr, "--kernel must be thread, warp, warp-global, both or all, got '%s'\n", k.c_str());
                return 2;
            }
        }
        else {
            std::fprintf(stderr, "usage: %s [--quick] [--seconds S] [--max-total-atoms N] [--data DIR] [--no-graphs] [--cpu|--cpu-only] "
                                 "[--kernel thread|warp|warp-global|both|all]\n", argv[0]);
            return 2;
        }
    }
    if (!cpu_only && !cuda_device_available()) {
        std::printf("bench_gpu_matrix: no GPU visible (%s); nothing to measure.\n", cuda_device_description().c_str());
        // the device check (scripts/gpu_run.sh) sets MDRUN_REQUIRE_GPU=1: there a missing GPU is a failure
        const char* req = std::getenv("MDRUN_REQUIRE_GPU");
        return (req && *req && std::strcmp(req, "0") != 0) ? 1 : 0;
    }
    if (!cpu_only) std::printf("# device: %s\n", cuda_device_description().c_str());
    if (cpu) std::printf("# CPU rows: engine/md/dynamics.cpp with %d OpenMP threads, one replica\n", omp_get_max_threads());
    std::printf("# NVT 600 K, dt 1 fs, skin 1 A, CUDA Graphs %s, FMA contraction %s (MDRUN_CUDA_FMAD)\n",
                graphs ? "on" : "off", MDRUN_BENCH_FMAD ? "on" : "off");
    const std::vector<Model> models = {
        {"lev16 Na2O", "NaO_lev16", 0, {22.98977, 15.9994}, {0, 1}, {{4, 4, 4}, {7, 7, 7}, {15, 15, 15}, {32, 32, 32}}},
        {"lev22 La2Zr2O7", "La2Zr2O7_lev22", 0, {138.905, 91.224, 15.9994}, {0, 1, 2},
         {{2, 1, 1}, {2, 2, 3}, {5, 5, 5}, {10, 10, 11}}},
    };
    const std::vector<int> replica_counts = quick ? std::vector<int>{1, 16} : std::vector<int>{1, 4, 16, 64, 256};
    std::printf("%-16s %8s %5s %-11s %10s %14s %12s %10s %6s %7s\n", "model", "atoms", "reps", "kernel", "steps", "atom-steps/s",
                "ns/day/rep", "MiB", "cap", "chunks");
    for (const Model& m : models) {
        MtpPotential pot(read_mtp(data + "/mtp/" + m.dir + "/pot.mtp"), m.map);
        const auto cfgs = read_cfg(data + "/mtp/" + m.dir + "/reference_mlp.cfg");
        for (std::size_t si = 0; si < m.reps.size(); ++si) {
            if (quick && si >= 2) break;
            System unit = system_from_cfg(cfgs[static_cast<std::size_t>(m.config)], m.masses);
            replicate(unit, m.reps[si][0], m.reps[si][1], m.reps[si][2]);
            const long natoms = static_cast<long>(unit.size());
            if (cpu) {
                System sys = unit;
                maxwell_boltzmann(sys, 600.0, 999);
                DynamicsParams p;
                p.ensemble = "nvt";
                p.dt_ps = 0.001;
                p.temperature_K = 600.0;
                p.tdamp_ps = 0.1;
                p.skin = 1.0;
                Dynamics dyn(p, sys, pot);
                dyn.setup();
                const double t0 = now_s();
                dyn.step();
                const double one = std::max(now_s() - t0, 1e-6);
                const long steps = std::max(2L, std::min(static_cast<long>(seconds / one), 100000L));
                const double t1 = now_s();
                for (long k = 0; k < steps; ++k) dyn.step();
                const double dt = now_s() - t1;
                std::printf("%-16s %8ld %5s %-11s %10ld %14.4e %12.3f %10s %6s %7s\n", m.label, natoms, "cpu", "-", steps,
                            static_cast<double>(natoms) * steps / dt, steps * p.dt_ps * 1e-3 / dt * 86400.0, "-", "-", "-");
                std::fflush(stdout);
            }
            if (cpu_only) continue;
            for (int R : replica_counts) {
                if (static_cast<double>(natoms) * R > max_total) continue;
                std::vector<System> sys(static_cast<std::size_t>(R), unit);
                DynamicsParams p;
                p.ensemble = "nvt";
                p.dt_ps = 0.001;
                p.temperature_K = 600.0;
                p.tdamp_ps = 0.1;
                p.skin = 1.0;
                std::vector<BatchReplicaSpec> specs;
                for (int r = 0; r < R; ++r) {
                    maxwell_boltzmann(sys[static_cast<std::size_t>(r)], 600.0, 1000 + r);
                    BatchReplicaSpec s;
                    s.sys = &sys[static_cast<std::size_t>(r)];
                    for (int t : unit.type) s.mtp_type.push_back(m.map[static_cast<std::size_t>(t)]);
                    s.params = p;
                    s.list_cutoff = neighbor_list_cutoff(pot, p.skin);
                    s.max_displacement = 1.0;
                    s.stop_on_close_pairs = false;
                    specs.push_back(std::move(s));
                }
                for (const std::string& kernel : kernels) try {
                    std::size_t free0 = 0, total = 0;
                    cuda_memory_info(free0, total);
                    CudaExec cx(graphs);
                    BatchOptions opt;
                    opt.mtp_kernel = kernel == "thread" ? "thread" : "warp";
                    opt.warp_memory = kernel == "warp-global" ? "global" : (kernel == "warp" ? "shared" : "auto");
                    DeviceEngine e(cx, pot.tables(), specs, opt);
                    e.setup();
                    const double t0 = now_s();
                    e.advance(5);  // warm-up, graph capture (also allocates the advance() snapshot buffers)
                    e.observe();
                    std::size_t free1 = 0;
                    cuda_memory_info(free1, total);
                    const double warm = (now_s() - t0) / 5.0;
                    long steps = static_cast<long>(seconds / std::max(warm, 1e-6));
                    steps = std::max(10L, std::min(steps, 100000L));
                    const double t1 = now_s();
                    e.advance(steps);
                    e.observe();  // forces the sync
                    const double dt = now_s() - t1;
                    const double as = static_cast<double>(natoms) * R * steps / dt;
                    const double nsday = steps * p.dt_ps * 1e-3 / dt * 86400.0;
                    // after the columns: capacity grows (each redid steps, timed ones included) and, for the warp
                    // kernel, its site capacity and shared block per atom (what sets the warps per SM)
                    char extra[96] = "";
                    if (kernel != "thread")
                        std::snprintf(extra, sizeof extra, "  site_cap %d block %.1fKiB", e.site_capacity(),
                                      static_cast<double>(e.warp_block_bytes()) / 1024.0);
                    std::printf("%-16s %8ld %5d %-11s %10ld %14.4e %12.3f %10.1f %6d %7d  grows %ld%s%s\n", m.label, natoms, R, kernel.c_str(),
                                steps, as, nsday,
                                static_cast<double>(free0 - free1) / (1024.0 * 1024.0), e.capacity(), e.mtp_chunks(), e.grow_count(),
                                extra, e.halted() ? "  (halted!)" : "");
                    std::fflush(stdout);
                } catch (const std::exception& ex) {
                    std::printf("%-16s %8ld %5d %-11s   skipped: %s\n", m.label, natoms, R, kernel.c_str(), ex.what());
                }
            }
        }
    }
    return 0;
}
