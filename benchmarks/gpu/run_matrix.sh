#!/usr/bin/env bash
# Builds the CUDA backend (Release, sm_80 + sm_90 unless CMAKE_CUDA_ARCHITECTURES is set) and runs the GPU
# benchmark matrix. Usage: benchmarks/gpu/run_matrix.sh [bench_gpu_matrix options, e.g. --quick]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
build="${MDRUN_BENCH_BUILD:-$root/build-bench-gpu}"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DMDRUN_CUDA=ON -DBUILD_TESTING=OFF \
      ${MDRUN_CUDA_FMAD:+-DMDRUN_CUDA_FMAD=$MDRUN_CUDA_FMAD} >/dev/null
cmake --build "$build" --target bench_gpu_matrix -j"$(nproc)"
exec "$build/benchmarks/gpu/bench_gpu_matrix" --data "$root/tests/data" "$@"
