#include "engine/core/config.hpp"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "engine/core/error.hpp"
#include "engine/core/toml_util.hpp"

namespace mdrun {

namespace fs = std::filesystem;

std::string resolve_path(const std::string& dir, const std::string& path) {
    if (path.empty()) return path;
    fs::path p(path);
    if (p.is_absolute()) return p.lexically_normal().string();
    return (fs::path(dir) / p).lexically_normal().string();
}

std::string potential_file(const RunConfig& cfg) {
    const toml::value& t = cfg.potential;
    if (!t.is_table() || !t.contains("file") || !t.at("file").is_string()) return {};
    std::string path = t.at("file").as_string();
    if (!path.empty() && path[0] != '/') path = resolve_path(cfg.config_dir, path);
    return path;
}

namespace {

const std::vector<std::string> kTopKeys = {"structure", "potential", "md", "replica", "output", "analysis",
                                           "extrapolation", "stage", "gpu"};
const std::vector<std::string> kGpuKeys = {"mtp_kernel"};
const std::vector<std::string> kStructureKeys = {"file", "format", "replicate", "elements", "remove"};
const std::vector<std::string> kRemoveKeys = {"element", "count", "seed"};
const std::vector<std::string> kMdKeys = {"ensemble",      "timestep_fs",         "steps",           "temperature_K",
                                          "tdamp_fs",      "chain",               "tloop",           "velocities",
                                          "seed",          "freeze",              "neighbor_skin",   "stop_on_close_pairs",
                                          "max_displacement", "min_distance",
                                          // npt (docs/npt.md)
                                          "pressure_bar", "pdamp_fs", "barostat", "couple", "pchain", "ploop", "mtk"};
const std::vector<std::string> kOutputKeys = {"directory",        "thermo_every",     "trajectory_every",
                                              "trajectory_format", "checkpoint_every", "progress_every_s",
                                              "write_final",      "max_output_GB"};

// Chain length limit: the NHC state is a fixed-size POD so that GPU kernels can hold it.
constexpr int kMaxChain = 16;
// Upper bounds of the physically meaningful ranges (docs/config.md). They are far beyond any sensible run, and
// low enough that nothing downstream overflows or allocates without bound.
constexpr long kMaxSteps = 1000000000000L;   // 1e12 steps
constexpr long kMaxEvery = 1000000000000L;   // *_every in steps
constexpr double kMaxTimestepFs = 100.0;     // no MD integrator is stable beyond a few fs; 100 fs is a typo guard
constexpr double kMaxTemperatureK = 1.0e5;
constexpr double kMaxDampFs = 1.0e9;
constexpr double kMaxPressureBar = 1.0e7;    // 1 TPa
constexpr double kMaxMinDistanceA = 5.0;     // no two atoms are legitimately > 5 Å apart at most (would flag everything)
constexpr double kMaxDisplacementA = 1000.0;
constexpr long kMaxSeed = 9007199254740991L; // 2^53 - 1: exact in every tool that reads run.log (JSON, Python floats)

std::string one_of(const std::string& value, const std::vector<std::string>& allowed, const std::string& key,
                   const std::string& file) {
    for (const auto& a : allowed)
        if (a == value) return value;
    std::string list;
    for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
    throw Error(file + ": " + key + " must be one of " + list + ", got '" + value + "'");
}

void require(bool ok, const std::string& file, const std::string& key, const std::string& what, double got) {
    if (ok) return;
    std::ostringstream os;
    os << file << ": " << key << " must be " << what << ", got " << got;
    throw Error(os.str());
}

std::uint64_t get_seed(const toml::value& t, const std::string& key, const std::string& where, const std::string& file) {
    return static_cast<std::uint64_t>(get_integer_in(t, key, where, file, 0, kMaxSeed, ""));
}

// The npt keys of [md] / [[replica]] (docs/npt.md).
void read_npt_keys(const toml::value& t, const std::string& where, const std::string& file, MdConfig& md) {
    auto key = [&](const char* k) { return where + "." + k; };
    if (has_key(t, "pressure_bar")) {
        md.pressure_bar = get_double(t, "pressure_bar", where, file);
        require(std::isfinite(md.pressure_bar) && std::fabs(md.pressure_bar) <= kMaxPressureBar, file, key("pressure_bar"),
                "a finite number between -1e7 and 1e7 (bar)", md.pressure_bar);
    }
    if (has_key(t, "pdamp_fs")) {
        md.pdamp_fs = get_double_in(t, "pdamp_fs", where, file, 0.0, kMaxDampFs, true, "fs");
    }
    if (has_key(t, "barostat"))
        md.barostat = one_of(get_string(t, "barostat", where, file), {"iso", "aniso", "tri"}, key("barostat"), file);
    if (has_key(t, "couple"))
        md.couple = one_of(get_string(t, "couple", where, file), {"none", "xyz", "xy", "yz", "xz"}, key("couple"), file);
    if (has_key(t, "pchain")) {
        const long c = get_integer(t, "pchain", where, file);
        require(c >= 0 && c <= kMaxChain, file, key("pchain"), "between 0 and " + std::to_string(kMaxChain),
                static_cast<double>(c));
        md.pchain = static_cast<int>(c);
    }
    if (has_key(t, "ploop")) {
        const long c = get_integer(t, "ploop", where, file);
        require(c >= 1 && c <= 1000, file, key("ploop"), "between 1 and 1000", static_cast<double>(c));
        md.ploop = static_cast<int>(c);
    }
    if (has_key(t, "mtk")) md.mtk = get_bool(t, "mtk", where, file);
}

// Reads the [md] keys present in `t` into `md` (so [[replica]] tables override only what they name).
void read_md_keys(const toml::value& t, const std::string& where, const std::string& file, MdConfig& md) {
    auto key = [&](const char* k) { return where + "." + k; };
    if (has_key(t, "ensemble"))
        md.ensemble = one_of(get_string(t, "ensemble", where, file), {"nve", "nvt", "npt"}, key("ensemble"), file);
    if (has_key(t, "timestep_fs")) {
        md.timestep_fs = get_double_in(t, "timestep_fs", where, file, 0.0, kMaxTimestepFs, true, "fs");
    }
    if (has_key(t, "steps")) {
        md.steps = get_integer_in(t, "steps", where, file, 0, kMaxSteps, "steps");
    }
    if (has_key(t, "temperature_K")) {
        md.temperature_K = get_double_in(t, "temperature_K", where, file, 0.0, kMaxTemperatureK, false, "K");
    }
    if (has_key(t, "tdamp_fs")) {
        md.tdamp_fs = get_double_in(t, "tdamp_fs", where, file, 0.0, kMaxDampFs, true, "fs");
    }
    if (has_key(t, "chain")) {
        const long c = get_integer(t, "chain", where, file);
        require(c >= 1 && c <= kMaxChain, file, key("chain"), "between 1 and " + std::to_string(kMaxChain),
                static_cast<double>(c));
        md.chain = static_cast<int>(c);
    }
    if (has_key(t, "tloop")) {
        const long c = get_integer(t, "tloop", where, file);
        require(c >= 1 && c <= 1000, file, key("tloop"), "between 1 and 1000", static_cast<double>(c));
        md.tloop = static_cast<int>(c);
    }
    if (has_key(t, "velocities"))
        md.velocities = one_of(get_string(t, "velocities", where, file), {"auto", "file", "maxwell"},
                               key("velocities"), file);
    if (has_key(t, "seed")) {
        md.seed = get_seed(t, "seed", where, file);
        md.seed_given = true;
    }
    if (has_key(t, "freeze")) md.freeze = get_string_list(t, "freeze", where, file);
    if (has_key(t, "neighbor_skin")) {
        md.neighbor_skin = get_double_in(t, "neighbor_skin", where, file, 0.0, 10.0, false, "Å");
    }
    if (has_key(t, "stop_on_close_pairs")) md.stop_on_close_pairs = get_bool(t, "stop_on_close_pairs", where, file);
    if (has_key(t, "max_displacement")) {
        md.max_displacement = get_double_in(t, "max_displacement", where, file, 0.0, kMaxDisplacementA, true, "Å");
    }
    if (has_key(t, "min_distance")) {
        md.min_distance = get_double_in(t, "min_distance", where, file, 0.0, kMaxMinDistanceA, false, "Å");
    }
    read_npt_keys(t, where, file, md);
}

// Checks that need the final (override-applied) [md] values.
void check_md(const MdConfig& md, const std::string& where, const std::string& file) {
    if ((md.ensemble == "nvt" || md.ensemble == "npt") && md.temperature_K <= 0)
        throw Error(file + ": " + where + ".temperature_K is required and must be > 0 for ensemble = \"" + md.ensemble +
                    "\"");
    if (md.ensemble == "npt" && md.barostat == "iso" && md.couple != "none" && md.couple != "xyz")
        throw Error(file + ": " + where + ".couple = \"" + md.couple +
                    "\" contradicts barostat = \"iso\" (iso couples x, y and z); use barostat = \"aniso\"");
    // A damping time shorter than one step is not a thermostat/barostat but an instability.
    if (md.tdamp_fs < md.timestep_fs)
        throw Error(file + ": " + where + ".tdamp_fs = " + std::to_string(md.tdamp_fs) +
                    " is shorter than the time step (" + std::to_string(md.timestep_fs) + " fs); LAMMPS recommends ~100 steps");
    if (md.ensemble == "npt" && md.pdamp_fs < md.timestep_fs)
        throw Error(file + ": " + where + ".pdamp_fs = " + std::to_string(md.pdamp_fs) +
                    " is shorter than the time step (" + std::to_string(md.timestep_fs) + " fs); LAMMPS recommends ~1000 steps");
    if (md.velocities == "maxwell" && md.temperature_K < 0)
        throw Error(file + ": " + where + ".temperature_K is required for velocities = \"maxwell\"");
}

bool safe_name(const std::string& s) {
    if (s.empty() || s == "." || s == "..") return false;
    for (char c : s)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.' || c == '+')) return false;
    return true;
}

void parse_structure(const toml::value& root, const std::string& file, const std::string& dir, StructureConfig& s) {
    if (!has_key(root, "structure")) throw Error(file + ": missing table [structure] (with at least `file = ...`)");
    const toml::value& t = toml::find(root, "structure");
    const std::string w = "[structure]";
    check_known_keys(t, kStructureKeys, w, file);
    if (!has_key(t, "file")) throw Error(file + ": missing key [structure].file (the structure file to read)");
    s.file = resolve_path(dir, get_string(t, "file", w, file));
    if (has_key(t, "format"))
        s.format = one_of(get_string(t, "format", w, file), {"auto", "poscar", "extxyz", "cfg", "lammps-data"},
                          "[structure].format", file);
    if (has_key(t, "replicate")) {
        const toml::value& r = toml::find(t, "replicate");
        if (!r.is_array() || r.as_array().size() != 3)
            throw Error(file + ": [structure].replicate must be an array of three integers, e.g. [2, 2, 1]");
        for (int k = 0; k < 3; ++k) {
            const toml::value& e = r.as_array()[static_cast<std::size_t>(k)];
            if (!e.is_integer() || e.as_integer() < 1 || e.as_integer() > 1000)
                throw Error(file + ": [structure].replicate must be three integers >= 1, element " +
                            std::to_string(k + 1) + " is not");
            s.replicate[k] = static_cast<int>(e.as_integer());
        }
    }
    if (has_key(t, "elements")) s.elements = get_string_list(t, "elements", w, file);
    if (has_key(t, "remove")) {
        const toml::value& r = toml::find(t, "remove");
        const std::string rw = "[structure].remove";
        check_known_keys(r, kRemoveKeys, rw, file);
        for (const char* k : {"element", "count"})
            if (!has_key(r, k)) throw Error(file + ": missing key " + rw + "." + k);
        s.remove = true;
        s.remove_element = get_string(r, "element", rw, file);
        s.remove_count = get_integer_in(r, "count", rw, file, 0, 1000000000L, "atoms");
        s.remove_seed = has_key(r, "seed") ? get_seed(r, "seed", rw, file) : 0;
    }
}

void parse_output(const toml::value& root, const std::string& file, const std::string& dir, OutputConfig& o) {
    o.directory = resolve_path(dir, o.directory);
    if (!has_key(root, "output")) return;
    const toml::value& t = toml::find(root, "output");
    const std::string w = "[output]";
    check_known_keys(t, kOutputKeys, w, file);
    if (has_key(t, "directory")) {
        const std::string d = get_string(t, "directory", w, file);
        if (d.empty()) throw Error(file + ": [output].directory must not be empty");
        o.directory = resolve_path(dir, d);
    }
    if (has_key(t, "thermo_every")) {
        o.thermo_every = get_integer_in(t, "thermo_every", w, file, 1, kMaxEvery, "steps");
    }
    if (has_key(t, "trajectory_every")) {
        o.trajectory_every = get_integer_in(t, "trajectory_every", w, file, 0, kMaxEvery, "steps; 0 = no trajectory");
    }
    if (has_key(t, "trajectory_format"))
        o.trajectory_format = one_of(get_string(t, "trajectory_format", w, file), {"h5md", "extxyz", "lammps-dump"},
                                     "[output].trajectory_format", file);
    if (has_key(t, "checkpoint_every")) {
        o.checkpoint_every = get_integer_in(t, "checkpoint_every", w, file, 0, kMaxEvery, "steps; 0 = only at the end");
    }
    if (has_key(t, "progress_every_s")) {
        o.progress_every_s = get_double_in(t, "progress_every_s", w, file, 0.0, 1.0e7, true, "s");
    }
    if (has_key(t, "write_final")) o.write_final = get_bool(t, "write_final", w, file);
    if (has_key(t, "max_output_GB"))
        o.max_output_GB = get_double_in(t, "max_output_GB", w, file, 0.0, 1.0e6, true, "GB");
}

}  // namespace

void apply_md_keys(const toml::value& t, const std::string& where, const std::string& file, MdConfig& md) {
    read_md_keys(t, where, file, md);
    check_md(md, where, file);
}

namespace {

// "FILE:LINE: ..." for the first byte that is not valid UTF-8, or a control character TOML forbids (all below
// 0x20 except tab, LF and CR, and DEL).
void check_toml_text(const std::string& text, const std::string& file) {
    long line = 1;
    for (size_t i = 0; i < text.size();) {
        const unsigned char c = static_cast<unsigned char>(text[i]);
        if (c == '\n') ++line;
        if (c < 0x80) {
            if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7F)
                throw input_error(file, line, "not valid TOML: control character 0x" +
                                                  std::string(1, "0123456789abcdef"[c >> 4]) + "0123456789abcdef"[c & 15] +
                                                  " (TOML allows tab, newline and printable characters only)");
            ++i;
            continue;
        }
        const size_t len = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
        bool ok = len != 0 && i + len <= text.size() && c != 0xC0 && c != 0xC1 && c <= 0xF4;
        for (size_t k = 1; ok && k < len; ++k) ok = (static_cast<unsigned char>(text[i + k]) & 0xC0) == 0x80;
        if (!ok) throw input_error(file, line, "not valid TOML: the file is not UTF-8 text (invalid byte sequence)");
        i += len;
    }
}

}  // namespace

