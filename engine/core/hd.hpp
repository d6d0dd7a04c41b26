// Host/device qualifiers for the math shared by the CPU backend and the CUDA kernels.
// Every per-atom or per-pair formula in mdrun is written once as an MDRUN_HD inline
// function; without nvcc the macro is empty and the same code is plain C++.
#pragma once

#if defined(__CUDACC__)
#define MDRUN_HD __host__ __device__
#define MDRUN_HD_INLINE __host__ __device__ __forceinline__
#else
#define MDRUN_HD
#define MDRUN_HD_INLINE inline
#endif
