#include "engine/core/line_reader.hpp"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace mdrun {

namespace {
void split_lines(const std::string& text, std::vector<std::string>& out) {
    std::size_t start = 0;
    while (start < text.size()) {
        std::size_t end = text.find('\n', start);
        if (end == std::string::npos) end = text.size();
        std::string l = text.substr(start, end - start);
        if (!l.empty() && l.back() == '\r') l.pop_back();
        out.push_back(std::move(l));
        start = end + 1;
    }
}
}  // namespace

LineReader::LineReader(const std::string& path) : name_(path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error(path + ": cannot open structure file (does it exist and is it readable?)");
    std::ostringstream ss;
    ss << in.rdbuf();
    split_lines(ss.str(), lines_);
}

LineReader::LineReader(const std::string& name, const std::string& text) : name_(name) { split_lines(text, lines_); }

std::vector<std::string> LineReader::tokens(std::size_t i, bool strip_comment) const {
    std::string l = lines_[i];
    if (strip_comment) {
        const std::size_t h = l.find('#');
        if (h != std::string::npos) l.resize(h);
    }
    return split_whitespace(l);
}

void LineReader::require(std::size_t i, const std::string& what) const {
    if (i >= lines_.size()) throw input_error(name_, (long)i + 1, "unexpected end of file, expected " + what);
}

double LineReader::to_double(std::size_t i, const std::string& token, const std::string& what) const {
    double v;
    if (!parse_double(token, v)) throw error(i, "expected " + what + ", got '" + token + "'");
    return v;
}

long LineReader::to_long(std::size_t i, const std::string& token, const std::string& what) const {
    long v;
    if (!parse_long(token, v)) throw error(i, "expected " + what + ", got '" + token + "'");
    return v;
}

std::vector<std::string> split_whitespace(const std::string& s) {
    std::vector<std::string> out;
    std::size_t i = 0;
    while (i < s.size()) {
        while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\f' || s[i] == '\v')) ++i;
        if (i >= s.size()) break;
        std::size_t j = i;
        while (j < s.size() && !(s[j] == ' ' || s[j] == '\t' || s[j] == '\r' || s[j] == '\f' || s[j] == '\v')) ++j;
        out.push_back(s.substr(i, j - i));
        i = j;
    }
    return out;
}

bool parse_double(const std::string& token, double& out) {
    if (token.empty()) return false;
    // Fortran-style exponents ("1.0D-3") appear in some VASP-adjacent tools; accept them.
    std::string t = token;
    for (char& c : t)
        if (c == 'D' || c == 'd') c = 'e';
    errno = 0;
    char* end = nullptr;
    out = std::strtod(t.c_str(), &end);
    // NaN or infinite coordinates are never meaningful input.
    return end == t.c_str() + t.size() && errno != ERANGE && std::isfinite(out);
}

void LineReader::require_lines(std::size_t i, std::size_t first, long n, const std::string& what) const {
    const std::size_t have = first < lines_.size() ? lines_.size() - first : 0;
    if (n >= 0 && static_cast<unsigned long>(n) <= have) return;
    // Reported at the first missing line, as require() would report it when reading that far.
    (void)i;
    throw error(lines_.size(), "unexpected end of file: " + what + " = " + std::to_string(n) + " needs " +
                                   std::to_string(n) + " lines from line " + std::to_string(first + 1) +
                                   ", but the file has only " + std::to_string(have));
}

bool parse_long(const std::string& token, long& out) {
    if (token.empty()) return false;
    errno = 0;
    char* end = nullptr;
    out = std::strtol(token.c_str(), &end, 10);
    return end == token.c_str() + token.size() && errno != ERANGE;
}

}  // namespace mdrun
