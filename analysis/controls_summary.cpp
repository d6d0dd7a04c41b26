#include "analysis/controls_summary.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <sstream>

#include "analysis/classification.hpp"
#include "engine/core/atomic_file.hpp"

namespace mdrun {

namespace {

const double kNaN = std::numeric_limits<double>::quiet_NaN();

bool contains(const std::vector<std::string>& v, const std::string& s) { return std::find(v.begin(), v.end(), s) != v.end(); }

// Value at the largest stored lag <= tau (NaN when none).
double at_lag(const std::vector<double>& tau, const std::vector<double>& y, double t) {
    double v = kNaN, best = -1;
    for (std::size_t i = 0; i < tau.size() && i < y.size(); ++i)
        if (tau[i] <= t * (1 + 1e-12) && tau[i] > best) {
            best = tau[i];
            v = y[i];
        }
    return v;
}

// Per-atom TMSD at tau with the kinisi variance model of the GLS fit: Var = s^2 / n_eff, n_eff = N t_run / tau.
ValueSigma tmsd_sigma(const SpeciesMsd& m, double tau, double t_run) {
    ValueSigma r;
    if (m.frozen) {
        r.status = "ok";
        return r;
    }
    double best = -1;
    for (std::size_t i = 0; i < m.curve.tau_ps.size(); ++i)
        if (m.curve.tau_ps[i] <= tau * (1 + 1e-12) && m.curve.tau_ps[i] > best) {
            best = m.curve.tau_ps[i];
            r.value = m.curve.tmsd_A2[i];
            const double s2 = i < m.curve.var_sq_A4.size() ? m.curve.var_sq_A4[i] : kNaN;
            const double n_eff = m.n_atoms * t_run / best;
            r.sigma = (n_eff > 0 && s2 >= 0) ? std::sqrt(s2 / std::max(1.0, n_eff)) : kNaN;
        }
    if (best < 0) r.status = "no lag <= tau";
    return r;
}

ValueSigma ratio(const ValueSigma& num, const ValueSigma& den) {
    ValueSigma r;
    if (num.status != "ok" || den.status != "ok") {
        r.status = num.status != "ok" ? "numerator: " + num.status : "denominator: " + den.status;
        return r;
    }
    if (!(den.value > 0)) {
        r.status = "denominator <= 0";
        return r;
    }
    r.value = num.value / den.value;
    const double a = num.value != 0 ? num.sigma / num.value : 0.0, b = den.sigma / den.value;
    r.sigma = num.value != 0 ? std::fabs(r.value) * std::sqrt(a * a + b * b) : num.sigma / den.value;
    return r;
}

std::string jnum(double v) {
    if (!std::isfinite(v)) return "null";
    char b[40];
    std::snprintf(b, sizeof b, "%.17g", v);
    return b;
}
std::string jstr(const std::string& s) {
    std::string o = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') o += '\\';
        if (static_cast<unsigned char>(c) < 0x20) {
            o += ' ';
            continue;
        }
        o += c;
    }
    return o + "\"";
}
std::string jbool(bool b) { return b ? "true" : "false"; }
std::string jlist(const std::vector<std::string>& v) {
    std::string o = "[";
    for (std::size_t i = 0; i < v.size(); ++i) o += (i ? ", " : "") + jstr(v[i]);
    return o + "]";
}
std::string jvs(const ValueSigma& v) {
    if (v.status != "ok") return "{\"value\": null, \"sigma\": null, \"status\": " + jstr(v.status) + "}";
    return "{\"value\": " + jnum(v.value) + ", \"sigma\": " + jnum(v.sigma) + ", \"status\": \"ok\"}";
}

}  // namespace

