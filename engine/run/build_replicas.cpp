// Building the replicas of a run from its configuration: the structure is read once (replicate, remove),
// checked before anything runs (elements, cell handedness, close atoms, freeze lists), then copied per
// [[replica]] with its frozen flags, initial velocities, potential and analysis set.
#include "engine/core/format_number.hpp"
#include "engine/run/build_replicas.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "analysis/analysis_set.hpp"
#include "engine/core/elements.hpp"
#include "engine/core/error.hpp"
#include "engine/core/stage_context.hpp"
#include "engine/io/structure_io.hpp"
#include "engine/md/neighbor_list.hpp"
#include "engine/run/resource_estimate.hpp"
#include "engine/run/run_provenance.hpp"
#include "potentials/registry.hpp"

namespace mdrun {

namespace fs = std::filesystem;

namespace {

// Elements present in the structure, each checked against the built-in table.
void check_elements(const System& sys, const std::string& file) {
    for (const auto& s : sys.species)
        if (!is_element(s)) {
            try {
                element_data(s);  // throws with a hint for case mistakes
            } catch (const Error& e) {
                throw Error(file + ": " + e.what());
            }
            throw Error(file + ": unknown element '" + s + "'");
        }
}

// A cell must be right-handed (det h > 0): VASP and LAMMPS both assume it, and a left-handed cell
// usually means swapped lattice vectors.
void check_cell(const System& sys, const std::string& file) {
    bool all_periodic = sys.box.periodic[0] && sys.box.periodic[1] && sys.box.periodic[2];
    const double d = det(sys.box.h);
    if (all_periodic && !(d > 0))
        throw Error(file + ": the cell is not right-handed (det of the lattice vectors = " + format_number(d) +
                    " Å³ <= 0); swap two lattice vectors or reverse one");
}

// Two atoms closer than `rmin` are almost always a broken input (duplicated atoms, wrong units, a
// replicate of an already periodic image); name them before anything runs.
void check_min_distance(const System& sys, double rmin, const std::string& file) {
    if (rmin <= 0 || sys.size() < 2) return;
    // List cutoff: at least rmin, but not much below the mean interatomic spacing, so a big box does not
    // get one cell per 0.5 Å (about one atom per cell keeps it linear in N and small in memory).
    const double vol = volume(sys.box);
    const double spacing = vol > 0 ? std::cbrt(vol / static_cast<double>(sys.size())) : 0.0;
    NeighborList nl;
    build_neighbor_list(sys.box, sys.pos, std::max(rmin, spacing), nl);
    double best = 1e300;
    long bi = -1, bj = -1;
    long count = 0;
    for (std::size_t i = 0; i < nl.size(); ++i)
        for (int s = nl.offset[i]; s < nl.offset[i + 1]; ++s) {
            const std::size_t j = static_cast<std::size_t>(nl.j[static_cast<std::size_t>(s)]);
            const double r = norm(sys.pos[j] + slot_shift(nl, static_cast<std::size_t>(s)) - sys.pos[i]);
            if (r >= rmin) continue;
            if (j >= i) ++count;  // each unordered pair once (self-images: j == i)
            if (r < best) {
                best = r;
                bi = static_cast<long>(i);
                bj = static_cast<long>(j);
            }
        }
    if (bi < 0) return;
    auto name = [&](long i) {
        return "id " + std::to_string(sys.id[static_cast<std::size_t>(i)]) + " (" +
               sys.species[static_cast<std::size_t>(sys.type[static_cast<std::size_t>(i)])] + ")";
    };
    throw Error(file + ": atoms " + name(bi) + " and " + name(bj) + " are " + format_number(best) + " Å apart (" +
                std::to_string(count) + " pair(s) closer than [md].min_distance = " + format_number(rmin) +
                " Å); check the structure (duplicate atoms? wrong units?)");
}

// Builds the structure of [structure] (read, replicate, remove) and checks it.
System build_structure(const RunConfig& cfg) {
    const StructureConfig& sc = cfg.structure;
    std::error_code ec;
    if (!fs::exists(sc.file, ec))
        throw Error(cfg.config_file + ": [structure].file: file not found: " + sc.file);
    System sys = read_structure(sc.file, sc.format, sc.elements);
    check_elements(sys, sc.file);
    if (sc.replicate[0] != 1 || sc.replicate[1] != 1 || sc.replicate[2] != 1)
        replicate(sys, sc.replicate[0], sc.replicate[1], sc.replicate[2]);
    if (sc.remove) {
        if (std::find(sys.species.begin(), sys.species.end(), sc.remove_element) == sys.species.end())
            throw Error(cfg.config_file + ": [structure].remove.element '" + sc.remove_element +
                        "' is not in the structure");
        remove_random(sys, sc.remove_element, sc.remove_count, sc.remove_seed);
    }
    if (sys.size() == 0) throw Error(sc.file + ": the structure has no atoms");
    for (std::size_t i = 0; i < sys.size(); ++i) {
        const Vec3 x = sys.pos[i];
        const Vec3 v = i < sys.vel.size() ? sys.vel[i] : Vec3{0, 0, 0};
        if (!std::isfinite(x.x + x.y + x.z) || !std::isfinite(v.x + v.y + v.z))
            throw Error(sc.file + ": atom id " + std::to_string(sys.id[i]) + " has a non-finite position or velocity");
    }
    check_cell(sys, sc.file);
    return sys;
}

void apply_freeze(System& sys, const std::vector<std::string>& freeze, const std::string& where,
                  const std::string& file) {
    sys.frozen.assign(sys.size(), 0);
    for (const auto& el : freeze) {
        if (!is_element(el)) throw Error(file + ": " + where + ".freeze: unknown element '" + el + "'");
        const auto it = std::find(sys.species.begin(), sys.species.end(), el);
        if (it == sys.species.end())
            throw Error(file + ": " + where + ".freeze lists '" + el + "' but the structure has no " + el + " atoms");
        const int t = static_cast<int>(it - sys.species.begin());
        for (std::size_t i = 0; i < sys.size(); ++i)
            if (sys.type[i] == t) sys.frozen[i] = 1;
    }
    std::size_t mobile = 0;
    for (auto f : sys.frozen) mobile += f ? 0 : 1;
    if (mobile == 0) throw Error(file + ": " + where + ".freeze freezes every atom; nothing would move");
}

void set_velocities(System& sys, const MdConfig& md, const std::string& where, const std::string& cfg_file,
                    const std::string& structure_file) {
    std::string mode = md.velocities;
    if (mode == "auto") mode = sys.has_velocities ? "file" : "maxwell";
    if (mode == "file") {
        if (!sys.has_velocities)
            throw Error(cfg_file + ": " + where + ".velocities = \"file\" but " + structure_file +
                        " has no velocities");
        sys.vel.resize(sys.size());
        for (std::size_t i = 0; i < sys.size(); ++i)
            if (sys.frozen[i]) sys.vel[i] = Vec3{0, 0, 0};
    } else {
        if (md.temperature_K < 0)
            throw Error(cfg_file + ": " + where + ".temperature_K is needed for Maxwell–Boltzmann velocities (" +
                        structure_file + " has none)");
        maxwell_boltzmann(sys, md.temperature_K, md.seed);
    }
}

std::string replica_where(const RunConfig& cfg, std::size_t i) {
    return cfg.replicas.size() > 1 || !cfg.replicas[i].name.empty() ? "[[replica]] #" + std::to_string(i + 1) : "[md]";
}

}  // namespace

std::vector<std::unique_ptr<Replica>> build_replicas(const RunConfig& cfg, bool with_potential) {
    AnalysisConfig acfg;  // parsed first: a typo in [analysis] is reported before any heavy work
    if (cfg.has_analysis) acfg = parse_analysis_config(cfg.analysis, cfg.config_file);

    const StageContext stage("setting up the run of " + cfg.config_file);
    const System base = build_structure(cfg);
    double rmin = 0;
    for (const auto& rc : cfg.replicas) rmin = std::max(rmin, rc.md.min_distance);
    check_min_distance(base, rmin, cfg.structure.file);

    std::vector<std::unique_ptr<Replica>> reps;
    for (std::size_t i = 0; i < cfg.replicas.size(); ++i) {
        const ReplicaConfig& rc = cfg.replicas[i];
        const std::string where = replica_where(cfg, i);
        auto rep = std::make_unique<Replica>();
        rep->index = static_cast<int>(i);
        rep->name = rc.name;
        rep->directory = rc.directory;
        rep->md = rc.md;
        rep->gpu_mtp_kernel = cfg.gpu.mtp_kernel;
        rep->sys = base;
        rep->sys.force.assign(rep->sys.size(), Vec3{0, 0, 0});
        apply_freeze(rep->sys, rc.md.freeze, where, cfg.config_file);
        const MdConfig& md0 = rc.stage_md.empty() ? rc.md : rc.stage_md[0];  // (staged: the first stage's)
        set_velocities(rep->sys, md0, where, cfg.config_file, cfg.structure.file);
        rep->md = md0;
        rep->params = dynamics_params(md0);
        if (with_potential) rep->potential = make_potential(cfg.potential, rep->sys, cfg.config_file);
        // Before the analysis accumulators and the first neighbour list are allocated.
        if (i == 0) {
            std::string key;
            double rc = 0;
            if (rep->potential) {
                rc = rep->potential->cutoff();
                key = rep->potential->name() == "mtp" ? "the MTP's max_dist = " + format_number(rc) + " Å ([potential].file)"
                                                      : "[potential].cutoff = " + format_number(rc) + " Å";
            }
            check_resources(cfg, md0, rep->sys, rc, key, cfg.has_analysis && acfg.enabled ? &acfg : nullptr,
                            cfg.replicas.size());
        }
        if (cfg.has_analysis && acfg.enabled) {
            AnalysisRunInfo info;
            info.timestep_ps = rep->params.dt_ps;
            info.temperature_K = rc.md.temperature_K < 0 ? 0.0 : rc.md.temperature_K;
            info.total_steps = rc.md.steps;
            for (std::size_t k = 0, first = 1; k < cfg.stages.size(); ++k)  // staged: the analysed stages'
                if (cfg.stages[k].analysis) {
                    if (first) info.temperature_K = std::max(0.0, rc.stage_md[k].temperature_K), info.total_steps = 0;
                    first = 0;
                    info.total_steps += cfg.stages[k].steps;
                }
            info.replica_name = rc.name;
            info.provenance = run_provenance(cfg, rc);
            rep->analysis = std::make_unique<AnalysisSet>(acfg, rep->sys, info);
        }
        reps.push_back(std::move(rep));
    }
    return reps;
}

}  // namespace mdrun
