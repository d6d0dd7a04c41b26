// Tracing of the warp kernel's shared-block accesses, for the host test of its bank-conflict degree
// (tests/unit/test_kernel_warp_banks.cpp). Every access of the cooperative kernel to its per-atom block is
// marked: MDRUN_SH(x) (x itself, traced), MDRUN_SH_IF(cond, ptr) (an access the code makes right after at
// ptr when cond holds; else the lane is idle at this instruction, as a masked-off GPU lane),
// MDRUN_SH_NOTE(ptr) (an access a shared routine of mtp_math.hpp made), MDRUN_SH_ROUND() at the top of
// every loop over a lane's items (j = lane, lane + nl, ...): the lanes' n-th passes through one such loop
// run together. The tag of a mark is its source line. On the GPU the marks are nothing; on the host
// they call mtp_warp_trace_hook when a test has set it (a function pointer, not a compile-time switch, so
// the code of a test and of the library stay one definition).
#pragma once
#include "engine/core/hd.hpp"

namespace mdrun {

#ifndef __CUDA_ARCH__
// bytes > 0: an access of that size at addr; 0: idle at this instruction; -1: a new pass of a lane loop.
using MtpWarpTraceFn = void (*)(const void* addr, int bytes, int tag);
inline MtpWarpTraceFn mtp_warp_trace_hook = nullptr;
#endif

template <class T>
MDRUN_HD_INLINE T& mtp_sh(T& x, int tag) {
#ifndef __CUDA_ARCH__
    if (mtp_warp_trace_hook) mtp_warp_trace_hook(&x, static_cast<int>(sizeof(T)), tag);
#else
    (void)tag;
#endif
    return x;
}

template <class T>
MDRUN_HD_INLINE void mtp_sh_note(bool active, const T* x, int tag) {
#ifndef __CUDA_ARCH__
    if (mtp_warp_trace_hook) mtp_warp_trace_hook(x, active ? static_cast<int>(sizeof(T)) : 0, tag);
#else
    (void)active, (void)x, (void)tag;
#endif
}

MDRUN_HD_INLINE void mtp_sh_round(int tag) {
#ifndef __CUDA_ARCH__
    if (mtp_warp_trace_hook) mtp_warp_trace_hook(nullptr, -1, tag);
#else
    (void)tag;
#endif
}

}  // namespace mdrun

#define MDRUN_SH(x) ::mdrun::mtp_sh((x), __LINE__)
#define MDRUN_SH_IF(cond, ptr) ::mdrun::mtp_sh_note((cond), (ptr), __LINE__)
#define MDRUN_SH_NOTE(ptr) ::mdrun::mtp_sh_note(true, (ptr), __LINE__)
#define MDRUN_SH_ROUND() ::mdrun::mtp_sh_round(__LINE__)
