#include "potentials/mtp_file.hpp"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "engine/core/error.hpp"
#include "engine/core/stage_context.hpp"
#include "potentials/mtp_math.hpp"

namespace mdrun {

namespace {

// A token is a view into the file text (no copy per token: a level-22 file has ~100k numbers).
struct Token {
    const char* text;
    int len;
    long line;
    bool is(const char* s) const { return std::strlen(s) == static_cast<size_t>(len) && std::memcmp(text, s, len) == 0; }
    std::string str() const { return std::string(text, len); }
};

// Scans the token starting at or after p: a word, or one of the punctuation tokens '=', '{', '}', ','.
// Returns a token of length 0 at the end of the text. Advances p and line.
Token scan_token(const char*& p, const char* end, long& line) {
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')) {
        if (*p == '\n') ++line;
        ++p;
    }
    if (p >= end) return {end, 0, line};
    if (*p == '=' || *p == '{' || *p == '}' || *p == ',') return {p++, 1, line};
    const char* q = p;
    while (q < end && *q != ' ' && *q != '\t' && *q != '\r' && *q != '\n' && *q != '=' && *q != '{' && *q != '}' &&
           *q != ',')
        ++q;
    const Token t{p, static_cast<int>(q - p), line};
    p = q;
    return t;
}

class Parser {
public:
    // Streaming: one token of look-ahead, no token array (a level-22 file has ~200k tokens).
    Parser(std::string text, std::string name) : buf_(std::move(text)), name_(std::move(name)) {
        p_ = buf_.c_str();
        end_ = p_ + buf_.size();
        advance();
    }

    bool at_end() const { return cur_.len == 0; }
    long line() const { return cur_.line; }
    Error error(const std::string& what) const {
        return input_error(name_, line(), what + (at_end() ? " (file ends here)" : ""));
    }
    bool peek_is(const char* s) const { return !at_end() && cur_.is(s); }
    bool peek_char(char c) const { return cur_.len == 1 && cur_.text[0] == c; }
    std::string next(const std::string& what) {
        if (at_end()) throw error("expected " + what);
        const std::string s = cur_.str();
        advance();
        return s;
    }
    void expect(const char* s) {
        if (at_end()) throw error(std::string("expected '") + s + "'");
        if (!cur_.is(s)) throw error(std::string("expected '") + s + "', found '" + cur_.str() + "'");
        advance();
    }
    void expect_char(char c) {
        if (!peek_char(c)) {
            const char s[2] = {c, 0};
            expect(s);  // throws with the message
        }
        advance();
    }
    // "key = " (the key itself must come next).
    void expect_key(const char* key) {
        expect(key);
        expect_char('=');
    }
    double number(const std::string& what) {
        if (at_end()) throw error("expected a number for " + what);
        // strtod stops at the delimiter that ended the token; it must consume exactly the token.
        const Token tk = cur_;
        char* end = nullptr;
        errno = 0;
        const double v = std::strtod(tk.text, &end);
        if (end != tk.text + tk.len || errno == ERANGE || !std::isfinite(v))
            throw error("expected a number for " + what + ", found '" + tk.str() + "'");
        advance();
        return v;
    }
    long integer(const std::string& what) {
        if (at_end()) throw error("expected an integer for " + what);
        const Token tk = cur_;
        char* end = nullptr;
        errno = 0;
        const long v = std::strtol(tk.text, &end, 10);
        if (end != tk.text + tk.len || errno == ERANGE)
            throw error("expected an integer for " + what + ", found '" + tk.str() + "'");
        advance();
        return v;
    }
    // An integer that must fit an int (indices, powers): checked before narrowing.
    int small_integer(const std::string& what) {
        const long l = line();
        const long v = integer(what);
        if (v < -1000000000L || v > 1000000000L)
            throw input_error(name_, l, "expected an index for " + what + ", found " + std::to_string(v) + " (out of range)");
        return static_cast<int>(v);
    }
    // Bytes of the file text: every count must be backed by that many values in the file (each value takes at
    // least 2 characters, "0,"), so a corrupt count is an error before anything is allocated for it.
    std::size_t text_size() const { return buf_.size(); }
    void require_values(long line_no, const std::string& what, double values) const {
        if (values <= static_cast<double>(buf_.size()) / 2.0) return;
        throw input_error(name_, line_no,
                          what + " needs " + std::to_string(static_cast<long long>(values)) +
                              " values, more than the file (" + std::to_string(buf_.size()) + " bytes) can hold");
    }
    long count(const char* key, long lo, long hi) {
        expect_key(key);
        const long line_no = line();
        const long v = integer(key);
        if (v < lo || v > hi)
            throw input_error(name_, line_no,
                              std::string(key) + " = " + std::to_string(v) + " is out of range (expected " + std::to_string(lo) +
                                  ".." + std::to_string(hi) + ")");
        return v;
    }
    // "{ v, v, ... }" with exactly n values, each read by parse(what).
    template <class T, class Parse>
    std::vector<T> braced_list(const std::string& what, long n, Parse parse) {
        const long start = line();
        expect_char('{');
        std::vector<T> v;
        if (!peek_char('}')) {
            while (true) {
                v.push_back(static_cast<T>(parse(what)));
                if (peek_char('}')) break;
                expect_char(',');
            }
        }
        expect_char('}');
        if (static_cast<long>(v.size()) != n)
            throw input_error(name_, start,
                              what + ": expected " + std::to_string(n) + " values, found " + std::to_string(v.size()));
        return v;
    }
    std::vector<double> number_list(const std::string& what, long n) {
        return braced_list<double>(what, n, [this](const std::string& w) { return number(w); });
    }
    std::vector<int> int_list(const std::string& what, long n) {
        return braced_list<int>(what, n, [this](const std::string& w) { return small_integer(w); });
    }
    // "{{a,b,c,d}, {...}, ...}" with exactly n groups of 4 integers.
    std::vector<int> quad_list(const std::string& what, long n) {
        const long start = line();
        expect_char('{');
        std::vector<int> v;
        long groups = 0;
        if (!peek_char('}')) {
            while (true) {
                // Inline rather than int_list: no per-entry allocation (a level-22 file has 15k entries).
                const long entry_line = line();
                expect_char('{');
                int got = 0;
                while (!peek_char('}')) {
                    if (got > 0) expect_char(',');
                    v.push_back(small_integer(what));
                    ++got;
                    if (got > 4) break;
                }
                expect_char('}');
                if (got != 4)
                    throw input_error(name_, entry_line,
                                      what + " entry " + std::to_string(groups) + ": expected 4 integers {a, b, c, d}");
                ++groups;
                if (peek_char('}')) break;
                expect_char(',');
            }
        }
        expect_char('}');
        if (groups != n)
            throw input_error(name_, start,
                              what + ": expected " + std::to_string(n) + " entries (the _count line), found " +
                                  std::to_string(groups));
        return v;
    }
    // Skips the rest of the line of the token just consumed (prev_line_).
    void skip_rest_of_line() {
        while (!at_end() && cur_.line == prev_line_) advance();
    }
    std::string rest_of_line() {
        std::string s;
        while (!at_end() && cur_.line == prev_line_) {
            if (!s.empty()) s += ' ';
            s += cur_.str();
            advance();
        }
        return s;
    }
    const std::string& name() const { return name_; }

private:
    void advance() {
        prev_line_ = cur_.line;
        cur_ = scan_token(p_, end_, line_);
    }
    std::string buf_;  // the file text the tokens point into
    std::string name_;
    const char* p_ = nullptr;
    const char* end_ = nullptr;
    long line_ = 1;
    long prev_line_ = 0;
    Token cur_{nullptr, 0, 0};
};

}  // namespace

