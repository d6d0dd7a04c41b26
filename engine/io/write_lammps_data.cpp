// LAMMPS data file writer (the counterpart of read_lammps_data.cpp), for running the same structure in LAMMPS.
// LAMMPS needs a right-handed cell with a = (lx,0,0), b = (xy,ly,0), c = (xz,yz,lz) and atoms inside the box;
// any other cell is rotated into that form (engine/core/lammps_cell.hpp), and positions are written wrapped with
// integer image flags.
#include <cmath>
#include <cstdio>
#include <ostream>

#include "engine/core/atomic_file.hpp"
#include "engine/core/error.hpp"
#include "engine/core/lammps_cell.hpp"
#include "engine/io/number_format.hpp"
#include "engine/io/structure_io.hpp"

namespace mdrun {

void write_lammps_data(const std::string& path, const System& sys) {
    const LammpsCell lc = lammps_cell(sys.box, path);
    const Mat3& hl = lc.h;
    const bool lower = lc.as_is;
    const bool tilted = lc.tilted;

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
        // Atom lines without snprintf (number_format.hpp), with the same characters as printf("%.17g"): one line
        // holds at most 5 integers and 4 numbers, and the spaces between them.
        using namespace numfmt;
        char buf[256];
        char* const end = buf + sizeof buf;
        static_assert(sizeof buf >= 5 * (kMaxIntChars + 1) + 4 * (kMaxNumberChars + 1) + 1, "room for an atom line");
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
            // "%ld %d [%.17g] %.17g %.17g %.17g %ld %ld %ld\n" (charge only in the charge style)
            char* p = put_int(buf, end, id);
            p = put_int(put_char(p, ' '), end, sys.type[i] + 1);
            if (charged) p = put_g17(put_char(p, ' '), end, sys.charge[i]);
            for (double u : {x.x, x.y, x.z}) p = put_g17(put_char(p, ' '), end, u);
            for (long m : img) p = put_int(put_char(p, ' '), end, m);
            p = put_char(p, '\n');
            os.write(buf, p - buf);
        }
        if (sys.vel.size() == n) {
            os << "\nVelocities\n\n";
            for (std::size_t i = 0; i < n; ++i) {
                const Vec3 v = lower ? sys.vel[i] : vec_mat(vec_mat(sys.vel[i], sys.box.hinv), hl);
                const long id = sys.id.size() == n ? sys.id[i] : (long)i + 1;
                char* p = put_int(buf, end, id);  // "%ld %.17g %.17g %.17g\n"
                for (double u : {v.x, v.y, v.z}) p = put_g17(put_char(p, ' '), end, u);
                p = put_char(p, '\n');
                os.write(buf, p - buf);
            }
        }
    });
}

}  // namespace mdrun
