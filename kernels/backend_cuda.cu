// The CUDA backend: kernels/batch_backend.hpp over the CUDA executor and device buffers (one BatchEngine
// for all replicas on the device, the step replayed as a CUDA Graph), and its registration.
#include "kernels/backend_cuda.hpp"

#include <string>

#include "engine/core/error.hpp"
#include "kernels/batch_backend.hpp"
#include "kernels/cuda_device.hpp"
#include "kernels/cuda_exec.cuh"
#include "kernels/device_buffer.hpp"

namespace mdrun {

namespace {

bool cuda_available(std::string& why_not) {
    if (cuda_device_available()) return true;
    why_not = "no usable CUDA device is visible (" + cuda_device_description() + ")";
    return false;
}

}  // namespace

std::unique_ptr<Backend> make_cuda_backend(std::vector<std::unique_ptr<Replica>>& replicas) {
    std::string why;
    if (!cuda_available(why)) throw Error("--device cuda: " + why);
    return std::make_unique<BatchBackend<CudaExec, DeviceBuffer>>(replicas, "cuda", cuda_device_description());
}

void register_cuda_backend() {
    BackendEntry e;
    e.name = "cuda";
    e.available = cuda_available;
    e.make = make_cuda_backend;
    register_backend(e);
}

}  // namespace mdrun
