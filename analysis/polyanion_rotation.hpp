// Per-polyanion reorientation (docs/analysis.md, "Polyanion reorientation"): the E1 dot-mode correlator keeps
// one group per polyanion (its centre->ligand unit bond vectors), so each polyanion has its own C1(t), C2(t)
// over all origins. Per polyanion: min C1 over tau <= min(0.5 t_run, rotation_tmax_ps), rotating when that is
// < 0.9 (the paper's threshold, applied to one polyanion instead of the species average), and the
// reorientation time = integral of its C1 to the first zero (reorientation_time in results.hpp). Per centre
// species: how many polyanions, the fraction rotating, and the spread of their reorientation times.
#pragma once
#include <string>
#include <vector>

#include "analysis/multilevel_correlator.hpp"
#include "analysis/polyanion_groups.hpp"

namespace mdrun {

struct PolyanionRotation {
    int group = 0;                 // index into PolyanionGroups
    long centre_id = 0;            // 1-based id of the centre atom (input order or the structure's ids)
    std::string centre;            // centre species
    int bonds = 0;
    std::vector<double> c1, c2;    // at the lags of PolyanionRotationSet::tau_ps
    double min_c1 = 1;
    bool rotating = false;
    double tau_rot_ps = 0;
    std::string tau_rot_status;    // "ok" (C1 crossed 0) | "lower_bound" (it did not) | "insufficient"
};

struct PolyanionRotationKind {
    std::string centre;
    int polyanions = 0, rotating = 0;
    double fraction_rotating = 0;  // rotating / polyanions
    int tau_rot_ok = 0;            // polyanions whose C1 crossed 0 (tau_rot is a value, not a lower bound)
    double tau_rot_median_ps = 0, tau_rot_min_ps = 0, tau_rot_max_ps = 0;  // over all polyanions of the kind
};

struct PolyanionRotationSet {
    std::vector<double> tau_ps;    // lags (common to every polyanion)
    std::vector<double> pairs_per_bond;  // origins behind each lag
    std::vector<PolyanionRotation> polyanions;
    std::vector<PolyanionRotationKind> kinds;
};

// lags: the correlator's results (one group per polyanion); dt_ps: sampling interval; tmax_ps: the last lag
// that counts for min C1; ids: per atom 1-based id (empty: index + 1); threshold: 0.9.
PolyanionRotationSet polyanion_rotation(const std::vector<LagSums>& lags, const PolyanionGroups& groups,
                                        double dt_ps, double tmax_ps, const std::vector<long>& ids,
                                        double threshold = 0.9);

}  // namespace mdrun