RunConfig parse_config(const std::string& text, const std::string& path) {
    RunConfig cfg;
    cfg.config_file = path;
    cfg.text = text;
    cfg.config_dir = fs::absolute(fs::path(path)).parent_path().lexically_normal().string();
    const std::string& file = path;

    // TOML is UTF-8 without control characters; toml11 3.7 reads past the end of its buffer on some invalid
    // UTF-8 (an unterminated literal string ending in a lead byte; found by fuzz/fuzz_config), so the text is
    // checked here first.
    check_toml_text(text, file);
    toml::value root;
    try {
        std::istringstream is(text);
        root = toml::parse(is, path);
    } catch (const std::exception& e) {
        throw Error(file + ": not valid TOML:\n" + std::string(e.what()));
    }
    check_known_keys(root, kTopKeys, "", file);

    parse_structure(root, file, cfg.config_dir, cfg.structure);

    if (!has_key(root, "potential")) throw Error(file + ": missing table [potential] (with `kind = ...`)");
    cfg.potential = toml::find(root, "potential");
    if (!cfg.potential.is_table()) throw Error(file + ": [potential] must be a table");

    if (!has_key(root, "md")) throw Error(file + ": missing table [md] (with at least `steps = ...`)");
    {
        const toml::value& t = toml::find(root, "md");
        check_known_keys(t, kMdKeys, "[md]", file);
        if (!has_key(t, "steps") && !has_key(root, "stage"))
            throw Error(file + ": missing key [md].steps (number of MD steps to run)");
        read_md_keys(t, "[md]", file, cfg.md);
    }

    parse_output(root, file, cfg.config_dir, cfg.output);
    if (has_key(root, "gpu")) {
        const toml::value& t = toml::find(root, "gpu");
        if (!t.is_table()) throw Error(file + ": [gpu] must be a table");
        check_known_keys(t, kGpuKeys, "[gpu]", file);
        if (has_key(t, "mtp_kernel"))
            cfg.gpu.mtp_kernel = one_of(get_string(t, "mtp_kernel", "[gpu]", file), {"thread", "warp"}, "[gpu].mtp_kernel", file);
    }

    if (has_key(root, "replica")) {
        const toml::value& r = toml::find(root, "replica");
        if (!r.is_array() || r.as_array().empty())
            throw Error(file + ": replica must be written as one or more [[replica]] tables");
        std::vector<std::string> rkeys = kMdKeys;
        rkeys.push_back("name");
        std::set<std::string> names;
        const auto& arr = r.as_array();
        for (std::size_t i = 0; i < arr.size(); ++i) {
            const std::string w = "[[replica]] #" + std::to_string(i + 1);
            if (!arr[i].is_table()) throw Error(file + ": " + w + " must be a table");
            check_known_keys(arr[i], rkeys, w, file);
            ReplicaConfig rc;
            rc.md = cfg.md;
            rc.md.seed_given = false;
            read_md_keys(arr[i], w, file, rc.md);
            // Independent random streams: a replica without its own seed uses [md].seed + its index.
            if (!rc.md.seed_given) rc.md.seed = cfg.md.seed + i;
            rc.name = has_key(arr[i], "name") ? get_string(arr[i], "name", w, file) : "replica" + std::to_string(i);
            if (!safe_name(rc.name))
                throw Error(file + ": " + w + ".name must be a plain directory name (letters, digits, _ - . +), got '" +
                            rc.name + "'");
            if (!names.insert(rc.name).second)
                throw Error(file + ": " + w + ".name '" + rc.name + "' is used by two replicas");
            check_md(rc.md, w, file);
            cfg.replicas.push_back(rc);
        }
        const bool several = cfg.replicas.size() > 1;
        for (auto& rc : cfg.replicas)
            rc.directory = several ? (fs::path(cfg.output.directory) / rc.name).string() : cfg.output.directory;
    } else {
        check_md(cfg.md, "[md]", file);
        ReplicaConfig rc;
        rc.md = cfg.md;
        rc.directory = cfg.output.directory;
        cfg.replicas.push_back(rc);
    }

    if (has_key(root, "stage")) parse_stages(root, file, cfg);

    if (has_key(root, "analysis")) {
        cfg.analysis = toml::find(root, "analysis");
        if (!cfg.analysis.is_table()) throw Error(file + ": [analysis] must be a table");
        cfg.has_analysis = true;
    }
    if (has_key(root, "extrapolation")) {  // checked by engine/run/extrapolation.cpp
        cfg.extrapolation = toml::find(root, "extrapolation");
        if (!cfg.extrapolation.is_table()) throw Error(file + ": [extrapolation] must be a table");
        cfg.has_extrapolation = true;
    }
    return cfg;
}

