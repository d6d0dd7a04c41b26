// Polyanion groups (centre + ligands) found once at step 0 (analysis.md §5): ligands are anions within
// r_cut of a centre (default per pair: first minimum of the centre-ligand g(r) of the initial structure,
// fallback 1.25 (r_cov,C + r_cov,A)); each ligand goes to its nearest centre; every centre must end up
// 4- (tetrahedral) or 6-coordinated (octahedral), else mdrun::Error. Identities are fixed afterwards.
#pragma once
#include <string>
#include <vector>

#include "engine/core/binary_io.hpp"
#include "engine/core/system.hpp"

namespace mdrun {

struct PolyanionGroups {
    std::vector<std::string> centre_species;  // species names, index = "kind" of a group
    std::vector<int> centre;                  // per group: atom index of the centre
    std::vector<int> kind;                    // per group: index into centre_species
    std::vector<int> offset;                  // CSR: ligands of group g are ligand[offset[g] .. offset[g+1])
    std::vector<int> ligand;                  // atom indices
    std::vector<double> cutoff_A;             // per centre species: the r_cut used (largest over ligand species)

    int size() const { return static_cast<int>(centre.size()); }
    int bonds() const { return static_cast<int>(ligand.size()); }
};

// The anion species recognised as ligands by default (O, S, Se, Te, F, Cl, Br, I) that occur in sys.
std::vector<std::string> default_ligand_species(const System& sys);

// First minimum of the centre-ligand g(r) of one structure, or the covalent fallback 1.25 (r_cov,C + r_cov,A)
// when the next shell is not found within 2 (r_cov,C + r_cov,A).
double first_minimum_cutoff(const System& sys, int centre_type, int ligand_type);
// First minimum of a non-bonded g(r) (e.g. polyanion centre - Na): the first peak holding at least half the
// highest g within r_max, then the lowest point before g rises again by a quarter of that peak (the middle of a
// flat zero gap). NaN when no such minimum lies within r_max (the caller then asks for an explicit radius).
double first_shell_minimum(const System& sys, int a_type, int b_type, double r_max_A = 7.0);

// cutoff_A > 0 overrides the automatic cutoff for every pair.
PolyanionGroups find_polyanion_groups(const System& sys, const std::vector<std::string>& centres,
                                      const std::vector<std::string>& ligands, double cutoff_A,
                                      const std::string& config_file);

void save_groups(BinaryWriter& w, const PolyanionGroups& g);
void load_groups(BinaryReader& r, PolyanionGroups& g);

}  // namespace mdrun
