// Extended XYZ reader (ASE/QUIP convention): the first frame (read_extxyz) or every frame (read_extxyz_frames). Elements from the `species` column,
// or from atomic numbers (`Z:I:1`) when there is none.
// Line 1: atom count. Line 2: key=value pairs, values optionally in "..." or {...}:
//   Lattice="ax ay az bx by bz cx cy cz"  (rows = lattice vectors; absent = non-periodic)
//   Properties=name:type:ncols:...        (default species:S:1:pos:R:3; any order, extra columns skipped)
//   pbc="T T F"                           (a non-periodic direction becomes a zero lattice row)
// Velocities: `velocities` (ASE units, Å per ASE time unit), `momenta` (ASE units, divided by `masses`
// when that column exists, else by the built-in atomic weights), `vel` (GPUMD convention, Å/fs).
// All are converted to Å/ps.
#include <cctype>
#include <cmath>
#include <map>

#include "engine/core/elements.hpp"
#include "engine/core/line_reader.hpp"
#include "engine/io/structure_io.hpp"

namespace mdrun {

namespace {

struct Column {
    std::string name;
    char type;
    int ncols;
    int start;  // first token index
};

// Parses `key=value key2="a b c" flag` into a map (keys as written).
std::map<std::string, std::string> parse_comment(const LineReader& r, std::size_t li) {
    std::map<std::string, std::string> kv;
    const std::string& s = r.line(li);
    std::size_t i = 0;
    auto skip_ws = [&] {
        while (i < s.size() && std::isspace((unsigned char)s[i])) ++i;
    };
    while (true) {
        skip_ws();
        if (i >= s.size()) break;
        std::size_t k0 = i;
        while (i < s.size() && !std::isspace((unsigned char)s[i]) && s[i] != '=') ++i;
        std::string key = s.substr(k0, i - k0);
        skip_ws();
        if (i < s.size() && s[i] == '=') {
            ++i;
            skip_ws();
            std::string value;
            if (i < s.size() && (s[i] == '"' || s[i] == '{')) {
                const char close = s[i] == '"' ? '"' : '}';
                const std::size_t end = s.find(close, i + 1);
                if (end == std::string::npos)
                    throw r.error(li, "unterminated quoted value for key '" + key + "'");
                value = s.substr(i + 1, end - i - 1);
                i = end + 1;
            } else {
                std::size_t v0 = i;
                while (i < s.size() && !std::isspace((unsigned char)s[i])) ++i;
                value = s.substr(v0, i - v0);
            }
            kv[key] = value;
        } else {
            kv[key] = "T";  // a bare key is a true flag
        }
    }
    return kv;
}

// Case-insensitive lookup (ASE writes "Lattice", others "lattice").
const std::string* find_key(const std::map<std::string, std::string>& kv, const std::string& key) {
    for (const auto& p : kv) {
        if (p.first.size() != key.size()) continue;
        bool eq = true;
        for (std::size_t i = 0; i < key.size(); ++i)
            if (std::tolower((unsigned char)p.first[i]) != std::tolower((unsigned char)key[i])) eq = false;
        if (eq) return &p.second;
    }
    return nullptr;
}

bool parse_bool_token(const std::string& t, bool& out) {
    if (t == "T" || t == "True" || t == "true" || t == "1") { out = true; return true; }
    if (t == "F" || t == "False" || t == "false" || t == "0") { out = false; return true; }
    return false;
}

}  // namespace

namespace {

// The frame whose atom-count line is line `o`; *next = the line after it; step/time from `step=` and
// `time_ps=` (mdrun's trajectory) or ASE's `Time` (ASE time units) when present, else -1 / NaN.
System read_extxyz_frame_at(const LineReader& r, std::size_t o, std::size_t* next, long* step, double* time_ps) {
    r.require(o, "the number of atoms (extended XYZ line 1)");
    const auto t0 = r.tokens(o);
    if (t0.empty()) throw r.error(o, "expected the number of atoms, got an empty line");
    const long n = r.to_long(o, t0[0], "the number of atoms (an integer)");
    if (n <= 0) throw r.error(o, "the number of atoms must be > 0, got " + t0[0]);
    r.require_lines(o, o + 2, n, "the number of atoms");
    r.require(o + 1, "the comment line with Lattice=... Properties=... (extended XYZ line 2)");
    const auto kv = parse_comment(r, o + 1);

    // Cell.
    Mat3 h = mat3_zero();
    bool has_lattice = false;
    if (const std::string* lat = find_key(kv, "Lattice")) {
        const auto lt = split_whitespace(*lat);
        if (lt.size() != 9) throw r.error(o + 1, "Lattice must hold 9 numbers (a, b, c rows), got \"" + *lat + "\"");
        for (int k = 0; k < 9; ++k) h.m[k / 3][k % 3] = r.to_double(o + 1, lt[k], "a number in Lattice");
        has_lattice = true;
    }
    bool pbc[3] = {has_lattice, has_lattice, has_lattice};
    if (const std::string* p = find_key(kv, "pbc")) {
        const auto pt = split_whitespace(*p);
        if (pt.size() != 3 && pt.size() != 1) throw r.error(o + 1, "pbc must be 3 flags such as \"T T T\", got \"" + *p + "\"");
        for (int k = 0; k < 3; ++k)
            if (!parse_bool_token(pt[pt.size() == 1 ? 0 : k], pbc[k]))
                throw r.error(o + 1, "pbc flags must be T or F, got \"" + *p + "\"");
    }
    for (int k = 0; k < 3; ++k) {
        if (pbc[k] && !has_lattice) throw r.error(o + 1, "pbc is true but there is no Lattice=\"...\"");
        if (!pbc[k]) h.m[k][0] = h.m[k][1] = h.m[k][2] = 0.0;  // mdrun's convention for a non-periodic direction
    }

    // Columns.
    std::string props = "species:S:1:pos:R:3";
    if (const std::string* p = find_key(kv, "Properties")) props = *p;
    std::vector<std::string> parts;
    {
        std::size_t a = 0;
        while (true) {
            const std::size_t b = props.find(':', a);
            parts.push_back(props.substr(a, b == std::string::npos ? std::string::npos : b - a));
            if (b == std::string::npos) break;
            a = b + 1;
        }
    }
    if (parts.size() % 3 != 0)
        throw r.error(o + 1, "Properties must be name:type:ncols triples, got \"" + props + "\"");
    std::vector<Column> cols;
    int width = 0;
    for (std::size_t k = 0; k < parts.size(); k += 3) {
        Column c;
        c.name = parts[k];
        if (parts[k + 1].size() != 1 || std::string("SRIL").find(parts[k + 1][0]) == std::string::npos)
            throw r.error(o + 1, "Properties: column type of '" + c.name + "' must be S, R, I or L, got '" + parts[k + 1] + "'");
        c.type = parts[k + 1][0];
        long nc;
        if (!parse_long(parts[k + 2], nc) || nc < 1)
            throw r.error(o + 1, "Properties: column count of '" + c.name + "' must be a positive integer, got '" +
                                 parts[k + 2] + "'");
        if (nc > 1000)  // no extxyz property has more columns; also keeps `width` far from int overflow
            throw r.error(o + 1, "Properties: column count of '" + c.name + "' must be at most 1000, got " + parts[k + 2]);
        c.ncols = (int)nc;
        c.start = width;
        width += c.ncols;
        cols.push_back(c);
    }
    auto column = [&](std::initializer_list<const char*> names) -> const Column* {
        for (const auto& c : cols)
            for (const char* nm : names)
                if (c.name == nm) return &c;
        return nullptr;
    };
    const Column* c_species = column({"species", "symbols"});
    const Column* c_pos = column({"pos", "positions"});
    const Column* c_vel = column({"velocities"});
    const Column* c_vel_fs = column({"vel"});
    const Column* c_mom = column({"momenta"});
    const Column* c_mass = column({"masses", "mass"});
    const Column* c_z = column({"Z", "numbers"});  // atomic numbers, when there is no species column
    if (!c_species && !c_z) throw r.error(o + 1, "Properties has neither species:S:1 nor Z:I:1: \"" + props + "\"");
    if (!c_pos) throw r.error(o + 1, "Properties has no pos:R:3 column: \"" + props + "\"");
    if (c_pos->ncols != 3 || c_pos->type != 'R') throw r.error(o + 1, "Properties: pos must be R:3");
    for (const Column* c : {c_vel, c_vel_fs, c_mom})
        if (c && (c->ncols != 3 || c->type != 'R')) throw r.error(o + 1, "Properties: " + c->name + " must be R:3");
    if (c_mass && (c_mass->ncols != 1 || c_mass->type != 'R')) throw r.error(o + 1, "Properties: masses must be R:1");

    System sys;
    sys.box = make_box(h);
    sys.pos.resize(n);
    sys.type.resize(n);
    const bool has_v = c_vel || c_vel_fs || c_mom;
    sys.vel.assign(n, Vec3{0, 0, 0});
    std::vector<double> file_mass;
    const double tu = ase_time_unit_ps();
    for (long a = 0; a < n; ++a) {
        const std::size_t li = o + 2 + static_cast<std::size_t>(a);
        r.require(li, std::to_string(n) + " atom lines (only " + std::to_string(a) + " found)");
        const auto t = r.tokens(li);
        if ((int)t.size() < width)
            throw r.error(li, "expected " + std::to_string(width) + " columns (" + props + "), got " +
                                  std::to_string(t.size()));
        std::string sym;
        if (c_species) {
            sym = t[c_species->start];
        } else {
            const long z = r.to_long(li, t[c_z->start], "an atomic number (integer)");
            if (z < 1 || z > 103) throw r.error(li, "atomic number " + t[c_z->start] + " out of range 1..103");
            sym = element_symbol((int)z);
        }
        if (!sym.empty()) {  // ASE capitalises symbols on reading; do the same
            sym[0] = (char)std::toupper((unsigned char)sym[0]);
            for (std::size_t q = 1; q < sym.size(); ++q) sym[q] = (char)std::tolower((unsigned char)sym[q]);
        }
        int ty = -1;
        for (std::size_t q = 0; q < sys.species.size(); ++q)
            if (sys.species[q] == sym) ty = (int)q;
        if (ty < 0) {
            if (!is_element(sym)) throw r.error(li, "unknown element '" + (c_species ? t[c_species->start] : sym) + "'");
            ty = (int)sys.species.size();
            sys.species.push_back(sym);
        }
        sys.type[a] = ty;
        auto vec = [&](const Column* c, const char* what) {
            return Vec3{r.to_double(li, t[c->start], what), r.to_double(li, t[c->start + 1], what),
                        r.to_double(li, t[c->start + 2], what)};
        };
        sys.pos[a] = vec(c_pos, "a position (number)");
        if (c_mass) file_mass.push_back(r.to_double(li, t[c_mass->start], "a mass (number)"));
        if (c_vel) {
            sys.vel[a] = (1.0 / tu) * vec(c_vel, "a velocity (number)");
        } else if (c_vel_fs) {
            sys.vel[a] = 1000.0 * vec(c_vel_fs, "a velocity (number)");
        } else if (c_mom) {
            const double m = c_mass ? file_mass.back() : atomic_mass(sym);
            if (!(m > 0)) throw r.error(li, "a mass must be > 0 to turn momenta into velocities");
            sys.vel[a] = (1.0 / (m * tu)) * vec(c_mom, "a momentum (number)");
        }
    }
    sys.has_velocities = has_v;
    if (c_mass) sys.mass = file_mass;  // kept: read_structure fills the table's masses only when absent
    *next = o + 2 + static_cast<std::size_t>(n);
    *step = -1;
    *time_ps = std::nan("");
    long st;
    double tv;
    if (const std::string* v = find_key(kv, "step"); v && parse_long(*v, st)) *step = st;
    if (const std::string* v = find_key(kv, "time_ps"); v && parse_double(*v, tv)) *time_ps = tv;
    else if (const std::string* v2 = find_key(kv, "Time"); v2 && parse_double(*v2, tv)) *time_ps = tv * ase_time_unit_ps();
    return sys;
}

}  // namespace

System read_extxyz(const std::string& path) {
    const LineReader r(path);
    std::size_t next;
    long step;
    double t;
    return read_extxyz_frame_at(r, 0, &next, &step, &t);
}

std::vector<StructureFrame> read_extxyz_frames(const std::string& path) {
    const LineReader r(path);
    std::vector<StructureFrame> out;
    std::size_t o = 0;
    while (o < r.count()) {
        if (r.tokens(o).empty()) {  // blank lines between or after frames
            ++o;
            continue;
        }
        StructureFrame f;
        f.sys = read_extxyz_frame_at(r, o, &o, &f.step, &f.time_ps);
        out.push_back(std::move(f));
    }
    if (out.empty()) throw Error(path + ": no extended XYZ frame in the file");
    return out;
}

}  // namespace mdrun
