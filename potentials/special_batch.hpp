// exp and erfc over a batch of arguments, for the CPU pair loops (born/coul/dsf calls them in loops of their
// own, potentials/born_coul_dsf.cpp).
//
// "exact": the scalar libm functions, as LAMMPS calls them (bitwise what the pair math of
// pair_born_dsf_math.hpp gives). "vector": glibc's libmvec AVX2 variants, four arguments per call; each lane
// is computed on its own (same argument, same result, whatever else is in the batch), so results stay
// independent of batch boundaries and thread count. Their error bound is a few ulp against libm's < 1 ulp:
// the measured deviation is in docs/dynamics.md and tests/unit/test_special_batch.cpp. Where the CPU lacks
// AVX2 (or the build is not x86-64 glibc), "vector" runs the exact loops.
#pragma once

namespace mdrun {

enum class PairArithmetic { Exact, Vector };

// True when the libmvec AVX2 path can run here.
bool special_batch_vector_available();

// For run.log: the mode in force, and why where vector was asked for but cannot run.
const char* describe_pair_arithmetic(PairArithmetic requested);

// out[k] = exp(in[k]) / erfc(in[k]) for k < n (in and out may alias).
void exp_batch(PairArithmetic mode, const double* in, double* out, int n);
void erfc_batch(PairArithmetic mode, const double* in, double* out, int n);

}  // namespace mdrun
