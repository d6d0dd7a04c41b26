#include "analysis/polyanion_rotation.hpp"

#include <algorithm>
#include <cmath>

#include "analysis/correlation_math.hpp"
#include "analysis/results.hpp"

namespace mdrun {

PolyanionRotationSet polyanion_rotation(const std::vector<LagSums>& lags, const PolyanionGroups& G, double dt_ps,
                                        double tmax_ps, const std::vector<long>& ids, double threshold) {
    PolyanionRotationSet S;
    const int ng = G.size();
    // Every group has the same (bond, origin) structure per bond, so a lag with pairs has them for all groups.
    std::vector<const LagSums*> used;
    for (const auto& l : lags) {
        bool all = ng > 0;
        for (int g = 0; g < ng && all; ++g) all = l.counts[g] > 0;
        if (!all) continue;
        used.push_back(&l);
        S.tau_ps.push_back(l.lag_samples * dt_ps);
        const int b0 = G.offset[1] - G.offset[0];
        S.pairs_per_bond.push_back(static_cast<double>(l.counts[0]) / b0);
    }
    for (int g = 0; g < ng; ++g) {
        PolyanionRotation p;
        p.group = g;
        p.centre_id = ids.empty() ? G.centre[g] + 1 : ids[G.centre[g]];
        p.centre = G.centre_species[G.kind[g]];
        p.bonds = G.offset[g + 1] - G.offset[g];
        for (std::size_t i = 0; i < used.size(); ++i) {
            const double* a = used[i]->sums.data() + static_cast<std::size_t>(g) * kLagSlots;
            const double inv = 1.0 / static_cast<double>(used[i]->counts[g]);
            p.c1.push_back(a[0] * inv);
            p.c2.push_back(a[1] * inv);
            if (S.tau_ps[i] <= tmax_ps) p.min_c1 = std::min(p.min_c1, p.c1.back());
        }
        p.rotating = p.min_c1 < threshold;
        p.tau_rot_ps = reorientation_time(S.tau_ps, p.c1, p.tau_rot_status);
        S.polyanions.push_back(std::move(p));
    }
    for (std::size_t k = 0; k < G.centre_species.size(); ++k) {
        PolyanionRotationKind K;
        K.centre = G.centre_species[k];
        std::vector<double> t;
        for (const auto& p : S.polyanions)
            if (G.kind[p.group] == static_cast<int>(k)) {
                ++K.polyanions;
                K.rotating += p.rotating;
                K.tau_rot_ok += p.tau_rot_status == "ok";
                t.push_back(p.tau_rot_ps);
            }
        const double nan = std::nan("");
        K.fraction_rotating = K.polyanions ? static_cast<double>(K.rotating) / K.polyanions : nan;
        std::sort(t.begin(), t.end());
        const std::size_t n = t.size();
        K.tau_rot_median_ps = n ? (n % 2 ? t[n / 2] : 0.5 * (t[n / 2 - 1] + t[n / 2])) : nan;
        K.tau_rot_min_ps = n ? t.front() : nan;
        K.tau_rot_max_ps = n ? t.back() : nan;
        S.kinds.push_back(K);
    }
    return S;
}

}  // namespace mdrun
