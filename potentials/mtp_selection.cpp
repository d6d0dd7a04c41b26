#include "potentials/mtp_selection.hpp"

#include <algorithm>
#include <cstdio>

#include "engine/core/error.hpp"
#include "potentials/cfg_system.hpp"

namespace mdrun {

std::string format_grade(double grade) {
    if (grade > kMaxGradePrinted || !(grade == grade)) return "9.9e99";
    char buf[64];
    std::snprintf(buf, sizeof buf, "%f", grade);
    return buf;
}

void set_grade_feature(CfgConfig& c, double grade) {
    auto name_of = [](const std::string& f) { return f.substr(0, f.find_first_of(" \t")); };
    c.features.erase(std::remove_if(c.features.begin(), c.features.end(),
                                    [&](const std::string& f) { return name_of(f) == "MV_grade"; }),
                     c.features.end());
    c.features.push_back("MV_grade\t" + format_grade(grade));
    std::stable_sort(c.features.begin(), c.features.end(),
                     [&](const std::string& a, const std::string& b) { return name_of(a) < name_of(b); });
}

namespace {

void gather_rows(const MtpPotential& pot, const std::vector<CfgConfig>& configs, long first_owner, const GradeWeights& w,
                 const std::string& file, std::vector<double>& rows, std::vector<long>& owner) {
    for (size_t k = 0; k < configs.size(); ++k) {
        const System sys = system_from_cfg(configs[k], pot.model().species_count, file, static_cast<int>(k));
        const int added = append_grade_rows(pot, sys, w, rows);
        owner.insert(owner.end(), added, first_owner + static_cast<long>(k));
    }
}

}  // namespace

MaxVol select_active_set(const MtpPotential& pot, const std::vector<CfgConfig>& configs, const GradeWeights& w,
                         const MaxVolThresholds& thr, const std::string& file) {
    check_grade_weights(w, "selection");
    MaxVol mv(mtp_coeff_count(pot), thr.init);
    add_to_active_set(pot, mv, configs, 0, w, thr, file);
    return mv;
}

long add_to_active_set(const MtpPotential& pot, MaxVol& mv, const std::vector<CfgConfig>& candidates, long first_owner,
                       const GradeWeights& w, const MaxVolThresholds& thr, const std::string& file) {
    check_grade_weights(w, "selection");
    if (mv.n != mtp_coeff_count(pot))
        throw Error(file + ": the active set has " + std::to_string(mv.n) + " columns but the potential has " +
                    std::to_string(mtp_coeff_count(pot)) + " coefficients");
    std::vector<double> rows;
    std::vector<long> owner;
    gather_rows(pot, candidates, first_owner, w, file, rows, owner);
    return mv.select(rows, owner, thr);
}

double configuration_grade(const MtpPotential& pot, const MaxVol& mv, const GradeWeights& w, const CfgConfig& c,
                           const std::string& file, int index, long* worst_row) {
    if (worst_row) *worst_row = -1;
    if (c.size() == 0) return 0.0;
    check_grade_weights(w, "grade");
    const System sys = system_from_cfg(c, pot.model().species_count, file, index);
    std::vector<double> rows;
    const int m = append_grade_rows(pot, sys, w, rows);
    return mv.grade(rows.data(), m, worst_row);
}

}  // namespace mdrun
