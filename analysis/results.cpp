#include "analysis/results.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "analysis/analysis_state.hpp"
#include "analysis/classification.hpp"

namespace mdrun {

namespace {
const double kNaN = std::numeric_limits<double>::quiet_NaN();
}

double default_oxidation_state(const std::string& e) {
    static const char* plus1[] = {"H", "Li", "Na", "K", "Rb", "Cs", "Ag", "Cu"};
    static const char* plus2[] = {"Mg", "Ca", "Sr", "Ba", "Zn"};
    for (const char* s : plus1)
        if (e == s) return 1;
    for (const char* s : plus2)
        if (e == s) return 2;
    return 0;
}

double reorientation_time(const std::vector<double>& tau, const std::vector<double>& c1, std::string& status) {
    double integral = 0, tp = 0, cp = 1;
    status = tau.empty() ? "insufficient" : "lower_bound";
    for (std::size_t i = 0; i < tau.size(); ++i) {
        const double t = tau[i], v = c1[i];
        if (v <= 0) {  // first zero: linear interpolation between the bracketing lags
            const double t0 = tp + (t - tp) * cp / (cp - v);
            integral += 0.5 * cp * (t0 - tp);
            status = "ok";
            return integral;
        }
        integral += 0.5 * (cp + v) * (t - tp);
        tp = t;
        cp = v;
    }
    return integral;
}

AnalysisResults compute_results(const AnalysisSet& set) {
    const AnalysisSet::Impl& I = set.impl();
    AnalysisResults R;
    R.samples = I.n_samples;
    R.sample_dt_ps = I.sample_dt_ps();
    R.t_run_ps = I.t_run_ps();
    R.mean_volume_A3 = I.n_samples ? I.volume_sum_A3 / I.n_samples : 0;
    R.start_ps = I.cfg.start_ps;
    R.start_step = set.start_step();
    R.temperature_samples = I.temperature_count;
    R.mean_temperature_K = I.temperature_count ? I.temperature_sum_K / I.temperature_count : kNaN;
    R.provenance = I.info.provenance;
    for (std::size_t s = 0; s < I.species.size(); ++s) {
        int all = 0, mobile = 0;
        for (std::size_t i = 0; i < I.type.size(); ++i)
            if (I.type[i] == static_cast<int>(s)) {
                ++all;
                mobile += I.frozen[i] == 0;
            }
        R.atoms_per_species.emplace_back(I.species[s], all);
        R.mobile_atoms_per_species.emplace_back(I.species[s], mobile);
    }
    const int ns = static_cast<int>(I.species.size());
    const double dts = R.sample_dt_ps;

    if (I.cfg.enabled && I.cfg.msd) {
        const std::vector<LagSums> lags = I.msd.results();
        const std::vector<LagSums> clags = I.mscd.results();
        for (int s = 0; s < ns; ++s) {
            SpeciesMsd m;
            m.species = I.species[s];
            m.diffusing = I.diffusing[s] != 0;
            int total = 0;
            for (int t : I.type) total += (t == s);
            m.frozen = I.mobile_count[s] == 0 && total > 0;
            const int g = m.frozen ? ns + s : s;  // frozen species: their own (exactly zero) sums
            m.n_atoms = m.frozen ? total : I.mobile_count[s];
            m.curve.n_atoms = m.n_atoms;
            m.curve.t_run_ps = R.t_run_ps;
            if (m.n_atoms == 0) { R.msd.push_back(m); continue; }
            for (std::size_t l = 0; l < lags.size(); ++l) {
                const std::uint64_t cnt = lags[l].counts[g];
                if (!cnt) continue;
                const double* a = lags[l].sums.data() + g * kLagSlots;
                const double inv = 1.0 / static_cast<double>(cnt);
                const double mx = a[0] * inv, my = a[1] * inv, mz = a[2] * inv, tot = mx + my + mz;
                m.curve.tau_ps.push_back(lags[l].lag_samples * dts);
                m.curve.msd_xyz_A2[0].push_back(mx);
                m.curve.msd_xyz_A2[1].push_back(my);
                m.curve.msd_xyz_A2[2].push_back(mz);
                m.curve.tmsd_A2.push_back(tot);
                m.curve.var_sq_A4.push_back(std::max(0.0, a[3] * inv - tot * tot));
                m.curve.origins.push_back(static_cast<double>(cnt) / m.n_atoms);
                m.level.push_back(lags[l].level);
                // Collective MSD at the same lag (same engine geometry, one item per species).
                double mscd = kNaN, mvar = kNaN, morig = 0;
                for (const auto& cl : clags)
                    if (cl.lag_samples == lags[l].lag_samples && cl.counts[s]) {
                        const double* c = cl.sums.data() + s * kLagSlots;
                        const double ci = 1.0 / static_cast<double>(cl.counts[s]);
                        mscd = (c[0] + c[1] + c[2]) * ci;
                        mvar = std::max(0.0, c[3] * ci - mscd * mscd);
                        morig = static_cast<double>(cl.counts[s]);
                    }
                m.mscd_A2.push_back(mscd);
                m.mscd_var_A4.push_back(mvar);
                m.mscd_origins.push_back(morig);
            }
            R.msd.push_back(std::move(m));
        }
    }

    if (I.cfg.enabled && I.cfg.reorientation) {
        const std::vector<LagSums> lags = I.reor.results();  // one group per polyanion
        const int nk = static_cast<int>(I.groups.centre_species.size());
        const double tmax = std::min(0.5 * R.t_run_ps, I.cfg.rotation_tmax_ps);
        for (int k = 0; k < nk; ++k) {
            ReorientationCurve c;
            c.centre = I.groups.centre_species[k];
            for (int g = 0; g < I.groups.size(); ++g)
                if (I.groups.kind[g] == k) c.bonds += I.groups.offset[g + 1] - I.groups.offset[g];
            for (const auto& l : lags) {
                // The species curve: sums and pair counts of its polyanions, added in group order.
                double s1 = 0, s2 = 0;
                std::uint64_t n = 0;
                for (int g = 0; g < I.groups.size(); ++g)
                    if (I.groups.kind[g] == k) {
                        s1 += l.sums[static_cast<std::size_t>(g) * kLagSlots];
                        s2 += l.sums[static_cast<std::size_t>(g) * kLagSlots + 1];
                        n += l.counts[g];
                    }
                if (!n) continue;
                const double inv = 1.0 / static_cast<double>(n);
                c.tau_ps.push_back(l.lag_samples * dts);
                c.c1.push_back(s1 * inv);
                c.c2.push_back(s2 * inv);
                c.pairs.push_back(static_cast<double>(n));
                c.level.push_back(l.level);
                if (c.tau_ps.back() <= tmax) c.min_c1 = std::min(c.min_c1, c.c1.back());
            }
            c.rotating = c.min_c1 < 0.9;
            c.tau_rot_ps = reorientation_time(c.tau_ps, c.c1, c.tau_rot_status);
            R.reorientation.push_back(std::move(c));
        }
        R.polyanion_rotation = polyanion_rotation(lags, I.groups, dts, tmax, I.id);
    }

    const auto correlation_curves = [&](const LinearCorrelator& lc, const std::vector<std::string>& names) {
        std::vector<CorrelationCurve> out;
        for (int k = 0; k < lc.n_groups(); ++k) {
            CorrelationCurve c;
            c.name = names[k];
            c.c = lc.correlation(k);
            c.lag_ps.resize(c.c.size());
            for (std::size_t n = 0; n < c.c.size(); ++n) c.lag_ps[n] = n * dts;
            // Only lags with data; the spectrum uses the M lags 0 .. M-1 below the window's zero at M.
            int valid = 0;
            while (valid < static_cast<int>(c.c.size()) && !std::isnan(c.c[valid])) ++valid;
            c.c.resize(valid);
            c.lag_ps.resize(valid);
            c.items = 0;
            if (valid >= 2 && c.c[0] > 0) {
                std::vector<double> head(c.c.begin(), c.c.begin() + (valid == lc.n_lags() ? valid - 1 : valid));
                c.spectrum = normalised_spectrum(head, dts);
            }
            out.push_back(std::move(c));
        }
        return out;
    };
    if (I.cfg.enabled && I.cfg.vacf) {
        R.vacf = correlation_curves(I.vacf, I.cfg.vacf_elements);
        std::vector<int> items(I.vacf_species.size(), 0);
        for (int a : I.vacf_atoms)
            for (std::size_t k = 0; k < I.vacf_species.size(); ++k)
                if (I.type[a] == I.vacf_species[k]) ++items[k];
        for (std::size_t k = 0; k < R.vacf.size(); ++k) R.vacf[k].items = items[k];
    }
    if (I.cfg.enabled && I.cfg.angular_vacf) {
        R.angular_vacf = correlation_curves(I.wacf, I.groups.centre_species);
        for (std::size_t k = 0; k < R.angular_vacf.size(); ++k)
            for (int g = 0; g < I.groups.size(); ++g) R.angular_vacf[k].items += (I.groups.kind[g] == static_cast<int>(k));
    }
    for (const auto& v : R.vacf)
        for (const auto& w : R.angular_vacf)
            R.spectral_overlap.push_back(SpectralOverlapRecord{v.name, w.name, spectral_overlap(v.spectrum, w.spectrum, 8.0)});
    if (I.cfg.enabled && I.cfg.orientation_density) {
        const int nt = I.cfg.rho_bins_theta, np = I.cfg.rho_bins_phi;
        const double pi = 3.14159265358979323846;
        const double dcos = 2.0 / nt, dphi = 2.0 * pi / np;
        for (std::size_t k = 0; k < I.rho_total.size(); ++k) {
            OrientationDensity o;
            o.centre = I.groups.centre_species[k];
            o.n_cos = nt;
            o.n_phi = np;
            o.vectors = I.rho_total[k];
            o.rho_per_sr.assign(static_cast<std::size_t>(nt) * np, 0.0);
            if (o.vectors)
                for (std::size_t b = 0; b < o.rho_per_sr.size(); ++b)
                    o.rho_per_sr[b] = I.rho_counts[k * nt * np + b] / (static_cast<double>(o.vectors) * dcos * dphi);
            R.orientation.push_back(std::move(o));
        }
    }

    if (I.cfg.enabled && I.cfg.hops) {
        R.hops_enabled = true;
        // Time over which h was evaluated: the run minus t_a (and the averaging window) at the ends.
        const double t_eval = std::max(0.0, R.t_run_ps - I.cfg.hop_ta_ps - I.cfg.hop_tau_v_ps);
        for (const auto& e : I.cfg.hop_elements) {
            HopSummary h;
            h.species = e;
            for (int a : I.hop_atoms) h.atoms += I.species[I.type[a]] == e;
            R.hop_summary.push_back(h);
        }
        for (const HopEvent& ev : I.hops.events()) {
            const int atom = I.hop_atoms[ev.item];
            HopRecord rec;
            rec.species = I.species[I.type[atom]];
            rec.atom_id = I.id[atom];
            rec.t_start_ps = ev.t_start_ps;
            rec.t_mid_ps = ev.t_mid_ps;
            rec.t_end_ps = ev.t_end_ps;
            rec.vector = ev.vector;
            R.hops.push_back(rec);
            for (auto& h : R.hop_summary)
                if (h.species == rec.species) ++h.events;
        }
        for (auto& h : R.hop_summary)
            h.rate_per_atom_per_ps = (h.atoms > 0 && t_eval > 0) ? h.events / (h.atoms * t_eval) : kNaN;
    }

    if (I.cfg.enabled && I.cfg.cna) {
        R.cna_enabled = true;
        for (std::size_t k = 0; k < I.cna_r_shell_kind.size(); ++k)
            R.cna_r_shell_A.emplace_back(I.groups.centre_species[k], I.cna_r_shell_kind[k]);
        R.cna_spans = I.cna.spans_seen();
        R.cna_longest_span_ps = I.cna.longest_span_ps();
        R.cna_tau_min_ps = I.cfg.cna_tau_min_ps;
        for (const CnaEvent& e : I.cna.events()) {
            CnaRecord c;
            c.ion_species = I.species[I.type[e.ion]];
            c.ion_id = I.id[e.ion];
            c.centre_id = I.id[e.centre];
            c.ligand_id = I.id[e.ligand];
            c.t_start_ps = e.t_start_ps;
            c.t_end_ps = e.t_end_ps;
            c.dtheta_cna_rad = e.dtheta_cna;
            c.dtheta_ca_rad = e.dtheta_ca;
            R.cna_events.push_back(c);
        }
        const PearsonResult p = I.cna.correlation();
        R.cna_n = p.n;
        R.cna_r = p.r;
        R.cna_ci_lo = p.ci_lo;
        R.cna_ci_hi = p.ci_hi;
        if (p.n < 3) {
            char b[300];
            std::snprintf(b, sizeof b,
                          "%ld event(s) (need 3): %ld (ion, centre) span(s) inside the shell, the longest %.3g ps, "
                          "tau_min = %.3g ps",
                          p.n, R.cna_spans, R.cna_longest_span_ps, I.cfg.cna_tau_min_ps);
            R.cna_reason = R.cna_spans == 0 ? "no ion came within r_shell of a centre" : b;
        }
    }

    if (I.cfg.enabled && I.cfg.hop_rotation) hop_rotation_results(I, R.hop_rotation);

    // Diffusion of the mobile-ion species: D*, uncertainties, sigma, Haven ratio, Green-Kubo D.
    for (const SpeciesMsd& m : R.msd) {
        if (!m.diffusing) continue;
        DiffusionSummary d;
        d.species = m.species;
        if (m.n_atoms == 0) {
            d.tracer.status = "empty";
            d.tracer.reason = "no atoms of this species";
            d.tracer.D_cm2_s = kNaN;
        } else if (m.frozen) {
            d.tracer.status = "frozen";
            d.tracer.reason = "every atom of the species is frozen: MSD == 0, D = 0";
            d.tracer.D_cm2_s = 0;
        } else {
            const FitWindow w = choose_fit_window(m.curve, I.cfg.fit_min_tmsd_A2, I.cfg.fit_min_time_ps);
            if (w.status == "ok") {
                d.tracer = fit_diffusion(m.curve, w.first, w.last, I.cfg.site_distance_A);
            } else {
                d.tracer = fit_diffusion(m.curve, -1, -1, I.cfg.site_distance_A);  // all NaN
                d.tracer.status = w.status;
                d.tracer.reason = w.reason;
                d.tracer.needed_t_run_ps = w.needed_t_run_ps;
                d.tracer.observed_slope_A2_ps = w.observed_slope_A2_ps;
                d.tracer.fit_tau_min_ps = d.tracer.fit_tau_max_ps = kNaN;
            }
            d.D_sigma_cm2_s = d.D_sigma_lo_cm2_s = d.D_sigma_hi_cm2_s = d.D_sigma_err_cm2_s = kNaN;
            d.D_sigma_gls_cm2_s = d.D_sigma_gls_lo_cm2_s = d.D_sigma_gls_hi_cm2_s = kNaN;
            d.haven_ratio = d.haven_ratio_err = d.haven_ratio_lo = d.haven_ratio_hi = kNaN;
            d.haven_status = "insufficient";
            if (d.tracer.status == "ok") {
                // For comparison: the full-run kinisi-model fit of the collective MSD over the tracer window
                // (lags with >= 10 origins; one item). Its interval under-covers, so it is not the one used.
                std::vector<double> x, y, s2;
                for (int i = w.first; i <= w.last; ++i)
                    if (m.mscd_origins[i] >= 10 && !std::isnan(m.mscd_A2[i])) {
                        x.push_back(m.curve.tau_ps[i]);
                        y.push_back(m.mscd_A2[i]);
                        s2.push_back(m.mscd_var_A4[i]);
                    }
                const MsdSlopePosterior p = msd_slope_posterior(x, y, s2, 1.0, R.t_run_ps);
                const double f = 1e-4 / (6.0 * m.n_atoms);
                if (p.ok) {
                    d.D_sigma_gls_cm2_s = p.median * f;
                    d.D_sigma_gls_lo_cm2_s = p.lo * f;
                    d.D_sigma_gls_hi_cm2_s = p.hi * f;
                }
                // The estimate used: blocks of the coarse collective series (haven_blocks.hpp).
                const int s = I.species_index(m.species);
                std::vector<Vec3> X(static_cast<std::size_t>(I.mscd_series.points()));
                for (long q = 0; q < I.mscd_series.points(); ++q) X[q] = I.mscd_series.at(q, s);
                d.sigma_blocks = block_collective_diffusion(X, I.mscd_series.stride() * I.sample_dt_ps(), m.n_atoms,
                                                            d.tracer.fit_tau_min_ps, d.tracer.fit_tau_max_ps,
                                                            I.cfg.haven_blocks);
                const BlockDsigma& b = d.sigma_blocks;
                if (b.ok) {
                    d.D_sigma_cm2_s = b.mean * 1e-4;
                    d.D_sigma_lo_cm2_s = b.lo * 1e-4;
                    d.D_sigma_hi_cm2_s = b.hi * 1e-4;
                    d.D_sigma_err_cm2_s = b.se * 1e-4;
                    if (d.D_sigma_cm2_s > 0) {
                        // H_R = D* / D_sigma; the interval: D* over the ends of D_sigma's interval (D_sigma's
                        // error dominates by ~sqrt(N)); the error by first-order propagation of both, treated
                        // as independent (conservative: they are positively correlated).
                        d.haven_ratio = d.tracer.D_cm2_s / d.D_sigma_cm2_s;
                        const double r1 = d.tracer.sigma_D_cm2_s / d.tracer.D_cm2_s;
                        const double r2 = d.D_sigma_err_cm2_s / d.D_sigma_cm2_s;
                        d.haven_ratio_err = d.haven_ratio * std::sqrt(r1 * r1 + r2 * r2);
                        d.haven_ratio_lo = d.tracer.D_cm2_s / d.D_sigma_hi_cm2_s;
                        d.haven_ratio_hi = d.D_sigma_lo_cm2_s > 0 ? d.tracer.D_cm2_s / d.D_sigma_lo_cm2_s : INFINITY;
                        d.haven_status = "ok";
                    } else {
                        d.haven_status = "nonpositive_collective_slope";
                    }
                } else {
                    d.haven_status = "insufficient: " + b.reason;
                }
            }
        }
        if (m.frozen || m.n_atoms == 0) {
            d.D_sigma_cm2_s = d.D_sigma_lo_cm2_s = d.D_sigma_hi_cm2_s = d.D_sigma_err_cm2_s = kNaN;
            d.D_sigma_gls_cm2_s = d.D_sigma_gls_lo_cm2_s = d.D_sigma_gls_hi_cm2_s = kNaN;
            d.haven_ratio = d.haven_ratio_err = d.haven_ratio_lo = d.haven_ratio_hi = kNaN;
            d.haven_status = d.tracer.status;
        }
        const auto it = I.cfg.oxidation_states.find(m.species);
        d.z = it != I.cfg.oxidation_states.end() ? it->second : default_oxidation_state(m.species);
        if (d.z == 0) {
            d.sigma_status = "no_oxidation_state";
            d.sigma_mS_cm = d.sigma_lo_mS_cm = d.sigma_hi_mS_cm = d.sigma_err_mS_cm = kNaN;
        } else if (d.tracer.status == "ok" || d.tracer.status == "frozen") {
            d.sigma_status = d.tracer.status;
            const double T = I.info.temperature_K, V = R.mean_volume_A3;
            d.sigma_mS_cm = nernst_einstein_mS_cm(m.n_atoms, d.z, d.tracer.D_cm2_s, V, T);
            d.sigma_lo_mS_cm = nernst_einstein_mS_cm(m.n_atoms, d.z, d.tracer.D_lo_cm2_s, V, T);
            d.sigma_hi_mS_cm = nernst_einstein_mS_cm(m.n_atoms, d.z, d.tracer.D_hi_cm2_s, V, T);
            d.sigma_err_mS_cm = nernst_einstein_mS_cm(m.n_atoms, d.z, d.tracer.sigma_D_cm2_s, V, T);
            if (d.haven_status == "ok") {
                d.sigma_haven_mS_cm = d.sigma_mS_cm / d.haven_ratio;  // = NE with D_sigma
                d.sigma_haven_lo_mS_cm = nernst_einstein_mS_cm(m.n_atoms, d.z, d.D_sigma_lo_cm2_s, V, T);
                d.sigma_haven_hi_mS_cm = nernst_einstein_mS_cm(m.n_atoms, d.z, d.D_sigma_hi_cm2_s, V, T);
            }
        } else {
            d.sigma_status = d.tracer.status;
            d.sigma_mS_cm = d.sigma_lo_mS_cm = d.sigma_hi_mS_cm = d.sigma_err_mS_cm = kNaN;
        }
        d.D_green_kubo_cm2_s = kNaN;
        d.green_kubo.reason = "the species is not in vacf.elements";
        for (const auto& v : R.vacf)
            if (v.name == m.species) {
                d.green_kubo = green_kubo(v.c, dts, v.items, R.t_run_ps);
                d.D_green_kubo_cm2_s = d.green_kubo.D_cm2_s;
            }
        R.diffusion.push_back(std::move(d));
    }
    R.classification = classify_run(R, I.cfg, I.max_framework_disp_A);
    return R;
}

}  // namespace mdrun