ValueSigma mean_sem(const std::vector<ValueSigma>& v) {
    std::vector<ValueSigma> ok;
    for (const auto& x : v)
        if (x.status == "ok" && std::isfinite(x.value)) ok.push_back(x);
    ValueSigma r;
    if (ok.empty()) {
        r.status = "none";
        return r;
    }
    if (ok.size() == 1) return ok[0];
    double s = 0;
    for (const auto& x : ok) s += x.value;
    r.value = s / static_cast<double>(ok.size());
    double ss = 0;
    for (const auto& x : ok) ss += (x.value - r.value) * (x.value - r.value);
    r.sigma = std::sqrt(ss / static_cast<double>(ok.size() - 1) / static_cast<double>(ok.size()));
    return r;
}

bool ControlsResult::any_control() const {
    for (const auto& r : replicas)
        if (r.kind == "frozen_framework" || r.kind == "frozen_ion") return true;
    return false;
}

ControlsResult controls_from_replicas(const std::vector<ControlReplica>& reps) {
    ControlsResult out;
    for (const ControlReplica& rep : reps) {
        const AnalysisResults& R = rep.results;
        ControlRow row;
        row.name = rep.name;
        row.T_K = rep.T_K;
        row.seed = rep.seed;
        row.frozen = rep.frozen;
        row.finished = !rep.stopped;
        row.stop_reason = rep.stop_reason;
        row.t_run_ps = R.t_run_ps;
        row.tau_cls_ps = R.classification.tau_cls_ps;
        std::vector<std::string> ions, others;
        for (const SpeciesMsd& m : R.msd) (is_mobile_ion(R, m) ? ions : others).push_back(m.species);
        if (!ions.empty()) row.ion = ions[0];
        bool ion_frozen = false, other_frozen = false, all_others = !others.empty();
        for (const auto& f : rep.frozen) (contains(ions, f) ? ion_frozen : other_frozen) = true;
        for (const auto& o : others) all_others = all_others && contains(rep.frozen, o);
        if (rep.frozen.empty()) row.kind = "mobile";
        else if (ion_frozen && !other_frozen) row.kind = "frozen_ion";
        else if (!ion_frozen && all_others) row.kind = "frozen_framework";
        else row.kind = "other";
        row.D_status = "absent";
        row.D_cm2_s = row.sigma_D_cm2_s = kNaN;
        for (const auto& d : R.diffusion)
            if (d.species == row.ion) {
                row.D_status = d.tracer.status;
                row.D_cm2_s = d.tracer.D_cm2_s;
                row.sigma_D_cm2_s = d.tracer.sigma_D_cm2_s;
            }
        row.tmsd_ion_A2.status = "absent";
        for (const auto& m : R.msd)
            if (m.species == row.ion) row.tmsd_ion_A2 = tmsd_sigma(m, row.tau_cls_ps, R.t_run_ps);
        row.min_c1 = row.c1_tau = row.c2_tau = kNaN;
        if (!R.reorientation.empty()) {
            const ReorientationCurve& c = R.reorientation[0];
            row.min_c1 = c.min_c1;
            row.c1_tau = at_lag(c.tau_ps, c.c1, row.tau_cls_ps);
            row.c2_tau = at_lag(c.tau_ps, c.c2, row.tau_cls_ps);
        }
        const Classification& k = R.classification;
        row.rotation_evaluated = k.rotation_evaluated;
        row.rotating = k.polyanions_rotating;
        row.ion_diffusing = k.na_diffusing;
        row.melted = k.framework_melting;
        row.melted_species = k.melted_species;
        row.tmsd_at_tau_cls = k.tmsd_at_tau_cls;
        if (row.melted) row.verdict = "melted";
        else if (row.rotation_evaluated)
            row.verdict = row.rotating ? (row.ion_diffusing ? "rotation + diffusion" : "rotation, no diffusion")
                                       : (row.ion_diffusing ? "diffusion, no rotation" : "no diffusion, no rotation");
        else row.verdict = row.ion_diffusing ? "diffusion (rotation not evaluated)" : "no diffusion (rotation not evaluated)";
        if (!row.finished) row.verdict += " (stopped early)";
        out.replicas.push_back(row);
    }

    // groups by (T, seed), in order of first appearance
    for (std::size_t i = 0; i < out.replicas.size(); ++i) {
        const ControlRow& r = out.replicas[i];
        ControlGroup* g = nullptr;
        for (auto& x : out.groups)
            if (x.T_K == r.T_K && x.seed == r.seed) g = &x;
        if (!g) {
            out.groups.push_back(ControlGroup{});
            g = &out.groups.back();
            g->T_K = r.T_K;
            g->seed = r.seed;
        }
        int* slot = r.kind == "mobile" ? &g->mobile : r.kind == "frozen_framework" ? &g->frozen_framework
                                                     : r.kind == "frozen_ion" ? &g->frozen_ion : nullptr;
        if (slot && *slot < 0) *slot = static_cast<int>(i);
    }
    for (ControlGroup& g : out.groups) {
        const ControlRow* m = g.mobile >= 0 ? &out.replicas[static_cast<std::size_t>(g.mobile)] : nullptr;
        const ControlRow* ff = g.frozen_framework >= 0 ? &out.replicas[static_cast<std::size_t>(g.frozen_framework)] : nullptr;
        const ControlRow* fi = g.frozen_ion >= 0 ? &out.replicas[static_cast<std::size_t>(g.frozen_ion)] : nullptr;
        g.D_ratio.status = g.tmsd_ratio.status = "no mobile / frozen-framework pair";
        for (ValueSigma* v : {&g.c1_mobile, &g.c1_frozen_ion, &g.c2_mobile, &g.c2_frozen_ion}) v->status = "absent";
        if (!m) continue;
        g.tau_ps = m->tau_cls_ps;
        if (ff) g.tau_ps = std::min(g.tau_ps, ff->tau_cls_ps);
        if (fi) g.tau_ps = std::min(g.tau_ps, fi->tau_cls_ps);
        if (ff) {
            ValueSigma dm, df;
            dm.value = m->D_cm2_s;
            dm.sigma = m->sigma_D_cm2_s;
            dm.status = m->D_status;
            df.value = ff->D_cm2_s;
            df.sigma = ff->sigma_D_cm2_s;
            df.status = ff->D_status;
            g.D_ratio = ratio(df, dm);
            // the TMSD ratio at the common lag (both replicas' curves at the same tau)
            const auto tm = [&](const std::string& who) {
                for (const ControlReplica& rep : reps)
                    if (rep.name == who)
                        for (const auto& s : rep.results.msd)
                            if (s.species == m->ion) return tmsd_sigma(s, g.tau_ps, rep.results.t_run_ps);
                ValueSigma none;
                none.status = "absent";
                return none;
            };
            g.tmsd_ratio = ratio(tm(ff->name), tm(m->name));
        }
        const auto c_at = [&](const ControlRow* r, bool c2) {
            ValueSigma v;
            v.status = "absent";
            if (!r) return v;
            for (const ControlReplica& rep : reps)
                if (rep.name == r->name && !rep.results.reorientation.empty()) {
                    const ReorientationCurve& c = rep.results.reorientation[0];
                    v.value = at_lag(c.tau_ps, c2 ? c.c2 : c.c1, g.tau_ps);
                    v.sigma = 0;
                    v.status = std::isfinite(v.value) ? "ok" : "no lag <= tau";
                }
            return v;
        };
        g.c1_mobile = c_at(m, false);
        g.c2_mobile = c_at(m, true);
        g.c1_frozen_ion = c_at(fi, false);
        g.c2_frozen_ion = c_at(fi, true);
        g.usable = ff && m->finished && ff->finished && !m->melted;
        if (!ff) g.note = "no frozen-framework replica";
        else if (m->melted) g.note = "the mobile replica melted: left out of the over-seed statistics";
        else if (!m->finished || !ff->finished) g.note = "a replica stopped early: left out of the over-seed statistics";
    }

    // over seeds, per temperature
    for (const ControlGroup& g : out.groups) {
        ControlsOverSeeds* t = nullptr;
        for (auto& x : out.temperatures)
            if (x.T_K == g.T_K) t = &x;
        if (!t) {
            out.temperatures.push_back(ControlsOverSeeds{});
            t = &out.temperatures.back();
            t->T_K = g.T_K;
        }
        t->seeds += 1;
    }
    for (ControlsOverSeeds& t : out.temperatures) {
        std::vector<ValueSigma> dm, dr, tr, c1m, c1f;
        for (const ControlGroup& g : out.groups) {
            if (g.T_K != t.T_K || !g.usable) continue;
            t.usable += 1;
            const ControlRow& m = out.replicas[static_cast<std::size_t>(g.mobile)];
            ValueSigma d;
            d.value = m.D_cm2_s;
            d.sigma = m.sigma_D_cm2_s;
            d.status = m.D_status;
            dm.push_back(d);
            dr.push_back(g.D_ratio);
            tr.push_back(g.tmsd_ratio);
            c1m.push_back(g.c1_mobile);
            ValueSigma f = g.c1_frozen_ion;
            const ControlRow* fi = g.frozen_ion >= 0 ? &out.replicas[static_cast<std::size_t>(g.frozen_ion)] : nullptr;
            if (fi && (!fi->finished || fi->melted)) f.status = "frozen-ion replica stopped or melted";
            c1f.push_back(f);
        }
        t.D_mobile = mean_sem(dm);
        t.D_ratio = mean_sem(dr);
        t.tmsd_ratio = mean_sem(tr);
        t.c1_mobile = mean_sem(c1m);
        t.c1_frozen_ion = mean_sem(c1f);
        for (const ControlRow& r : out.replicas) {
            if (r.T_K != t.T_K) continue;
            t.replicas += 1;
            t.melted += r.melted ? 1 : 0;
            t.not_finished += r.finished ? 0 : 1;
            if (r.kind == "mobile") {
                t.mobile_replicas += 1;
                t.mobile_melted += r.melted ? 1 : 0;
            }
        }
    }
    return out;
}

