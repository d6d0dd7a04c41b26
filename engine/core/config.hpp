// The `config.toml` contract of ../shared/docs/config.md, parsed strictly into plain structs.
// Every key is checked (unknown keys name themselves and the closest known key); wrong types and
// out-of-range values name the key. Relative paths are resolved against the config file's directory.
// The [potential] and [analysis] tables are kept as raw TOML: their owners (potentials/registry,
// analysis/analysis_set) check their keys.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <toml.hpp>

namespace mdrun {

struct StructureConfig {
    std::string file;                 // absolute or resolved against the config directory
    std::string format = "auto";      // auto | poscar | extxyz | cfg | lammps-data
    int replicate[3] = {1, 1, 1};
    std::vector<std::string> elements;  // names of integer types (cfg, lammps-data)
    bool remove = false;              // `remove = { element, count, seed }` given
    std::string remove_element;
    long remove_count = 0;
    std::uint64_t remove_seed = 0;
};

// [md] keys; a [[replica]] table overrides any of them.
struct MdConfig {
    std::string ensemble = "nvt";     // nve | nvt | npt
    double timestep_fs = 1.0;
    long steps = 0;                   // required
    double temperature_K = -1.0;      // required for nvt and for Maxwell–Boltzmann velocities (<0 = not given)
    double tdamp_fs = 100.0;
    int chain = 3;
    int tloop = 1;
    std::string velocities = "auto";  // auto | file | maxwell
    std::uint64_t seed = 12345;
    bool seed_given = false;          // replicas without their own seed use seed + replica index
    std::vector<std::string> freeze;
    double neighbor_skin = 1.0;       // Å
    bool stop_on_close_pairs = true;  // stop when an MTP pair is closer than its min_dist
    double max_displacement = 1.0;    // Å per step; more stops the run (safety)
    double min_distance = 0.5;        // Å; two atoms closer than this at step 0 are an error
    // npt (LAMMPS fix npt; docs/npt.md). Target pressure on the diagonal, 0 on the tilts.
    double pressure_bar = 1.0;
    double pdamp_fs = 1000.0;         // barostat damping time (LAMMPS recommends ~1000 time steps)
    std::string barostat = "iso";     // iso | aniso | tri
    std::string couple = "none";      // none | xyz | xy | yz | xz (aniso/tri; iso is xyz)
    int pchain = 3;
    int ploop = 1;
    bool mtk = true;
};

// One [[stage]] of a staged protocol (engine/core/stage_config.cpp, docs/npt.md): stages run back to back, each
// with the [md] (and replica) settings overridden by its own keys.
struct StageConfig {
    std::string name;             // "stage1", ... unless given
    toml::value overrides;        // the stage's [md] keys, applied on top of each replica's [md]
    long steps = 0;               // length of the stage
    std::string cell = "keep";    // keep | mean: start from the mean cell of the previous stage (atoms scaled in)
    double cell_mean_ps = 0.0;    // cell = "mean": average over the previous stage's last this-many ps (0 = all)
    bool analysis = true;         // take analysis samples during this stage
    long end_step = 0;            // global step at which the stage ends (cumulative)
};

struct ReplicaConfig {
    std::string name;        // "" for the single unnamed replica
    std::string directory;   // output directory of this replica (resolved)
    MdConfig md;             // [md] with this replica's overrides applied
    std::vector<MdConfig> stage_md;  // with stages: md with each stage's overrides (md.steps = the stage's)
};

struct OutputConfig {
    std::string directory = "runs/out";  // resolved
    long thermo_every = 100;
    long trajectory_every = 1000;        // 0 = no trajectory
    std::string trajectory_format = "h5md";
    long checkpoint_every = 100000;      // 0 = only at the end
    double progress_every_s = 60.0;      // plain progress lines when stderr is not a terminal
    bool write_final = true;             // final.POSCAR and final.extxyz per replica
    double max_output_GB = 100.0;        // refuse a run whose estimated trajectory + analysis output exceeds this
};

// [gpu]: choices of the CUDA backend that do not change the physics (so not part of the checkpoint
// fingerprint: a run may be restarted with the other kernel).
struct GpuConfig {
    std::string mtp_kernel = "thread";  // thread | warp (kernels/mtp_bodies.hpp | kernels/mtp_warp_bodies.hpp)
};

struct RunConfig {
    std::string config_file;   // as given
    std::string config_dir;    // directory of the config file (absolute)
    std::string text;          // the file's text (for the run log and the checkpoint fingerprint)
    StructureConfig structure;
    toml::value potential;     // raw [potential] table (for make_potential)
    MdConfig md;               // [md] as written (before replica overrides)
    std::vector<ReplicaConfig> replicas;  // at least one
    OutputConfig output;
    GpuConfig gpu;
    bool has_analysis = false;
    toml::value analysis;      // raw [analysis] table (when has_analysis)
    bool has_extrapolation = false;
    toml::value extrapolation; // raw [extrapolation] table (engine/run/extrapolation.hpp)
    std::vector<StageConfig> stages;  // empty: one run with [md]
    // Set by `mpirun ... mdrun` (engine/mpi/mpi_run.cpp) for a rank's part of a multi-replica config: a
    // replica that stops stops alone even when it is the part's only (or last) one, as it would in the
    // one-process run of all replicas. Not read from the file; not in the fingerprint.
    bool in_series = false;
};

// Index of the stage that advances from `step` to step + 1 (the last stage for step >= the total).
int stage_at(const RunConfig& cfg, long step);
// Parses the [[stage]] tables of `root` into cfg.stages and each replica's stage_md (engine/core/stage_config.cpp).
void parse_stages(const toml::value& root, const std::string& file, RunConfig& cfg);
// Applies [md] keys of `t` on top of `md` and checks the result (for [[replica]] and [[stage]] tables).
void apply_md_keys(const toml::value& t, const std::string& where, const std::string& file, MdConfig& md);
// The [md] keys a [[stage]] may set.
const std::vector<std::string>& stage_md_keys();

// Parses and checks `path`. Throws mdrun::Error naming the file and key for any problem.
RunConfig load_config(const std::string& path);
// The same from TOML text; `path` names the file in messages and anchors relative paths.
RunConfig parse_config(const std::string& text, const std::string& path);

// Every key with its resolved value (defaults included), as TOML, for run.log.
std::string resolved_config_toml(const RunConfig& cfg);

// A fingerprint of everything that must not change between a checkpoint and its restart
// (structure, potential, per-replica dynamics except the step count; not [output] or [analysis]).
std::uint64_t config_fingerprint(const RunConfig& cfg);
// The text the fingerprint hashes: the resolved config without steps, [output], [analysis], [extrapolation] and
// [gpu] (checkpoints keep it, so a refused restart can name the keys that changed).
std::string config_physics_text(const RunConfig& cfg);

// Resolves a relative path against `dir` (absolute paths are returned unchanged).
std::string resolve_path(const std::string& dir, const std::string& path);

// The file a file-based [potential] names (`file = ...`), a relative one resolved against the config's
// directory; empty when the potential names no file.
std::string potential_file(const RunConfig& cfg);

}  // namespace mdrun
