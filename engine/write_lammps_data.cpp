// LAMMPS data file writer (the counterpart of read_lammps_data.cpp), for running the same structure in LAMMPS.
// LAMMPS needs a right-handed cell with a = (lx,0,0), b = (xy,ly,0), c = (xz,yz,lz) and atoms inside the box;
// any other cell is rotated into that form (fractional coordinates are kept, so positions and velocities turn
// with the cell), and positions are written wrapped with integer image flags.
#include <cmath>
#include <cstdio>
#include <ostream>

#include "engine/atomic_file.hpp"
#include "engine/error.hpp"
#include "engine/structure_io.hpp"

namespace mdrun {

void write_lammps_data(const std::string& path, const System& sys) {
    for (int k = 0; k < 3; ++k)
        if (!sys.box.periodic[k])
            throw Error(path + ": a LAMMPS data file needs a cell; direction " + std::to_string(k + 1) + " has none");
    if (det(sys.box.h) <= 0) throw Error(path + ": LAMMPS needs a right-handed cell (det(h) > 0)");
    const Vec3 a = row(sys.box.h, 0), b = row(sys.box.h, 1), c = row(sys.box.h, 2);
    const double lx = norm(a);
    const double xy = dot(b, a) / lx;
    const double ly = std::sqrt(norm2(b) - xy * xy);
    const double xz = dot(c, a) / lx;
    const double yz = (dot(b, c) - xy * xz) / ly;
    const double lz = std::sqrt(norm2(c) - xz * xz - yz * yz);
    Mat3 hl = mat3_zero();
    hl.m[0][0] = lx;
    hl.m[1][0] = xy; hl.m[1][1] = ly;
    hl.m[2][0] = xz; hl.m[2][1] = yz; hl.m[2][2] = lz;
    // Already in LAMMPS form: keep the exact numbers (no round-off from the rotation).
    const bool lower = sys.box.h.m[0][1] == 0 && sys.box.h.m[0][2] == 0 && sys.box.h.m[1][2] == 0 &&
                       sys.box.h.m[0][0] > 0 && sys.box.h.m[1][1] > 0 && sys.box.h.m[2][2] > 0;
    if (lower) hl = sys.box.h;
    const bool tilted = hl.m[1][0] != 0 || hl.m[2][0] != 0 || hl.m[2][1] != 0;

    const std::size_t n = sys.size();
    const bool charged = sys.charge.size() == n && n > 0;
    const std::size_t ntypes = sys.species.size();
    std::vector<double> type_mass(ntypes, 0.0);
    for (std::size_t i = 0; i < n; ++i)
        if (type_mass[sys.type[i]] == 0.0 && sys.mass.size() == n) type_mass[sys.type[i]] = sys.mass[i];
    for (std::size_t i = 0; i < n && sys.mass.size() == n; ++i)
        if (sys.mass[i] != type_mass[sys.type[i]])
            throw Error(path + ": atoms of " + sys.species[sys.type[i]] +
                        " have different masses; a LAMMPS data file has one mass per type");

    write_file_atomically(path, [&](std::ostream& os) {
        char buf[256];
        os << "LAMMPS data file written by mdrun (types:";
        for (std::size_t t = 0; t < ntypes; ++t) os << " " << t + 1 << "=" << sys.species[t];
        os << ")\n\n" << n << " atoms\n" << ntypes << " atom types\n\n";
        std::snprintf(buf, sizeof buf, "0.0 %.17g xlo xhi\n0.0 %.17g ylo yhi\n0.0 %.17g zlo zhi\n", hl.m[0][0], hl.m[1][1],
                      hl.m[2][2]);
        os << buf;
        if (tilted) {
            std::snprintf(buf, sizeof buf, "%.17g %.17g %.17g xy xz yz\n", hl.m[1][0], hl.m[2][0], hl.m[2][1]);
            os << buf;
        }
        os << "\nMasses\n\n";
        for (std::size_t t = 0; t < ntypes; ++t) {
            std::snprintf(buf, sizeof buf, "%zu %.17g # %s\n", t + 1, type_mass[t], sys.species[t].c_str());
            os << buf;
        }
        os << "\nAtoms # " << (charged ? "charge" : "atomic") << "\n\n";
        for (std::size_t i = 0; i < n; ++i) {
            const Vec3 s = to_fractional(sys.box, sys.pos[i]);
            const double sv[3] = {s.x, s.y, s.z};
            double f[3];
            long img[3];
            for (int k = 0; k < 3; ++k) {
                double fl = std::floor(sv[k]);
                if (sv[k] - fl >= 1.0) fl += 1.0;
                img[k] = (long)fl;
                f[k] = sv[k] - fl;
            }
            const Vec3 x = lower ? wrapped_position(sys, i) : vec_mat(Vec3{f[0], f[1], f[2]}, hl);
            const long id = sys.id.size() == n ? sys.id[i] : (long)i + 1;
            if (charged)
                std::snprintf(buf, sizeof buf, "%ld %d %.17g %.17g %.17g %.17g %ld %ld %ld\n", id, sys.type[i] + 1,
                              sys.charge[i], x.x, x.y, x.z, img[0], img[1], img[2]);
            else
                std::snprintf(buf, sizeof buf, "%ld %d %.17g %.17g %.17g %ld %ld %ld\n", id, sys.type[i] + 1, x.x, x.y,
                              x.z, img[0], img[1], img[2]);
            os << buf;
        }
        if (sys.vel.size() == n) {
            os << "\nVelocities\n\n";
            for (std::size_t i = 0; i < n; ++i) {
                const Vec3 v = lower ? sys.vel[i] : vec_mat(vec_mat(sys.vel[i], sys.box.hinv), hl);
                const long id = sys.id.size() == n ? sys.id[i] : (long)i + 1;
                std::snprintf(buf, sizeof buf, "%ld %.17g %.17g %.17g\n", id, v.x, v.y, v.z);
                os << buf;
            }
        }
    });
}

}  // namespace mdrun
