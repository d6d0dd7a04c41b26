// Integer atomics usable from per-thread kernel bodies on both sides: real atomics on the device, plain
// read-modify-write on the host (the host drivers run bodies one thread after another). Only integer
// atomics exist here on purpose: their results do not depend on the order threads arrive in, so they
// keep the GPU path deterministic (floating-point sums use fixed-order reductions instead).
#pragma once
#include "engine/hd.hpp"

namespace mdrun {

MDRUN_HD_INLINE int hd_atomic_add(int* p, int v) {
#if defined(__CUDA_ARCH__)
    return atomicAdd(p, v);
#else
    const int old = *p;
    *p += v;
    return old;
#endif
}

MDRUN_HD_INLINE void hd_atomic_or(int* p, int v) {
#if defined(__CUDA_ARCH__)
    atomicOr(p, v);
#else
    *p |= v;
#endif
}

MDRUN_HD_INLINE void hd_atomic_max(int* p, int v) {
#if defined(__CUDA_ARCH__)
    atomicMax(p, v);
#else
    if (v > *p) *p = v;
#endif
}

MDRUN_HD_INLINE void hd_atomic_min(int* p, int v) {
#if defined(__CUDA_ARCH__)
    atomicMin(p, v);
#else
    if (v < *p) *p = v;
#endif
}

// Maximum of non-negative doubles through their bit patterns (monotonic for x >= 0), exact and
// order-independent. NaN compares above every finite value, so a NaN displacement is never lost.
MDRUN_HD_INLINE void hd_atomic_max_nonneg(unsigned long long* p, double x) {
    unsigned long long bits;
    // memcpy-free bit cast that nvcc and g++ both accept in a constexpr-free context
    union {
        double d;
        unsigned long long u;
    } c;
    c.d = x;
    bits = c.u & 0x7fffffffffffffffULL;  // -0.0 -> +0.0
#if defined(__CUDA_ARCH__)
    atomicMax(p, bits);
#else
    if (bits > *p) *p = bits;
#endif
}

// Minimum of non-negative doubles through their bit patterns (same reasoning as hd_atomic_max_nonneg).
MDRUN_HD_INLINE void hd_atomic_min_nonneg(unsigned long long* p, double x) {
    union {
        double d;
        unsigned long long u;
    } c;
    c.d = x;
    const unsigned long long bits = c.u & 0x7fffffffffffffffULL;
#if defined(__CUDA_ARCH__)
    atomicMin(p, bits);
#else
    if (bits < *p) *p = bits;
#endif
}

MDRUN_HD_INLINE unsigned long long hd_double_to_bits(double x) {
    union {
        double d;
        unsigned long long u;
    } c;
    c.d = x;
    return c.u & 0x7fffffffffffffffULL;
}

MDRUN_HD_INLINE double hd_bits_to_double(unsigned long long u) {
    union {
        double d;
        unsigned long long u;
    } c;
    c.u = u;
    return c.d;
}

}  // namespace mdrun