void write_controls_json(const std::string& path, const ControlsResult& c) {
    std::ostringstream o;
    o << "{\n  \"description\": \"frozen-species controls (docs/paddlewheel.md): per replica the classification "
         "(rotation: min C1 < 0.9 over tau <= rotation_tmax; ion diffusion: ion TMSD(tau_cls) > 5 A^2; framework melting: "
         "framework-cation TMSD(tau_cls) > 2 A^2); per (T, seed) frozen-framework / mobile ratios of D (the fits' sigmas "
         "propagated) and of the ion TMSD at the common tau (sigma from the kinisi variance model), C1/C2 mobile vs "
         "frozen-ion at that tau; over seeds the mean and standard error over the usable seeds (mobile not melted, "
         "both replicas finished)\",\n";
    o << "  \"units\": {\"D\": \"cm^2/s\", \"TMSD\": \"A^2\", \"tau\": \"ps\", \"T\": \"K\"},\n  \"replicas\": [";
    for (std::size_t i = 0; i < c.replicas.size(); ++i) {
        const ControlRow& r = c.replicas[i];
        o << (i ? "," : "") << "\n    {\"name\": " << jstr(r.name) << ", \"T_K\": " << jnum(r.T_K) << ", \"seed\": " << r.seed
          << ", \"kind\": " << jstr(r.kind) << ", \"frozen\": " << jlist(r.frozen) << ", \"finished\": " << jbool(r.finished)
          << ", \"stop_reason\": " << (r.finished ? "null" : jstr(r.stop_reason)) << ",\n     \"t_run_ps\": " << jnum(r.t_run_ps)
          << ", \"tau_cls_ps\": " << jnum(r.tau_cls_ps) << ", \"ion\": " << jstr(r.ion) << ", \"D_status\": " << jstr(r.D_status)
          << ", \"D_cm2_s\": " << jnum(r.D_status == "ok" || r.D_status == "frozen" ? r.D_cm2_s : NAN)
          << ", \"sigma_D_gls_cm2_s\": " << jnum(r.D_status == "ok" ? r.sigma_D_cm2_s : NAN)
          << ", \"ion_tmsd_at_tau_cls_A2\": " << jvs(r.tmsd_ion_A2) << ",\n     \"min_C1\": " << jnum(r.min_c1)
          << ", \"C1_at_tau_cls\": " << jnum(r.c1_tau) << ", \"C2_at_tau_cls\": " << jnum(r.c2_tau)
          << ", \"classification\": {\"rotation\": " << (r.rotation_evaluated ? jbool(r.rotating) : "null")
          << ", \"ion_diffusion\": " << jbool(r.ion_diffusing) << ", \"framework_melting\": " << jbool(r.melted)
          << ", \"melted_species\": " << jlist(r.melted_species) << "}, \"tmsd_at_tau_cls_A2\": {";
        for (std::size_t k = 0; k < r.tmsd_at_tau_cls.size(); ++k)
            o << (k ? ", " : "") << jstr(r.tmsd_at_tau_cls[k].first) << ": " << jnum(r.tmsd_at_tau_cls[k].second);
        o << "}, \"verdict\": " << jstr(r.verdict) << "}";
    }
    o << "\n  ],\n  \"per_seed\": [";
    auto nm = [&](int k) { return k >= 0 ? jstr(c.replicas[static_cast<std::size_t>(k)].name) : std::string("null"); };
    for (std::size_t i = 0; i < c.groups.size(); ++i) {
        const ControlGroup& g = c.groups[i];
        o << (i ? "," : "") << "\n    {\"T_K\": " << jnum(g.T_K) << ", \"seed\": " << g.seed << ", \"mobile\": " << nm(g.mobile)
          << ", \"frozen_framework\": " << nm(g.frozen_framework) << ", \"frozen_ion\": " << nm(g.frozen_ion)
          << ", \"tau_ps\": " << jnum(g.tau_ps) << ",\n     \"D_ratio_frozen_framework_over_mobile\": " << jvs(g.D_ratio)
          << ",\n     \"tmsd_ratio_frozen_framework_over_mobile\": " << jvs(g.tmsd_ratio)
          << ",\n     \"C1_mobile\": " << jvs(g.c1_mobile) << ", \"C1_frozen_ion\": " << jvs(g.c1_frozen_ion)
          << ",\n     \"C2_mobile\": " << jvs(g.c2_mobile) << ", \"C2_frozen_ion\": " << jvs(g.c2_frozen_ion)
          << ",\n     \"usable\": " << jbool(g.usable) << ", \"note\": " << jstr(g.note) << "}";
    }
    o << "\n  ],\n  \"over_seeds\": [";
    for (std::size_t i = 0; i < c.temperatures.size(); ++i) {
        const ControlsOverSeeds& t = c.temperatures[i];
        o << (i ? "," : "") << "\n    {\"T_K\": " << jnum(t.T_K) << ", \"seeds\": " << t.seeds << ", \"usable_seeds\": " << t.usable
          << ",\n     \"D_mobile_cm2_s\": " << jvs(t.D_mobile) << ",\n     \"D_ratio_frozen_framework_over_mobile\": " << jvs(t.D_ratio)
          << ",\n     \"tmsd_ratio_frozen_framework_over_mobile\": " << jvs(t.tmsd_ratio)
          << ",\n     \"C1_mobile\": " << jvs(t.c1_mobile) << ", \"C1_frozen_ion\": " << jvs(t.c1_frozen_ion)
          << ",\n     \"replicas\": " << t.replicas << ", \"melted\": " << t.melted
          << ", \"melted_fraction\": " << jnum(t.replicas ? static_cast<double>(t.melted) / t.replicas : NAN)
          << ", \"mobile_replicas\": " << t.mobile_replicas << ", \"mobile_melted\": " << t.mobile_melted
          << ", \"mobile_melted_fraction\": " << jnum(t.mobile_replicas ? static_cast<double>(t.mobile_melted) / t.mobile_replicas : NAN)
          << ", \"not_finished\": " << t.not_finished << "}";
    }
    o << "\n  ]\n}\n";
    const std::string text = o.str();
    write_file_atomically(path, [&](std::ostream& os) { os << text; });
}

}  // namespace mdrun
