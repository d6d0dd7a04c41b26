// number_format.hpp against snprintf: every format the writers use ("%.17g", "%.16e", "% .16e", "%ld", "%d",
// "%zu") must give the same characters for any double or integer, since files written with it replaced
// snprintf output that restarts, tests and users compare byte for byte. Random bit patterns cover all
// exponents, NaN payloads and signs; the rest aims at the edges: subnormals, +-0, inf, integers, decimal
// values, and the neighbours of powers of ten (where %g switches between fixed and exponent notation and
// rounding can carry into a new digit).
#include <doctest/doctest.h>

#include <climits>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "engine/io/number_format.hpp"

using namespace mdrun;

namespace {

double from_bits(std::uint64_t b) {
    double d;
    std::memcpy(&d, &b, sizeof d);
    return d;
}
std::uint64_t bits_of(double d) {
    std::uint64_t b;
    std::memcpy(&b, &d, sizeof b);
    return b;
}

std::vector<double> awkward_doubles() {
    using L = std::numeric_limits<double>;
    std::vector<double> v = {0.0, -0.0, L::infinity(), -L::infinity(), L::quiet_NaN(), -L::quiet_NaN(),
                             L::signaling_NaN(), L::denorm_min(), -L::denorm_min(), L::min(), L::max(), -L::max(),
                             L::epsilon(), 1.0, -1.0, 0.1, 1.0 / 3.0, 2.0 / 3.0, 0.5, 1e-5, 1e-4, 1e16, 1e17,
                             9.9999999999999995e-5, 99999999999999999.0, 0.30000000000000004};
    // NaNs with payloads, both signs.
    for (std::uint64_t payload : {1ULL, 0x12345ULL, 0x7FFFFFFFFFFFFULL, 0x8000000000000ULL})
        for (std::uint64_t sign : {0ULL, 1ULL << 63}) v.push_back(from_bits(sign | 0x7FF0000000000000ULL | payload));
    // Powers of ten over the whole range and their neighbours; powers of two.
    for (int e = -325; e <= 308; ++e) {
        const double p = std::strtod(("1e" + std::to_string(e)).c_str(), nullptr);
        for (double q : {p, std::nextafter(p, 0.0), std::nextafter(p, L::infinity()), 5 * p, 9.5 * p}) {
            v.push_back(q);
            v.push_back(-q);
        }
    }
    for (int e = -1074; e <= 1023; ++e) v.push_back(std::ldexp(1.0, e));
    return v;
}

std::vector<double> random_doubles() {
    std::mt19937_64 rng(20261204);
    std::uniform_real_distribution<double> coord(-100.0, 100.0);
    std::uniform_int_distribution<int> exp10(-30, 30);
    std::vector<double> v;
    for (int k = 0; k < 60000; ++k) v.push_back(from_bits(rng()));                            // anything
    for (int k = 0; k < 20000; ++k) v.push_back(from_bits(rng() & 0x800FFFFFFFFFFFFFULL));    // subnormals
    for (int k = 0; k < 20000; ++k) v.push_back(coord(rng));                                  // coordinates
    for (int k = 0; k < 20000; ++k) v.push_back((double)(std::int64_t)(rng() >> (rng() % 64)));  // integers
    for (int k = 0; k < 20000; ++k) {  // short decimals (1.25e-7, 42.5, ...), nearest doubles of them
        const std::string s = std::to_string((long)(rng() % 1000000)) + "e" + std::to_string(exp10(rng));
        v.push_back((rng() & 1 ? -1 : 1) * std::strtod(s.c_str(), nullptr));
    }
    return v;
}

using Put = char* (*)(char*, char*, double);

// Number of values for which put differs from snprintf(fmt); the first few are shown.
int mismatches(const std::vector<double>& values, const char* fmt, Put put) {
    int bad = 0;
    for (double x : values) {
        char want[64], got[numfmt::kMaxNumberChars + 1];
        std::snprintf(want, sizeof want, fmt, x);
        char* const end = put(got, got + numfmt::kMaxNumberChars, x);
        *end = '\0';
        if (std::strcmp(want, got) != 0 && ++bad <= 5) {
            char msg[160];
            std::snprintf(msg, sizeof msg, "%s of bits %016llx: printf '%s', number_format '%s'", fmt,
                          (unsigned long long)bits_of(x), want, got);
            MESSAGE(std::string(msg));
        }
    }
    return bad;
}

}  // namespace

TEST_CASE("number_format gives printf's characters for awkward doubles") {
    const std::vector<double> v = awkward_doubles();
    CHECK(mismatches(v, "%.17g", numfmt::put_g17) == 0);
    CHECK(mismatches(v, "%.16e", numfmt::put_e16) == 0);
    CHECK(mismatches(v, "% .16e", numfmt::put_e16_space) == 0);
}

TEST_CASE("number_format gives printf's characters for random doubles") {
    const std::vector<double> v = random_doubles();
    CHECK(mismatches(v, "%.17g", numfmt::put_g17) == 0);
    CHECK(mismatches(v, "%.16e", numfmt::put_e16) == 0);
    CHECK(mismatches(v, "% .16e", numfmt::put_e16_space) == 0);
}

TEST_CASE("number_format: the longest numbers fit kMaxNumberChars, and integers are printf's %ld/%d/%zu") {
    char buf[64];
    const double longest[] = {-1.2345678901234567e-308, -2.2250738585072014e-308, -4.9406564584124654e-324,
                              -0.00012345678901234567};
    for (double x : longest) {
        CHECK(numfmt::put_g17(buf, buf + sizeof buf, x) - buf <= (long)numfmt::kMaxNumberChars);
        CHECK(numfmt::put_e16_space(buf, buf + sizeof buf, x) - buf <= (long)numfmt::kMaxNumberChars);
        CHECK(numfmt::put_e16_space(buf, buf + sizeof buf, -x) - buf <= (long)numfmt::kMaxNumberChars);
    }
    std::mt19937_64 rng(7);
    std::vector<long> longs = {0, -1, 1, LONG_MIN, LONG_MAX, 1000000000000L};
    for (int k = 0; k < 10000; ++k) longs.push_back((long)(rng() >> (rng() % 64)) * (rng() & 1 ? -1 : 1));
    int bad = 0;
    for (long x : longs) {
        char want[32];
        std::snprintf(want, sizeof want, "%ld", x);
        if (std::string(buf, numfmt::put_int(buf, buf + numfmt::kMaxIntChars, x)) != want) ++bad;
        const int i = (int)x;
        std::snprintf(want, sizeof want, "%d", i);
        if (std::string(buf, numfmt::put_int(buf, buf + numfmt::kMaxIntChars, i)) != want) ++bad;
        const std::size_t z = (std::size_t)x;
        std::snprintf(want, sizeof want, "%zu", z);
        if (std::string(buf, numfmt::put_int(buf, buf + numfmt::kMaxIntChars, z)) != want) ++bad;
    }
    CHECK(bad == 0);
    for (int x : {INT_MIN, INT_MAX}) {
        char want[32];
        std::snprintf(want, sizeof want, "%d", x);
        CHECK(std::string(buf, numfmt::put_int(buf, buf + numfmt::kMaxIntChars, x)) == want);
    }
}
