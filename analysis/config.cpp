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
double positive(double v, const std::string& key, const std::string& file, double hi = 1.0e9,
                const std::string& unit = "") {
    if (!(v > 0) || !std::isfinite(v) || v > hi) throw Error(range_message(file, key, 0.0, hi, true, unit, v));
    return v;
}
// Lengths in Å that describe a local environment (bond, shell, hop distance): 20 Å is beyond any of them.
constexpr double kMaxLocalA = 20.0;
constexpr double kMaxTimePs = 1.0e9;
}  // namespace

AnalysisConfig parse_analysis_config(const toml::value& t, const std::string& file) {
    AnalysisConfig c;
    c.enabled = true;
    const std::string W = "[analysis]";
    check_known_keys(t,
                     {"sample_every", "start_ps", "drift", "msd", "reorientation", "vacf", "angular_vacf", "orientation_density", "hops", "cna_correlation", "hop_rotation",
                      "fit_min_tmsd_A2", "fit_min_time_ps", "site_distance_A", "tau_cls_ps", "rotation_tmax_ps",
                      "oxidation_states", "stop_on_melting"},
                     W, file);
    if (has_key(t, "sample_every")) {
        c.sample_every = get_integer_in(t, "sample_every", W, file, 1, 1000000000000L, "steps");
    }
    if (has_key(t, "start_ps")) {
        c.start_ps = get_double_in(t, "start_ps", W, file, 0.0, kMaxTimePs, false, "ps of equilibration to discard");
    }
    if (has_key(t, "drift")) {
        c.drift = get_string(t, "drift", W, file);
        if (c.drift != "framework" && c.drift != "none")
            throw Error(file + ": [analysis].drift must be \"framework\" or \"none\", got \"" + c.drift + "\"");
    }
    if (has_key(t, "msd")) {
        const auto& m = sub(t, "msd", file);
        const std::string w = W + ".msd";
        check_known_keys(m, {"elements", "block", "ratio", "haven_blocks"}, w, file);
        c.msd = true;
        if (has_key(m, "elements")) c.msd_elements = get_string_list(m, "elements", w, file);
        // Range-checked as the 64-bit value before narrowing (block = 2^32 + 16 must not become 16).
        const long block = has_key(m, "block") ? get_integer(m, "block", w, file) : c.msd_block;
        const long ratio = has_key(m, "ratio") ? get_integer(m, "ratio", w, file) : c.msd_ratio;
        if (block < 2 || block > 4096)
            throw Error(file + ": " + w + ".block must be in [2, 4096], got " + std::to_string(block));
        if (ratio < 2 || ratio > block)
            throw Error(file + ": " + w + ".ratio must be in [2, block], got " + std::to_string(ratio));
        c.msd_block = static_cast<int>(block);
        c.msd_ratio = static_cast<int>(ratio);
        if (has_key(m, "haven_blocks")) {
            const long hb = get_integer(m, "haven_blocks", w, file);
            if (hb != 0 && (hb < 3 || hb > 1000))
                throw Error(file + ": " + w + ".haven_blocks must be 0 (automatic) or in [3, 1000], got " +
                            std::to_string(hb));
            c.haven_blocks = static_cast<int>(hb);
        }
    }
    if (has_key(t, "reorientation")) {
        const auto& m = sub(t, "reorientation", file);
        const std::string w = W + ".reorientation";
        check_known_keys(m, {"centers", "ligands", "bond_cutoff_A"}, w, file);
        c.reorientation = true;
        if (has_key(m, "centers")) c.centers = get_string_list(m, "centers", w, file);
        if (has_key(m, "ligands")) c.ligands = get_string_list(m, "ligands", w, file);
        if (has_key(m, "bond_cutoff_A"))
            c.bond_cutoff_A = positive(get_double(m, "bond_cutoff_A", w, file), w + ".bond_cutoff_A", file, kMaxLocalA, "Å");
        if (c.centers.empty()) throw Error(file + ": " + w + ".centers must list at least one centre species");
    }
    if (has_key(t, "vacf")) {
        const auto& m = sub(t, "vacf", file);
        const std::string w = W + ".vacf";
        check_known_keys(m, {"elements", "max_lag_fs"}, w, file);
        c.vacf = true;
        if (has_key(m, "elements")) c.vacf_elements = get_string_list(m, "elements", w, file);
        if (has_key(m, "max_lag_fs"))
            c.vacf_max_lag_fs = positive(get_double(m, "max_lag_fs", w, file), w + ".max_lag_fs", file, 1.0e7, "fs");
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
            c.angular_vacf_max_lag_fs = positive(get_double(m, "max_lag_fs", w, file), w + ".max_lag_fs", file, 1.0e7, "fs");
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
            // Checked as 64-bit values before narrowing; the histogram (and its dataset in analysis.h5) holds
            // n_cos_theta x n_phi doubles, so the product is bounded too (2e6 bins = 16 MB; the default is 90 x 180).
            const long bt = b.as_array()[0].as_integer(), bp = b.as_array()[1].as_integer();
            if (bt < 1 || bp < 1 || bt > 3600 || bp > 3600 || bt * bp > 2000000)
                throw Error(file + ": " + w + ".bins must be two integers in [1, 3600] with n_cos_theta x n_phi <= 2000000, got [" +
                            std::to_string(bt) + ", " + std::to_string(bp) + "]");
            c.rho_bins_theta = static_cast<int>(bt);
            c.rho_bins_phi = static_cast<int>(bp);
        }
    }
    if (has_key(t, "hops")) {
        const auto& m = sub(t, "hops", file);
        const std::string w = W + ".hops";
        check_known_keys(m, {"elements", "a_A", "window_ps", "ta_ps", "tau_v_ps"}, w, file);
        c.hops = true;
        if (has_key(m, "elements")) c.hop_elements = get_string_list(m, "elements", w, file);
        if (has_key(m, "a_A")) c.hop_a_A = positive(get_double(m, "a_A", w, file), w + ".a_A", file, kMaxLocalA, "Å");
        if (has_key(m, "window_ps")) c.hop_window_ps = positive(get_double(m, "window_ps", w, file), w + ".window_ps", file, 1.0e6, "ps");
        if (has_key(m, "ta_ps")) c.hop_ta_ps = positive(get_double(m, "ta_ps", w, file), w + ".ta_ps", file, 1.0e6, "ps");
        if (has_key(m, "tau_v_ps")) {
            c.hop_tau_v_ps = get_double_in(m, "tau_v_ps", w, file, 0.0, 1.0e6, false, "ps");
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
                        positive(get_double(v, kv.first, w + ".r_shell_A", file), w + ".r_shell_A." + kv.first, file, kMaxLocalA, "Å");
            } else {
                c.cna_r_shell_A = positive(get_double(m, "r_shell_A", w, file), w + ".r_shell_A", file, kMaxLocalA, "Å");
            }
        }
        if (has_key(m, "tau_min_ps")) {
            c.cna_tau_min_ps = get_double_in(m, "tau_min_ps", w, file, 0.0, 1.0e6, false, "ps");
        }
    }
    if (has_key(t, "hop_rotation")) {
        const auto& m = sub(t, "hop_rotation", file);
        const std::string w = W + ".hop_rotation";
        check_known_keys(m, {"centers", "half_window_ps", "r_shell_A", "baseline_per_hop", "seed", "max_hop_duration_ps"},
                         w, file);
        c.hop_rotation = true;
        if (!c.hops) throw Error(file + ": " + w + " needs [analysis].hops (its hop events), e.g. hops = { elements = [\"Na\"] }");
        if (has_key(m, "centers")) merge_centres(get_string_list(m, "centers", w, file), w);
        if (has_key(m, "half_window_ps"))
            c.hoprot_half_window_ps = positive(get_double(m, "half_window_ps", w, file), w + ".half_window_ps", file, 1.0e3, "ps");
        if (has_key(m, "r_shell_A")) {
            const toml::value& v = toml::find(m, "r_shell_A");
            if (v.is_table()) {
                for (const auto& kv : v.as_table())
                    c.hoprot_r_shell_by_centre[kv.first] =
                        positive(get_double(v, kv.first, w + ".r_shell_A", file), w + ".r_shell_A." + kv.first, file, kMaxLocalA, "Å");
            } else {
                c.hoprot_r_shell_A = positive(get_double(m, "r_shell_A", w, file), w + ".r_shell_A", file, kMaxLocalA, "Å");
            }
        }
        if (has_key(m, "baseline_per_hop"))
            c.hoprot_baseline_per_hop = static_cast<int>(get_integer_in(m, "baseline_per_hop", w, file, 1, 1000, "window centres per hop"));
        if (has_key(m, "seed")) c.hoprot_seed = get_integer_in(m, "seed", w, file, 0, 9223372036854775807L, "");
        if (has_key(m, "max_hop_duration_ps"))
            c.hoprot_max_hop_ps = get_double_in(m, "max_hop_duration_ps", w, file, 0.0, 1.0e3, false, "ps");
    }
    if ((c.angular_vacf || c.orientation_density || c.cna || c.hop_rotation) && c.centers.empty())
        throw Error(file + ": [analysis] angular_vacf / orientation_density / cna_correlation / hop_rotation need centers = [...]");
    if (has_key(t, "fit_min_tmsd_A2"))
        c.fit_min_tmsd_A2 = positive(get_double(t, "fit_min_tmsd_A2", W, file), W + ".fit_min_tmsd_A2", file, 1.0e8, "Å²");
    if (has_key(t, "fit_min_time_ps")) {
        c.fit_min_time_ps = get_double_in(t, "fit_min_time_ps", W, file, 0.0, kMaxTimePs, false, "ps");
    }
    if (has_key(t, "site_distance_A"))
        c.site_distance_A = positive(get_double(t, "site_distance_A", W, file), W + ".site_distance_A", file, kMaxLocalA, "Å");
    if (has_key(t, "tau_cls_ps")) c.tau_cls_ps = positive(get_double(t, "tau_cls_ps", W, file), W + ".tau_cls_ps", file, kMaxTimePs, "ps");
    if (has_key(t, "rotation_tmax_ps"))
        c.rotation_tmax_ps = positive(get_double(t, "rotation_tmax_ps", W, file), W + ".rotation_tmax_ps", file, kMaxTimePs, "ps");
    if (has_key(t, "stop_on_melting")) c.stop_on_melting = get_bool(t, "stop_on_melting", W, file);
    if (has_key(t, "oxidation_states")) {
        const toml::value& o = toml::find(t, "oxidation_states");
        if (!o.is_table())
            throw Error(file + ": [analysis].oxidation_states must be a table, e.g. { Na = 1, Mg = 2 }");
        for (const auto& kv : o.as_table())
            c.oxidation_states[kv.first] = get_double_in(o, kv.first, W + ".oxidation_states", file, -10.0, 10.0, false, "e");
    }
    return c;
}

}  // namespace mdrun
