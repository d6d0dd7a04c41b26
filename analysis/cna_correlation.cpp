#include "analysis/cna_correlation.hpp"

#include <algorithm>
#include <limits>
#include <string>

#include "engine/core/error.hpp"

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
                       std::vector<int> ligand, std::vector<double> r_shell, double tau_min, double dts)
    : ions_(std::move(ions)), centres_(std::move(centres)), offset_(std::move(offset)), ligand_(std::move(ligand)),
      r_shell_(std::move(r_shell)), tau_min_(tau_min), dts_(dts) {
    if (r_shell_.size() != centres_.size()) throw Error("cna_correlation: one shell radius per centre expected");
    for (double r : r_shell_)
        if (!(r > 0)) throw Error("cna_correlation: r_shell must be > 0");
    if (!(tau_min_ >= 0) || !(dts_ > 0)) throw Error("cna_correlation: tau_min must be >= 0");
}

void CnaTracker::close(const Span& sp) {
    const double dur = (sp.last - sp.start) * dts_;
    longest_closed_ps_ = std::max(longest_closed_ps_, dur);
    if (dur >= tau_min_ && dur > 0) {
        CnaEvent e;
        e.ion = ions_[sp.ion];
        e.centre = centres_[sp.centre];
        e.ligand = sp.ligand;
        e.t_start_ps = sp.start * dts_;
        e.t_end_ps = sp.last * dts_;
        e.dtheta_cna = angle_between_units(sp.u_cna0, sp.u_cna1);
        e.dtheta_ca = angle_between_units(sp.u_ca0, sp.u_ca1);
        events_.push_back(e);
    }
}

double CnaTracker::longest_span_ps() const {
    double m = longest_closed_ps_;
    for (const Span& sp : spans_) m = std::max(m, (sp.last - sp.start) * dts_);
    return m;
}

void CnaTracker::add(const Box& box, const Vec3* pos) {
    const long s = n_++;
    scratch_.clear();
    std::size_t o = 0;  // cursor into the open spans (sorted by ion, centre), merged with this sample's pairs
    for (std::size_t k = 0; k < ions_.size(); ++k) {
        const Vec3 p = pos[ions_[k]];
        for (std::size_t c = 0; c < centres_.size(); ++c) {
            const Vec3 d = minimum_image(box, p - pos[centres_[c]]);
            const double r = norm(d);
            // Spans of this ion with centres before c that are not in the shell now: closed.
            while (o < spans_.size() && (spans_[o].ion < static_cast<int>(k) ||
                                         (spans_[o].ion == static_cast<int>(k) && spans_[o].centre < static_cast<int>(c)))) {
                close(spans_[o]);
                ++o;
            }
            const bool open = o < spans_.size() && spans_[o].ion == static_cast<int>(k) && spans_[o].centre == static_cast<int>(c);
            if (!(r < r_shell_[c]) || !(r > 0)) continue;  // (an open span for this pair is closed by the loop)
            Span sp;
            if (open) {
                sp = spans_[o++];
            } else {
                // Span start: fix the ligand of this centre closest to the ion.
                int lbest = -1;
                double lr = std::numeric_limits<double>::infinity();
                for (int b = offset_[c]; b < offset_[c + 1]; ++b) {
                    const double rl = norm(minimum_image(box, p - pos[ligand_[b]]));
                    if (rl < lr) { lr = rl; lbest = ligand_[b]; }
                }
                if (lbest < 0) continue;
                sp.ion = static_cast<int>(k);
                sp.centre = static_cast<int>(c);
                sp.ligand = lbest;
                sp.start = s;
                sp.u_cna0 = (1.0 / r) * d;
                const Vec3 dca = minimum_image(box, pos[lbest] - pos[centres_[c]]);
                sp.u_ca0 = (1.0 / norm(dca)) * dca;
                ++spans_opened_;
            }
            sp.last = s;
            sp.u_cna1 = (1.0 / r) * d;
            const Vec3 dca = minimum_image(box, pos[sp.ligand] - pos[centres_[c]]);
            sp.u_ca1 = (1.0 / norm(dca)) * dca;
            scratch_.push_back(sp);
        }
    }
    while (o < spans_.size()) close(spans_[o++]);
    spans_.swap(scratch_);
}

PearsonResult CnaTracker::correlation() const {
    // Closed events plus spans still open at the last sample (closed there, if long enough).
    std::vector<double> x, y;
    for (const auto& e : events_) { x.push_back(e.dtheta_cna); y.push_back(e.dtheta_ca); }
    for (const Span& sp : spans_)
        if ((sp.last - sp.start) * dts_ >= tau_min_ && sp.last > sp.start) {
            x.push_back(angle_between_units(sp.u_cna0, sp.u_cna1));
            y.push_back(angle_between_units(sp.u_ca0, sp.u_ca1));
        }
    return pearson_fisher(x, y);
}

void CnaTracker::save(BinaryWriter& w) const {
    w.section("cna_tracker_v2");
    w.vec(ions_);
    w.vec(centres_);
    w.vec(r_shell_);
    w.pod(tau_min_);
    w.pod(dts_);
    w.pod(n_);
    w.pod(spans_opened_);
    w.pod(longest_closed_ps_);
    w.vec(spans_);
    w.vec(events_);
}

