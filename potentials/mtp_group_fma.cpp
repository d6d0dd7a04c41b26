// The FMA build of one MTP site group: the shared math of the exact group of mtp_potential.cpp with the
// per-neighbour stages blocked over four neighbours (potentials/mtp_cpu_blocked.hpp), compiled with -mavx2
// -mfma -ffp-contract=fast (CMakeLists.txt), so every a*b+c may become one fused multiply-add.
// Only mdrun::mtp_fma symbols may be defined here: `flatten` inlines all of the shared math into these
// functions, so no out-of-line copy of a shared inline function compiled for AVX2 can be picked by the
// linker for the rest of the program (tests/integration/test_mtp_fma_object.py checks the object's symbols).
// Callers check mtp_fma_available() first (potentials/mtp_arithmetic.hpp).
#include "potentials/mtp_grade_math.hpp"
#include "potentials/mtp_group_eval.hpp"
#include "potentials/mtp_cpu_blocked.hpp"
#include "potentials/mtp_cpu_fused.hpp"
#include "potentials/mtp_math.hpp"

#if defined(__GNUC__)
#define MDRUN_FMA_FLATTEN __attribute__((flatten))
#else
#define MDRUN_FMA_FLATTEN
#endif

namespace mdrun {
namespace mtp_fma {

using Prepare = mtp_blocked::PrepareBlocked;  // stage 1 with the blocked radial functions

MDRUN_FMA_FLATTEN void evaluate_group(const MtpParamsView& p, int nsites, const int* a, const int* nn, int cap,
                                      double* const* rx, double* const* ry, double* const* rz, int* const* nt,
                                      double* const* scr, double* Ml, double* gl, double* v, double* const* dx,
                                      double* const* dy, double* const* dz) {
    mtp_sites_lanes_cpu<kMtpCpuLanes, Prepare>(p, nsites, a, nn, cap, rx, ry, rz, nt, scr, Ml, gl, v, dx, dy, dz);
}

MDRUN_FMA_FLATTEN void evaluate_group_grad(const MtpParamsView& p, int nsites, const int* a, const int* nn, int cap,
                                           double* const* rx, double* const* ry, double* const* rz, int* const* nt,
                                           double* const* scr, double* Ml, double* gl, double scaling, double* v,
                                           double* const* dx, double* const* dy, double* const* dz,
                                           double* const* rows) {
    mtp_sites_lanes_with_grad_cpu<kMtpCpuLanes, Prepare>(p, nsites, a, nn, cap, rx, ry, rz, nt, scr, Ml, gl, scaling, v,
                                                         dx, dy, dz, rows);
}

}  // namespace mtp_fma
}  // namespace mdrun
