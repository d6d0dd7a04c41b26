// A text file held as lines, with the helpers every structure reader needs to report errors as
// "file:line: expected ..., got '...'". Used by the POSCAR, extended XYZ and LAMMPS data readers.
#pragma once
#include <string>
#include <vector>

#include "engine/core/error.hpp"

namespace mdrun {

class LineReader {
public:
    // Reads the whole file; throws mdrun::Error "<path>: cannot open ..." when it does not exist.
    explicit LineReader(const std::string& path);
    // For tests and in-memory text: `name` is used in error messages.
    LineReader(const std::string& name, const std::string& text);

    const std::string& name() const { return name_; }
    std::size_t count() const { return lines_.size(); }
    const std::string& line(std::size_t i) const { return lines_[i]; }  // 0-based index
    long number(std::size_t i) const { return (long)i + 1; }             // 1-based line number

    Error error(std::size_t i, const std::string& message) const { return input_error(name_, number(i), message); }

    // Whitespace-separated tokens of line i (a '#' starts a comment only when strip_comment is true).
    std::vector<std::string> tokens(std::size_t i, bool strip_comment = false) const;
    // Line i must exist; otherwise "file:line: unexpected end of file, expected <what>".
    void require(std::size_t i, const std::string& what) const;

    // A count read at line i promises `n` lines from line `first` on: more than the file holds is an error naming
    // the count, before anything is allocated for it (a 1 kB header must not make the reader allocate GBs).
    void require_lines(std::size_t i, std::size_t first, long n, const std::string& what) const;

    // Parse a token as a number; the error names the line, `what` was expected and the token found.
    double to_double(std::size_t i, const std::string& token, const std::string& what) const;
    long to_long(std::size_t i, const std::string& token, const std::string& what) const;

private:
    std::string name_;
    std::vector<std::string> lines_;
};

// Splits on spaces/tabs; a trailing '\r' (Windows line ends) is ignored.
std::vector<std::string> split_whitespace(const std::string& s);
// True when the whole token parses as a floating-point number / as an integer.
bool parse_double(const std::string& token, double& out);
bool parse_long(const std::string& token, long& out);

}  // namespace mdrun
