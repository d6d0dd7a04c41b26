// Born–Mayer–Huggins pair potential with optional damped-shifted-force Coulomb: LAMMPS `born` and
// `born/coul/dsf` with `pair_modify shift yes`, including the DSF self energy (see pair_born_dsf_math.hpp).
//
// Evaluation from a half list (what MD builds for it, wants_half_list): the rows are cut into a fixed number
// of chunks that depends only on the atom count; each chunk adds its pairs' forces into a force array of its
// own (every pair once, Newton's third law), and the chunks' arrays are summed per atom in chunk order. The
// sums run in an order fixed by the list alone, so the result does not depend on the thread count, without
// atomics.
// From a full list (other callers): each unordered pair is evaluated once (in the row of the slot with the
// smaller index of the pair slot/reverse slot). The owner row keeps its half in registers and stores the
// partner's force in its own slot; a second pass gathers, per atom in slot order, the partners' halves
// through `reverse`.
#pragma once
#include <string>
#include <vector>

#include "potentials/pair_born_dsf_math.hpp"
#include "potentials/potential.hpp"
#include "potentials/special_batch.hpp"

namespace mdrun {

struct BornPairParams {
    double A = 0.0, rho = 1.0, sigma = 0.0, C = 0.0, D = 0.0;
};

struct BornCoulDsfParams {
    double cutoff = 8.0;                 // Å, both parts
    double alpha = 0.2;                  // 1/Å
    bool coulomb = true;                 // false: plain `born`
    std::vector<double> species_charge;  // per species of the System (e); empty: use System::charge per atom
    std::vector<BornPairParams> pair;    // nspecies × nspecies, symmetric (pair[a*n+b])
    int nspecies = 0;
    // CPU MD: evaluate from a half list (the fast form). false: from a full list, whose summation order the
    // batched (GPU) backend follows, so that the two backends agree bit for bit ([potential].neighbor_list).
    bool half_list = true;
    // Half-list evaluation: exp/erfc from libm ("exact", as LAMMPS) or libmvec's four-lane AVX2 variants
    // ("vector", the default of [potential].arithmetic; potentials/special_batch.hpp).
    PairArithmetic arithmetic = PairArithmetic::Exact;
};

class BornCoulDsfPotential : public Potential {
public:
    // Throws mdrun::Error for a non-positive cutoff/rho, negative alpha, or a parameter table of the wrong size.
    explicit BornCoulDsfPotential(const BornCoulDsfParams& params);

    std::string name() const override { return coulomb_ ? "born-coul-dsf" : "born"; }
    double cutoff() const override { return rc_; }
    bool wants_half_list() const override { return params_.half_list; }
    void compute(const System& sys, const NeighborList& nl, std::vector<Vec3>& force, ForceResult& out,
                 bool want_site_energy = false) const override;

    // Energy split of the last compute() (LAMMPS thermo evdwl / ecoul; ecoul includes the self energy).
    double last_evdwl() const { return last_evdwl_; }
    double last_ecoul() const { return last_ecoul_; }
    const BornCoulDsfParams& params() const { return params_; }

private:
    BornCoulDsfParams params_;
    double rc_;
    bool coulomb_;
    int nspecies_;
    std::vector<BornPairCoeffs> coeffs_;  // nspecies²
    DsfCoeffs dsf_{};
    void compute_half(const System& sys, const NeighborList& nl, std::vector<Vec3>& force, ForceResult& out,
                      bool want_site_energy) const;
    // Per-call scratch (the potential is used by one replica at a time), kept across calls.
    mutable std::vector<Vec3> xw_, code_shift_;       // half list: unwrapped build positions, image shifts
    mutable std::vector<Vec3> chunk_force_;           // half list: one force array per chunk
    mutable std::vector<double> chunk_site_;          // half list: one per-atom energy array per chunk
    mutable std::vector<double> chunk_evdwl_, chunk_ecoul_;
    mutable std::vector<Mat3> chunk_virial_;
    mutable std::vector<Vec3> slot_force_;    // owner slot s: force on the partner j (0 beyond the cutoff)
    mutable std::vector<double> slot_evdwl_, slot_ecoul_;  // owner slot s: the partner's half pair energies
    mutable std::vector<Vec3> own_force_;
    mutable std::vector<double> own_evdwl_, own_ecoul_;
    mutable std::vector<Mat3> row_virial_;
    mutable std::vector<double> charge_;
    mutable double last_evdwl_ = 0.0, last_ecoul_ = 0.0;
};

}  // namespace mdrun
