#include "analysis/arrhenius_summary.hpp"

#include <cmath>
#include <cstdio>
#include <sstream>

#include "analysis/analysis_state.hpp"
#include "analysis/statistics.hpp"
#include "engine/core/atomic_file.hpp"

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
            else if (!(d.tracer.D_lo_cm2_s > 0) || !(d.tracer.D_hi_cm2_s > d.tracer.D_lo_cm2_s))
                why = "the D interval reaches zero (D not resolved)";
            if (!why.empty()) {
                s->excluded.push_back(rep.replica + ": " + why);
                continue;
            }
            s->used.push_back(rep.replica);
            // Standard error of ln D from the 95 % interval of D's posterior (log scale: the interval is
            // asymmetric when D is poorly resolved): (ln D_hi - ln D_lo) / (2 z_0.975).
            const double s_ln = (std::log(d.tracer.D_hi_cm2_s) - std::log(d.tracer.D_lo_cm2_s)) / (2 * normal_quantile(0.975));
            s->points.push_back(ArrheniusPoint{rep.T_K, d.tracer.D_cm2_s, s_ln * d.tracer.D_cm2_s});
            s->n_ions = 0;
            for (const auto& m : rep.results.msd)
                if (m.species == d.species) s->n_ions = m.n_atoms;
            s->z = d.z;
            s->volume_sum_A3 += rep.results.mean_volume_A3;
        }
    for (auto& s : out) {
        s.fit = fit_arrhenius(s.points, T0);
        if (s.fit.status == "ok" && s.z != 0 && s.n_ions > 0 && !s.points.empty()) {
            const double V = s.volume_sum_A3 / s.points.size();
            s.mean_volume_A3 = V;
            s.sigma_T0_mS_cm = nernst_einstein_mS_cm(s.n_ions, s.z, s.fit.D_T0_cm2_s, V, T0);
            s.sigma_T0_lo95_mS_cm = nernst_einstein_mS_cm(s.n_ions, s.z, s.fit.D_T0_lo95, V, T0);
            s.sigma_T0_hi95_mS_cm = nernst_einstein_mS_cm(s.n_ions, s.z, s.fit.D_T0_hi95, V, T0);
        }
    }
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
    o << "{\n  \"units\": {\"Ea\": \"eV\", \"D\": \"cm^2/s\", \"T\": \"K\", \"conductivity\": \"mS/cm\"},\n"
      << "  \"k_B_eV_K\": " << jnum(kBoltz) << ",\n"
      << "  \"method\": \"weighted least squares of ln D on 1/T with absolute errors sigma_lnD; intervals: normal "
         "quantile (95 %) of the prediction at T0 including the slope-intercept covariance; p_value = "
         "P(chi2_{n-2} >= chi2); *_scaled: errors rescaled by max(1, sqrt(chi2/dof)) with a Student-t quantile\",\n"
      << "  \"D_error_used\": \"sigma_lnD = (ln D_hi - ln D_lo)/(2*1.959964) from each replica's 95 % kinisi-GLS "
         "posterior interval of D\",\n"
      << "  \"conductivity_note\": \"sigma(T0) is Nernst-Einstein with Haven ratio 1, N and z of the species, the mean "
         "of the used replicas' volumes\",\n  \"species\": [";
    for (std::size_t k = 0; k < species.size(); ++k) {
        const auto& s = species[k];
        const auto& f = s.fit;
        const bool ok = f.status == "ok";
        const auto v = [&](double x) { return jnum(ok ? x : NAN); };
        o << (k ? "," : "") << "\n    {\"species\": " << jstr(s.species) << ", \"status\": " << jstr(f.status)
          << ", \"n\": " << f.n << ", \"Ea_eV\": " << v(f.Ea_eV) << ", \"sigma_Ea_eV\": " << v(f.sigma_Ea_eV)
          << ", \"sigma_Ea_scaled_eV\": " << v(f.sigma_Ea_scaled_eV) << ", \"lnD0\": " << v(f.lnD0)
          << ",\n     \"chi2\": " << v(f.chi2) << ", \"dof\": " << f.dof << ", \"p_value\": " << v(f.p_value)
          << ", \"T0_K\": " << jnum(f.T0_K) << ", \"D_T0_cm2_s\": " << v(f.D_T0_cm2_s)
          << ", \"D_T0_95\": [" << v(f.D_T0_lo95) << ", " << v(f.D_T0_hi95) << "], \"D_T0_1sigma\": ["
          << v(f.D_T0_lo1s) << ", " << v(f.D_T0_hi1s) << "], \"D_T0_95_scaled\": [" << v(f.D_T0_lo95_scaled) << ", "
          << v(f.D_T0_hi95_scaled) << "],\n     \"conductivity_T0_mS_cm\": " << jnum(s.sigma_T0_mS_cm)
          << ", \"conductivity_T0_95_mS_cm\": [" << jnum(s.sigma_T0_lo95_mS_cm) << ", " << jnum(s.sigma_T0_hi95_mS_cm)
          << "], \"mean_volume_A3\": " << jnum(s.mean_volume_A3) << ", \"warnings\": [";
        for (std::size_t i = 0; i < f.warnings.size(); ++i) o << (i ? ", " : "") << jstr(f.warnings[i]);
        o << "],\n     \"points\": [";
        for (std::size_t i = 0; i < s.points.size(); ++i)
            o << (i ? ", " : "") << "{\"replica\": " << jstr(s.used[i]) << ", \"T_K\": " << jnum(s.points[i].T_K)
              << ", \"D_cm2_s\": " << jnum(s.points[i].D_cm2_s) << ", \"sigma_lnD\": "
              << jnum(s.points[i].sigma_D_cm2_s / s.points[i].D_cm2_s) << "}";
        o << "], \"excluded\": [";
        for (std::size_t i = 0; i < s.excluded.size(); ++i) o << (i ? ", " : "") << jstr(s.excluded[i]);
        o << "]}";
    }
    o << "\n  ]\n}\n";
    const std::string text = o.str();
    write_file_atomically(path, [&](std::ostream& os) { os << text; });
}

}  // namespace mdrun
