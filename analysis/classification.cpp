#include "analysis/classification.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace mdrun {

bool is_anion_species(const std::string& e) {
    static const char* anions[] = {"O", "S", "Se", "Te", "F", "Cl", "Br", "I"};
    for (const char* a : anions)
        if (e == a) return true;
    return false;
}

double tmsd_at(const MsdCurve& c, double tau) {
    double v = std::numeric_limits<double>::quiet_NaN(), best = -1;
    for (std::size_t i = 0; i < c.tau_ps.size(); ++i)
        if (c.tau_ps[i] <= tau * (1 + 1e-12) && c.tau_ps[i] > best) { best = c.tau_ps[i]; v = c.tmsd_A2[i]; }
    return v;
}

bool is_mobile_ion(const AnalysisResults& r, const SpeciesMsd& m) {
    if (!m.diffusing) return false;
    bool any_cation = false;
    for (const SpeciesMsd& o : r.msd) any_cation = any_cation || (o.diffusing && default_oxidation_state(o.species) > 0);
    return !any_cation || default_oxidation_state(m.species) > 0;
}

Classification classify_run(const AnalysisResults& r, const AnalysisConfig& cfg, double max_disp) {
    Classification c;
    c.tau_cls_ps = std::min(0.5 * r.t_run_ps, cfg.tau_cls_ps);
    c.max_framework_displacement_A = max_disp;
    for (const SpeciesMsd& m : r.msd) {
        const double t = m.frozen ? 0.0 : tmsd_at(m.curve, c.tau_cls_ps);
        c.tmsd_at_tau_cls.emplace_back(m.species, t);
        if (std::isnan(t)) continue;
        if (is_mobile_ion(r, m)) {
            if (t > 5.0) c.na_diffusing = true;
        } else if (!is_anion_species(m.species) && !m.frozen && t > 2.0) {
            c.framework_melting = true;
            c.melted_species.push_back(m.species);
        }
    }
    for (const auto& rc : r.reorientation) {
        c.rotation_evaluated = true;
        if (rc.rotating) c.polyanions_rotating = true;
    }
    return c;
}

}  // namespace mdrun
