// Element table: spot checks against IUPAC standard atomic weights / Cordero 2008 covalent radii,
// completeness up to Lr, and error messages that name the symbol.
#include <doctest/doctest.h>

#include <string>

#include "engine/core/elements.hpp"
#include "engine/core/error.hpp"

using namespace mdrun;

TEST_CASE("standard atomic weights and covalent radii of the elements mdrun users need") {
    CHECK(atomic_mass("H") == doctest::Approx(1.008).epsilon(1e-12));
    CHECK(atomic_mass("Na") == doctest::Approx(22.98976928).epsilon(1e-12));
    CHECK(atomic_mass("Cl") == doctest::Approx(35.45).epsilon(1e-12));
    CHECK(atomic_mass("Al") == doctest::Approx(26.9815385).epsilon(1e-12));
    CHECK(atomic_mass("S") == doctest::Approx(32.06).epsilon(1e-12));
    CHECK(atomic_mass("Se") == doctest::Approx(78.971).epsilon(1e-12));
    CHECK(atomic_mass("Sb") == doctest::Approx(121.760).epsilon(1e-12));
    CHECK(atomic_mass("Bi") == doctest::Approx(208.98040).epsilon(1e-12));
    CHECK(atomic_mass("U") == doctest::Approx(238.02891).epsilon(1e-12));
    CHECK(covalent_radius("Na") == doctest::Approx(1.66));
    CHECK(covalent_radius("Cl") == doctest::Approx(1.02));
    CHECK(covalent_radius("O") == doctest::Approx(0.66));
    CHECK(covalent_radius("C") == doctest::Approx(0.76));
    CHECK(element_data("Zr").z == 40);
    CHECK(element_data("Lr").z == 103);
}

TEST_CASE("the table is complete and ordered from H to Lr") {
    const char* symbols[] = {"H",  "He", "Li", "Be", "B",  "C",  "N",  "O",  "F",  "Ne", "Na", "Mg", "Al", "Si", "P",
                             "S",  "Cl", "Ar", "K",  "Ca", "Sc", "Ti", "V",  "Cr", "Mn", "Fe", "Co", "Ni", "Cu", "Zn",
                             "Ga", "Ge", "As", "Se", "Br", "Kr", "Rb", "Sr", "Y",  "Zr", "Nb", "Mo", "Tc", "Ru", "Rh",
                             "Pd", "Ag", "Cd", "In", "Sn", "Sb", "Te", "I",  "Xe", "Cs", "Ba", "La", "Ce", "Pr", "Nd",
                             "Pm", "Sm", "Eu", "Gd", "Tb", "Dy", "Ho", "Er", "Tm", "Yb", "Lu", "Hf", "Ta", "W",  "Re",
                             "Os", "Ir", "Pt", "Au", "Hg", "Tl", "Pb", "Bi", "Po", "At", "Rn", "Fr", "Ra", "Ac", "Th",
                             "Pa", "U",  "Np", "Pu", "Am", "Cm", "Bk", "Cf", "Es", "Fm", "Md", "No", "Lr"};
    double previous = 0;
    for (int z = 1; z <= 103; ++z) {
        const ElementData& e = element_data(symbols[z - 1]);
        CHECK(e.z == z);
        CHECK(e.mass > 0);
        // Masses increase with Z except for the known inversions (Ar/K, Co/Ni, Te/I, Th/Pa, U/Np, Pu/Am, Bk/Cm).
        if (e.mass < previous) {
            const std::string s = e.symbol;
            CHECK((s == "K" || s == "Ni" || s == "I" || s == "Pa" || s == "Np" || s == "Am" || s == "Bk"));
        }
        previous = e.mass;
    }
}

TEST_CASE("unknown symbols are errors naming the symbol, with a case hint") {
    CHECK(is_element("Na"));
    CHECK_FALSE(is_element("NA"));
    CHECK_FALSE(is_element("Xx"));
    try {
        element_data("NA");
        FAIL("expected an error");
    } catch (const Error& e) {
        const std::string m = e.what();
        CHECK(m.find("'NA'") != std::string::npos);
        CHECK(m.find("'Na'") != std::string::npos);
    }
    try {
        atomic_mass("Qq");
        FAIL("expected an error");
    } catch (const Error& e) {
        CHECK(std::string(e.what()).find("'Qq'") != std::string::npos);
    }
}

TEST_CASE("element from mass, as used for LAMMPS data files without element names") {
    CHECK(element_from_mass(22.989769) == "Na");
    CHECK(element_from_mass(35.453) == "Cl");
    CHECK(element_from_mass(1000.0) == "");
    CHECK(element_symbol(11) == "Na");
    CHECK(element_symbol(103) == "Lr");
    CHECK_THROWS_AS(element_symbol(0), Error);
}
