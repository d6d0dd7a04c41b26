// The GPU memory one batch needs (docs/cluster.md, "Memory per atom"): builds the CUDA backend's batch
// engine (kernels/batch_engine.hpp) for the replicas of each CONFIG.toml with the host executor, which
// allocates exactly the buffers the GPU would (same sizes: neighbour slots, per-atom state, tables), and
// prints their total (`device_bytes()`, the figure a GPU run prints in run.log), the neighbour slots per atom
// and the MTP scratch part. The scratch is the only part that depends on the device: the engine cuts the
// atoms into chunks whose scratch fits a budget (on a GPU half of the free memory; here 1 GiB, the host
// executor's), so it is reported apart, with the scratch one atom needs.
// Columns: atoms (all replicas), neighbour slots per atom (rows padded to the longest), total MiB, of it the
// scratch MiB, the MTP chunks, KiB per atom without the scratch, scratch KiB per atom of a chunk.
// usage: bench_batch_memory CONFIG.toml...
#include <algorithm>
#include <cstdio>
#include <exception>
#include <memory>
#include <string>
#include <vector>

#include "engine/core/config.hpp"
#include "engine/run/build_replicas.hpp"
#include "kernels/batch_backend.hpp"
#include "kernels/host_exec.hpp"

using namespace mdrun;

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: bench_batch_memory CONFIG.toml...\n");
        return 2;
    }
    std::printf("%8s %8s %10s %12s %8s %16s %18s\n", "atoms", "slots", "MiB_total", "MiB_scratch", "chunks",
                "KiB/atom_no_scr", "KiB/atom_scratch");
    for (int i = 1; i < argc; ++i) {
        try {
            const RunConfig cfg = load_config(argv[i]);
            auto reps = build_replicas(cfg, true);
            BatchBackend<HostExec, HostBuffer> b(reps, "cuda", "host executor");
            const auto& e = b.engine();
            const double total = static_cast<double>(e.device_bytes());
            const double scratch = static_cast<double>(e.scratch_device_bytes());
            // the scratch holds one chunk of atoms: ceil(atoms / chunks) of them
            const int chunks = std::max(1, e.mtp_chunks());
            const int per_chunk = (e.atoms() + chunks - 1) / chunks;
            std::printf("%8d %8d %10.1f %12.1f %8d %16.2f %18.2f\n", e.atoms(), e.capacity(), total / 1048576.0,
                        scratch / 1048576.0, chunks, (total - scratch) / 1024.0 / e.atoms(), scratch / 1024.0 / per_chunk);
        } catch (const std::exception& ex) {
            std::fprintf(stderr, "bench_batch_memory: %s: %s\n", argv[i], ex.what());
            return 1;
        }
    }
    return 0;
}
