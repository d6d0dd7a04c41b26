// Extended XYZ writer (ASE convention). Velocities are stored as ASE momenta (amu · Å / ASE time unit) with a
// `masses` column, which is how ASE itself writes atoms with velocities, so `ase.io.read(...).get_velocities()`
// returns them in ASE units (multiply by 1000 * ase.units.fs for Å/ps) and mdrun reads them back exactly.
// Numbers are written in the shortest form that reads back to the same double (std::to_chars), which is
// both exact and several times faster than printf("%.17g").
#include <charconv>
#include <cstdio>
#include <ostream>

#include "engine/core/atomic_file.hpp"
#include "engine/io/structure_io.hpp"

namespace mdrun {

namespace {
// Appends " <shortest round-trip representation of v>" to out.
void put(std::string& out, double v) {
    char buf[32];
    buf[0] = ' ';
    const auto r = std::to_chars(buf + 1, buf + sizeof buf, v);
    out.append(buf, r.ptr);
}
}  // namespace

void write_extxyz_frame(std::ostream& os, const System& sys, const std::string& extra_info, bool wrap) {
    const std::size_t n = sys.size();
    const bool with_v = sys.vel.size() == n;
    const double tu = ase_time_unit_ps();
    std::string out;
    out.reserve(128 * (n + 2));
    out += std::to_string(n);
    out += "\n";
    const bool any_periodic = sys.box.periodic[0] || sys.box.periodic[1] || sys.box.periodic[2];
    if (any_periodic) {
        out += "Lattice=\"";
        std::string cell;
        for (int k = 0; k < 9; ++k) put(cell, sys.box.h.m[k / 3][k % 3]);
        out += cell.substr(1) + "\" ";
    }
    out += "Properties=species:S:1:pos:R:3:masses:R:1";
    if (with_v) out += ":momenta:R:3";
    if (!extra_info.empty()) out += " " + extra_info;
    out += " pbc=\"";
    out += sys.box.periodic[0] ? "T " : "F ";
    out += sys.box.periodic[1] ? "T " : "F ";
    out += sys.box.periodic[2] ? "T\"\n" : "F\"\n";
    for (std::size_t i = 0; i < n; ++i) {
        const Vec3 x = wrap ? wrapped_position(sys, i) : sys.pos[i];
        const double m = sys.mass.size() == n ? sys.mass[i] : 0.0;
        const std::string& sym = sys.species[sys.type[i]];
        out += sym;
        if (sym.size() < 2) out += ' ';
        put(out, x.x);
        put(out, x.y);
        put(out, x.z);
        put(out, m);
        if (with_v) {
            const Vec3 p = (m * tu) * sys.vel[i];  // Å/ps -> ASE momentum units
            put(out, p.x);
            put(out, p.y);
            put(out, p.z);
        }
        out += "\n";
    }
    os << out;
}

void write_extxyz(const std::string& path, const System& sys) {
    write_file_atomically(path, [&](std::ostream& os) { write_extxyz_frame(os, sys, "", true); });
}

}  // namespace mdrun
