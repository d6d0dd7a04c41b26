// Strict parsing of the [analysis] table (config.md; keys documented in README.md, "Streaming analysis").
#include <cmath>

#include "analysis/analysis_set.hpp"
#include "engine/core/error.hpp"
#include "engine/core/toml_util.hpp"

namespace mdrun {

namespace {
const toml::value& sub(const toml::value& t, const std::string& key, const std::string& file) {
    const toml::value& v = toml::find(t, key);
    if (!v.is_table()) throw Error(file + ": [analysis]." + key + " must be a table, e.g. " + key + " = { ... }");
    return v;
}
double positive(double v, const std::string& key, const std::string& file) {
    if (!(v > 0) || !std::isfinite(v)) throw Error(file + ": " + key + " must be > 0, got " + std::to_string(v));
    return v;
}
}  // namespace

AnalysisConfig parse_analysis_config(const toml::value& t, const std::string& file) {
    AnalysisConfig c;
    c.enabled = true;
    const std::string W = "[analysis]";
    check_known_keys(t,
                     {"sample_every", "start_ps", "drift", "msd", "reorientation", "vacf", "angular_vacf", "orientation_density", "hops", "cna_correlation",
                      "fit_min_tmsd_A2", "fit_min_time_ps", "site_distance_A", "tau_cls_ps", "rotation_tmax_ps",
                      "oxidation_states", "stop_on_melting"},
                     W, file);
    if (has_key(t, "sample_every")) {
        c.sample_every = get_integer(t, "sample_every", W, file);
        if (c.sample_every < 1)
            throw Error(file + ": [analysis].sample_every must be >= 1, got " + std::to_string(c.sample_every));
    }
    if (has_key(t, "start_ps")) {
        c.start_ps = get_double(t, "start_ps", W, file);
        if (!(c.start_ps >= 0) || !std::isfinite(c.start_ps))
            throw Error(file + ": [analysis].start_ps must be >= 0 (ps of equilibration to discard), got " +
                        std::to_string(c.start_ps));
    }
    if (has_key(t, "drift")) {
        c.drift = get_string(t, "drift", W, file);
        if (c.drift != "framework" && c.drift != "none")
            throw Error(file + ": [analysis].drift must be \"framework\" or \"none\", got \"" + c.drift + "\"");
    }
    if (has_key(t, "msd")) {
        const auto& m = sub(t, "msd", file);
        const std::string w = W + ".msd";
        check_known_keys(m, {"elements", "block", "ratio"}, w, file);
        c.msd = true;
        if (has_key(m, "elements")) c.msd_elements = get_string_list(m, "elements", w, file);
        if (has_key(m, "block")) c.msd_block = static_cast<int>(get_integer(m, "block", w, file));
        if (has_key(m, "ratio")) c.msd_ratio = static_cast<int>(get_integer(m, "ratio", w, file));
        if (c.msd_block < 2 || c.msd_block > 4096)
            throw Error(file + ": " + w + ".block must be in [2, 4096], got " + std::to_string(c.msd_block));
        if (c.msd_ratio < 2 || c.msd_ratio > c.msd_block)
            throw Error(file + ": " + w + ".ratio must be in [2, block], got " + std::to_string(c.msd_ratio));
    }
    if (has_key(t, "reorientation")) {
        const auto& m = sub(t, "reorientation", file);
        const std::string w = W + ".reorientation";
        check_known_keys(m, {"centers", "ligands", "bond_cutoff_A"}, w, file);
        c.reorientation = true;
        if (has_key(m, "centers")) c.centers = get_string_list(m, "centers", w, file);
        if (has_key(m, "ligands")) c.ligands = get_string_list(m, "ligands", w, file);
        if (has_key(m, "bond_cutoff_A"))
            c.bond_cutoff_A = positive(get_double(m, "bond_cutoff_A", w, file), w + ".bond_cutoff_A", file);
        if (c.centers.empty()) throw Error(file + ": " + w + ".centers must list at least one centre species");
    }
    if (has_key(t, "vacf")) {
        const auto& m = sub(t, "vacf", file);
        const std::string w = W + ".vacf";
        check_known_keys(m, {"elements", "max_lag_fs"}, w, file);
        c.vacf = true;
        if (has_key(m, "elements")) c.vacf_elements = get_string_list(m, "elements", w, file);
        if (has_key(m, "max_lag_fs"))
            c.vacf_max_lag_fs = positive(get_double(m, "max_lag_fs", w, file), w + ".max_lag_fs", file);
    }
    const auto merge_centres = [&](const std::vector<std::string>& cs, const std::string& w) {
        if (c.centers.empty()) { c.centers = cs; return; }
        if (!cs.empty() && cs != c.centers)
            throw Error(file + ": " + w + ".centers must equal reorientation.centers (the groups are shared)");
    };
    if (has_key(t, "angular_vacf")) {
        const auto& m = sub(t, "angular_vacf", file);
        const std::string w = W + ".angular_vacf";
        check_known_keys(m, {"centers", "max_lag_fs"}, w, file);
        c.angular_vacf = true;
        if (has_key(m, "centers")) merge_centres(get_string_list(m, "centers", w, file), w);
        if (has_key(m, "max_lag_fs"))
            c.angular_vacf_max_lag_fs = positive(get_double(m, "max_lag_fs", w, file), w + ".max_lag_fs", file);
    }
    if (has_key(t, "orientation_density")) {
        const auto& m = sub(t, "orientation_density", file);
        const std::string w = W + ".orientation_density";
        check_known_keys(m, {"centers", "bins"}, w, file);
        c.orientation_density = true;
        if (has_key(m, "centers")) merge_centres(get_string_list(m, "centers", w, file), w);
        if (has_key(m, "bins")) {
            const toml::value& b = toml::find(m, "bins");
            if (!b.is_array() || b.as_array().size() != 2 || !b.as_array()[0].is_integer() ||
                !b.as_array()[1].is_integer())
                throw Error(file + ": " + w + ".bins must be two integers [n_cos_theta, n_phi], e.g. [90, 180]");
            c.rho_bins_theta = static_cast<int>(b.as_array()[0].as_integer());
            c.rho_bins_phi = static_cast<int>(b.as_array()[1].as_integer());
            if (c.rho_bins_theta < 1 || c.rho_bins_phi < 1 || c.rho_bins_theta > 10000 || c.rho_bins_phi > 10000)
                throw Error(file + ": " + w + ".bins must be in [1, 10000]");
        }
    }
    if (has_key(t, "hops")) {
        const auto& m = sub(t, "hops", file);
        const std::string w = W + ".hops";
        check_known_keys(m, {"elements", "a_A", "window_ps", "ta_ps", "tau_v_ps"}, w, file);
        c.hops = true;
        if (has_key(m, "elements")) c.hop_elements = get_string_list(m, "elements", w, file);
        if (has_key(m, "a_A")) c.hop_a_A = positive(get_double(m, "a_A", w, file), w + ".a_A", file);
        if (has_key(m, "window_ps")) c.hop_window_ps = positive(get_double(m, "window_ps", w, file), w + ".window_ps", file);
        if (has_key(m, "ta_ps")) c.hop_ta_ps = positive(get_double(m, "ta_ps", w, file), w + ".ta_ps", file);
        if (has_key(m, "tau_v_ps")) {
            c.hop_tau_v_ps = get_double(m, "tau_v_ps", w, file);
            if (!(c.hop_tau_v_ps >= 0)) throw Error(file + ": " + w + ".tau_v_ps must be >= 0");
        }
        if (!(c.hop_ta_ps > c.hop_window_ps))
            throw Error(file + ": " + w + ".ta_ps must be larger than window_ps");
    }
    if (has_key(t, "cna_correlation")) {
        const auto& m = sub(t, "cna_correlation", file);
        const std::string w = W + ".cna_correlation";
        check_known_keys(m, {"elements", "centers", "r_shell_A", "tau_min_ps"}, w, file);
        c.cna = true;
        if (has_key(m, "elements")) c.cna_elements = get_string_list(m, "elements", w, file);
        if (has_key(m, "centers")) merge_centres(get_string_list(m, "centers", w, file), w);
        if (has_key(m, "r_shell_A")) {
            const toml::value& v = toml::find(m, "r_shell_A");
            if (v.is_table()) {
                for (const auto& kv : v.as_table())
                    c.cna_r_shell_by_centre[kv.first] =
                        positive(get_double(v, kv.first, w + ".r_shell_A", file), w + ".r_shell_A." + kv.first, file);
            } else {
                c.cna_r_shell_A = positive(get_double(m, "r_shell_A", w, file), w + ".r_shell_A", file);
            }
        }
        if (has_key(m, "tau_min_ps")) {
            c.cna_tau_min_ps = get_double(m, "tau_min_ps", w, file);
            if (!(c.cna_tau_min_ps >= 0)) throw Error(file + ": " + w + ".tau_min_ps must be >= 0");
        }
    }
    if ((c.angular_vacf || c.orientation_density || c.cna) && c.centers.empty())
        throw Error(file + ": [analysis] angular_vacf / orientation_density / cna_correlation need centers = [...]");
    if (has_key(t, "fit_min_tmsd_A2"))
        c.fit_min_tmsd_A2 = positive(get_double(t, "fit_min_tmsd_A2", W, file), W + ".fit_min_tmsd_A2", file);
    if (has_key(t, "fit_min_time_ps")) {
        c.fit_min_time_ps = get_double(t, "fit_min_time_ps", W, file);
        if (!(c.fit_min_time_ps >= 0)) throw Error(file + ": [analysis].fit_min_time_ps must be >= 0");
    }
    if (has_key(t, "site_distance_A"))
        c.site_distance_A = positive(get_double(t, "site_distance_A", W, file), W + ".site_distance_A", file);
    if (has_key(t, "tau_cls_ps")) c.tau_cls_ps = positive(get_double(t, "tau_cls_ps", W, file), W + ".tau_cls_ps", file);
    if (has_key(t, "rotation_tmax_ps"))
        c.rotation_tmax_ps = positive(get_double(t, "rotation_tmax_ps", W, file), W + ".rotation_tmax_ps", file);
    if (has_key(t, "stop_on_melting")) c.stop_on_melting = get_bool(t, "stop_on_melting", W, file);
    if (has_key(t, "oxidation_states")) {
        const toml::value& o = toml::find(t, "oxidation_states");
        if (!o.is_table())
            throw Error(file + ": [analysis].oxidation_states must be a table, e.g. { Na = 1, Mg = 2 }");
        for (const auto& kv : o.as_table()) c.oxidation_states[kv.first] = get_double(o, kv.first, W + ".oxidation_states", file);
    }
    return c;
}

}  // namespace mdrun
