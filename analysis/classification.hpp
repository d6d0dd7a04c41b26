// Per-run classification (analysis.md §10): framework melting (per-atom TMSD of a non-diffusing cation
// species > 2 Å^2 at tau_cls), Na (mobile ion) diffusing (TMSD > 5 Å^2 at tau_cls), polyanions rotating
// (min C1 < 0.9 over tau <= tau_max, §5); tau_cls = min(0.5 t_run, tau_cls_ps).
#pragma once
#include "analysis/results.hpp"

namespace mdrun {

// True for the anion species recognised as polyanion ligands (O, S, Se, Te, F, Cl, Br, I).
bool is_anion_species(const std::string& element);

// Per-atom TMSD at the largest stored lag <= tau (NaN when no lag qualifies).
double tmsd_at(const MsdCurve& c, double tau_ps);

Classification classify_run(const AnalysisResults& r, const AnalysisConfig& cfg, double max_framework_disp_A);

}  // namespace mdrun
