// VASP 5 POSCAR/CONTCAR reader.
// Layout: comment / scale (1 number, negative = target volume, or 3 per-axis factors) / 3 lattice rows /
// element symbols (VASP 5; required) / counts / [Selective dynamics] / Direct|Cartesian / N positions /
// optionally a blank or mode line and N velocities (VASP: Å/fs; converted to Å/ps).
#include <cmath>

#include "engine/core/line_reader.hpp"
#include "engine/io/structure_io.hpp"

namespace mdrun {

namespace {

// "Na_pv" or "Na/6a1b..." (POTCAR labels written by some tools) -> "Na".
std::string poscar_symbol(const std::string& token) {
    std::size_t end = token.find_first_of("_/:.");
    return end == std::string::npos ? token : token.substr(0, end);
}

bool looks_numeric(const std::string& s) {
    double v;
    return parse_double(s, v);
}

// Reads 3 numbers starting at token 0 of line i into v.
Vec3 read_vec3(const LineReader& r, std::size_t i, const std::string& what) {
    r.require(i, what);
    const auto t = r.tokens(i);
    if (t.size() < 3)
        throw r.error(i, "expected 3 numbers for " + what + ", got '" + r.line(i) + "'");
    return {r.to_double(i, t[0], "a number for " + what), r.to_double(i, t[1], "a number for " + what),
            r.to_double(i, t[2], "a number for " + what)};
}

}  // namespace

System read_poscar(const std::string& path) {
    const LineReader r(path);
    r.require(0, "a comment line (POSCAR line 1)");
    r.require(1, "the scaling factor (POSCAR line 2)");

    const auto st = r.tokens(1);
    if (st.size() != 1 && st.size() != 3)
        throw r.error(1, "expected the scaling factor (1 number, or 3 per-axis factors), got '" + r.line(1) + "'");
    double scale[3];
    for (std::size_t k = 0; k < 3; ++k) scale[k] = r.to_double(1, st[st.size() == 1 ? 0 : k], "a scaling factor");

    Mat3 h{};
    for (int k = 0; k < 3; ++k) {
        const Vec3 a = read_vec3(r, 2 + k, "a lattice vector");
        h.m[k][0] = a.x; h.m[k][1] = a.y; h.m[k][2] = a.z;
    }
    if (st.size() == 1 && scale[0] < 0) {
        // A negative factor is the desired cell volume.
        const double v0 = std::fabs(det(h));
        if (v0 == 0) throw r.error(1, "negative scaling factor (a volume) needs a non-degenerate lattice");
        const double f = std::cbrt(-scale[0] / v0);
        scale[0] = scale[1] = scale[2] = f;
    } else {
        for (int k = 0; k < 3; ++k)
            if (scale[k] <= 0) throw r.error(1, "scaling factors must be > 0 (or a single negative volume)");
    }
    // Per-axis factors scale the Cartesian x, y, z components (VASP convention).
    for (int i = 0; i < 3; ++i)
        for (int k = 0; k < 3; ++k) h.m[i][k] *= scale[k];

    r.require(5, "the element symbols line (VASP 5 POSCAR line 6)");
    const auto sym_tokens = r.tokens(5);
    if (sym_tokens.empty() || looks_numeric(sym_tokens[0]))
        throw r.error(5, "expected the element symbols (VASP 5 format, e.g. 'Na Al Cl'); this looks like a VASP 4 "
                         "POSCAR without them: insert a line with the element symbols before the counts line");
    std::vector<std::string> symbols;
    for (const auto& t : sym_tokens) symbols.push_back(poscar_symbol(t));

    r.require(6, "the atom counts line (POSCAR line 7)");
    const auto ct = r.tokens(6);
    if (ct.size() != symbols.size())
        throw r.error(6, "expected " + std::to_string(symbols.size()) + " atom counts (one per element on line 6), got '" +
                             r.line(6) + "'");
    std::vector<long> counts;
    long n = 0;
    for (const auto& t : ct) {
        const long c = r.to_long(6, t, "an atom count (integer >= 0)");
        if (c < 0) throw r.error(6, "atom counts must be >= 0, got " + t);
        // Each count is bounded by the file's length below, but the sum must not overflow before that check.
        if (c > static_cast<long>(r.count())) r.require_lines(6, 7, c, "the atom count " + t);
        counts.push_back(c);
        n += c;
    }
    if (n == 0) throw r.error(6, "the structure has no atoms");
    r.require_lines(6, 8, n, "the total atom count");

    std::size_t li = 7;
    r.require(li, "'Direct' or 'Cartesian'");
    auto first_char = [&](std::size_t i) {
        const auto t = r.tokens(i);
        return t.empty() ? ' ' : t[0][0];
    };
    if (first_char(li) == 'S' || first_char(li) == 's') ++li;  // Selective dynamics: flags are ignored
    r.require(li, "'Direct' or 'Cartesian'");
    const char mode = first_char(li);
    if (mode == ' ') throw r.error(li, "expected 'Direct' or 'Cartesian', got an empty line");
    const bool cartesian = mode == 'C' || mode == 'c' || mode == 'K' || mode == 'k';
    if (!cartesian && mode != 'D' && mode != 'd')
        throw r.error(li, "expected 'Direct' or 'Cartesian', got '" + r.line(li) + "'");
    ++li;

    System sys;
    Mat3 lattice = h;
    sys.box = make_box(lattice);
    // Species in order of first appearance (a symbol may repeat in the VASP line).
    for (std::size_t s = 0; s < symbols.size(); ++s) {
        int t = -1;
        for (std::size_t q = 0; q < sys.species.size(); ++q)
            if (sys.species[q] == symbols[s]) t = (int)q;
        if (t < 0) {
            t = (int)sys.species.size();
            sys.species.push_back(symbols[s]);
        }
        for (long c = 0; c < counts[s]; ++c) sys.type.push_back(t);
    }
    sys.pos.resize(n);
    for (long a = 0; a < n; ++a, ++li) {
        const Vec3 x = read_vec3(r, li, "the position of atom " + std::to_string(a + 1));
        if (cartesian)
            sys.pos[a] = {x.x * scale[0], x.y * scale[1], x.z * scale[2]};
        else
            sys.pos[a] = to_cartesian(sys.box, x);
    }

    // Optional velocities: a blank line or a mode line, then N lines of 3 numbers.
    if (li < r.count()) {
        std::size_t vi = li;
        bool vcart = true;
        const auto t = r.tokens(vi);
        if (t.empty()) {
            ++vi;
        } else if (!looks_numeric(t[0])) {
            const char c = t[0][0];
            vcart = c == 'C' || c == 'c' || c == 'K' || c == 'k';
            ++vi;
        }
        // Velocities are present when the next line holds numbers (CONTCAR of an MD run).
        if (vi < r.count() && !r.tokens(vi).empty() && looks_numeric(r.tokens(vi)[0])) {
            sys.vel.resize(n);
            for (long a = 0; a < n; ++a, ++vi) {
                const Vec3 v = read_vec3(r, vi, "the velocity of atom " + std::to_string(a + 1) + " (Å/fs)");
                const Vec3 vc = vcart ? v : to_cartesian(sys.box, v);
                sys.vel[a] = 1000.0 * vc;  // Å/fs -> Å/ps
            }
            sys.has_velocities = true;
        }
    }
    if (!sys.has_velocities) sys.vel.assign(n, Vec3{0, 0, 0});
    return sys;
}

}  // namespace mdrun
