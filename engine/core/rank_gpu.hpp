// Which GPU an MPI rank takes (`mpirun -n N mdrun`, issue 15): kept apart from the CUDA calls
// (kernels/cuda_rank_device.cpp) so that the choice and its run.log note are built and unit-tested on a
// host without CUDA (tests/unit/test_rank_gpu.cpp).
#pragma once
#include <string>

namespace mdrun {

struct RankGpu {
    int device = -1;   // index among the GPUs this process sees; -1: none visible
    std::string note;  // for run.log: "GPU k of n visible (local rank r, CUDA_VISIBLE_DEVICES=...)"
};

// Rank `local_rank` among the ranks of its node takes GPU local_rank % visible_gpus, so the ranks of a
// node spread over its GPUs round-robin (more ranks than GPUs share them). visible_gpus is what the CUDA
// runtime counts, which already honours CUDA_VISIBLE_DEVICES (Slurm's --gpus-per-task sets it per task,
// and then every rank sees "its" GPU as device 0); cuda_visible_devices (may be null) is only reported.
// visible_gpus <= 0 gives device -1 and "no GPU visible". A negative local_rank is a programming error
// (throws mdrun::Error).
RankGpu rank_gpu(int local_rank, int visible_gpus, const char* cuda_visible_devices);

}  // namespace mdrun
