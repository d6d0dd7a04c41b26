// The interface every interatomic potential implements (CPU backend). A potential evaluates energy,
// forces and virial for one system from a neighbour list whose cutoff is >= cutoff() (the list may
// include a skin; the potential itself applies its strict r < cutoff test): full, or half for a potential
// that asks for one.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "engine/md/neighbor_list.hpp"
#include "engine/core/system.hpp"
#include "engine/core/vec3.hpp"

namespace mdrun {

struct ForceResult {
    double energy = 0.0;           // total potential energy (eV)
    Mat3 virial = mat3_zero();     // W_ab = -dE/d(eps_ab) (eV) = MLIP PlusStress; pressure = tr(W)/(3V)
    std::vector<double> site_energy;  // per-atom energies (eV), filled when want_site_energy is true
    long close_pairs = 0;          // pairs closer than the potential's trusted minimum distance (MTP min_dist)
    int close_i = -1, close_j = -1;   // one such pair (atom indices), for error messages
    double close_r = 0.0;
};

class Potential {
public:
    virtual ~Potential() = default;
    virtual std::string name() const = 0;
    // Interaction range (Å): pairs with r >= cutoff() contribute nothing.
    virtual double cutoff() const = 0;
    // Distance below which the potential extrapolates (MTP min_dist); 0 when not applicable.
    virtual double min_trusted_distance() const { return 0.0; }
    // True for a pair potential that is fastest with a half list (NeighborList::want_half); it must then also
    // accept a full list (what other callers build).
    virtual bool wants_half_list() const { return false; }
    // Computes energy, virial and forces (written into `force`, resized to N). Deterministic: the result
    // does not depend on the number of OpenMP threads.
    virtual void compute(const System& sys, const NeighborList& nl, std::vector<Vec3>& force, ForceResult& out,
                         bool want_site_energy = false) const = 0;
};

}  // namespace mdrun
