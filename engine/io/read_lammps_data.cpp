// LAMMPS data file reader (`read_data` format): header counts and box, then Masses, Atoms and Velocities
// sections (other sections are skipped). atom_style atomic (id type x y z) and charge (id type q x y z),
// taken from the "Atoms # style" comment or, without it, from the column count; three trailing integer
// image flags are applied (position + image · lattice), so the System holds unwrapped positions.
// Box: a = (lx,0,0), b = (xy,ly,0), c = (xz,yz,lz); the origin (xlo,ylo,zlo) is subtracted.
// Atoms are sorted by id. Element of type t: elements[t-1] when given, else the element named in the
// comment of its `Masses` line ("1 22.99 # Na"), else the element whose standard atomic weight matches
// the type's mass (within 0.1 amu).
#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>

#include "engine/core/elements.hpp"
#include "engine/core/line_reader.hpp"
#include "engine/io/structure_io.hpp"

namespace mdrun {

namespace {

bool is_section_keyword(const std::vector<std::string>& t) {
    static const char* kSections[] = {"Atoms", "Velocities", "Masses", "Ellipsoids", "Lines", "Triangles", "Bodies",
                                      "Bonds", "Angles", "Dihedrals", "Impropers", "Pair", "PairIJ", "Bond", "Angle",
                                      "Dihedral", "Improper", "BondBond", "BondAngle", "MiddleBondTorsion",
                                      "EndBondTorsion", "AngleTorsion", "AngleAngleTorsion", "BondBond13",
                                      "AngleAngle"};
    if (t.empty()) return false;
    for (const char* s : kSections)
        if (t[0] == s) return true;
    return false;
}

}  // namespace

System read_lammps_data(const std::string& path, const std::vector<std::string>& elements) {
    const LineReader r(path);
    long natoms = -1, ntypes = -1;
    double lo[3] = {0, 0, 0}, hi[3] = {0, 0, 0};
    bool have_bounds[3] = {false, false, false};
    double xy = 0, xz = 0, yz = 0;

    // Header: from line 2 up to the first section keyword.
    std::size_t li = 1;
    for (; li < r.count(); ++li) {
        const auto t = r.tokens(li, true);
        if (t.empty()) continue;
        if (is_section_keyword(t)) break;
        auto ends_with = [&](const char* a, const char* b) {
            return t.size() >= 2 && t[t.size() - 2] == a && t[t.size() - 1] == b;
        };
        if (t.size() == 2 && t[1] == "atoms") {
            natoms = r.to_long(li, t[0], "the number of atoms");
        } else if (t.size() == 3 && t[1] == "atom" && t[2] == "types") {
            ntypes = r.to_long(li, t[0], "the number of atom types");
        } else if (t.size() == 4 && (ends_with("xlo", "xhi") || ends_with("ylo", "yhi") || ends_with("zlo", "zhi"))) {
            const int k = t[2][0] - 'x';
            lo[k] = r.to_double(li, t[0], "a box bound");
            hi[k] = r.to_double(li, t[1], "a box bound");
            if (!(hi[k] > lo[k])) throw r.error(li, "box upper bound must exceed the lower bound");
            have_bounds[k] = true;
        } else if (t.size() == 6 && t[3] == "xy" && t[4] == "xz" && t[5] == "yz") {
            xy = r.to_double(li, t[0], "the tilt factor xy");
            xz = r.to_double(li, t[1], "the tilt factor xz");
            yz = r.to_double(li, t[2], "the tilt factor yz");
        }
        // Other header lines (bonds, extra/..., ellipsoids) do not concern an atomic system.
    }
    if (natoms <= 0) throw Error(path + ": header has no 'N atoms' line with N > 0");
    if (ntypes <= 0) throw Error(path + ": header has no 'N atom types' line with N > 0");
    // Counts are checked against the file before anything is allocated for them: every atom is a line, and no
    // atomic system has more than a few hundred types (a corrupt count must not allocate gigabytes).
    if (natoms > static_cast<long>(r.count()))
        throw Error(path + ": header says " + std::to_string(natoms) + " atoms, but the file has only " +
                    std::to_string(r.count()) + " lines");
    if (ntypes > 10000)
        throw Error(path + ": header says " + std::to_string(ntypes) + " atom types; at most 10000 are supported");
    for (int k = 0; k < 3; ++k)
        if (!have_bounds[k])
            throw Error(path + ": header lacks the '" + std::string(1, char('x' + k)) + "lo " + char('x' + k) + "hi' line");

    // LAMMPS keeps tilts within half a box length (larger ones only with `box tilt large`); one far beyond the
    // box (1e10 Å) squeezes the cell to nothing and is a broken file, not a cell to search.
    {
        const double lx = hi[0] - lo[0], ly = hi[1] - lo[1];
        const double tilt[3] = {xy, xz, yz}, len[3] = {lx, lx, ly};
        const char* name[3] = {"xy", "xz", "yz"};
        for (int k = 0; k < 3; ++k)
            if (!(std::fabs(tilt[k]) <= 10.0 * len[k]))
                throw Error(path + ": tilt factor " + name[k] + " = " + std::to_string(tilt[k]) + " is more than 10 times the box length " +
                            std::to_string(len[k]) + " Å it tilts (LAMMPS requires <= 0.5 of it)");
    }
    Mat3 h = mat3_zero();
    h.m[0][0] = hi[0] - lo[0];
    h.m[1][0] = xy; h.m[1][1] = hi[1] - lo[1];
    h.m[2][0] = xz; h.m[2][1] = yz; h.m[2][2] = hi[2] - lo[2];

    std::vector<double> type_mass(ntypes + 1, 0.0);
    std::vector<bool> have_mass(ntypes + 1, false);
    std::vector<std::string> type_comment(ntypes + 1);
    std::vector<long> ids;
    std::vector<int> types;
    std::vector<double> charges;
    std::vector<Vec3> pos;
    std::map<long, Vec3> velocities;
    bool charged = false, atoms_seen = false;

    while (li < r.count()) {
        const auto head = r.tokens(li, true);
        if (head.empty()) { ++li; continue; }
        if (!is_section_keyword(head))
            throw r.error(li, "expected a section keyword (Masses, Atoms, Velocities, ...), got '" + r.line(li) + "'");
        const std::string section = head[0];
        // atom style from "Atoms # charge".
        std::string style;
        if (section == "Atoms") {
            const std::size_t hpos = r.line(li).find('#');
            if (hpos != std::string::npos) {
                const auto ct = split_whitespace(r.line(li).substr(hpos + 1));
                if (!ct.empty()) style = ct[0];
            }
            if (!style.empty() && style != "atomic" && style != "charge")
                throw r.error(li, "atom style '" + style + "' is not supported (use atomic or charge)");
        }
        const std::size_t section_line = li;
        ++li;
        // Section body: numeric lines until the next keyword (blank lines allowed anywhere).
        std::vector<std::size_t> body;
        for (; li < r.count(); ++li) {
            const auto t = r.tokens(li, true);
            if (t.empty()) continue;
            if (is_section_keyword(t)) break;
            body.push_back(li);
        }
        if (section == "Masses") {
            for (std::size_t b : body) {
                const auto t = r.tokens(b, true);
                if (t.size() < 2) throw r.error(b, "expected 'type mass'");
                const long ty = r.to_long(b, t[0], "an atom type");
                if (ty < 1 || ty > ntypes) throw r.error(b, "atom type " + t[0] + " out of range 1.." + std::to_string(ntypes));
                type_mass[ty] = r.to_double(b, t[1], "a mass");
                // "1 22.99 # Na" (written by mdrun, ASE, OVITO, pymatgen): the comment names the element.
                const std::size_t hash = r.line(b).find('#');
                if (hash != std::string::npos) {
                    const auto ct = split_whitespace(r.line(b).substr(hash + 1));
                    if (!ct.empty() && is_element(ct[0])) type_comment[ty] = ct[0];
                }
                if (!(type_mass[ty] > 0)) throw r.error(b, "masses must be > 0");
                have_mass[ty] = true;
            }
        } else if (section == "Atoms") {
            atoms_seen = true;
            if ((long)body.size() != natoms)
                throw r.error(section_line, "Atoms section has " + std::to_string(body.size()) + " lines, header says " +
                                                std::to_string(natoms) + " atoms");
            for (std::size_t b : body) {
                const auto t = r.tokens(b, true);
                std::string st = style;
                if (st.empty()) {
                    if (t.size() == 5 || t.size() == 8) st = "atomic";
                    else if (t.size() == 6 || t.size() == 9) st = "charge";
                    else throw r.error(b, "expected 5 or 8 columns (atomic) or 6 or 9 columns (charge), got " +
                                              std::to_string(t.size()) + "; name the style in 'Atoms # atomic|charge'");
                }
                const std::size_t base = st == "charge" ? 6 : 5;
                if (t.size() != base && t.size() != base + 3)
                    throw r.error(b, "atom_style " + st + " expects " + std::to_string(base) + " columns (or " +
                                         std::to_string(base + 3) + " with image flags), got " + std::to_string(t.size()));
                charged = st == "charge";
                ids.push_back(r.to_long(b, t[0], "an atom id (integer)"));
                const long ty = r.to_long(b, t[1], "an atom type (integer)");
                if (ty < 1 || ty > ntypes) throw r.error(b, "atom type " + t[1] + " out of range 1.." + std::to_string(ntypes));
                types.push_back((int)ty);
                std::size_t c = 2;
                if (charged) charges.push_back(r.to_double(b, t[c++], "a charge"));
                Vec3 x{r.to_double(b, t[c], "a coordinate"), r.to_double(b, t[c + 1], "a coordinate"),
                       r.to_double(b, t[c + 2], "a coordinate")};
                x = x - Vec3{lo[0], lo[1], lo[2]};
                if (t.size() == base + 3) {
                    const double im[3] = {(double)r.to_long(b, t[base], "an image flag (integer)"),
                                          (double)r.to_long(b, t[base + 1], "an image flag (integer)"),
                                          (double)r.to_long(b, t[base + 2], "an image flag (integer)")};
                    x = x + vec_mat(Vec3{im[0], im[1], im[2]}, h);
                }
                pos.push_back(x);
            }
        } else if (section == "Velocities") {
            for (std::size_t b : body) {
                const auto t = r.tokens(b, true);
                if (t.size() != 4) throw r.error(b, "expected 'id vx vy vz' (Å/ps), got " + std::to_string(t.size()) + " columns");
                const long id = r.to_long(b, t[0], "an atom id");
                if (velocities.count(id)) throw r.error(b, "duplicate velocity for atom id " + t[0]);
                velocities[id] = {r.to_double(b, t[1], "a velocity"), r.to_double(b, t[2], "a velocity"),
                                  r.to_double(b, t[3], "a velocity")};
            }
        }
        // Other sections (Pair Coeffs, Bonds, ...) are skipped.
    }
    if (!atoms_seen) throw Error(path + ": no Atoms section");

    // Element per type.
    std::vector<std::string> type_symbol(ntypes + 1);
    for (long ty = 1; ty <= ntypes; ++ty) {
        if (!elements.empty()) {
            if ((long)elements.size() < ntypes)
                throw Error(path + ": the file has " + std::to_string(ntypes) + " atom types but only " +
                            std::to_string(elements.size()) + " elements were given ([structure].elements)");
            type_symbol[ty] = elements[ty - 1];
        } else if (!type_comment[ty].empty()) {
            type_symbol[ty] = type_comment[ty];
        } else {
            if (!have_mass[ty])
                throw Error(path + ": atom type " + std::to_string(ty) +
                            " has no mass in Masses; give the elements ([structure].elements / --elements)");
            type_symbol[ty] = element_from_mass(type_mass[ty]);
            if (type_symbol[ty].empty())
                throw Error(path + ": cannot tell the element of atom type " + std::to_string(ty) + " from its mass " +
                            std::to_string(type_mass[ty]) + "; give the elements ([structure].elements / --elements)");
        }
    }

    System sys;
    sys.box = make_box(h);
    if (!elements.empty()) {
        for (const auto& e : elements)
            if (std::find(sys.species.begin(), sys.species.end(), e) == sys.species.end()) sys.species.push_back(e);
    }
    // Sort by id so the order is independent of how the file lists atoms.
    std::vector<std::size_t> order(ids.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return ids[a] < ids[b]; });
    for (std::size_t k = 1; k < order.size(); ++k)
        if (ids[order[k]] == ids[order[k - 1]]) throw Error(path + ": duplicate atom id " + std::to_string(ids[order[k]]));
    const std::size_t n = ids.size();
    sys.pos.resize(n);
    sys.type.resize(n);
    sys.id.resize(n);
    sys.mass.resize(n);
    sys.vel.assign(n, Vec3{0, 0, 0});
    if (charged) sys.charge.resize(n);
    for (std::size_t k = 0; k < n; ++k) {
        const std::size_t a = order[k];
        const std::string& sym = type_symbol[types[a]];
        auto it = std::find(sys.species.begin(), sys.species.end(), sym);
        if (it == sys.species.end()) {
            sys.species.push_back(sym);
            it = sys.species.end() - 1;
        }
        sys.type[k] = (int)(it - sys.species.begin());
        sys.id[k] = ids[a];
        sys.pos[k] = pos[a];
        // LAMMPS `Masses` take precedence over the built-in table; 0 marks "use the table".
        sys.mass[k] = have_mass[types[a]] ? type_mass[types[a]] : 0.0;
        if (charged) sys.charge[k] = charges[a];
    }
    if (!velocities.empty()) {
        if (velocities.size() != n)
            throw Error(path + ": Velocities section has " + std::to_string(velocities.size()) + " lines for " +
                        std::to_string(n) + " atoms");
        for (std::size_t k = 0; k < n; ++k) {
            auto it = velocities.find(sys.id[k]);
            if (it == velocities.end()) throw Error(path + ": Velocities section lacks atom id " + std::to_string(sys.id[k]));
            sys.vel[k] = it->second;
        }
        sys.has_velocities = true;
    }
    return sys;
}

}  // namespace mdrun
