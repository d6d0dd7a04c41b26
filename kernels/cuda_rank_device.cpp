#include "kernels/cuda_rank_device.hpp"

#include <cuda_runtime.h>

#include <cstdlib>

#include "engine/core/rank_gpu.hpp"

namespace mdrun {

std::string cuda_select_device_for_rank(int local_rank) {
    int count = 0;
    if (cudaGetDeviceCount(&count) != cudaSuccess || count <= 0) {
        cudaGetLastError();  // clear the error: the CPU fallback must not see it later
        return "no GPU visible";
    }
    const RankGpu g = rank_gpu(local_rank, count, std::getenv("CUDA_VISIBLE_DEVICES"));
    if (cudaSetDevice(g.device) != cudaSuccess) {
        cudaGetLastError();
        return "cudaSetDevice(" + std::to_string(g.device) + ") failed";
    }
    return g.note;
}

}  // namespace mdrun
