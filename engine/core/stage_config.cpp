// [[stage]] tables of a staged protocol (docs/npt.md): e.g. NPT for 20 ps, then NVT for 200 ps at the mean
// cell of the last 10 ps. Each stage names its length and any [md] keys it changes; the rest of [md] (and of
// each [[replica]]) carries over. The run's total length is the sum of the stages.
#include <cmath>
#include <set>

#include "engine/core/config.hpp"
#include "engine/core/error.hpp"
#include "engine/core/toml_util.hpp"

namespace mdrun {

const std::vector<std::string>& stage_md_keys() {
    // Not here: timestep_fs (one time axis for the whole run), velocities/seed (only at the start), freeze and
    // min_distance (properties of the structure).
    static const std::vector<std::string> k = {"ensemble",     "temperature_K", "tdamp_fs",  "chain",
                                               "tloop",        "neighbor_skin", "stop_on_close_pairs",
                                               "max_displacement", "pressure_bar", "pdamp_fs", "barostat",
                                               "couple",       "pchain",        "ploop",     "mtk"};
    return k;
}

int stage_at(const RunConfig& cfg, long step) {
    for (std::size_t k = 0; k < cfg.stages.size(); ++k)
        if (step < cfg.stages[k].end_step) return static_cast<int>(k);
    return cfg.stages.empty() ? 0 : static_cast<int>(cfg.stages.size()) - 1;
}

void parse_stages(const toml::value& root, const std::string& file, RunConfig& cfg) {
    const toml::value& arr = toml::find(root, "stage");
    if (!arr.is_array() || arr.as_array().empty())
        throw Error(file + ": stage must be written as one or more [[stage]] tables");
    std::vector<std::string> known = stage_md_keys();
    for (const char* k : {"name", "steps", "cell", "cell_mean_ps", "analysis"}) known.push_back(k);
    std::set<std::string> names;
    long total = 0;
    const auto& a = arr.as_array();
    for (std::size_t i = 0; i < a.size(); ++i) {
        const std::string w = "[[stage]] #" + std::to_string(i + 1);
        if (!a[i].is_table()) throw Error(file + ": " + w + " must be a table");
        check_known_keys(a[i], known, w, file);
        StageConfig st;
        st.name = has_key(a[i], "name") ? get_string(a[i], "name", w, file) : "stage" + std::to_string(i + 1);
        if (!names.insert(st.name).second) throw Error(file + ": " + w + ".name '" + st.name + "' is used by two stages");
        if (!has_key(a[i], "steps")) throw Error(file + ": missing key " + w + ".steps (length of the stage in steps)");
        st.steps = get_integer_in(a[i], "steps", w, file, 1, 1000000000000L, "steps");
        if (st.steps < 1) throw Error(file + ": " + w + ".steps must be >= 1, got " + std::to_string(st.steps));
        if (has_key(a[i], "cell")) {
            st.cell = get_string(a[i], "cell", w, file);
            if (st.cell != "keep" && st.cell != "mean")
                throw Error(file + ": " + w + ".cell must be one of keep, mean, got '" + st.cell + "'");
        }
        if (st.cell == "mean" && i == 0)
            throw Error(file + ": " + w + ".cell = \"mean\" needs a previous stage to average over");
        if (has_key(a[i], "cell_mean_ps")) {
            if (st.cell != "mean") throw Error(file + ": " + w + ".cell_mean_ps is only used with cell = \"mean\"");
            st.cell_mean_ps = get_double_in(a[i], "cell_mean_ps", w, file, 0.0, 1.0e9, false, "ps; 0 = the whole previous stage");
            if (!(st.cell_mean_ps >= 0) || !std::isfinite(st.cell_mean_ps))
                throw Error(file + ": " + w + ".cell_mean_ps must be >= 0 (ps; 0 = the whole previous stage)");
        }
        if (has_key(a[i], "analysis")) st.analysis = get_bool(a[i], "analysis", w, file);
        toml::value ov = toml::table{};
        for (const auto& kv : a[i].as_table())
            for (const auto& k : stage_md_keys())
                if (kv.first == k) ov.as_table()[kv.first] = kv.second;
        st.overrides = ov;
        total += st.steps;
        st.end_step = total;
        cfg.stages.push_back(st);
    }
    // Analysed stages must follow one another: the correlators need one unbroken series of samples.
    int first = -1, last = -1;
    for (std::size_t k = 0; k < cfg.stages.size(); ++k)
        if (cfg.stages[k].analysis) {
            if (first < 0) first = static_cast<int>(k);
            last = static_cast<int>(k);
        }
    for (int k = first; k >= 0 && k <= last; ++k)
        if (!cfg.stages[static_cast<std::size_t>(k)].analysis)
            throw Error(file + ": [[stage]] #" + std::to_string(k + 1) +
                        " has analysis = false between analysed stages; the analysed stages must be consecutive");
    if (has_key(toml::find(root, "md"), "steps") && cfg.md.steps != total)
        throw Error(file + ": [md].steps = " + std::to_string(cfg.md.steps) + " differs from the sum of the [[stage]] steps (" +
                    std::to_string(total) + "); leave [md].steps out when stages are given");
    cfg.md.steps = total;
    for (auto& rc : cfg.replicas) {
        rc.md.steps = total;
        rc.stage_md.clear();
        for (std::size_t k = 0; k < cfg.stages.size(); ++k) {
            MdConfig m = rc.md;
            apply_md_keys(cfg.stages[k].overrides, "[[stage]] #" + std::to_string(k + 1), file, m);
            m.steps = cfg.stages[k].steps;
            rc.stage_md.push_back(m);
        }
        for (std::size_t k = 1; k < rc.stage_md.size(); ++k)
            if (rc.stage_md[k].timestep_fs != rc.stage_md[0].timestep_fs)
                throw Error(file + ": stages must share one time step");
    }
}

}  // namespace mdrun
