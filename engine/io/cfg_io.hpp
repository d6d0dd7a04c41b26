// Reader and writer for MLIP's `.cfg` configuration format (many configurations per file).
// Format (../shared/docs/mtp.md §3.6): BEGIN_CFG / Size / Supercell / AtomData: <columns> / Energy /
// PlusStress: <columns> / Feature <name> <value> / END_CFG. AtomData columns may come in any order;
// recognised: id type cartes_x cartes_y cartes_z direct_x direct_y direct_z fx fy fz site_en.
// Every parse error throws mdrun::Error naming the file, the line and what was expected.
#pragma once
#include <iosfwd>
#include <string>
#include <vector>

#include "engine/core/vec3.hpp"

namespace mdrun {

struct CfgConfig {
    Mat3 lattice = mat3_zero();  // lattice vectors as rows (Å); zero row = non-periodic direction
    bool has_lattice = false;    // false when the block has no Supercell (then the lattice is all zero)
    std::vector<long> id;        // per atom, as written in the file (normally 1..N)
    std::vector<int> type;       // per atom: 0-based species index of the potential
    std::vector<Vec3> pos;       // Cartesian positions (Å)
    bool has_forces = false;
    std::vector<Vec3> force;     // eV/Å (size N when has_forces)
    bool has_energy = false;
    double energy = 0.0;         // eV
    bool has_plus_stress = false;
    double plus_stress[6] = {0, 0, 0, 0, 0, 0};  // virial W (eV) in file order xx yy zz yz xz xy
    std::vector<std::string> features;  // text after "Feature" on each Feature line, kept verbatim (trimmed)
    bool has_site_energies = false;
    std::vector<double> site_energy;    // eV per atom (column `site_en`)
    long first_line = 0;                // line of BEGIN_CFG in the source file (for error messages)

    std::size_t size() const { return pos.size(); }
};

// Reads every configuration of an MLIP .cfg file. Throws mdrun::Error("file:line: ...") on bad input.
std::vector<CfgConfig> read_cfg(const std::string& path);
// The same from a stream; `name` is used in error messages.
std::vector<CfgConfig> parse_cfg(std::istream& in, const std::string& name);

// Writes configurations in MLIP's layout with 16 digits after the decimal point (like `mlp calc-efs`):
// forces are written when has_forces, Energy when has_energy, PlusStress when has_plus_stress,
// a `site_en` column when has_site_energies; Feature lines are copied.
void write_cfg(std::ostream& out, const std::vector<CfgConfig>& configs);
// write_cfg into a temporary file renamed to `path` when complete.
void write_cfg_file(const std::string& path, const std::vector<CfgConfig>& configs);

}  // namespace mdrun
