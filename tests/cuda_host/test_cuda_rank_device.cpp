// kernels/cuda_rank_device.cpp built without the CUDA backend (a host with the CUDA toolkit, tests/CMakeLists.txt):
// on a machine without a GPU (or without a driver) it must say "no GPU visible" without throwing or crashing;
// with GPUs it must make GPU local_rank % count current and leave no CUDA error for the backend created next.
// (Without a driver the runtime's error 35 stays whatever one does: nothing to check there.)
#include <doctest/doctest.h>

#include <cuda_runtime.h>

#include <string>

#include "kernels/cuda_rank_device.hpp"

using namespace mdrun;

TEST_CASE("cuda_select_device_for_rank takes local_rank % visible GPUs, or reports none") {
    int count = 0;
    const bool have = cudaGetDeviceCount(&count) == cudaSuccess && count > 0;
    cudaGetLastError();
    for (int r = 0; r < 5; ++r) {
        const std::string note = cuda_select_device_for_rank(r);
        if (!have) {
            CHECK(note == "no GPU visible");
            continue;
        }
        CHECK(cudaGetLastError() == cudaSuccess);
        int dev = -1;
        REQUIRE(cudaGetDevice(&dev) == cudaSuccess);
        CHECK(dev == r % count);
        CHECK(note.rfind("GPU " + std::to_string(r % count) + " of " + std::to_string(count) + " visible", 0) == 0);
    }
}
