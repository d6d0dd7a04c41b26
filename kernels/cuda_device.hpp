// Detecting and describing the CUDA device (for `--device auto`, run.log and the GPU test/benchmark
// skip logic). Declared only when the CUDA backend is built (MDRUN_HAVE_CUDA).
#pragma once
#include <cstddef>
#include <string>

namespace mdrun {

// True when the CUDA runtime sees at least one device this binary has code for. Never throws: a missing
// driver or no device simply means "no GPU" (so `--device auto` falls back to the CPU).
bool cuda_device_available();

// "NVIDIA H100 80GB HBM3 (sm_90, 79.1 GiB, driver 13.0)" or a reason why there is none.
std::string cuda_device_description();

// Free and total device memory in bytes (0, 0 when no device).
void cuda_memory_info(std::size_t& free_bytes, std::size_t& total_bytes);

}  // namespace mdrun
