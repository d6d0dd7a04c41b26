#include "analysis/arrhenius_summary.hpp"

#include <cmath>
#include <cstdio>
#include <sstream>

#include "analysis/analysis_state.hpp"
#include "engine/atomic_file.hpp"

namespace mdrun {

std::vector<ArrheniusSpecies> arrhenius_from_replicas(const std::vector<ReplicaDiffusion>& reps, double T0) {
    std::vector<ArrheniusSpecies> out;
    for (const auto& rep : reps)
        for (const auto& d : rep.results.diffusion) {
            ArrheniusSpecies* s = nullptr;
            for (auto& o : out)
                if (o.species == d.species) s = &o;
            if (!s) {
                out.push_back(ArrheniusSpecies{});
                s = &out.back();
                s->species = d.species;
            }
            const Classification& c = rep.results.classification;
            double tmsd = std::nan("");
            for (const auto& kv : c.tmsd_at_tau_cls)
                if (kv.first == d.species) tmsd = kv.second;
            std::string why;
            if (d.tracer.status != "ok") why = "D status " + d.tracer.status;
            else if (c.framework_melting) why = "framework melting";
            else if (!(tmsd > 5.0)) why = "TMSD at tau_cls <= 5 A^2 (not diffusing)";
            else if (!(d.tracer.sigma_gls_cm2_s > 0)) why = "no GLS uncertainty";
            if (!why.empty()) {
                s->excluded.push_back(rep.replica + ": " + why);
                continue;
            }
            s->used.push_back(rep.replica);
            s->points.push_back(ArrheniusPoint{rep.T_K, d.tracer.D_cm2_s, d.tracer.sigma_gls_cm2_s});
        }
    for (auto& s : out) s.fit = fit_arrhenius(s.points, T0);
    return out;
}

namespace {
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
        o += c;
    }
    return o + "\"";
}
}  // namespace

void write_arrhenius_summary(const std::string& path, const std::vector<const AnalysisSet*>& sets) {
    std::vector<ReplicaDiffusion> reps;
    for (const AnalysisSet* a : sets) {
        ReplicaDiffusion r;
        r.replica = a->impl().info.replica_name;
        r.T_K = a->impl().info.temperature_K;
        r.results = compute_results(*a);
        reps.push_back(std::move(r));
    }
    const auto species = arrhenius_from_replicas(reps);
    std::ostringstream o;
    o << "{\n  \"units\": {\"Ea\": \"eV\", \"D\": \"cm^2/s\", \"T\": \"K\"},\n  \"species\": [";
    for (std::size_t k = 0; k < species.size(); ++k) {
        const auto& s = species[k];
        const auto& f = s.fit;
        o << (k ? "," : "") << "\n    {\"species\": " << jstr(s.species) << ", \"status\": " << jstr(f.status)
          << ", \"n\": " << f.n << ", \"Ea_eV\": " << jnum(f.status == "ok" ? f.Ea_eV : NAN)
          << ", \"sigma_Ea_eV\": " << jnum(f.status == "ok" ? f.sigma_Ea_eV : NAN)
          << ", \"T0_K\": " << jnum(f.T0_K) << ", \"D_T0_cm2_s\": " << jnum(f.status == "ok" ? f.D_T0_cm2_s : NAN)
          << ", \"D_T0_95\": [" << jnum(f.status == "ok" ? f.D_T0_lo95 : NAN) << ", "
          << jnum(f.status == "ok" ? f.D_T0_hi95 : NAN) << "], \"D_T0_1sigma\": ["
          << jnum(f.status == "ok" ? f.D_T0_lo1s : NAN) << ", " << jnum(f.status == "ok" ? f.D_T0_hi1s : NAN)
          << "],\n     \"points\": [";
        for (std::size_t i = 0; i < s.points.size(); ++i)
            o << (i ? ", " : "") << "{\"replica\": " << jstr(s.used[i]) << ", \"T_K\": " << jnum(s.points[i].T_K)
              << ", \"D_cm2_s\": " << jnum(s.points[i].D_cm2_s) << ", \"sigma_D_cm2_s\": "
              << jnum(s.points[i].sigma_D_cm2_s) << "}";
        o << "], \"excluded\": [";
        for (std::size_t i = 0; i < s.excluded.size(); ++i) o << (i ? ", " : "") << jstr(s.excluded[i]);
        o << "]}";
    }
    o << "\n  ]\n}\n";
    const std::string text = o.str();
    write_file_atomically(path, [&](std::ostream& os) { os << text; });
}

}  // namespace mdrun
