#include "kernels/cuda_rank_device.hpp"

#include <cuda_runtime.h>

#include <cstdlib>

namespace mdrun {

std::string cuda_select_device_for_rank(int local_rank) {
    int count = 0;
    if (cudaGetDeviceCount(&count) != cudaSuccess || count <= 0) {
        cudaGetLastError();  // clear the error: the CPU fallback must not see it later
        return "no GPU visible";
    }
    const int dev = local_rank % count;
    if (cudaSetDevice(dev) != cudaSuccess) {
        cudaGetLastError();
        return "cudaSetDevice(" + std::to_string(dev) + ") failed";
    }
    const char* visible = std::getenv("CUDA_VISIBLE_DEVICES");
    return "GPU " + std::to_string(dev) + " of " + std::to_string(count) + " visible (local rank " +
           std::to_string(local_rank) + (visible ? ", CUDA_VISIBLE_DEVICES=" + std::string(visible) : std::string()) + ")";
}

}  // namespace mdrun
