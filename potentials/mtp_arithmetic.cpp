#include "potentials/mtp_arithmetic.hpp"

#include "engine/core/error.hpp"

namespace mdrun {

const char* mtp_arithmetic_name(MtpArithmetic a) { return a == MtpArithmetic::Fma ? "fma" : "exact"; }

MtpArithmetic parse_mtp_arithmetic(const std::string& s, const std::string& where) {
    if (s == "exact") return MtpArithmetic::Exact;
    if (s == "fma") return MtpArithmetic::Fma;
    throw Error(where + " = \"" + s + "\" is not an MTP arithmetic mode; use \"fma\" (fused multiply-add, the default "
                "where the CPU has it) or \"exact\" (no contraction, bitwise reproducible)");
}

bool mtp_fma_available() {
#if defined(MDRUN_MTP_FMA_X86)
    // The FMA object is compiled with -mavx2 -mfma: it must never run on a CPU without them.
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#elif defined(MDRUN_MTP_FMA_NATIVE)
    return true;
#else
    return false;
#endif
}

MtpArithmetic resolve_mtp_arithmetic(MtpArithmetic requested) {
    return requested == MtpArithmetic::Fma && mtp_fma_available() ? MtpArithmetic::Fma : MtpArithmetic::Exact;
}

std::string describe_mtp_arithmetic(MtpArithmetic requested) {
    const MtpArithmetic used = resolve_mtp_arithmetic(requested);
    if (used == MtpArithmetic::Fma) return "fma (fused multiply-add; differs from exact by round-off, < 1e-10 relative)";
    if (requested == MtpArithmetic::Fma)
        return "exact (fma requested, but this CPU or build has no AVX2+FMA path; falling back to exact)";
    return "exact (no fused multiply-add; bitwise reproducible)";
}

}  // namespace mdrun
