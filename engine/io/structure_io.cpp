// Structure input dispatch and the structure edits of [structure]: replicate and random removal.
#include "engine/io/structure_io.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <fstream>

#include "engine/io/cfg_io.hpp"
#include "engine/core/elements.hpp"
#include "engine/core/error.hpp"
#include "engine/core/stage_context.hpp"
#include "engine/core/line_reader.hpp"

namespace mdrun {

namespace {

std::string lower(std::string s) {
    for (char& c : s) c = (char)std::tolower((unsigned char)c);
    return s;
}

std::string basename_of(const std::string& path) {
    const std::size_t s = path.find_last_of('/');
    return s == std::string::npos ? path : path.substr(s + 1);
}

bool ends_with(const std::string& s, const std::string& suf) {
    return s.size() >= suf.size() && s.compare(s.size() - suf.size(), suf.size(), suf) == 0;
}

System system_from_cfg(const CfgConfig& c, const std::string& path, const std::vector<std::string>& elements);

System from_cfg(const std::string& path, const std::vector<std::string>& elements) {
    const std::vector<CfgConfig> cfgs = read_cfg(path);
    if (cfgs.empty()) throw Error(path + ": no configuration (BEGIN_CFG ... END_CFG) in the file");
    if (elements.empty())
        throw Error(path + ": a .cfg file has integer types only: give the elements ([structure].elements / --elements)");
    return system_from_cfg(cfgs.front(), path, elements);  // the first configuration of the file
}

System system_from_cfg(const CfgConfig& c, const std::string& path, const std::vector<std::string>& elements) {
    System sys;
    sys.box = make_box(c.lattice);
    for (const auto& e : elements)
        if (std::find(sys.species.begin(), sys.species.end(), e) == sys.species.end()) sys.species.push_back(e);
    const std::size_t n = c.size();
    sys.pos = c.pos;
    sys.id = c.id;
    sys.type.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
        const int t = c.type[i];
        if (t < 0 || t >= (int)elements.size())
            throw input_error(path, c.first_line, "atom " + std::to_string(i + 1) + " has type " + std::to_string(t) +
                                                      " but only " + std::to_string(elements.size()) +
                                                      " elements were given (types are 0-based)");
        sys.type[i] = (int)(std::find(sys.species.begin(), sys.species.end(), elements[t]) - sys.species.begin());
    }
    sys.vel.assign(n, Vec3{0, 0, 0});
    return sys;
}

// Reorders species to `elements` (POSCAR/extxyz name their elements themselves).
void apply_element_order(System& sys, const std::vector<std::string>& elements, const std::string& path) {
    if (elements.empty()) return;
    std::vector<std::string> species;
    for (const auto& e : elements)
        if (std::find(species.begin(), species.end(), e) == species.end()) species.push_back(e);
    std::vector<int> remap(sys.species.size());
    for (std::size_t s = 0; s < sys.species.size(); ++s) {
        auto it = std::find(species.begin(), species.end(), sys.species[s]);
        if (it == species.end())
            throw Error(path + ": element '" + sys.species[s] + "' of the structure is not in the given elements list");
        remap[s] = (int)(it - species.begin());
    }
    for (int& t : sys.type) t = remap[t];
    sys.species = species;
}

// Throws "<prefix>unknown element 'Xx' ..." (element_data's message, with its case hint) for a bad symbol.
void require_element(const std::string& symbol, const std::string& prefix) {
    if (is_element(symbol)) return;
    try {
        element_data(symbol);
    } catch (const Error& e) {
        throw Error(prefix + e.what());
    }
}

// Everything a reader leaves unset: ids, table masses, zero forces, not frozen.
void finalize(System& sys, const std::string& path) {
    const std::size_t n = sys.pos.size();
    for (const auto& s : sys.species) require_element(s, path + ": ");
    if (sys.id.size() != n) {
        sys.id.resize(n);
        for (std::size_t i = 0; i < n; ++i) sys.id[i] = (long)i + 1;
    }
    if (sys.mass.size() != n) sys.mass.assign(n, 0.0);
    for (std::size_t i = 0; i < n; ++i)
        if (sys.mass[i] == 0.0) sys.mass[i] = atomic_mass(sys.species[sys.type[i]]);
    if (sys.vel.size() != n) sys.vel.assign(n, Vec3{0, 0, 0});
    sys.force.assign(n, Vec3{0, 0, 0});
    sys.frozen.assign(n, 0);
}

// Reproducible random integers: splitmix64 (fully specified, unlike std:: distributions).
struct SplitMix64 {
    std::uint64_t s;
    std::uint64_t next() {
        std::uint64_t z = (s += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }
    // Uniform in [0, m) without modulo bias (rejection sampling).
    std::uint64_t below(std::uint64_t m) {
        const std::uint64_t limit = UINT64_MAX - UINT64_MAX % m;
        std::uint64_t x;
        do x = next(); while (x >= limit);
        return x % m;
    }
};

// Keeps the atoms with keep[i] true, in order, and renumbers ids 1..N.
void keep_atoms(System& sys, const std::vector<bool>& keep) {
    std::size_t w = 0;
    const bool has_charge = !sys.charge.empty();
    for (std::size_t i = 0; i < sys.size(); ++i) {
        if (!keep[i]) continue;
        sys.type[w] = sys.type[i];
        sys.pos[w] = sys.pos[i];
        sys.vel[w] = sys.vel[i];
        sys.force[w] = sys.force[i];
        sys.mass[w] = sys.mass[i];
        sys.frozen[w] = sys.frozen[i];
        if (has_charge) sys.charge[w] = sys.charge[i];
        ++w;
    }
    sys.type.resize(w); sys.pos.resize(w); sys.vel.resize(w); sys.force.resize(w); sys.mass.resize(w);
    sys.frozen.resize(w);
    if (has_charge) sys.charge.resize(w);
    sys.id.resize(w);
    for (std::size_t i = 0; i < w; ++i) sys.id[i] = (long)i + 1;
}

}  // namespace

double ase_time_unit_ps() {
    // ASE 3.22 (Debian) uses CODATA 2014: t0 = Å·sqrt(amu/eV) = 1e-10 m · sqrt(amu_kg / e_C) s.
    const double amu = 1.66053904e-27, e = 1.6021766208e-19;
    return 1e2 * std::sqrt(amu / e);  // 1e-10 m -> s, then s -> ps (1e12)
}

std::string detect_structure_format(const std::string& path) {
    const std::string base = lower(basename_of(path));
    if (ends_with(base, ".extxyz") || ends_with(base, ".xyz")) return "extxyz";
    if (ends_with(base, ".cfg")) return "cfg";
    if (ends_with(base, ".data") || ends_with(base, ".lmp") || ends_with(base, ".lammps") ||
        base.rfind("data.", 0) == 0)
        return "lammps-data";
    if (ends_with(base, ".vasp") || ends_with(base, ".poscar") || base.find("poscar") != std::string::npos ||
        base.find("contcar") != std::string::npos)
        return "poscar";
    // By content: a first line that is an integer = XYZ; BEGIN_CFG = cfg; "atoms" in the header = LAMMPS;
    // otherwise a scale factor on line 2 = POSCAR.
    const LineReader r(path);
    for (std::size_t i = 0; i < r.count() && i < 40; ++i) {
        const auto t = r.tokens(i);
        if (!t.empty() && t[0] == "BEGIN_CFG") return "cfg";
    }
    long n;
    const auto t0 = r.count() > 0 ? r.tokens(0) : std::vector<std::string>{};
    if (t0.size() == 1 && parse_long(t0[0], n)) return "extxyz";
    for (std::size_t i = 1; i < r.count() && i < 20; ++i) {
        const auto t = r.tokens(i, true);
        if (t.size() == 2 && t[1] == "atoms") return "lammps-data";
    }
    double s;
    if (r.count() > 1) {
        const auto t1 = r.tokens(1);
        if ((t1.size() == 1 || t1.size() == 3) && parse_double(t1[0], s)) return "poscar";
    }
    throw Error(path + ": cannot tell the structure format from the name or content; set [structure].format "
                       "(poscar | extxyz | cfg | lammps-data)");
}

System read_structure(const std::string& path, const std::string& format, const std::vector<std::string>& elements) {
    const StageContext stage("reading structure " + path);
    {
        std::ifstream probe(path);
        if (!probe) throw Error(path + ": cannot open structure file (does it exist and is it readable?)");
    }
    for (const auto& e : elements) require_element(e, "structure elements: ");
    const std::string fmt = format == "auto" || format.empty() ? detect_structure_format(path) : format;
    System sys;
    if (fmt == "poscar") {
        sys = read_poscar(path);
        apply_element_order(sys, elements, path);
    } else if (fmt == "extxyz") {
        sys = read_extxyz(path);
        apply_element_order(sys, elements, path);
    } else if (fmt == "cfg") {
        sys = from_cfg(path, elements);
    } else if (fmt == "lammps-data") {
        sys = read_lammps_data(path, elements);
    } else {
        throw Error("unknown structure format '" + format + "' (expected auto, poscar, extxyz, cfg or lammps-data)");
    }
    finalize(sys, path);
    return sys;
}

std::vector<StructureFrame> read_structure_frames(const std::string& path, const std::string& format,
                                                  const std::vector<std::string>& elements) {
    const StageContext stage("reading structures " + path);
    std::string fmt = format.empty() ? "auto" : format;
    const std::string base = lower(basename_of(path));
    if (fmt == "auto" && (ends_with(base, ".h5md") || ends_with(base, ".h5"))) fmt = "h5md";
    if (fmt == "auto") {
        std::ifstream probe(path);
        if (!probe) throw Error(path + ": cannot open structure file (does it exist and is it readable?)");
        fmt = detect_structure_format(path);
    }
    for (const auto& e : elements) require_element(e, "structure elements: ");
    std::vector<StructureFrame> frames;
    if (fmt == "h5md") {
        frames = read_h5md_frames(path, elements);
    } else if (fmt == "extxyz") {
        frames = read_extxyz_frames(path);
        for (auto& f : frames) apply_element_order(f.sys, elements.empty() ? frames.front().sys.species : elements, path);
    } else if (fmt == "cfg") {
        const std::vector<CfgConfig> cfgs = read_cfg(path);
        if (cfgs.empty()) throw Error(path + ": no configuration (BEGIN_CFG ... END_CFG) in the file");
        if (elements.empty())
            throw Error(path + ": a .cfg file has integer types only: give the elements ([structure].elements / --elements)");
        for (const auto& c : cfgs) {
            StructureFrame f;
            f.sys = system_from_cfg(c, path, elements);
            frames.push_back(std::move(f));
        }
    } else {
        StructureFrame f;
        f.sys = read_structure(path, fmt, elements);
        frames.push_back(std::move(f));
        return frames;
    }
    for (auto& f : frames) finalize(f.sys, path);
    return frames;
}

void replicate(System& sys, int na, int nb, int nc) {
    const int counts[3] = {na, nb, nc};
    for (int k = 0; k < 3; ++k) {
        if (counts[k] < 1) throw Error("replicate: counts must be >= 1, got " + std::to_string(counts[k]));
        if (counts[k] > 1 && !sys.box.periodic[k])
            throw Error("replicate: direction " + std::to_string(k + 1) + " is not periodic, so it cannot be repeated");
    }
    if (na == 1 && nb == 1 && nc == 1) return;
    const std::size_t n0 = sys.size();
    const std::size_t copies = (std::size_t)na * nb * nc;
    // Atom indices are int throughout (neighbour list, kernels): stay far below 2^31, and name the product
    // before allocating for it.
    constexpr std::size_t kMaxAtoms = 100000000;
    if (n0 > 0 && copies > kMaxAtoms / n0)
        throw Error("replicate: " + std::to_string(na) + " x " + std::to_string(nb) + " x " + std::to_string(nc) +
                    " copies of " + std::to_string(n0) + " atoms would make " + std::to_string(copies * n0) +
                    " atoms; mdrun supports at most " + std::to_string(kMaxAtoms));
    const bool has_charge = !sys.charge.empty();
    System out;
    out.species = sys.species;
    out.has_velocities = sys.has_velocities;
    Mat3 h = sys.box.h;
    for (int k = 0; k < 3; ++k)
        for (int c = 0; c < 3; ++c) h.m[k][c] *= counts[k];
    out.box = make_box(h);
    const Vec3 a = row(sys.box.h, 0), b = row(sys.box.h, 1), c = row(sys.box.h, 2);
    // Image-major order (a slowest, c fastest), as ASE's `atoms * (na, nb, nc)` and LAMMPS `replicate`.
    for (int i = 0; i < na; ++i)
        for (int j = 0; j < nb; ++j)
            for (int k = 0; k < nc; ++k) {
                const Vec3 shift = (double)i * a + (double)j * b + (double)k * c;
                for (std::size_t q = 0; q < n0; ++q) {
                    out.type.push_back(sys.type[q]);
                    out.pos.push_back(sys.pos[q] + shift);
                    out.vel.push_back(q < sys.vel.size() ? sys.vel[q] : Vec3{0, 0, 0});
                    out.mass.push_back(q < sys.mass.size() ? sys.mass[q] : 0.0);
                    out.frozen.push_back(q < sys.frozen.size() ? sys.frozen[q] : 0);
                    if (has_charge) out.charge.push_back(sys.charge[q]);
                }
            }
    out.force.assign(n0 * copies, Vec3{0, 0, 0});
    out.id.resize(n0 * copies);
    for (std::size_t q = 0; q < out.id.size(); ++q) out.id[q] = (long)q + 1;
    sys = std::move(out);
}

void remove_random(System& sys, const std::string& element, long count, std::uint64_t seed) {
    if (count < 0) throw Error("remove: count must be >= 0, got " + std::to_string(count));
    const auto it = std::find(sys.species.begin(), sys.species.end(), element);
    if (it == sys.species.end()) throw Error("remove: element '" + element + "' is not in the structure");
    const int t = (int)(it - sys.species.begin());
    std::vector<std::size_t> candidates;
    for (std::size_t i = 0; i < sys.size(); ++i)
        if (sys.type[i] == t) candidates.push_back(i);
    if ((std::size_t)count > candidates.size())
        throw Error("remove: count " + std::to_string(count) + " exceeds the " + std::to_string(candidates.size()) +
                    " " + element + " atoms of the structure");
    if (count == 0) return;
    if (sys.vel.size() != sys.size()) sys.vel.assign(sys.size(), Vec3{0, 0, 0});
    if (sys.force.size() != sys.size()) sys.force.assign(sys.size(), Vec3{0, 0, 0});
    if (sys.frozen.size() != sys.size()) sys.frozen.assign(sys.size(), 0);
    if (sys.mass.size() != sys.size()) sys.mass.assign(sys.size(), 0.0);
    // Partial Fisher–Yates shuffle: the first `count` candidates are a uniform random subset.
    SplitMix64 rng{seed};
    for (std::size_t i = 0; i < (std::size_t)count; ++i) {
        const std::size_t j = i + (std::size_t)rng.below(candidates.size() - i);
        std::swap(candidates[i], candidates[j]);
    }
    std::vector<bool> keep(sys.size(), true);
    for (std::size_t i = 0; i < (std::size_t)count; ++i) keep[candidates[i]] = false;
    keep_atoms(sys, keep);
}

Vec3 wrapped_position(const System& sys, std::size_t i) {
    // Subtract whole lattice vectors along periodic directions (a non-periodic direction has a zero row).
    const Vec3 s = to_fractional(sys.box, sys.pos[i]);
    const double sc[3] = {s.x, s.y, s.z};
    Vec3 x = sys.pos[i];
    for (int k = 0; k < 3; ++k) {
        if (!sys.box.periodic[k]) continue;
        double f = std::floor(sc[k]);
        if (sc[k] - f >= 1.0) f += 1.0;  // guards -1e-17 (rounds to fractional 1.0)
        x -= f * row(sys.box.h, k);
    }
    return x;
}

}  // namespace mdrun