MtpModel parse_mtp(std::istream& in, const std::string& name) {
    std::stringstream ss;
    ss << in.rdbuf();
    Parser p(ss.str(), name);
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
    // MTP cutoffs are 4-8 Å; 50 Å bounds the neighbour list of any solid (a 1e4 Å max_dist is a broken file).
    if (m.max_dist > 50.0)
        throw input_error(name, max_line, "max_dist = " + std::to_string(m.max_dist) + " Å is out of range (expected <= 50 Å)");
    if (!(std::fabs(m.scaling) <= 1e100)) throw input_error(name, max_line, "scaling must be a finite number");
    m.radial_basis_size = static_cast<int>(p.count("radial_basis_size", 1, kMtpMaxRadialBasis));
    m.radial_funcs_count = static_cast<int>(p.count("radial_funcs_count", 1, 1000));
    p.expect("radial_coeffs");
    const int S = m.species_count, NQ = m.radial_basis_size, NMU = m.radial_funcs_count;
    p.require_values(p.line(), "radial_coeffs (species_count^2 x radial_funcs_count x radial_basis_size)",
                     static_cast<double>(S) * S * NMU * NQ);
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
    {
        const long l = p.line();
        m.alpha_moments_count = static_cast<int>(p.count("alpha_moments_count", 1, 100000000));
        // Every moment is a basic entry {mu,p,q,w} or a times entry {i0,i1,m,k} of the file.
        p.require_values(l, "alpha_moments_count = " + std::to_string(m.alpha_moments_count), 4.0 * m.alpha_moments_count);
    }
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
    const long nt_line = p.line();
    const long nt = p.count("alpha_index_times_count", 0, 1000000000);
    p.require_values(nt_line, "alpha_index_times_count = " + std::to_string(nt), 4.0 * static_cast<double>(nt));
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
    const StageContext stage("reading MTP potential " + path);
    std::ifstream in(path);
    if (!in) throw Error(path + ": cannot open MTP potential file");
    return parse_mtp(in, path);
}

}  // namespace mdrun
