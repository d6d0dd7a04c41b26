// VASP 5 POSCAR writer for final structures: Direct coordinates wrapped into [0,1), atoms grouped by species
// (stable, so the order inside a species is kept), 17 significant digits so that reading it back gives the
// same structure to ~1e-15 Å. Velocities, when the system has any, follow after a blank line in Å/fs
// (VASP's unit), Cartesian.
#include <cmath>
#include <ostream>
#include <string>

#include "engine/core/atomic_file.hpp"
#include "engine/core/error.hpp"
#include "engine/io/number_format.hpp"
#include "engine/io/structure_io.hpp"

namespace mdrun {

namespace {
// Writes " % .16e % .16e % .16e" and then tail, with printf's characters (number_format.hpp) but without
// snprintf and a std::string per line: this runs once per atom for the coordinates and the velocities.
void put3(std::ostream& os, const Vec3& v, const std::string& tail) {
    using namespace numfmt;
    char buf[3 * (kMaxNumberChars + 1)];
    char* const end = buf + sizeof buf;
    char* p = buf;
    for (double u : {v.x, v.y, v.z}) p = put_e16_space(put_char(p, ' '), end, u);
    os.write(buf, p - buf);
    os << tail;
}
}  // namespace

void write_poscar(const std::string& path, const System& sys) {
    for (int k = 0; k < 3; ++k)
        if (!sys.box.periodic[k])
            throw Error(path + ": POSCAR needs a periodic cell; direction " + std::to_string(k + 1) + " is not periodic");
    const std::size_t n = sys.size();
    std::vector<std::vector<std::size_t>> by_species(sys.species.size());
    for (std::size_t i = 0; i < n; ++i) by_species[sys.type[i]].push_back(i);
    bool any_velocity = false;
    if (sys.vel.size() == n)
        for (const Vec3& v : sys.vel)
            if (v.x != 0 || v.y != 0 || v.z != 0) any_velocity = true;
    any_velocity = any_velocity || (sys.has_velocities && sys.vel.size() == n);

    write_file_atomically(path, [&](std::ostream& os) {
        std::string comment;
        for (std::size_t s = 0; s < sys.species.size(); ++s)
            if (!by_species[s].empty()) comment += sys.species[s] + std::to_string(by_species[s].size()) + " ";
        os << comment << "(written by mdrun)\n1.0\n";
        for (int k = 0; k < 3; ++k) put3(os, Vec3{sys.box.h.m[k][0], sys.box.h.m[k][1], sys.box.h.m[k][2]}, "\n");
        for (std::size_t s = 0; s < sys.species.size(); ++s)
            if (!by_species[s].empty()) os << " " << sys.species[s];
        os << "\n";
        for (std::size_t s = 0; s < sys.species.size(); ++s)
            if (!by_species[s].empty()) os << " " << by_species[s].size();
        os << "\nDirect\n";
        for (std::size_t s = 0; s < sys.species.size(); ++s) {
            const std::string tail = " " + sys.species[s] + "\n";
            for (std::size_t i : by_species[s]) put3(os, to_fractional(sys.box, wrapped_position(sys, i)), tail);
        }
        if (any_velocity) {
            os << "\n";
            const std::string tail = "\n";
            for (std::size_t s = 0; s < sys.species.size(); ++s)
                for (std::size_t i : by_species[s]) put3(os, 1e-3 * sys.vel[i], tail);  // Å/ps -> Å/fs
        }
    });
}

}  // namespace mdrun
