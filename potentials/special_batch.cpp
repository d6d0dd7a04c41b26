#include "potentials/special_batch.hpp"

#include <cmath>

#if defined(__x86_64__) && defined(__GLIBC__) && defined(__GNUC__) && !defined(MDRUN_NO_LIBMVEC)
#define MDRUN_LIBMVEC_AVX2 1
#include <immintrin.h>
// glibc's vector math library (libmvec, glibc >= 2.35 for erfc): the x86-64 vector ABI names of the AVX2
// four-lane double variants ('d' = AVX2, N4 = four lanes, v = one vector argument).
extern "C" __m256d _ZGVdN4v_exp(__m256d);
extern "C" __m256d _ZGVdN4v_erfc(__m256d);
#endif

namespace mdrun {

namespace {

void exp_scalar(const double* in, double* out, int n) {
    for (int k = 0; k < n; ++k) out[k] = std::exp(in[k]);
}
void erfc_scalar(const double* in, double* out, int n) {
    for (int k = 0; k < n; ++k) out[k] = std::erfc(in[k]);
}

#ifdef MDRUN_LIBMVEC_AVX2
// Whole vectors of four, then the tail padded with zeros (a harmless argument for both functions).
template <__m256d (*F)(__m256d)>
__attribute__((target("avx2"))) void apply4(const double* in, double* out, int n) {
    int k = 0;
    for (; k + 4 <= n; k += 4) _mm256_storeu_pd(out + k, F(_mm256_loadu_pd(in + k)));
    if (k < n) {
        alignas(32) double t[4] = {0.0, 0.0, 0.0, 0.0};
        for (int l = 0; k + l < n; ++l) t[l] = in[k + l];
        _mm256_store_pd(t, F(_mm256_load_pd(t)));
        for (int l = 0; k + l < n; ++l) out[k + l] = t[l];
    }
}
#endif

}  // namespace

bool special_batch_vector_available() {
#ifdef MDRUN_LIBMVEC_AVX2
    static const bool avx2 = __builtin_cpu_supports("avx2");
    return avx2;
#else
    return false;
#endif
}

const char* describe_pair_arithmetic(PairArithmetic requested) {
    if (requested == PairArithmetic::Exact) return "exact (libm's exp/erfc, as LAMMPS; bitwise reproducible)";
    if (special_batch_vector_available()) return "vector (libmvec's AVX2 exp/erfc, within 4 ulp of libm's)";
    return "exact (vector requested, but this CPU or build has no AVX2 libmvec path; falling back to exact)";
}

void exp_batch(PairArithmetic mode, const double* in, double* out, int n) {
#ifdef MDRUN_LIBMVEC_AVX2
    if (mode == PairArithmetic::Vector && special_batch_vector_available()) return apply4<_ZGVdN4v_exp>(in, out, n);
#endif
    (void)mode;
    exp_scalar(in, out, n);
}

void erfc_batch(PairArithmetic mode, const double* in, double* out, int n) {
#ifdef MDRUN_LIBMVEC_AVX2
    if (mode == PairArithmetic::Vector && special_batch_vector_available()) return apply4<_ZGVdN4v_erfc>(in, out, n);
#endif
    (void)mode;
    erfc_scalar(in, out, n);
}

}  // namespace mdrun