void CnaTracker::load(BinaryReader& r) {
    r.section("cna_tracker_v2");
    std::vector<int> ions, centres;
    std::vector<double> rs;
    r.vec(ions);
    r.vec(centres);
    r.vec(rs);
    const double tm = r.pod<double>(), dts = r.pod<double>();
    if (ions != ions_ || centres != centres_ || rs != r_shell_ || tm != tau_min_ || dts != dts_)
        throw input_error(r.file(), 0, "checkpoint cna_correlation settings differ from the configuration");
    r.pod(n_);
    r.pod(spans_opened_);
    r.pod(longest_closed_ps_);
    r.vec(spans_);
    r.vec(events_);
    check_loaded(r.file());
}

// A checkpoint whose CRCs are right but whose tracker state is not (edited by hand, or by a bug) must not
// index outside the ion, centre or ligand lists (add() and close() use the span's indices directly) or report
// impossible events: every field is checked against the configuration and the sample count.
void CnaTracker::check_loaded(const std::string& file) const {
    const auto bad = [&](const std::string& what) {
        return input_error(file, 0, "checkpoint cna_correlation state: " + what + "; the checkpoint is damaged");
    };
    const auto num = [](long v) { return std::to_string(v); };
    const auto finite = [](const Vec3& v) { return std::isfinite(v.x) && std::isfinite(v.y) && std::isfinite(v.z); };
    const auto unit = [&](const Vec3& v) { return finite(v) && std::fabs(norm(v) - 1.0) < 1e-6; };
    const long n_ions = static_cast<long>(ions_.size()), n_centres = static_cast<long>(centres_.size());
    if (offset_.size() != centres_.size() + 1) throw bad("ligand offsets do not match the centres");
    if (n_ < 0 || n_ > (1L << 50)) throw bad("sample count " + num(n_) + " out of range");
    // (at most one span per ion, centre and sample; in double: the product may exceed a long)
    if (spans_opened_ < static_cast<long>(spans_.size()) ||
        static_cast<double>(spans_opened_) > static_cast<double>(n_) * n_ions * n_centres)
        throw bad("spans opened " + num(spans_opened_) + " out of range (" + num(static_cast<long>(spans_.size())) +
                  " open, " + num(n_) + " samples)");
    if (!std::isfinite(longest_closed_ps_) || longest_closed_ps_ < 0 || longest_closed_ps_ > n_ * dts_ * (1 + 1e-12))
        throw bad("longest span " + std::to_string(longest_closed_ps_) + " ps out of range");
    for (std::size_t k = 0; k < spans_.size(); ++k) {
        const Span& sp = spans_[k];
        const std::string at = "open span " + num(static_cast<long>(k)) + ": ";
        if (sp.ion < 0 || sp.ion >= n_ions) throw bad(at + "ion " + num(sp.ion) + " out of range [0, " + num(n_ions) + ")");
        if (sp.centre < 0 || sp.centre >= n_centres)
            throw bad(at + "centre " + num(sp.centre) + " out of range [0, " + num(n_centres) + ")");
        if (k > 0 && (spans_[k - 1].ion > sp.ion || (spans_[k - 1].ion == sp.ion && spans_[k - 1].centre >= sp.centre)))
            throw bad(at + "not in (ion, centre) order");
        if (!std::count(ligand_.begin() + offset_[sp.centre], ligand_.begin() + offset_[sp.centre + 1], sp.ligand))
            throw bad(at + "atom " + num(sp.ligand) + " is not a ligand of its centre");
        if (sp.start < 0 || sp.start > sp.last || sp.last >= n_)
            throw bad(at + "samples " + num(sp.start) + ".." + num(sp.last) + " out of range [0, " + num(n_) + ")");
        if (!unit(sp.u_cna0) || !unit(sp.u_ca0) || !unit(sp.u_cna1) || !unit(sp.u_ca1))
            throw bad(at + "a bond direction is not a unit vector");
    }
    const double pi = std::acos(-1.0);
    for (std::size_t k = 0; k < events_.size(); ++k) {
        const CnaEvent& e = events_[k];
        const std::string at = "event " + num(static_cast<long>(k)) + ": ";
        const auto c = std::find(centres_.begin(), centres_.end(), e.centre);
        if (std::find(ions_.begin(), ions_.end(), e.ion) == ions_.end()) throw bad(at + "atom " + num(e.ion) + " is not a tracked ion");
        if (c == centres_.end()) throw bad(at + "atom " + num(e.centre) + " is not a centre");
        const long ci = static_cast<long>(c - centres_.begin());
        if (!std::count(ligand_.begin() + offset_[ci], ligand_.begin() + offset_[ci + 1], e.ligand))
            throw bad(at + "atom " + num(e.ligand) + " is not a ligand of its centre");
        if (!std::isfinite(e.t_start_ps) || !std::isfinite(e.t_end_ps) || !(0 <= e.t_start_ps) || !(e.t_start_ps <= e.t_end_ps))
            throw bad(at + "times out of order or not finite");
        if (!(e.dtheta_cna >= 0 && e.dtheta_cna <= pi) || !(e.dtheta_ca >= 0 && e.dtheta_ca <= pi))
            throw bad(at + "an angle outside [0, pi]");
    }
}

}  // namespace mdrun
