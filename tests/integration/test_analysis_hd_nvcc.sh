#!/usr/bin/env bash
# The per-atom / per-pair / per-group analysis math (analysis/*_math.hpp and the MDRUN_HD_INLINE functions of
# hop_events.hpp and cna_correlation.hpp) must compile as __host__ __device__ code: a kernel that calls every
# one of them is compiled with nvcc (warnings as errors, sm_80). Skipped (77) when nvcc is not installed.
set -euo pipefail
NVCC="${CUDAToolkit_ROOT:-/usr/local/cuda}/bin/nvcc"
if [ ! -x "$NVCC" ]; then NVCC="$(command -v nvcc || true)"; fi
if [ -z "$NVCC" ] || [ ! -x "$NVCC" ]; then echo "nvcc not found: skipped"; exit 77; fi
SRC="${MDRUN_SOURCE_DIR:?MDRUN_SOURCE_DIR not set}"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
cat > "$TMP/analysis_hd.cu" <<'CU'
#include "analysis/angular_velocity_math.hpp"
#include "analysis/cna_correlation.hpp"
#include "analysis/correlation_math.hpp"
#include "analysis/hop_events.hpp"
#include "analysis/orientation_math.hpp"
#include "analysis/unwrap_math.hpp"
using namespace mdrun;
__global__ void every_analysis_function(Box b, const Vec3* p, const Vec3* q, Vec3* u, double* acc, int* bin,
                                        Vec3* w, const double* m) {
    const int i = threadIdx.x;
    u[i] += unwrap_increment(b, p[i], q[i]);
    u[i] = drift_corrected(u[i], p[0], i == 0);
    accumulate_displacement_pair(p[i], q[i], acc);
    accumulate_dot_pair(p[i], q[i], acc);
    double len = 0;
    const Vec3 e = bond_unit_vector(b, p[i], q[i], &len);
    bin[i] = orientation_bin(e, 90, 180) + h_functional(p, 3, q, 3, 1.5);
    w[i] = group_angular_velocity(p, q, m, 5);
    acc[1] += correlation_pair(p[i], q[i]) + angle_between_units(p[i], q[i]) + len;
}
CU
"$NVCC" -std=c++17 -I"$SRC" -arch=sm_80 --expt-relaxed-constexpr -Werror=all-warnings -Xcompiler=-Wall \
    -c "$TMP/analysis_hd.cu" -o "$TMP/analysis_hd.o"
echo "OK: analysis HD math compiles with $("$NVCC" --version | tail -1)"
