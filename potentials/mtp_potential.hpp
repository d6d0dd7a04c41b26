// Moment Tensor Potential on the CPU (OpenMP over atoms). Evaluates exactly what MLIP-2 evaluates
// (../shared/docs/mtp.md) through the shared per-site math of potentials/mtp_math.hpp; forces are
// summed in a fixed order (MtpForceSum below), so results do not depend on the number of threads.
#pragma once
#include <string>
#include <vector>

#include "potentials/mtp_arithmetic.hpp"
#include "potentials/mtp_file.hpp"
#include "potentials/mtp_tables.hpp"
#include "potentials/potential.hpp"

namespace mdrun {

// How the CPU adds the per-neighbour derivatives dV_i/dr_ij into forces. Both are deterministic and give results
// independent of the thread count; they differ in the order of the additions (last bits) and in memory:
//  - Slots: dV_i/dr_ij is stored per neighbour slot (24 bytes each) and gathered per atom in slot order
//    through the reverse slots: the order of the CUDA backend, bit for bit (the library default).
//  - Chunks: the groups of sites are cut into a fixed number of chunks set by the atom count; each chunk adds
//    its sites' derivatives into a force array of its own, and the arrays are summed per atom in chunk order
//    (as born/coul/dsf's half list): 24 bytes per atom and chunk instead of 24 per slot (mdrun's default).
enum class MtpForceSum { Slots, Chunks };

class MtpPotential : public Potential {
public:
    // species_map[system species index] = MTP species index (0..species_count-1). Throws mdrun::Error
    // when an entry is out of range. `arithmetic`: the CPU evaluation mode (potentials/mtp_arithmetic.hpp);
    // Fma falls back to Exact where the CPU lacks AVX2+FMA. The library default is Exact (bitwise
    // reproducible); mdrun's [potential] arithmetic and calc-efs --arithmetic default to fma.
    MtpPotential(MtpModel model, std::vector<int> species_map, MtpArithmetic arithmetic = MtpArithmetic::Exact);

    std::string name() const override { return "mtp"; }
    double cutoff() const override { return model_.max_dist; }
    double min_trusted_distance() const override { return model_.min_dist; }
    // Energy, forces, virial (W = -dE/deps = MLIP PlusStress) and optionally site energies.
    // The list's cutoff may exceed max_dist (skin); pairs with r >= max_dist are ignored here.
    // close_pairs counts ordered pairs (i->j slots) with r < min_dist; close_i/j/r give one of them.
    void compute(const System& sys, const NeighborList& nl, std::vector<Vec3>& force, ForceResult& out,
                 bool want_site_energy = false) const override;
    // The same, and in the same pass the grade rows (docs/grades.md): rows = N x mtp_coeff_count row-major,
    // row i = dV_i/dtheta over all coefficients (potentials/mtp_grade.hpp). Forces and energies are bitwise
    // those of compute().
    void compute_with_grade_rows(const System& sys, const NeighborList& nl, std::vector<Vec3>& force,
                                 ForceResult& out, bool want_site_energy, std::vector<double>& rows) const;

    const MtpModel& model() const { return model_; }
    const MtpTables& tables() const { return tables_; }
    const std::vector<int>& species_map() const { return species_map_; }
    MtpArithmetic arithmetic() const { return arithmetic_; }            // the mode used
    MtpArithmetic requested_arithmetic() const { return requested_; }  // the mode asked for
    void set_force_sum(MtpForceSum s) { force_sum_ = s; }
    MtpForceSum force_sum() const { return force_sum_; }

    // Cutoff to build a neighbour list with for this potential alone: a hair above max_dist, because
    // the list tests wrapped coordinates while the potential tests pos[j]+shift-pos[i] strictly.
    double list_cutoff() const { return model_.max_dist * (1.0 + 1e-10) + 1e-9; }

private:
    void evaluate(const System& sys, const NeighborList& nl, std::vector<Vec3>& force, ForceResult& out,
                  bool want_site_energy, std::vector<double>* rows) const;
    MtpModel model_;
    MtpTables tables_;
    std::vector<int> species_map_;
    MtpArithmetic requested_ = MtpArithmetic::Exact;
    MtpArithmetic arithmetic_ = MtpArithmetic::Exact;
    MtpForceSum force_sum_ = MtpForceSum::Slots;
};

}  // namespace mdrun
