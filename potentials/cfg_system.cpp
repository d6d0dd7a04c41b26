#include "potentials/cfg_system.hpp"

#include <cmath>

#include "engine/core/box.hpp"
#include "engine/core/error.hpp"

namespace mdrun {

System system_from_cfg(const CfgConfig& c, int species_count, const std::string& file, int index) {
    System s;
    s.box = make_box(c.lattice);
    s.species.resize(species_count);
    for (int k = 0; k < species_count; ++k) s.species[k] = std::to_string(k);
    s.pos = c.pos;
    s.type = c.type;
    s.id = c.id;
    for (size_t a = 0; a < c.size(); ++a) {
        if (c.type[a] >= species_count)
            throw input_error(file, c.first_line,
                              "configuration " + std::to_string(index + 1) + ": atom " + std::to_string(c.id[a]) +
                                  " has type " + std::to_string(c.type[a]) + " but the potential has only " +
                                  std::to_string(species_count) + " species (types 0.." +
                                  std::to_string(species_count - 1) + ")");
    }
    if (c.has_lattice && std::fabs(det(c.lattice)) == 0.0) {
        // Zero rows are non-periodic directions; other singular lattices have no meaning.
        for (int k = 0; k < 3; ++k) {
            const bool zero = c.lattice.m[k][0] == 0.0 && c.lattice.m[k][1] == 0.0 && c.lattice.m[k][2] == 0.0;
            if (!zero && s.box.periodic[0] && s.box.periodic[1] && s.box.periodic[2])
                throw input_error(file, c.first_line,
                                  "configuration " + std::to_string(index + 1) + ": the Supercell rows are linearly dependent");
        }
    }
    return s;
}

}  // namespace mdrun
