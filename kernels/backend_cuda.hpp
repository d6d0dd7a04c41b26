// The CUDA backend behind engine/md/backend.hpp: all replicas batched in one BatchEngine on the device
// (kernels/batch_engine.hpp), the step loop replayed as a CUDA Graph, state copied to the host only when
// the run loop asks (observables, sync_to_host, save). Declared only in builds with MDRUN_HAVE_CUDA.
#pragma once
#include <memory>
#include <vector>

#include "engine/md/backend.hpp"

namespace mdrun {

// Registers "cuda" with engine/md/backend.hpp's registry (main() calls this under #ifdef MDRUN_HAVE_CUDA).
void register_cuda_backend();

// Creates the backend directly. Throws mdrun::Error when a replica's potential is not an MTP (the only
// potential with a GPU kernel so far) or when no device is visible.
std::unique_ptr<Backend> make_cuda_backend(std::vector<std::unique_ptr<Replica>>& replicas);

}  // namespace mdrun
