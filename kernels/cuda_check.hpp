// Every CUDA runtime call in mdrun goes through MDRUN_CUDA_CHECK: a failure becomes an mdrun::Error
// that names the source file, line, the call as written and CUDA's own error name and text, so a
// failure on a machine we never saw still says exactly what went wrong.
// Host-side header (plain C++ plus the CUDA runtime API); never included by device code.
#pragma once
#include <string>

#include <cuda_runtime_api.h>

#include "engine/core/error.hpp"

namespace mdrun {

// Throws mdrun::Error when `status` is not cudaSuccess. Not inline-hidden in a macro so that it can be
// used directly where a status is already at hand (e.g. cudaGetLastError after a launch).
inline void cuda_check(cudaError_t status, const char* call, const char* file, int line) {
    if (status == cudaSuccess) return;
    throw Error(std::string(file) + ":" + std::to_string(line) + ": CUDA call `" + call + "` failed: " +
                cudaGetErrorName(status) + " (" + cudaGetErrorString(status) + ")");
}

}  // namespace mdrun

#define MDRUN_CUDA_CHECK(call) ::mdrun::cuda_check((call), #call, __FILE__, __LINE__)
// After a kernel launch: launch-configuration errors are reported by cudaGetLastError (no sync, so no
// hidden host round trip in the step loop).
#define MDRUN_CUDA_CHECK_LAUNCH(what) ::mdrun::cuda_check(cudaGetLastError(), what, __FILE__, __LINE__)