RunConfig load_config(const std::string& path) {
    std::error_code ec;
    if (!fs::exists(path, ec)) throw Error(path + ": configuration file not found");
    if (fs::is_directory(path, ec)) throw Error(path + ": is a directory, expected a config.toml file");
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error(path + ": cannot open configuration file");
    std::ostringstream ss;
    ss << in.rdbuf();
    return parse_config(ss.str(), path);
}

// resolved_config_toml: engine/core/config_resolved.cpp (written with toml11's serializer).

std::string config_physics_text(const RunConfig& cfg) {
    // Everything except the step count, [output] and [analysis]: a restart may extend a run or change
    // output rates and analyses, but not the physics. The resolved text is canonical (keys in a fixed order).
    RunConfig c = cfg;
    c.md.steps = 0;
    for (auto& r : c.replicas) {
        r.md.steps = 0;
        r.directory.clear();
    }
    c.output = OutputConfig{};
    c.gpu = GpuConfig{};  // the GPU kernel choice does not change the physics: a restart may switch it
    c.config_file.clear();
    // [analysis] may change on restart too: the analysis layer restarts its accumulators then (analysis.md §11).
    c.has_analysis = false;
    c.has_extrapolation = false;  // thresholds may change on restart (the thermo.csv header pins its presence)
    return resolved_config_toml(c);
}

std::uint64_t config_fingerprint(const RunConfig& cfg) {
    const std::string text = config_physics_text(cfg);
    std::uint64_t h = 1469598103934665603ull;  // FNV-1a 64
    for (unsigned char ch : text) {
        h ^= ch;
        h *= 1099511628211ull;
    }
    return h;
}

}  // namespace mdrun
