#include "analysis/cna_correlation.hpp"

#include <limits>
#include <string>

#include "engine/error.hpp"

namespace mdrun {

PearsonResult pearson_fisher(const std::vector<double>& x, const std::vector<double>& y) {
    PearsonResult p;
    const double nan = std::numeric_limits<double>::quiet_NaN();
    p.n = static_cast<long>(x.size());
    p.r = p.ci_lo = p.ci_hi = nan;
    if (p.n < 3) return p;
    double mx = 0, my = 0;
    for (long i = 0; i < p.n; ++i) { mx += x[i]; my += y[i]; }
    mx /= p.n;
    my /= p.n;
    double sxx = 0, syy = 0, sxy = 0;
    for (long i = 0; i < p.n; ++i) {
        sxx += (x[i] - mx) * (x[i] - mx);
        syy += (y[i] - my) * (y[i] - my);
        sxy += (x[i] - mx) * (y[i] - my);
    }
    if (!(sxx > 0) || !(syy > 0)) return p;
    p.r = sxy / std::sqrt(sxx * syy);
    if (p.n > 3 && std::fabs(p.r) < 1.0) {
        const double z = std::atanh(p.r), hw = 1.96 / std::sqrt(static_cast<double>(p.n - 3));
        p.ci_lo = std::tanh(z - hw);
        p.ci_hi = std::tanh(z + hw);
    } else if (p.n > 3) {
        p.ci_lo = p.ci_hi = p.r;
    }
    return p;
}

CnaTracker::CnaTracker(std::vector<int> ions, std::vector<int> centres, std::vector<int> offset,
                       std::vector<int> ligand, double r_shell, double tau_min, double dts)
    : ions_(std::move(ions)), centres_(std::move(centres)), offset_(std::move(offset)), ligand_(std::move(ligand)),
      r_shell_(r_shell), tau_min_(tau_min), dts_(dts) {
    if (!(r_shell_ > 0) || !(tau_min_ >= 0) || !(dts_ > 0))
        throw Error("cna_correlation: r_shell must be > 0 and tau_min >= 0");
    const std::size_t n = ions_.size();
    cur_.assign(n, -1);
    lig_.assign(n, -1);
    start_.assign(n, 0);
    u_cna0_.assign(n, Vec3{0, 0, 0});
    u_ca0_ = u_cna1_ = u_ca1_ = u_cna0_;
}

void CnaTracker::close(int k, long end_sample) {
    const double dur = (end_sample - start_[k]) * dts_;
    if (dur >= tau_min_ && dur > 0) {
        CnaEvent e;
        e.ion = ions_[k];
        e.centre = centres_[cur_[k]];
        e.ligand = lig_[k];
        e.t_start_ps = start_[k] * dts_;
        e.t_end_ps = end_sample * dts_;
        e.dtheta_cna = angle_between_units(u_cna0_[k], u_cna1_[k]);
        e.dtheta_ca = angle_between_units(u_ca0_[k], u_ca1_[k]);
        events_.push_back(e);
    }
    cur_[k] = -1;
}

void CnaTracker::add(const Box& box, const Vec3* pos) {
    const long s = n_++;
    for (std::size_t k = 0; k < ions_.size(); ++k) {
        const Vec3 p = pos[ions_[k]];
        // Nearest centre within the shell.
        int best = -1;
        double best_r = r_shell_;
        Vec3 best_d{0, 0, 0};
        for (std::size_t c = 0; c < centres_.size(); ++c) {
            const Vec3 d = minimum_image(box, p - pos[centres_[c]]);
            const double r = norm(d);
            if (r < best_r) { best_r = r; best = static_cast<int>(c); best_d = d; }
        }
        if (cur_[k] >= 0 && best != cur_[k]) close(static_cast<int>(k), s - 1);  // left (or switched) shell
        if (best < 0) continue;
        const Vec3 u_cna = (1.0 / best_r) * best_d;
        if (cur_[k] < 0) {
            // Span start: fix the ligand of this centre closest to the ion.
            int lbest = -1;
            double lr = std::numeric_limits<double>::infinity();
            for (int b = offset_[best]; b < offset_[best + 1]; ++b) {
                const double r = norm(minimum_image(box, p - pos[ligand_[b]]));
                if (r < lr) { lr = r; lbest = ligand_[b]; }
            }
            if (lbest < 0) continue;
            cur_[k] = best;
            lig_[k] = lbest;
            start_[k] = s;
            u_cna0_[k] = u_cna;
            const Vec3 dca = minimum_image(box, pos[lbest] - pos[centres_[best]]);
            u_ca0_[k] = (1.0 / norm(dca)) * dca;
        }
        u_cna1_[k] = u_cna;
        const Vec3 dca = minimum_image(box, pos[lig_[k]] - pos[centres_[cur_[k]]]);
        u_ca1_[k] = (1.0 / norm(dca)) * dca;
    }
}

PearsonResult CnaTracker::correlation() const {
    // Closed events plus spans still open at the last sample (closed there, if long enough).
    std::vector<double> x, y;
    for (const auto& e : events_) { x.push_back(e.dtheta_cna); y.push_back(e.dtheta_ca); }
    for (std::size_t k = 0; k < ions_.size(); ++k)
        if (cur_[k] >= 0 && (n_ - 1 - start_[k]) * dts_ >= tau_min_ && n_ - 1 > start_[k]) {
            x.push_back(angle_between_units(u_cna0_[k], u_cna1_[k]));
            y.push_back(angle_between_units(u_ca0_[k], u_ca1_[k]));
        }
    return pearson_fisher(x, y);
}

void CnaTracker::save(BinaryWriter& w) const {
    w.section("cna_tracker");
    w.vec(ions_);
    w.vec(centres_);
    w.pod(r_shell_);
    w.pod(tau_min_);
    w.pod(dts_);
    w.pod(n_);
    w.vec(cur_);
    w.vec(lig_);
    w.vec(start_);
    w.vec(u_cna0_);
    w.vec(u_ca0_);
    w.vec(u_cna1_);
    w.vec(u_ca1_);
    w.vec(events_);
}

void CnaTracker::load(BinaryReader& r) {
    r.section("cna_tracker");
    std::vector<int> ions, centres;
    r.vec(ions);
    r.vec(centres);
    const double rs = r.pod<double>(), tm = r.pod<double>(), dts = r.pod<double>();
    if (ions != ions_ || centres != centres_ || rs != r_shell_ || tm != tau_min_ || dts != dts_)
        throw input_error(r.file(), 0, "checkpoint cna_correlation settings differ from the configuration");
    r.pod(n_);
    r.vec(cur_);
    r.vec(lig_);
    r.vec(start_);
    r.vec(u_cna0_);
    r.vec(u_ca0_);
    r.vec(u_cna1_);
    r.vec(u_ca1_);
    r.vec(events_);
}

}  // namespace mdrun
