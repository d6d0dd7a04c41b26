// Device detection. Uses the runtime API only; every failure is reported as "no GPU" rather than an
// error, because `--device auto` must work on machines without a driver.
#include "kernels/cuda_device.hpp"

#include <cstddef>
#include <cstdio>
#include <string>

#include <cuda_runtime_api.h>

namespace mdrun {

namespace {
// A trivial kernel: launching it proves the binary carries code the device can run (a binary built for
// sm_80/sm_90 on an older GPU would otherwise fail only at the first real launch).
__global__ void probe_kernel(int* out) {
    if (out) *out = 1;
}
}  // namespace

bool cuda_device_available() {
    int count = 0;
    if (cudaGetDeviceCount(&count) != cudaSuccess || count <= 0) {
        cudaGetLastError();  // clear the sticky "no device" status
        return false;
    }
    probe_kernel<<<1, 1>>>(nullptr);
    if (cudaGetLastError() != cudaSuccess) return false;
    return cudaDeviceSynchronize() == cudaSuccess;
}

std::string cuda_device_description() {
    int count = 0;
    const cudaError_t st = cudaGetDeviceCount(&count);
    if (st != cudaSuccess) {
        cudaGetLastError();
        return std::string("no CUDA device (") + cudaGetErrorName(st) + ")";
    }
    if (count <= 0) return "no CUDA device";
    int dev = 0;
    cudaGetDevice(&dev);
    cudaDeviceProp p{};
    if (cudaGetDeviceProperties(&p, dev) != cudaSuccess) return "CUDA device (properties unavailable)";
    int driver = 0;
    cudaDriverGetVersion(&driver);
    char buf[512];
    std::snprintf(buf, sizeof buf, "%s (sm_%d%d, %.1f GiB, %d SMs, driver %d.%d)", p.name, p.major, p.minor,
                  static_cast<double>(p.totalGlobalMem) / (1024.0 * 1024.0 * 1024.0), p.multiProcessorCount,
                  driver / 1000, (driver % 1000) / 10);
    return buf;
}

void cuda_memory_info(std::size_t& free_bytes, std::size_t& total_bytes) {
    free_bytes = total_bytes = 0;
    if (cudaMemGetInfo(&free_bytes, &total_bytes) != cudaSuccess) {
        cudaGetLastError();
        free_bytes = total_bytes = 0;
    }
}

}  // namespace mdrun
