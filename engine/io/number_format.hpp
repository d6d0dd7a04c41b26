// printf's number formats without printf, for the per-atom loops of the structure and trajectory writers.
// std::to_chars with a precision is specified to give the characters of printf("%.*e" / "%.*g") in the "C"
// locale, at a fraction of the cost (snprintf parses its format and goes through stdio for every number);
// inf, -inf, nan and -nan are spelled as glibc's printf spells them. The files stay byte-identical to the
// snprintf output they replaced, which restart/append code, tests and users' diffs rely on
// (tests/unit/test_number_format.cpp compares the two over random and awkward doubles).
//
// Each put_* writes at p and returns the end of what it wrote; the caller provides room (kMaxNumberChars
// per number), so the ends are only there for to_chars. (Numbers in messages: engine/core/format_number.hpp.)
#pragma once

#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstring>
#include <string>

namespace mdrun::numfmt {

// The longest a number written here can be: "-1.2345678901234567e-308" (24) for %.17g and %.16e alike.
constexpr std::size_t kMaxNumberChars = 24;
// The longest integer: "-9223372036854775808" (20).
constexpr std::size_t kMaxIntChars = 20;

// printf("%.17g", v): 17 significant digits (reads back to the same double), trailing zeros dropped.
inline char* put_g17(char* p, char* end, double v) {
    return std::to_chars(p, end, v, std::chars_format::general, 17).ptr;
}

// printf("%.16e", v).
inline char* put_e16(char* p, char* end, double v) {
    return std::to_chars(p, end, v, std::chars_format::scientific, 16).ptr;
}

// printf("% .16e", v): a space where the sign would be (also for inf/nan without a sign bit, as printf does).
inline char* put_e16_space(char* p, char* end, double v) {
    if (!std::signbit(v)) *p++ = ' ';
    return put_e16(p, end, v);
}

// printf("%ld") / ("%d") / ("%zu").
template <class Int>
inline char* put_int(char* p, char* end, Int v) {
    return std::to_chars(p, end, v).ptr;
}

inline char* put_char(char* p, char c) {
    *p = c;
    return p + 1;
}

inline char* put_text(char* p, const char* t) {
    const std::size_t n = std::strlen(t);
    std::memcpy(p, t, n);
    return p + n;
}

// The same for appending to a std::string (header lines, where a fixed buffer per call is not worth it).
inline void append_g17(std::string& out, double v) {
    char buf[kMaxNumberChars];
    out.append(buf, put_g17(buf, buf + sizeof buf, v));
}

}  // namespace mdrun::numfmt
