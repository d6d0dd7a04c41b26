// Centre–Na / centre–anion angular-displacement correlation (analysis.md §8). An event: a mobile ion stays
// within r_shell of the same centre C_j for a contiguous span >= tau_min. A = the ligand of j closest to the
// ion at the event start, fixed for the event. Over the event, dtheta_X = arccos(u_CX(t_s) . u_CX(t_e)) (angle
// to the initial direction, in [0, pi]) for X = ion and X = A. Pearson r over events of (dtheta_CNa,
// dtheta_CA), with n and a 95% CI by Fisher z = atanh r +- 1.96/sqrt(n-3).
#pragma once
#include <cmath>
#include <vector>

#include "engine/binary_io.hpp"
#include "engine/box.hpp"
#include "engine/hd.hpp"
#include "engine/vec3.hpp"

namespace mdrun {

// Angle between two unit vectors in [0, pi], safe against round-off outside [-1, 1].
MDRUN_HD_INLINE double angle_between_units(Vec3 a, Vec3 b) {
    double c = dot(a, b);
    if (c > 1.0) c = 1.0;
    if (c < -1.0) c = -1.0;
    return acos(c);
}

struct PearsonResult {
    long n = 0;
    double r = 0, ci_lo = 0, ci_hi = 0;  // NaN when undefined (n < 3, or zero variance; CI needs n > 3)
};
PearsonResult pearson_fisher(const std::vector<double>& x, const std::vector<double>& y);

struct CnaEvent {
    int ion = 0, centre = 0, ligand = 0;  // atom indices
    double t_start_ps = 0, t_end_ps = 0;
    double dtheta_cna = 0, dtheta_ca = 0;  // rad
};

class CnaTracker {
public:
    CnaTracker() = default;
    // ions, centres: atom indices; ligands of centre k: ligand[offset[k] .. offset[k+1]).
    CnaTracker(std::vector<int> ions, std::vector<int> centres, std::vector<int> offset, std::vector<int> ligand,
               double r_shell_A, double tau_min_ps, double sample_dt_ps);
    void add(const Box& box, const Vec3* pos);  // one sample (wrapped or not: bonds use the minimum image)
    const std::vector<CnaEvent>& events() const { return events_; }
    PearsonResult correlation() const;

    void save(BinaryWriter& w) const;
    void load(BinaryReader& r);

private:
    void close(int k, long end_sample);
    std::vector<int> ions_, centres_, offset_, ligand_;
    double r_shell_ = 0, tau_min_ = 0, dts_ = 0;
    long n_ = 0;
    std::vector<int> cur_;             // per ion: index into centres_ of the current shell, -1 none
    std::vector<int> lig_;             // per ion: fixed ligand atom of the current span
    std::vector<long> start_;          // per ion: first sample of the current span
    std::vector<Vec3> u_cna0_, u_ca0_; // per ion: directions at the span start
    std::vector<Vec3> u_cna1_, u_ca1_; // per ion: directions at the latest in-shell sample
    std::vector<CnaEvent> events_;
};

}  // namespace mdrun
