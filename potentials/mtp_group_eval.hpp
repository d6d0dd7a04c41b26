// One group of kMtpCpuLanes sites through the shared MTP math (mtp_sites_lanes / _with_grad), in the two
// arithmetic modes of potentials/mtp_arithmetic.hpp. The exact group lives in mtp_potential.cpp (compiled
// with the build's -ffp-contract=off, AVX2 clone chosen at run time); the FMA group is the same call in
// mtp_group_fma.cpp, a translation unit compiled with -mavx2 -mfma -ffp-contract=fast. Only call the FMA
// functions when mtp_fma_available() is true.
#pragma once
#include "potentials/mtp_math.hpp"

namespace mdrun {

// Atoms evaluated together: the contractions run on this many sites at once (SIMD over atoms, one load of
// each table index for all of them; mtp_sites_lanes). Each site's numbers do not depend on the grouping
// (the chunked force sum's order follows the groups: force_sum = "chunks" moves at round-off with it).
// 8 = two AVX2 vectors per table row: 4-10 % faster than 4 at lev16-lev22 (benchmarks/README.md).
#ifndef MDRUN_MTP_CPU_LANES
#define MDRUN_MTP_CPU_LANES 8
#endif
constexpr int kMtpCpuLanes = MDRUN_MTP_CPU_LANES;

// The FMA group computes radial functions in blocks of this many neighbours (potentials/mtp_cpu_blocked.hpp):
// its caller sorts each row by neighbour species and pads it to a multiple of kMtpBlock (pad slots at
// r = max_dist, the species of the row's last neighbour), passes the padded lengths, and makes the scratch
// stride `cap` a multiple of kMtpBlock.
constexpr int kMtpBlock = 4;

namespace mtp_fma {
void evaluate_group(const MtpParamsView& p, int nsites, const int* a, const int* nn, int cap, double* const* rx,
                    double* const* ry, double* const* rz, int* const* nt, double* const* scr, double* Ml, double* gl,
                    double* v, double* const* dx, double* const* dy, double* const* dz);
void evaluate_group_grad(const MtpParamsView& p, int nsites, const int* a, const int* nn, int cap, double* const* rx,
                         double* const* ry, double* const* rz, int* const* nt, double* const* scr, double* Ml,
                         double* gl, double scaling, double* v, double* const* dx, double* const* dy,
                         double* const* dz, double* const* rows);
}  // namespace mtp_fma

}  // namespace mdrun
