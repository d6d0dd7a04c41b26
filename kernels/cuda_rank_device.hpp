// The GPU of one MPI rank (`mpirun -n N mdrun`, engine/mpi/mpi_run.cpp). Built with the CUDA backend only.
#pragma once
#include <string>

namespace mdrun {

// Makes GPU local_rank % (GPUs this process sees) the current device, so that the CUDA backend created
// afterwards runs there; CUDA_VISIBLE_DEVICES (set by Slurm's --gpus-per-task, or by hand) is honoured
// because the runtime numbers only the visible devices. Returns "GPU k of n (local rank r)" for run.log,
// or "no GPU visible" (the run then falls back as --device says). Never throws.
std::string cuda_select_device_for_rank(int local_rank);

}  // namespace mdrun
