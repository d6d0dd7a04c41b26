#!/usr/bin/env bash
# The NPT barostat math (engine/md/barostat_math.hpp) must compile as __host__ __device__ code, so the CUDA
# backend can advance a replica's barostat on the device: a kernel that calls every function is compiled with
# nvcc (warnings as errors, sm_80). Skipped (77) when nvcc is not installed.
set -euo pipefail
NVCC="${CUDAToolkit_ROOT:-/usr/local/cuda}/bin/nvcc"
if [ ! -x "$NVCC" ]; then NVCC="$(command -v nvcc || true)"; fi
if [ -z "$NVCC" ] || [ ! -x "$NVCC" ]; then echo "nvcc not found: skipped"; exit 77; fi
SRC="${MDRUN_SOURCE_DIR:?MDRUN_SOURCE_DIR not set}"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
cat > "$TMP/barostat_hd.cu" <<'CU'
#include "engine/md/barostat_math.hpp"
using namespace mdrun;
// One thread per replica for the cell, one per atom for the particles (the layout a kernel would use).
__global__ void barostat_step(MtkState* st, Vec3* x, Vec3* v, const double* m, int n, const Mat3* w, double* e) {
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    MtkState& s = st[0];
    if (i == 0) {
        mtk_chain_half_step(s, 0.001);
        double t6[6] = {0, 0, 0, 0, 0, 0};
        mtk_add_mvv(t6, v[0], m[0]);
        double p6[6];
        mtk_pressure_tensor(t6, *w, mtk_volume(s.box), p6);
        mtk_couple(s, mtk_pressure_scalar(3.0, 300.0, *w, mtk_volume(s.box)), p6);
        mtk_omega_half_kick(s, 0.001, t6[0] + t6[1] + t6[2]);
        e[0] = mtk_add_energy(s, 0.0) + mtk_add_energy(s, 0.0, true);
        const Mat3 rows = mtk_lattice_rows(s.box);
        if (!mtk_remap_box(s, 0.001)) e[1] = rows.m[0][0];
    }
    if (i < n) {
        const MtkVelocityFactors k = mtk_velocity_factors(s, 0.001);
        mtk_scale_velocity(v[i], k);
        x[i] = mtk_from_lamda(s.box, mtk_to_lamda(s.box, x[i]));
    }
}
__global__ void barostat_init(MtkState* st, Mat3 rows) {
    mtk_init(st[0], kMtkTri, kCoupleNone, 1.0, 1.0, 3, 1, 1, 100.0, 300.0, rows, Vec3{0, 0, 0});
    mtk_box_update(st[0].box);
}
CU
"$NVCC" -std=c++17 -I"$SRC" -arch=sm_80 --expt-relaxed-constexpr -Werror=all-warnings -Xcompiler=-Wall \
    -c "$TMP/barostat_hd.cu" -o "$TMP/barostat_hd.o"
echo "OK: barostat HD math compiles with $("$NVCC" --version | tail -1)"
