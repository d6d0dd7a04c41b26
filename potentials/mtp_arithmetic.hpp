// How the CPU evaluates an MTP: "exact" performs every multiply and add as a separately rounded IEEE
// operation (the build's -ffp-contract=off; bitwise reproducible on every x86-64 CPU and bit-comparable
// with the GPU kernels built with --fmad=false), "fma" runs a second compilation of the same math with
// fused multiply-add contraction (AVX2+FMA; potentials/mtp_group_fma.cpp). The two differ by round-off
// only (measured < 1e-10 relative on every reference of tests/data/mtp; docs/mtp.md).
#pragma once
#include <string>

namespace mdrun {

enum class MtpArithmetic { Exact, Fma };

// "exact" or "fma".
const char* mtp_arithmetic_name(MtpArithmetic a);
// Parses "exact" / "fma"; anything else throws mdrun::Error naming `where` (a file and key, or an option).
MtpArithmetic parse_mtp_arithmetic(const std::string& s, const std::string& where);
// Whether this process can run the FMA build: the CPU has AVX2 and FMA (checked at run time, so one binary
// runs on older CPUs too) and the build compiled it (x86-64 GCC/Clang; elsewhere FMA is the architecture's own).
bool mtp_fma_available();
// The mode actually used for a request: fma falls back to exact where it is not available.
MtpArithmetic resolve_mtp_arithmetic(MtpArithmetic requested);
// One line for run.log / provenance: the mode used and, after a fallback, why.
std::string describe_mtp_arithmetic(MtpArithmetic requested);

}  // namespace mdrun
