#include "potentials/mtp_file.hpp"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "engine/error.hpp"
#include "potentials/mtp_math.hpp"

namespace mdrun {

namespace {

struct Token {
    std::string text;
    long line;
};

// Splits the file into words and the punctuation tokens '=', '{', '}', ',' with their line numbers.
std::vector<Token> tokenize(std::istream& in) {
    std::vector<Token> out;
    std::string line;
    long no = 0;
    while (std::getline(in, line)) {
        ++no;
        std::string cur;
        auto flush = [&]() {
            if (!cur.empty()) out.push_back({cur, no});
            cur.clear();
        };
        for (char ch : line) {
            if (ch == ' ' || ch == '\t' || ch == '\r') {
                flush();
            } else if (ch == '=' || ch == '{' || ch == '}' || ch == ',') {
                flush();
                out.push_back({std::string(1, ch), no});
            } else {
                cur += ch;
            }
        }
        flush();
    }
    return out;
}

class Parser {
public:
    Parser(std::vector<Token> toks, std::string name) : t_(std::move(toks)), name_(std::move(name)) {}

    bool at_end() const { return pos_ >= t_.size(); }
    long line() const { return at_end() ? (t_.empty() ? 0 : t_.back().line) : t_[pos_].line; }
    Error error(const std::string& what) const {
        return input_error(name_, line(), what + (at_end() ? " (file ends here)" : ""));
    }
    bool peek_is(const std::string& s) const { return !at_end() && t_[pos_].text == s; }
    const std::string& next(const std::string& what) {
        if (at_end()) throw error("expected " + what);
        return t_[pos_++].text;
    }
    void expect(const std::string& s) {
        if (at_end()) throw error("expected '" + s + "'");
        if (t_[pos_].text != s) throw error("expected '" + s + "', found '" + t_[pos_].text + "'");
        ++pos_;
    }
    // "key = " (the key itself must come next).
    void expect_key(const std::string& key) {
        expect(key);
        expect("=");
    }
    double number(const std::string& what) {
        if (at_end()) throw error("expected a number for " + what);
        const std::string& s = t_[pos_].text;
        char* end = nullptr;
        errno = 0;
        const double v = std::strtod(s.c_str(), &end);
        if (end == s.c_str() || *end != '\0' || errno == ERANGE || !std::isfinite(v))
            throw error("expected a number for " + what + ", found '" + s + "'");
        ++pos_;
        return v;
    }
    long integer(const std::string& what) {
        if (at_end()) throw error("expected an integer for " + what);
        const std::string& s = t_[pos_].text;
        char* end = nullptr;
        errno = 0;
        const long v = std::strtol(s.c_str(), &end, 10);
        if (end == s.c_str() || *end != '\0' || errno == ERANGE)
            throw error("expected an integer for " + what + ", found '" + s + "'");
        ++pos_;
        return v;
    }
    long count(const std::string& key, long lo, long hi) {
        expect_key(key);
        const long line_no = line();
        const long v = integer(key);
        if (v < lo || v > hi)
            throw input_error(name_, line_no,
                              key + " = " + std::to_string(v) + " is out of range (expected " + std::to_string(lo) +
                                  ".." + std::to_string(hi) + ")");
        return v;
    }
    // "{ v, v, ... }" with exactly n numbers.
    std::vector<double> number_list(const std::string& what, long n) {
        const long start = line();
        expect("{");
        std::vector<double> v;
        if (!peek_is("}")) {
            while (true) {
                v.push_back(number(what));
                if (peek_is("}")) break;
                expect(",");
            }
        }
        expect("}");
        if (static_cast<long>(v.size()) != n)
            throw input_error(name_, start,
                              what + ": expected " + std::to_string(n) + " values, found " + std::to_string(v.size()));
        return v;
    }
    std::vector<int> int_list(const std::string& what, long n) {
        const long start = line();
        expect("{");
        std::vector<int> v;
        if (!peek_is("}")) {
            while (true) {
                v.push_back(static_cast<int>(integer(what)));
                if (peek_is("}")) break;
                expect(",");
            }
        }
        expect("}");
        if (static_cast<long>(v.size()) != n)
            throw input_error(name_, start,
                              what + ": expected " + std::to_string(n) + " values, found " + std::to_string(v.size()));
        return v;
    }
    // "{{a,b,c,d}, {...}, ...}" with exactly n groups of 4 integers.
    std::vector<int> quad_list(const std::string& what, long n) {
        const long start = line();
        expect("{");
        std::vector<int> v;
        long groups = 0;
        if (!peek_is("}")) {
            while (true) {
                const std::vector<int> q = int_list(what + " entry " + std::to_string(groups), 4);
                v.insert(v.end(), q.begin(), q.end());
                ++groups;
                if (peek_is("}")) break;
                expect(",");
            }
        }
        expect("}");
        if (groups != n)
            throw input_error(name_, start,
                              what + ": expected " + std::to_string(n) + " entries (the _count line), found " +
                                  std::to_string(groups));
        return v;
    }
    // Skips the rest of the current token's line (after the token at pos_-1).
    void skip_rest_of_line() {
        if (pos_ == 0) return;
        const long l = t_[pos_ - 1].line;
        while (!at_end() && t_[pos_].line == l) ++pos_;
    }
    std::string rest_of_line() {
        std::string s;
        if (pos_ == 0) return s;
        const long l = t_[pos_ - 1].line;
        while (!at_end() && t_[pos_].line == l) {
            if (!s.empty()) s += ' ';
            s += t_[pos_++].text;
        }
        return s;
    }
    const std::string& name() const { return name_; }

private:
    std::vector<Token> t_;
    std::string name_;
    size_t pos_ = 0;
};

}  // namespace

MtpModel parse_mtp(std::istream& in, const std::string& name) {
    Parser p(tokenize(in), name);
    MtpModel m;
    m.source = name;
    p.expect("MTP");
    p.expect_key("version");
    {
        const long l = p.line();
        const std::string v = p.next("the version number");
        if (v != "1.1.0") throw input_error(name, l, "unsupported MTP version '" + v + "' (expected 1.1.0)");
    }
    if (p.peek_is("potential_name")) {
        p.expect_key("potential_name");
        m.potential_name = p.rest_of_line();
    }
    if (p.peek_is("scaling")) {
        p.expect_key("scaling");
        m.scaling = p.number("scaling");
    }
    m.species_count = static_cast<int>(p.count("species_count", 1, 1000));
    if (p.peek_is("potential_tag")) {
        p.next("potential_tag");
        p.skip_rest_of_line();
    }
    p.expect_key("radial_basis_type");
    {
        const long l = p.line();
        const std::string rb = p.next("the radial basis type");
        if (rb != "RBChebyshev")
            throw input_error(name, l, "unknown radial basis '" + rb + "' (only RBChebyshev is supported)");
    }
    if (p.peek_is("scaling")) {
        p.expect_key("scaling");
        m.scaling *= p.number("radial basis scaling");
    }
    p.expect_key("min_dist");
    m.min_dist = p.number("min_dist");
    p.expect_key("max_dist");
    const long max_line = p.line();
    m.max_dist = p.number("max_dist");
    if (!(m.min_dist >= 0.0 && m.max_dist > m.min_dist))
        throw input_error(name, max_line, "expected 0 <= min_dist < max_dist");
    m.radial_basis_size = static_cast<int>(p.count("radial_basis_size", 1, kMtpMaxRadialBasis));
    m.radial_funcs_count = static_cast<int>(p.count("radial_funcs_count", 1, 1000));
    p.expect("radial_coeffs");
    const int S = m.species_count, NQ = m.radial_basis_size, NMU = m.radial_funcs_count;
    m.radial_coeffs.reserve(static_cast<size_t>(S) * S * NMU * NQ);
    for (int a = 0; a < S; ++a) {
        for (int b = 0; b < S; ++b) {
            const std::string label = std::to_string(a) + "-" + std::to_string(b);
            const long l = p.line();
            const std::string got = p.next("the radial_coeffs block label " + label);
            // MLIP ignores the label text (order is implicit); we only require that it is a label.
            if (got == "{" || got == "}" || got == "," || got == "=" || got == "alpha_moments_count")
                throw input_error(name, l,
                                  "expected the radial_coeffs block label " + label + " (" + std::to_string(S * S) +
                                      " blocks for species_count = " + std::to_string(S) + "), found '" + got + "'");
            for (int mu = 0; mu < NMU; ++mu) {
                const std::vector<double> c =
                    p.number_list("radial_coeffs " + label + " function " + std::to_string(mu), NQ);
                m.radial_coeffs.insert(m.radial_coeffs.end(), c.begin(), c.end());
            }
        }
    }
    m.alpha_moments_count = static_cast<int>(p.count("alpha_moments_count", 1, 100000000));
    const long nb = p.count("alpha_index_basic_count", 1, m.alpha_moments_count);
    p.expect_key("alpha_index_basic");
    {
        const long l = p.line();
        m.alpha_index_basic = p.quad_list("alpha_index_basic", nb);
        for (long b = 0; b < nb; ++b) {
            const int* q = &m.alpha_index_basic[4 * b];
            if (q[0] < 0 || q[0] >= NMU || q[1] < 0 || q[2] < 0 || q[3] < 0 || q[1] + q[2] + q[3] > 64)
                throw input_error(name, l,
                                  "alpha_index_basic entry " + std::to_string(b) +
                                      ": expected {mu, p, q, w} with 0 <= mu < radial_funcs_count and small powers >= 0");
        }
    }
    const long nt = p.count("alpha_index_times_count", 0, 1000000000);
    p.expect_key("alpha_index_times");
    {
        const long l = p.line();
        m.alpha_index_times = p.quad_list("alpha_index_times", nt);
        for (long t = 0; t < nt; ++t) {
            const int* q = &m.alpha_index_times[4 * t];
            if (q[0] < 0 || q[0] >= m.alpha_moments_count || q[1] < 0 || q[1] >= m.alpha_moments_count ||
                q[3] < nb || q[3] >= m.alpha_moments_count)
                throw input_error(name, l,
                                  "alpha_index_times entry " + std::to_string(t) +
                                      ": expected {i0, i1, m, k} with moment indices < alpha_moments_count and k >= "
                                      "alpha_index_basic_count");
        }
    }
    const long ns = p.count("alpha_scalar_moments", 1, m.alpha_moments_count);
    p.expect_key("alpha_moment_mapping");
    {
        const long l = p.line();
        m.alpha_moment_mapping = p.int_list("alpha_moment_mapping", ns);
        std::vector<char> used(m.alpha_moments_count, 0);
        for (long s = 0; s < ns; ++s) {
            const int k = m.alpha_moment_mapping[s];
            if (k < 0 || k >= m.alpha_moments_count)
                throw input_error(name, l, "alpha_moment_mapping entry " + std::to_string(s) + " = " + std::to_string(k) +
                                               " is not a moment index (expected 0.." +
                                               std::to_string(m.alpha_moments_count - 1) + ")");
            if (used[k]) throw input_error(name, l, "alpha_moment_mapping lists moment " + std::to_string(k) + " twice");
            used[k] = 1;
        }
    }
    p.expect_key("species_coeffs");
    m.species_coeffs = p.number_list("species_coeffs (one per species)", S);
    p.expect_key("moment_coeffs");
    m.moment_coeffs = p.number_list("moment_coeffs (one per alpha_scalar_moments)", ns);
    return m;
}

MtpModel read_mtp(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw Error(path + ": cannot open MTP potential file");
    return parse_mtp(in, path);
}

}  // namespace mdrun
