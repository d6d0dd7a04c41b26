// Moment Tensor Potential on the CPU (OpenMP over atoms). Evaluates exactly what MLIP-2 evaluates
// (../shared/docs/mtp.md) through the shared per-site math of potentials/mtp_math.hpp; forces are
// assembled by a deterministic gather over the neighbour list's reverse slots, so results do not
// depend on the number of threads.
#pragma once
#include <string>
#include <vector>

#include "potentials/mtp_arithmetic.hpp"
#include "potentials/mtp_file.hpp"
#include "potentials/mtp_tables.hpp"
#include "potentials/potential.hpp"

namespace mdrun {

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
};

}  // namespace mdrun
