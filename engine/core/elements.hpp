// Built-in element data by symbol: standard atomic weights (IUPAC) and covalent radii (Cordero 2008).
#pragma once
#include <string>

namespace mdrun {

struct ElementData {
    const char* symbol;
    int z;                   // atomic number
    double mass;             // standard atomic weight (amu); conventional value for elements without one
    double covalent_radius;  // Å (Cordero et al., Dalton Trans. 2008); 0 where not tabulated
};

// True when `symbol` is a known element (case-sensitive: "Na", not "NA").
bool is_element(const std::string& symbol);
// Throws mdrun::Error "unknown element 'Xx'" (with a hint for case mistakes) when not known.
const ElementData& element_data(const std::string& symbol);
double atomic_mass(const std::string& symbol);
double covalent_radius(const std::string& symbol);
// Symbol of atomic number z (1..103); throws mdrun::Error naming z otherwise.
std::string element_symbol(int z);
// Element whose standard atomic weight is closest to `mass` within `tol` amu, or "" if none.
std::string element_from_mass(double mass, double tol = 0.1);

}  // namespace mdrun
