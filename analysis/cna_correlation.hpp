// Centre–Na / centre–anion angular-displacement correlation (analysis.md §8). An event: a mobile ion stays
// within r_shell of centre C_j for a contiguous span >= tau_min. Every (ion, centre) pair is followed on its
// own, so an ion between two (equidistant) polyanions has an event with each; whether another centre is
// nearer does not matter. r_shell is per centre (from its species' g(r) with the ion, or configured). A = the ligand of j closest to the
// ion at the event start, fixed for the event. Over the event, dtheta_X = arccos(u_CX(t_s) . u_CX(t_e)) (angle
// to the initial direction, in [0, pi]) for X = ion and X = A. Pearson r over events of (dtheta_CNa,
// dtheta_CA), with n and a 95% CI by Fisher z = atanh r +- 1.96/sqrt(n-3).
#pragma once
#include <cmath>
#include <string>
#include <vector>

#include "engine/core/binary_io.hpp"
#include "engine/core/box.hpp"
#include "engine/core/hd.hpp"
#include "engine/core/vec3.hpp"

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
    // ions, centres: atom indices; ligands of centre k: ligand[offset[k] .. offset[k+1]); r_shell[k]: shell
    // radius of centre k (Å).
    CnaTracker(std::vector<int> ions, std::vector<int> centres, std::vector<int> offset, std::vector<int> ligand,
               std::vector<double> r_shell_A, double tau_min_ps, double sample_dt_ps);
    void add(const Box& box, const Vec3* pos);  // one sample (wrapped or not: bonds use the minimum image)
    const std::vector<CnaEvent>& events() const { return events_; }
    PearsonResult correlation() const;
    long spans_seen() const { return spans_opened_; }  // (ion, centre) spans opened, long enough or not
    double longest_span_ps() const;                     // longest span so far (closed or open)

    void save(BinaryWriter& w) const;
    void load(BinaryReader& r);

    // An open (ion, centre) span; plain data (checkpointed as is).
    struct Span {
        int ion = 0, centre = 0, ligand = 0;  // ion: index into ions_; centre: index into centres_; ligand: atom
        long start = 0, last = 0;             // first and latest in-shell sample
        Vec3 u_cna0{0, 0, 0}, u_ca0{0, 0, 0}, u_cna1{0, 0, 0}, u_ca1{0, 0, 0};
    };

private:
    void close(const Span& sp);
    void check_loaded(const std::string& file) const;  // load(): every field in range (errors name `file`)
    std::vector<int> ions_, centres_, offset_, ligand_;
    std::vector<double> r_shell_;
    double tau_min_ = 0, dts_ = 0;
    long n_ = 0;
    long spans_opened_ = 0;
    double longest_closed_ps_ = 0;
    std::vector<Span> spans_;          // open spans, sorted by (ion, centre)
    std::vector<Span> scratch_;
    std::vector<CnaEvent> events_;
};

}  // namespace mdrun
