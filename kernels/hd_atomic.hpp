// Integer atomics usable from per-thread kernel bodies on both sides: real atomics on the device, plain
// read-modify-write on the host (the host drivers run bodies one thread after another). Only integer
// atomics exist here on purpose: their results do not depend on the order threads arrive in, so they
// keep the GPU path deterministic (floating-point sums use fixed-order reductions instead).
#pragma once
#include <cstring>

#include "engine/core/hd.hpp"

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

// Bit pattern of |x| (sign cleared, so -0.0 == +0.0) and back. Non-negative doubles order like their bit
// patterns, which makes exact, order-independent atomic max/min of doubles possible with integer atomics.
MDRUN_HD_INLINE unsigned long long hd_double_to_bits(double x) {
#if defined(__CUDA_ARCH__)
    const unsigned long long u = static_cast<unsigned long long>(__double_as_longlong(x));
#else
    unsigned long long u;
    std::memcpy(&u, &x, sizeof u);
#endif
    return u & 0x7fffffffffffffffULL;
}

MDRUN_HD_INLINE double hd_bits_to_double(unsigned long long u) {
#if defined(__CUDA_ARCH__)
    return __longlong_as_double(static_cast<long long>(u));
#else
    double d;
    std::memcpy(&d, &u, sizeof d);
    return d;
#endif
}

// Maximum of non-negative doubles; NaN compares above every finite value, so a NaN displacement is never lost.
MDRUN_HD_INLINE void hd_atomic_max_nonneg(unsigned long long* p, double x) {
    const unsigned long long bits = hd_double_to_bits(x);
#if defined(__CUDA_ARCH__)
    atomicMax(p, bits);
#else
    if (bits > *p) *p = bits;
#endif
}

// Minimum of non-negative doubles (same reasoning).
MDRUN_HD_INLINE void hd_atomic_min_nonneg(unsigned long long* p, double x) {
    const unsigned long long bits = hd_double_to_bits(x);
#if defined(__CUDA_ARCH__)
    atomicMin(p, bits);
#else
    if (bits < *p) *p = bits;
#endif
}

}  // namespace mdrun
