#include "engine/io/cfg_io.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "engine/core/atomic_file.hpp"
#include "engine/core/error.hpp"
#include "engine/core/stage_context.hpp"
#include "engine/io/number_format.hpp"

namespace mdrun {

namespace {

std::vector<std::string> split_ws(const std::string& s) {
    std::vector<std::string> out;
    size_t i = 0;
    const size_t n = s.size();
    while (i < n) {
        while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r')) ++i;
        if (i >= n) break;
        size_t j = i;
        while (j < n && s[j] != ' ' && s[j] != '\t' && s[j] != '\r') ++j;
        out.emplace_back(s, i, j - i);
        i = j;
    }
    return out;
}

std::string trim(const std::string& s) {
    const char* ws = " \t\r\n";
    const auto b = s.find_first_not_of(ws);
    if (b == std::string::npos) return "";
    const auto e = s.find_last_not_of(ws);
    return s.substr(b, e - b + 1);
}

// Line-by-line reader that remembers the line number for messages.
class LineReader {
public:
    LineReader(std::istream& in, const std::string& name) : in_(in), name_(name) {}
    bool next(std::string& line) {
        if (!std::getline(in_, line)) return false;
        ++line_no_;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        return true;
    }
    long line() const { return line_no_; }
    Error error(const std::string& what) const { return input_error(name_, line_no_, what); }
    Error error_at(long line, const std::string& what) const { return input_error(name_, line, what); }

private:
    std::istream& in_;
    std::string name_;
    long line_no_ = 0;
};

double parse_double(const LineReader& r, const std::string& tok, const std::string& what) {
    const char* s = tok.c_str();
    char* end = nullptr;
    errno = 0;
    const double v = std::strtod(s, &end);
    if (end == s || *end != '\0' || errno == ERANGE || !std::isfinite(v))
        throw r.error("expected a number for " + what + ", found '" + tok + "'");
    return v;
}

long parse_long(const LineReader& r, const std::string& tok, const std::string& what) {
    const char* s = tok.c_str();
    char* end = nullptr;
    errno = 0;
    const long v = std::strtol(s, &end, 10);
    if (end == s || *end != '\0' || errno == ERANGE)
        throw r.error("expected an integer for " + what + ", found '" + tok + "'");
    return v;
}

// The keyword of a line inside a block: its first token without a trailing ':'.
std::string keyword_of(const std::vector<std::string>& toks) {
    if (toks.empty()) return "";
    std::string k = toks[0];
    const auto colon = k.find(':');
    if (colon != std::string::npos) k = k.substr(0, colon);
    return k;
}

// Column names following "AtomData:" / "PlusStress:" (the colon may be attached or separate).
std::vector<std::string> header_columns(const std::string& line, const std::string& key) {
    std::string rest = line.substr(line.find(key) + key.size());
    const auto b = rest.find_first_not_of(" \t");
    if (b != std::string::npos && rest[b] == ':') rest = rest.substr(b + 1);
    return split_ws(rest);
}

enum Column { kId, kType, kCx, kCy, kCz, kDx, kDy, kDz, kFx, kFy, kFz, kSiteEn, kColumnCount };
const char* const kColumnNames[kColumnCount] = {"id",       "type",     "cartes_x", "cartes_y", "cartes_z",
                                                "direct_x", "direct_y", "direct_z", "fx",       "fy",
                                                "fz",       "site_en"};

void read_atom_data(LineReader& r, const std::string& header_line, CfgConfig& c, long size) {
    const long header_no = r.line();
    const std::vector<std::string> cols = header_columns(header_line, "AtomData");
    if (size < 0) throw r.error("AtomData before Size: expected 'Size' and the atom count first");
    std::vector<int> which(cols.size());
    int where[kColumnCount];
    for (int k = 0; k < kColumnCount; ++k) where[k] = -1;
    for (size_t i = 0; i < cols.size(); ++i) {
        int found = -1;
        for (int k = 0; k < kColumnCount; ++k)
            if (cols[i] == kColumnNames[k]) found = k;
        if (found < 0)
            throw r.error("unknown AtomData column '" + cols[i] +
                          "' (expected id, type, cartes_x/y/z or direct_x/y/z, fx/fy/fz, site_en)");
        if (where[found] >= 0) throw r.error("AtomData column '" + cols[i] + "' appears twice");
        where[found] = static_cast<int>(i);
        which[i] = found;
    }
    if (where[kType] < 0) throw r.error("AtomData has no 'type' column");
    const bool cart = where[kCx] >= 0 || where[kCy] >= 0 || where[kCz] >= 0;
    const bool direct = where[kDx] >= 0 || where[kDy] >= 0 || where[kDz] >= 0;
    if (cart == direct || (cart && (where[kCx] < 0 || where[kCy] < 0 || where[kCz] < 0)) ||
        (direct && (where[kDx] < 0 || where[kDy] < 0 || where[kDz] < 0)))
        throw r.error("AtomData needs either cartes_x cartes_y cartes_z or direct_x direct_y direct_z");
    const bool forces = where[kFx] >= 0 || where[kFy] >= 0 || where[kFz] >= 0;
    if (forces && (where[kFx] < 0 || where[kFy] < 0 || where[kFz] < 0))
        throw r.error("AtomData has only some of fx fy fz");
    if (direct && !c.has_lattice) throw r.error("direct_x/y/z coordinates need a Supercell before AtomData");
    c.has_forces = forces;
    c.has_site_energies = where[kSiteEn] >= 0;
    // The arrays grow with the atom lines actually read (doubling up to Size): a corrupt Size of 1e8 in a small
    // file is an error at the end of the file, not gigabytes allocated up front.
    auto grow_to = [&](long n) {
        const auto un = static_cast<std::size_t>(n);
        c.id.resize(un, 0);
        c.type.resize(un, 0);
        c.pos.resize(un, Vec3{0, 0, 0});
        if (forces) c.force.resize(un, Vec3{0, 0, 0});
        if (c.has_site_energies) c.site_energy.resize(un, 0.0);
    };
    grow_to(std::min<long>(size, 4096));
    std::string line;
    // Atom lines are the bulk of a file: they are split in place (no string per token).
    constexpr int kMaxTokens = kColumnCount + 1;
    const char* tok[kMaxTokens];
    int len[kMaxTokens];
    for (long a = 0; a < size; ++a) {
        if (a >= static_cast<long>(c.id.size())) grow_to(std::min<long>(size, 2 * a));
        if (!r.next(line))
            throw r.error_at(header_no, "AtomData: expected " + std::to_string(size) + " atom lines (Size), file ends after " +
                                            std::to_string(a));
        int nt = 0;
        {
            const char* q = line.c_str();
            while (*q) {
                while (*q == ' ' || *q == '\t') ++q;
                if (!*q) break;
                const char* b = q;
                while (*q && *q != ' ' && *q != '\t') ++q;
                if (nt < kMaxTokens) {
                    tok[nt] = b;
                    len[nt] = static_cast<int>(q - b);
                }
                ++nt;
            }
        }
        if (nt != static_cast<int>(cols.size())) {
            const char c0 = nt > 0 ? tok[0][0] : '0';
            if (nt > 0 && !std::isdigit(static_cast<unsigned char>(c0)) && c0 != '-' && c0 != '+')
                throw r.error("expected " + std::to_string(size) + " atom lines after AtomData (Size), found " +
                              std::to_string(a) + " before '" + std::string(tok[0], len[0]) + "'");
            throw r.error("atom line has " + std::to_string(nt) + " values, expected " + std::to_string(cols.size()) +
                          " (one per AtomData column)");
        }
        double v[kColumnCount] = {};
        for (int i = 0; i < nt; ++i) {
            const int k = which[i];
            char* end = nullptr;
            errno = 0;
            if (k == kId || k == kType) {
                const long x = std::strtol(tok[i], &end, 10);
                if (end != tok[i] + len[i] || errno == ERANGE)
                    throw r.error(std::string("expected an integer for ") + kColumnNames[k] + ", found '" +
                                  std::string(tok[i], len[i]) + "'");
                if (k == kId) {
                    c.id[a] = x;
                } else {
                    if (x < 0 || x > 1000000)
                        throw r.error("atom type must be a non-negative species index, found " + std::string(tok[i], len[i]));
                    c.type[a] = static_cast<int>(x);
                }
            } else {
                v[k] = std::strtod(tok[i], &end);
                if (end != tok[i] + len[i] || errno == ERANGE || !std::isfinite(v[k]))
                    throw r.error(std::string("expected a number for ") + kColumnNames[k] + ", found '" +
                                  std::string(tok[i], len[i]) + "'");
            }
        }
        if (where[kId] < 0) c.id[a] = a + 1;
        if (cart) {
            c.pos[a] = Vec3{v[kCx], v[kCy], v[kCz]};
        } else {
            c.pos[a] = vec_mat(Vec3{v[kDx], v[kDy], v[kDz]}, c.lattice);
        }
        if (forces) c.force[a] = Vec3{v[kFx], v[kFy], v[kFz]};
        if (c.has_site_energies) c.site_energy[a] = v[kSiteEn];
    }
}

// Parses one block after BEGIN_CFG up to END_CFG.
CfgConfig read_block(LineReader& r) {
    CfgConfig c;
    c.first_line = r.line();
    long size = -1;
    bool have_atoms = false;
    std::string line;
    while (true) {
        if (!r.next(line)) throw r.error_at(c.first_line, "configuration starting here has no END_CFG (file truncated?)");
        const std::vector<std::string> toks = split_ws(line);
        if (toks.empty()) continue;
        const std::string key = keyword_of(toks);
        if (key == "END_CFG") break;
        if (key == "BEGIN_CFG") throw r.error("BEGIN_CFG inside a configuration: expected END_CFG first");
        if (key == "Size") {
            if (!r.next(line)) throw r.error("expected the atom count after Size, file ends");
            const std::vector<std::string> t = split_ws(line);
            if (t.size() != 1) throw r.error("expected one integer (the atom count) after Size");
            size = parse_long(r, t[0], "Size");
            if (size < 0 || size > 100000000) throw r.error("Size must be a non-negative atom count, found " + t[0]);
        } else if (key == "Supercell") {
            // 1 to 3 lattice rows; missing rows stay zero (non-periodic directions).
            int rows = 0;
            while (rows < 3) {
                std::string peek;
                if (!r.next(peek)) throw r.error("expected lattice rows after Supercell, file ends");
                const std::vector<std::string> t = split_ws(peek);
                if (t.size() == 3 && (std::isdigit(static_cast<unsigned char>(t[0][0])) || t[0][0] == '-' ||
                                      t[0][0] == '+' || t[0][0] == '.')) {
                    for (int k = 0; k < 3; ++k) c.lattice.m[rows][k] = parse_double(r, t[k], "a lattice vector component");
                    ++rows;
                    continue;
                }
                if (rows == 0) throw r.error("expected a lattice row of 3 numbers after Supercell");
                // Not a lattice row: it is the next keyword; handle it by re-dispatching.
                c.has_lattice = true;
                const std::string k2 = keyword_of(t);
                if (k2 == "AtomData") {
                    read_atom_data(r, peek, c, size);
                    have_atoms = true;
                    goto next_line;
                }
                throw r.error("expected AtomData after the Supercell rows, found '" + (t.empty() ? std::string() : t[0]) + "'");
            }
            c.has_lattice = true;
        } else if (key == "AtomData") {
            if (have_atoms) throw r.error("second AtomData in one configuration");
            read_atom_data(r, line, c, size);
            have_atoms = true;
        } else if (key == "Energy") {
            if (!r.next(line)) throw r.error("expected the energy after Energy, file ends");
            const std::vector<std::string> t = split_ws(line);
            if (t.size() != 1) throw r.error("expected one number (eV) after Energy");
            c.energy = parse_double(r, t[0], "Energy");
            c.has_energy = true;
        } else if (key == "PlusStress") {
            const std::vector<std::string> cols = header_columns(line, "PlusStress");
            static const char* const names[6] = {"xx", "yy", "zz", "yz", "xz", "xy"};
            int slot[6];
            if (cols.size() != 6) throw r.error("PlusStress needs the 6 columns xx yy zz yz xz xy");
            bool seen[6] = {false, false, false, false, false, false};
            for (int i = 0; i < 6; ++i) {
                slot[i] = -1;
                for (int k = 0; k < 6; ++k)
                    if (cols[i] == names[k]) slot[i] = k;
                if (slot[i] < 0 || seen[slot[i]])
                    throw r.error("PlusStress column '" + cols[i] + "' is not one of xx yy zz yz xz xy (each once)");
                seen[slot[i]] = true;
            }
            if (!r.next(line)) throw r.error("expected 6 numbers after PlusStress, file ends");
            const std::vector<std::string> t = split_ws(line);
            if (t.size() != 6) throw r.error("expected 6 numbers (eV) after PlusStress, found " + std::to_string(t.size()));
            for (int i = 0; i < 6; ++i) c.plus_stress[slot[i]] = parse_double(r, t[i], std::string("PlusStress ") + names[slot[i]]);
            c.has_plus_stress = true;
        } else if (key == "Stress") {
            throw r.error("'Stress' is not supported (MLIP rejects it too): write the virial as PlusStress (eV)");
        } else if (key == "Feature") {
            const std::string rest = trim(line.substr(line.find("Feature") + 7));
            c.features.push_back(rest);
        } else {
            throw r.error("unexpected '" + toks[0] +
                          "' in a configuration (expected Size, Supercell, AtomData, Energy, PlusStress, Feature or END_CFG)");
        }
    next_line:;
    }
    if (size < 0) throw r.error("configuration has no Size");
    if (!have_atoms && size > 0) throw r.error("configuration of " + std::to_string(size) + " atoms has no AtomData");
    return c;
}

// "%.16e" without printf (number_format.hpp): formatting dominated writing big .cfg files, and calc-efs
// writes one per call.
using numfmt::put_e16;
using numfmt::put_text;

void write_num(std::ostream& os, double v) {
    char buf[numfmt::kMaxNumberChars];
    os.write(buf, put_e16(buf, buf + sizeof buf, v) - buf);
}

}  // namespace

std::vector<CfgConfig> parse_cfg(std::istream& in, const std::string& name) {
    LineReader r(in, name);
    std::vector<CfgConfig> out;
    std::string line;
    while (r.next(line)) {
        const std::vector<std::string> t = split_ws(line);
        if (t.empty()) continue;
        if (t[0] != "BEGIN_CFG") throw r.error("expected BEGIN_CFG, found '" + t[0] + "'");
        out.push_back(read_block(r));
    }
    return out;
}

std::vector<CfgConfig> read_cfg(const std::string& path) {
    const StageContext stage("reading configurations " + path);
    std::ifstream in(path);
    if (!in) throw Error(path + ": cannot open configuration file");
    return parse_cfg(in, path);
}

void write_cfg(std::ostream& os, const std::vector<CfgConfig>& configs) {
    for (const CfgConfig& c : configs) {
        const size_t n = c.size();
        os << "BEGIN_CFG\n Size\n    " << n << "\n";
        if (c.has_lattice) {
            os << " Supercell\n";
            for (int i = 0; i < 3; ++i) {
                if (c.lattice.m[i][0] == 0.0 && c.lattice.m[i][1] == 0.0 && c.lattice.m[i][2] == 0.0) continue;
                os << "    ";
                for (int k = 0; k < 3; ++k) {
                    if (k) os << ' ';
                    write_num(os, c.lattice.m[i][k]);
                }
                os << "\n";
            }
        }
        os << " AtomData:  id type       cartes_x      cartes_y      cartes_z";
        if (c.has_forces) os << "           fx          fy          fz";
        if (c.has_site_energies) os << "       site_en";
        os << "\n";
        // Atom lines are formatted in parallel into a buffer of fixed-size slots, then written in order
        // (the characters of printf("    %ld %d  %.16e ...")). The buffer holds a chunk of atoms and is reused
        // for the next: one sized for all atoms was 256 bytes of fresh, page-faulting memory per atom.
        constexpr std::size_t kSlot = 256;  // 2 integers + 7 numbers of at most 24 characters each, and spaces
        constexpr std::size_t kChunk = 2048;
        const std::size_t chunk = std::min(n, kChunk);
        std::vector<char> text(chunk * kSlot);
        std::vector<unsigned short> len(chunk);
        for (std::size_t a0 = 0; a0 < n; a0 += chunk) {
            const long m = static_cast<long>(std::min(chunk, n - a0));
#pragma omp parallel for schedule(static) if (n > 2000)
            for (long q = 0; q < m; ++q) {
                const std::size_t a = a0 + static_cast<std::size_t>(q);
                char* const line = text.data() + static_cast<std::size_t>(q) * kSlot;
                char* const end = line + kSlot;
                char* p = put_text(line, "    ");
                p = std::to_chars(p, end, c.id[a]).ptr;
                *p++ = ' ';
                p = std::to_chars(p, end, c.type[a]).ptr;
                *p++ = ' ';
                for (double v : {c.pos[a].x, c.pos[a].y, c.pos[a].z}) {
                    *p++ = ' ';
                    p = put_e16(p, end, v);
                }
                if (c.has_forces) {
                    *p++ = ' ';
                    for (double v : {c.force[a].x, c.force[a].y, c.force[a].z}) {
                        *p++ = ' ';
                        p = put_e16(p, end, v);
                    }
                }
                if (c.has_site_energies) {
                    p = put_text(p, "  ");
                    p = put_e16(p, end, c.site_energy[a]);
                }
                *p++ = '\n';
                len[static_cast<std::size_t>(q)] = static_cast<unsigned short>(p - line);
            }
            for (std::size_t q = 0; q < static_cast<std::size_t>(m); ++q) os.write(text.data() + q * kSlot, len[q]);
        }
        if (c.has_energy) {
            os << " Energy\n    ";
            write_num(os, c.energy);
            os << "\n";
        }
        if (c.has_plus_stress) {
            os << " PlusStress:  xx          yy          zz          yz          xz          xy\n     ";
            for (int k = 0; k < 6; ++k) {
                if (k) os << ' ';
                write_num(os, c.plus_stress[k]);
            }
            os << "\n";
        }
        for (const std::string& f : c.features) {
            // MLIP writes "Feature   <name>\t<value>".
            const auto sp = f.find_first_of(" \t");
            if (sp == std::string::npos) {
                os << " Feature   " << f << "\n";
            } else {
                os << " Feature   " << f.substr(0, sp) << '\t' << trim(f.substr(sp)) << "\n";
            }
        }
        os << "END_CFG\n\n";
    }
}

void write_cfg_file(const std::string& path, const std::vector<CfgConfig>& configs) {
    write_file_atomically(path, [&](std::ostream& os) { write_cfg(os, configs); });
}

}  // namespace mdrun
