// The FP64 peak of one core as this machine delivers it, measured: twelve independent chains of 4-wide
// fused multiply-adds (AVX2 + FMA, the instructions of mdrun's FMA build of the MTP), enough to cover the
// FMA latency on two pipes, timed on one thread; and the core clock, from a chain of dependent integer adds
// (one per cycle). Why: the VMs we benchmark on expose no hardware counters and report only a nominal TSC
// clock, so "a fraction of peak" needs a peak measured the same way as the MTP's rate (bench_mtp prints the
// MTP evaluation's GFLOP/s from its counted flops).
// Where the CPU has AVX-512 the same is timed with 8-wide FMAs as well.
// usage: bench_fp64_peak [rounds=3]
#include <chrono>
#include <cstdio>
#include <cstdlib>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

namespace {

constexpr int kChains = 12;

__attribute__((target("avx2,fma"))) double fma_chains(long iters) {
    __m256d a[kChains];
    for (int k = 0; k < kChains; ++k) a[k] = _mm256_set1_pd(1.0 + k * 1e-9);
    const __m256d m = _mm256_set1_pd(0.9999999999), c = _mm256_set1_pd(1e-12);
    for (long i = 0; i < iters; ++i) {
#pragma GCC unroll 12
        for (int k = 0; k < kChains; ++k) a[k] = _mm256_fmadd_pd(a[k], m, c);
    }
    __m256d s = a[0];
    for (int k = 1; k < kChains; ++k) s = _mm256_add_pd(s, a[k]);
    double o[4];
    _mm256_storeu_pd(o, s);
    return o[0] + o[1] + o[2] + o[3];  // printed, so the chains cannot be optimised away
}

// The same with 8-wide AVX-512 FMAs: the core's FP64 peak where 512-bit FMA pipes exist (Zen 5, server Xeons).
// mdrun's FMA build uses AVX2 (an AVX-512 build of it measured slower, benchmarks/README.md), so both peaks are
// printed and a fraction of peak can be given against either.
__attribute__((target("avx512f"))) double fma_chains_512(long iters) {
    __m512d a[kChains];
    for (int k = 0; k < kChains; ++k) a[k] = _mm512_set1_pd(1.0 + k * 1e-9);
    const __m512d m = _mm512_set1_pd(0.9999999999), c = _mm512_set1_pd(1e-12);
    for (long i = 0; i < iters; ++i) {
#pragma GCC unroll 12
        for (int k = 0; k < kChains; ++k) a[k] = _mm512_fmadd_pd(a[k], m, c);
    }
    __m512d s = a[0];
    for (int k = 1; k < kChains; ++k) s = _mm512_add_pd(s, a[k]);
    return _mm512_reduce_add_pd(s);
}

long dependent_adds(long n) {
    long x = 0;
    for (long i = 0; i < n; ++i) asm volatile("add $1, %0" : "+r"(x));
    return x;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
    const int rounds = argc > 1 ? std::atoi(argv[1]) : 3;
    if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma")) {
        std::printf("bench_fp64_peak: this CPU has no AVX2+FMA (mdrun's MTP runs its exact build here)\n");
        return 0;
    }
    const bool has512 = __builtin_cpu_supports("avx512f");
    std::printf("%-6s %14s %12s %16s %18s %16s\n", "round", "FMA GFLOP/s", "clock GHz", "flop per cycle",
                "AVX-512 GFLOP/s", "flop per cycle");
    for (int r = 0; r < rounds; ++r) {
        const long iters = 200000000;
        auto t0 = std::chrono::steady_clock::now();
        double v = fma_chains(iters);
        const double gflops = iters * kChains * 8.0 / seconds_since(t0) * 1e-9;  // 4 lanes x 2 flops
        double g512 = 0.0;
        if (has512) {
            t0 = std::chrono::steady_clock::now();
            v += fma_chains_512(iters);
            g512 = iters * kChains * 16.0 / seconds_since(t0) * 1e-9;  // 8 lanes x 2 flops
        }
        const long n = 2000000000;
        t0 = std::chrono::steady_clock::now();
        const long x = dependent_adds(n);
        const double ghz = n / seconds_since(t0) * 1e-9;
        char c512[2][32] = {"-", "-"};  // the AVX-512 columns, "-" without AVX-512
        if (has512) {
            std::snprintf(c512[0], sizeof c512[0], "%.2f", g512);
            std::snprintf(c512[1], sizeof c512[1], "%.2f", g512 / ghz);
        }
        std::printf("%-6d %14.2f %12.2f %16.2f %18s %16s   (%g %ld)\n", r + 1, gflops, ghz, gflops / ghz, c512[0],
                    c512[1], v, x);
    }
    return 0;
}

#else
int main() {
    std::printf("bench_fp64_peak: x86-64 with GCC or Clang only\n");
    return 0;
}
#endif
