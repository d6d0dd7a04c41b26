// Per-run classification (analysis.md §10, the paper's three criteria), at tau_cls = min(0.5 t_run, tau_cls_ps):
// - na_diffusing: a mobile-ion species has per-atom TMSD > 5 Å^2;
// - framework_melting: a mobile framework species (neither a mobile ion nor a polyanion ligand) has per-atom
//   TMSD > 2 Å^2 — "non-Na TMSD > 2 Å^2" applied to the sublattice that must stay put (Al in NaAlBr4: the
//   ligands rotate with the polyanion, so their TMSD grows without any melting);
// - polyanions_rotating: min C1 < 0.9 over tau <= tau_max (§5).
// Which species are mobile ions does not depend on msd.elements alone: a user may list Al and Br there to get
// their MSD and D, and that must not exempt them from the melting test (the defect of issue 17).
#pragma once
#include "analysis/results.hpp"

namespace mdrun {

// True for the anion species recognised as polyanion ligands (O, S, Se, Te, F, Cl, Br, I).
bool is_anion_species(const std::string& element);

// Per-atom TMSD at the largest stored lag <= tau (NaN when no lag qualifies).
double tmsd_at(const MsdCurve& c, double tau_ps);

// The mobile-ion species among r.msd: the diffusing (msd.elements) species that are conducting cations
// (a known charge number: H, Li, Na, K, Rb, Cs, Ag, Cu, Mg, Ca, Sr, Ba, Zn); when no diffusing species is
// one of those, every diffusing species.
bool is_mobile_ion(const AnalysisResults& r, const SpeciesMsd& m);

Classification classify_run(const AnalysisResults& r, const AnalysisConfig& cfg, double max_framework_disp_A);

}  // namespace mdrun
