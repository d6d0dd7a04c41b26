// Element table. Masses: IUPAC standard atomic weights (2016 table; for elements whose standard weight is
// an interval, the IUPAC "conventional" value, e.g. Cl 35.45, Li 6.94). For elements without stable
// isotopes: the atomic mass of the longest-lived (or conventionally used) isotope.
// Covalent radii: B. Cordero et al., "Covalent radii revisited", Dalton Trans. 2008, 2832 (C: sp3,
// Mn/Fe/Co: low-spin values); the paper stops at Cm, so Bk..Lr have 0 ("not tabulated").
#include "engine/core/elements.hpp"

#include <cctype>
#include <cmath>

#include "engine/core/error.hpp"

namespace mdrun {

namespace {

const ElementData kElements[] = {
    {"H", 1, 1.008, 0.31},           {"He", 2, 4.002602, 0.28},       {"Li", 3, 6.94, 1.28},
    {"Be", 4, 9.0121831, 0.96},      {"B", 5, 10.81, 0.84},           {"C", 6, 12.011, 0.76},
    {"N", 7, 14.007, 0.71},          {"O", 8, 15.999, 0.66},          {"F", 9, 18.998403163, 0.57},
    {"Ne", 10, 20.1797, 0.58},       {"Na", 11, 22.98976928, 1.66},   {"Mg", 12, 24.305, 1.41},
    {"Al", 13, 26.9815385, 1.21},    {"Si", 14, 28.085, 1.11},        {"P", 15, 30.973761998, 1.07},
    {"S", 16, 32.06, 1.05},          {"Cl", 17, 35.45, 1.02},         {"Ar", 18, 39.948, 1.06},
    {"K", 19, 39.0983, 2.03},        {"Ca", 20, 40.078, 1.76},        {"Sc", 21, 44.955908, 1.70},
    {"Ti", 22, 47.867, 1.60},        {"V", 23, 50.9415, 1.53},        {"Cr", 24, 51.9961, 1.39},
    {"Mn", 25, 54.938044, 1.39},     {"Fe", 26, 55.845, 1.32},        {"Co", 27, 58.933194, 1.26},
    {"Ni", 28, 58.6934, 1.24},       {"Cu", 29, 63.546, 1.32},        {"Zn", 30, 65.38, 1.22},
    {"Ga", 31, 69.723, 1.22},        {"Ge", 32, 72.630, 1.20},        {"As", 33, 74.921595, 1.19},
    {"Se", 34, 78.971, 1.20},        {"Br", 35, 79.904, 1.20},        {"Kr", 36, 83.798, 1.16},
    {"Rb", 37, 85.4678, 2.20},       {"Sr", 38, 87.62, 1.95},         {"Y", 39, 88.90584, 1.90},
    {"Zr", 40, 91.224, 1.75},        {"Nb", 41, 92.90637, 1.64},      {"Mo", 42, 95.95, 1.54},
    {"Tc", 43, 97.90721, 1.47},      {"Ru", 44, 101.07, 1.46},        {"Rh", 45, 102.90550, 1.42},
    {"Pd", 46, 106.42, 1.39},        {"Ag", 47, 107.8682, 1.45},      {"Cd", 48, 112.414, 1.44},
    {"In", 49, 114.818, 1.42},       {"Sn", 50, 118.710, 1.39},       {"Sb", 51, 121.760, 1.39},
    {"Te", 52, 127.60, 1.38},        {"I", 53, 126.90447, 1.39},      {"Xe", 54, 131.293, 1.40},
    {"Cs", 55, 132.90545196, 2.44},  {"Ba", 56, 137.327, 2.15},       {"La", 57, 138.90547, 2.07},
    {"Ce", 58, 140.116, 2.04},       {"Pr", 59, 140.90766, 2.03},     {"Nd", 60, 144.242, 2.01},
    {"Pm", 61, 144.91276, 1.99},     {"Sm", 62, 150.36, 1.98},        {"Eu", 63, 151.964, 1.98},
    {"Gd", 64, 157.25, 1.96},        {"Tb", 65, 158.92535, 1.94},     {"Dy", 66, 162.500, 1.92},
    {"Ho", 67, 164.93033, 1.92},     {"Er", 68, 167.259, 1.89},       {"Tm", 69, 168.93422, 1.90},
    {"Yb", 70, 173.054, 1.87},       {"Lu", 71, 174.9668, 1.87},      {"Hf", 72, 178.49, 1.75},
    {"Ta", 73, 180.94788, 1.70},     {"W", 74, 183.84, 1.62},         {"Re", 75, 186.207, 1.51},
    {"Os", 76, 190.23, 1.44},        {"Ir", 77, 192.217, 1.41},       {"Pt", 78, 195.084, 1.36},
    {"Au", 79, 196.966569, 1.36},    {"Hg", 80, 200.592, 1.32},       {"Tl", 81, 204.38, 1.45},
    {"Pb", 82, 207.2, 1.46},         {"Bi", 83, 208.98040, 1.48},     {"Po", 84, 208.98243, 1.40},
    {"At", 85, 209.98715, 1.50},     {"Rn", 86, 222.01758, 1.50},     {"Fr", 87, 223.01974, 2.60},
    {"Ra", 88, 226.02541, 2.21},     {"Ac", 89, 227.02775, 2.15},     {"Th", 90, 232.0377, 2.06},
    {"Pa", 91, 231.03588, 2.00},     {"U", 92, 238.02891, 1.96},      {"Np", 93, 237.04817, 1.90},
    {"Pu", 94, 244.06421, 1.87},     {"Am", 95, 243.06138, 1.80},     {"Cm", 96, 247.07035, 1.69},
    {"Bk", 97, 247.07031, 0.0},      {"Cf", 98, 251.07959, 0.0},      {"Es", 99, 252.0830, 0.0},
    {"Fm", 100, 257.09511, 0.0},     {"Md", 101, 258.09843, 0.0},     {"No", 102, 259.1010, 0.0},
    {"Lr", 103, 262.110, 0.0},
};

const ElementData* find(const std::string& symbol) {
    for (const auto& e : kElements)
        if (symbol == e.symbol) return &e;
    return nullptr;
}

}  // namespace

bool is_element(const std::string& symbol) { return find(symbol) != nullptr; }

const ElementData& element_data(const std::string& symbol) {
    if (const ElementData* e = find(symbol)) return *e;
    // A common mistake is the case ("NA", "cl"): suggest the properly capitalised symbol.
    std::string fixed = symbol;
    for (std::size_t i = 0; i < fixed.size(); ++i)
        fixed[i] = i == 0 ? (char)std::toupper((unsigned char)fixed[i]) : (char)std::tolower((unsigned char)fixed[i]);
    if (find(fixed)) throw Error("unknown element '" + symbol + "' (did you mean '" + fixed + "'?)");
    throw Error("unknown element '" + symbol + "' (expected a chemical symbol such as Na, Cl, Al)");
}

double atomic_mass(const std::string& symbol) { return element_data(symbol).mass; }
double covalent_radius(const std::string& symbol) { return element_data(symbol).covalent_radius; }

std::string element_symbol(int z) {
    for (const auto& e : kElements)
        if (e.z == z) return e.symbol;
    throw Error("no element with atomic number " + std::to_string(z) + " (expected 1..103)");
}

std::string element_from_mass(double mass, double tol) {
    const ElementData* best = nullptr;
    for (const auto& e : kElements)
        if (std::fabs(e.mass - mass) <= tol && (!best || std::fabs(e.mass - mass) < std::fabs(best->mass - mass)))
            best = &e;
    return best ? best->symbol : "";
}

}  // namespace mdrun
