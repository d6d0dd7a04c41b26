// The resolved configuration (every key with its value in force, defaults included, paths absolute) as
// TOML written by toml11's serializer, so that it is valid TOML that parses back to the same RunConfig:
// `mdrun resolved.toml` repeats the run. Keys are sorted (std::map), so the text is canonical.
#include <limits>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "engine/core/config.hpp"
#include "engine/core/error.hpp"

namespace mdrun {

namespace {

using Sorted = toml::basic_value<toml::discard_comments, std::map, std::vector>;
using Table = Sorted::table_type;
using Array = Sorted::array_type;

// A raw [potential]/[analysis] value with its tables re-keyed in sorted order.
Sorted sorted(const toml::value& v) {
    switch (v.type()) {
        case toml::value_t::table: {
            Table t;
            for (const auto& [k, x] : v.as_table()) t.emplace(k, sorted(x));
            return Sorted(t);
        }
        case toml::value_t::array: {
            Array a;
            for (const auto& x : v.as_array()) a.push_back(sorted(x));
            return Sorted(a);
        }
        case toml::value_t::boolean: return Sorted(v.as_boolean());
        case toml::value_t::integer: return Sorted(v.as_integer());
        case toml::value_t::floating: return Sorted(v.as_floating());
        case toml::value_t::string: return Sorted(v.as_string().str);
        case toml::value_t::local_date: return Sorted(v.as_local_date());
        case toml::value_t::local_time: return Sorted(v.as_local_time());
        case toml::value_t::local_datetime: return Sorted(v.as_local_datetime());
        case toml::value_t::offset_datetime: return Sorted(v.as_offset_datetime());
        default: return Sorted();
    }
}

Array strings(const std::vector<std::string>& v) {
    Array a;
    for (const auto& s : v) a.emplace_back(s);
    return a;
}

Table md_table(const MdConfig& md) {
    Table t;
    t["ensemble"] = md.ensemble;
    t["timestep_fs"] = md.timestep_fs;
    t["steps"] = static_cast<toml::integer>(md.steps);
    if (md.temperature_K >= 0) t["temperature_K"] = md.temperature_K;  // < 0: not given (NVE without Maxwell)
    t["tdamp_fs"] = md.tdamp_fs;
    t["chain"] = static_cast<toml::integer>(md.chain);
    t["tloop"] = static_cast<toml::integer>(md.tloop);
    t["velocities"] = md.velocities;
    t["seed"] = static_cast<toml::integer>(md.seed);
    t["freeze"] = strings(md.freeze);
    t["neighbor_skin"] = md.neighbor_skin;
    t["stop_on_close_pairs"] = md.stop_on_close_pairs;
    t["max_displacement"] = md.max_displacement;
    t["min_distance"] = md.min_distance;
    if (md.ensemble == "npt") {  // (only then, so the fingerprints of nve/nvt checkpoints are unchanged)
        t["pressure_bar"] = md.pressure_bar;
        t["pdamp_fs"] = md.pdamp_fs;
        t["barostat"] = md.barostat;
        t["couple"] = md.couple;
        t["pchain"] = static_cast<toml::integer>(md.pchain);
        t["ploop"] = static_cast<toml::integer>(md.ploop);
        t["mtk"] = md.mtk;
    }
    return t;
}

}  // namespace

std::string resolved_config_toml(const RunConfig& cfg) {
    Table root;

    const StructureConfig& s = cfg.structure;
    Table st;
    st["file"] = s.file;
    st["format"] = s.format;
    st["replicate"] = Array{Sorted(static_cast<toml::integer>(s.replicate[0])),
                            Sorted(static_cast<toml::integer>(s.replicate[1])),
                            Sorted(static_cast<toml::integer>(s.replicate[2]))};
    st["elements"] = strings(s.elements);
    if (s.remove) {
        Table r;
        r["element"] = s.remove_element;
        r["count"] = static_cast<toml::integer>(s.remove_count);
        r["seed"] = static_cast<toml::integer>(s.remove_seed);
        st["remove"] = r;
    }
    root["structure"] = st;

    // [potential] as written, except that a file it names is made absolute (the registry resolves it
    // against the config's directory, which a copy of this text does not share).
    Sorted pot = sorted(cfg.potential);
    if (pot.is_table() && pot.as_table().count("file") && pot.as_table().at("file").is_string())
        pot.as_table()["file"] = resolve_path(cfg.config_dir, pot.as_table().at("file").as_string().str);
    root["potential"] = pot;

    root["md"] = md_table(cfg.md);
    // [[replica]] tables exist when the config had them (their names are then never empty).
    bool named = false;
    for (const auto& r : cfg.replicas) named = named || !r.name.empty();
    if (named) {
        Array reps;
        for (const auto& r : cfg.replicas) {
            Table t = md_table(r.md);
            t["name"] = r.name;
            reps.emplace_back(t);
        }
        root["replica"] = reps;
    }

    const OutputConfig& o = cfg.output;
    Table out;
    out["directory"] = o.directory;
    out["thermo_every"] = static_cast<toml::integer>(o.thermo_every);
    out["trajectory_every"] = static_cast<toml::integer>(o.trajectory_every);
    out["trajectory_format"] = o.trajectory_format;
    out["checkpoint_every"] = static_cast<toml::integer>(o.checkpoint_every);
    out["progress_every_s"] = o.progress_every_s;
    out["write_final"] = o.write_final;
    root["output"] = out;
    Table gpu;
    gpu["mtp_kernel"] = cfg.gpu.mtp_kernel;
    root["gpu"] = gpu;

    if (!cfg.stages.empty()) {  // staged protocol (engine/core/stage_config.cpp)
        Array stages;
        for (const auto& st : cfg.stages) {
            Table t;
            if (st.overrides.is_table())
                for (const auto& [k, x] : st.overrides.as_table()) t.emplace(k, sorted(x));
            t["name"] = st.name;
            t["steps"] = static_cast<toml::integer>(st.steps);
            t["cell"] = st.cell;
            t["cell_mean_ps"] = st.cell_mean_ps;
            t["analysis"] = st.analysis;
            stages.emplace_back(t);
        }
        root["stage"] = stages;
    }
    if (cfg.has_analysis) root["analysis"] = sorted(cfg.analysis);
    if (cfg.has_extrapolation) {  // its active-learning state file is resolved like the potential's file
        Sorted ex = sorted(cfg.extrapolation);
        if (ex.is_table() && ex.as_table().count("state") && ex.as_table().at("state").is_string())
            ex.as_table()["state"] = resolve_path(cfg.config_dir, ex.as_table().at("state").as_string().str);
        root["extrapolation"] = ex;
    }

    // One [section] per top-level table (toml11 would inline the short ones at the root); inside them,
    // short sub-tables are written inline as users write them (msd = {elements = ["Na"]}).
    std::ostringstream os;
    os << "# resolved from " << cfg.config_file << " (defaults included; paths absolute)\n";
    for (const auto& [key, value] : root) {
        os << "\n"
           << toml::visit(toml::serializer<Sorted>(100, std::numeric_limits<toml::floating>::max_digits10,
                                                   /*can_be_inlined=*/false, /*no_comment=*/true, {key}),
                          value);
    }
    return os.str();
}

}  // namespace mdrun
