// Extended XYZ writer (ASE convention). Velocities are stored as ASE momenta (amu · Å / ASE time unit) with a
// `masses` column, which is how ASE itself writes atoms with velocities, so `ase.io.read(...).get_velocities()`
// returns them (in ASE units: multiply by ase.units.fs * 1000 ... see docs/io.md) and mdrun reads them back.
#include <cstdio>
#include <ostream>

#include "engine/atomic_file.hpp"
#include "engine/structure_io.hpp"

namespace mdrun {

void write_extxyz_frame(std::ostream& os, const System& sys, const std::string& extra_info, bool wrap) {
    const std::size_t n = sys.size();
    const bool with_v = sys.vel.size() == n;
    const double tu = ase_time_unit_ps();
    char buf[256];
    os << n << "\n";
    const bool any_periodic = sys.box.periodic[0] || sys.box.periodic[1] || sys.box.periodic[2];
    if (any_periodic) {
        os << "Lattice=\"";
        for (int k = 0; k < 9; ++k) {
            std::snprintf(buf, sizeof buf, "%s%.17g", k ? " " : "", sys.box.h.m[k / 3][k % 3]);
            os << buf;
        }
        os << "\" ";
    }
    os << "Properties=species:S:1:pos:R:3:masses:R:1" << (with_v ? ":momenta:R:3" : "");
    if (!extra_info.empty()) os << " " << extra_info;
    os << " pbc=\"" << (sys.box.periodic[0] ? "T" : "F") << " " << (sys.box.periodic[1] ? "T" : "F") << " "
       << (sys.box.periodic[2] ? "T" : "F") << "\"\n";
    for (std::size_t i = 0; i < n; ++i) {
        const Vec3 x = wrap ? wrapped_position(sys, i) : sys.pos[i];
        const double m = sys.mass.size() == n ? sys.mass[i] : 0.0;
        std::snprintf(buf, sizeof buf, "%-3s % .17g % .17g % .17g %.17g", sys.species[sys.type[i]].c_str(), x.x, x.y,
                      x.z, m);
        os << buf;
        if (with_v) {
            const Vec3 p = (m * tu) * sys.vel[i];  // Å/ps -> ASE momentum units
            std::snprintf(buf, sizeof buf, " % .17g % .17g % .17g", p.x, p.y, p.z);
            os << buf;
        }
        os << "\n";
    }
}

void write_extxyz(const std::string& path, const System& sys) {
    write_file_atomically(path, [&](std::ostream& os) { write_extxyz_frame(os, sys, "", true); });
}

}  // namespace mdrun
