// Polyanion group finding (analysis.md §5) on the reference structures of tests/data/structures: the
// automatic cutoff (first minimum of the centre-ligand g(r)) must give tetrahedral groups for PS4, SbS4 and
// AlCl4, every ligand assigned once, and bond vectors shorter than half the smallest cell width.
#include <doctest/doctest.h>

#include <cmath>
#include <set>
#include <string>

#include "analysis/polyanion_groups.hpp"
#include "engine/core/box.hpp"
#include "engine/io/structure_io.hpp"

using namespace mdrun;

namespace {
void check_structure(const std::string& file, const std::string& centre, const std::string& ligand, int cn) {
    const System sys = read_structure(std::string(MDRUN_TEST_DATA) + "/structures/" + file, "auto", {});
    const PolyanionGroups g = find_polyanion_groups(sys, {centre}, {ligand}, 0.0, file);
    int n_centres = 0;
    for (int t : sys.type) n_centres += sys.species[t] == centre;
    CHECK(g.size() == n_centres);
    std::set<int> seen;
    double rmax = 0;
    for (int k = 0; k < g.size(); ++k) {
        CHECK(g.offset[k + 1] - g.offset[k] == cn);
        for (int b = g.offset[k]; b < g.offset[k + 1]; ++b) {
            CHECK(seen.insert(g.ligand[b]).second);
            rmax = std::max(rmax, norm(minimum_image(sys.box, sys.pos[g.ligand[b]] - sys.pos[g.centre[k]])));
        }
    }
    MESSAGE(file << ": " << g.size() << " " << centre << ligand << cn << " groups, r_cut " << g.cutoff_A[0]
                 << " A, longest bond " << rmax << " A");
    CHECK(rmax < g.cutoff_A[0]);
}
}  // namespace

TEST_CASE("automatic groups on the reference structures") {
    check_structure("Na3PS4_cNa3PS4_snapshot.POSCAR", "P", "S", 4);
    check_structure("Na3SbS4_cubic_sc222.POSCAR", "Sb", "S", 4);
    check_structure("Li3PS4_beta_Pnma_dft_sc211.POSCAR", "P", "S", 4);
    check_structure("NaAlCl4_sc121.POSCAR", "Al", "Cl", 4);
}

TEST_CASE("default ligands are the anion species present") {
    const System sys =
        read_structure(std::string(MDRUN_TEST_DATA) + "/structures/NaAlCl4_sc121.POSCAR", "auto", {});
    const auto l = default_ligand_species(sys);
    REQUIRE(l.size() == 1);
    CHECK(l[0] == "Cl");
}
