#include "engine/run_loop.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <sstream>

#include <csignal>

#include <omp.h>

#include "analysis/analysis_set.hpp"
#include "engine/stage_run.hpp"
#include "engine/backend.hpp"
#include "engine/checkpoint.hpp"
#include "engine/cross_replica.hpp"
#include "engine/elements.hpp"
#include "engine/error.hpp"
#include "engine/neighbor_list.hpp"
#include "engine/omp_defaults.hpp"
#include "engine/progress.hpp"
#include "engine/restart_hint.hpp"
#include "engine/replica_select.hpp"
#include "engine/replica_stop.hpp"
#include "engine/run_log.hpp"
#include "engine/run_report.hpp"
#include "engine/atomic_file.hpp"
#include "engine/structure_io.hpp"
#include "engine/run_provenance.hpp"
#include "engine/thermo_output.hpp"
#include "engine/extrapolation.hpp"
#include "engine/trajectory.hpp"
#include "engine/version.hpp"
#include "potentials/registry.hpp"

namespace mdrun {

namespace fs = std::filesystem;

namespace {

std::string fmt(double v, const char* f = "%.6g") {
    char b[64];
    std::snprintf(b, sizeof b, f, v);
    return b;
}

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
        throw Error(file + ": the cell is not right-handed (det of the lattice vectors = " + fmt(d) +
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
            const double r = norm(sys.pos[j] + nl.shift[static_cast<std::size_t>(s)] - sys.pos[i]);
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
    throw Error(file + ": atoms " + name(bi) + " and " + name(bj) + " are " + fmt(best) + " Å apart (" +
                std::to_string(count) + " pair(s) closer than [md].min_distance = " + fmt(rmin) +
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

namespace {

using Clock = std::chrono::steady_clock;

// SIGINT/SIGTERM (Ctrl-C, a batch system's time limit): finish the current chunk of steps, write a
// checkpoint at that step and exit, so a days-long run can always be continued with --restart.
volatile std::sig_atomic_t g_signal = 0;
extern "C" void on_stop_signal(int sig) { g_signal = sig; }

struct Timings {
    double setup = 0, md = 0, grades = 0, thermo = 0, trajectory = 0, analysis = 0, checkpoint = 0, final_out = 0;
};

void make_directory(const std::string& dir) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec || !fs::is_directory(dir))
        throw Error("[output].directory: cannot create " + dir + (ec ? ": " + ec.message() : std::string()));
}

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// Next multiple of `every` strictly after `step` (every > 0).
long next_multiple(long step, long every) { return (step / every + 1) * every; }

struct ReplicaOutputs {
    std::unique_ptr<ThermoWriter> thermo;
    std::unique_ptr<TrajectoryWriter> traj;
    std::unique_ptr<ExtrapolationMonitor> grades;  // [extrapolation]
};

std::string trajectory_file(const Replica& r, const OutputConfig& o) {
    return (fs::path(r.directory) / trajectory_file_name(o.trajectory_format)).string();
}

void write_run_summary(RunLog& log, Backend& backend,
                       const std::vector<std::unique_ptr<Replica>>& reps, const Timings& t, double wall) {
    log.section("replicas at step " + std::to_string(backend.step()));
    for (std::size_t r = 0; r < reps.size(); ++r) {
        const ReplicaObservables o = backend.observables(static_cast<int>(r));
        const Replica& rep = *reps[r];
        log.line((rep.name.empty() ? std::string("replica") : "replica " + rep.name) + ": " +
                 std::to_string(rep.sys.size()) + " atoms, dof " + fmt(o.dof) + ", T " + fmt(o.temperature_K) +
                 " K, PE " + fmt(o.potential_eV, "%.10g") + " eV, conserved " + fmt(o.conserved_eV, "%.10g") +
                 " eV, neighbour-list rebuilds " + std::to_string(o.neighbor_rebuilds));
        if (rep.counters.close_pair_steps > 0)
            log.line("  WARNING: pairs closer than the potential's min_dist (" +
                     fmt(rep.potential ? rep.potential->min_trusted_distance() : 0.0) + " Å) at " +
                     std::to_string(rep.counters.close_pair_steps) + " steps (" +
                     std::to_string(rep.counters.close_pairs_total) + " pair-steps, closest " +
                     fmt(rep.counters.min_close_r) + " Å): the potential extrapolated there");
        else
            log.line("  close pairs (r < min_dist): none");
    }
    log.section("timings (this process)");
    auto row = [&](const char* what, double s) {
        log.line(std::string(what) + ": " + fmt(s, "%.3f") + " s (" + fmt(wall > 0 ? 100 * s / wall : 0, "%.1f") + " %)");
    };
    row("setup", t.setup);
    row("md steps", t.md);
    row("thermo", t.thermo);
    if (t.grades > 0) row("extrapolation grades", t.grades);
    row("trajectory", t.trajectory);
    row("analysis", t.analysis);
    row("checkpoints", t.checkpoint);
    row("final output", t.final_out);
    row("total wall", wall);
}

}  // namespace

int run_md(const RunOptions& opt) {
    const auto t_start = Clock::now();
    Timings tm;
    RunConfig cfg = opt.config_text.empty() ? load_config(opt.config_path) : parse_config(opt.config_text, opt.config_path);
    if (!opt.replicas.empty()) select_replicas(cfg, opt.replicas);  // --replicas (engine/replica_select.hpp)
    // Staged protocols: --steps N stops the protocol at step N (e.g. to continue later with --restart).
    if (opt.steps_override > (cfg.stages.empty() ? opt.steps_override : cfg.stages.back().end_step))
        throw Error("--steps " + std::to_string(opt.steps_override) + " is beyond the end of the staged protocol (step " +
                    std::to_string(cfg.stages.back().end_step) + ")");
    if (opt.steps_override >= 0) {
        cfg.md.steps = opt.steps_override;
        for (auto& r : cfg.replicas) r.md.steps = opt.steps_override;
    }
    const long total = cfg.replicas[0].md.steps;
    for (std::size_t i = 1; i < cfg.replicas.size(); ++i)
        if (cfg.replicas[i].md.steps != total)
            throw Error(cfg.config_file + ": [[replica]] #" + std::to_string(i + 1) + ".steps = " +
                        std::to_string(cfg.replicas[i].md.steps) + " differs from " + std::to_string(total) +
                        ": all replicas advance together and must run the same number of steps");
    const bool restart = !opt.restart_file.empty();
    CheckpointData ckpt;
    if (restart) ckpt = read_checkpoint(opt.restart_file);  // fail early, before any set-up work
    if (restart && ckpt.step >= total) {  // nothing to do: say so and touch nothing
        std::fprintf(stderr, "mdrun: %s\n", already_complete_message(opt.restart_file, ckpt, total).c_str());
        return 0;
    }
    const std::string note = restart ? target_note(cfg, opt.restart_file, ckpt, total, opt.steps_override >= 0) : "";
    if (!note.empty()) std::fprintf(stderr, "mdrun: %s\n", note.c_str());

    auto reps = build_replicas(cfg, true);
    make_directory(cfg.output.directory);
    for (auto& r : reps) make_directory(r->directory);

    RunLog log((fs::path(cfg.output.directory) / "run.log").string(), restart);
    log.section(restart ? "restart " + utc_now() : "run " + utc_now());
    log.line("mdrun " + std::string(MDRUN_VERSION_STRING) + ", config " +
             fs::absolute(cfg.config_file).lexically_normal().string());
    if (restart) log.line("restarted from checkpoint " + opt.restart_file + " at step " + std::to_string(ckpt.step));
    if (!note.empty()) log.line(note);
    log.line("final step of this run: " + std::to_string(total) + (opt.steps_override >= 0 ? " (--steps)" : " ([md].steps)"));
    log.line("OpenMP threads: " + std::to_string(omp_get_max_threads()) + ", waiting: " + omp_wait_description());

    int stage = restart ? stage_at(cfg, ckpt.step) : 0;  // staged protocols: the stage that runs next
    for (auto& r : reps) apply_stage(cfg, stage, *r);
    std::string device_note;
    std::unique_ptr<Backend> backend = make_backend(opt.device, reps, &device_note);
    if (!cfg.stages.empty() && !backend->supports_stages()) {
        if (opt.device != "auto") throw Error("--device " + opt.device + ": staged protocols ([[stage]]) run on the CPU backend; use --device cpu");
        backend = make_cpu_backend(reps);
        device_note = "--device auto: using the CPU (staged protocols run on the CPU backend)";
    }
    log.line("device: " + backend->describe() + " (requested --device " + opt.device + ")");
    if (!device_note.empty()) log.line(device_note);
    log.section("resolved configuration");
    const std::string resolved = resolved_config_toml(cfg);
    log.line(resolved);
    // The same text as a file: `mdrun <output.directory>/resolved.toml` repeats this run.
    write_file_atomically((fs::path(cfg.output.directory) / "resolved.toml").string(),
                          [&](std::ostream& os) { os << resolved; });
    log_stage_plan(cfg, log);
    log.section("set-up");
    for (const auto& r : reps) {
        std::string line = (r->name.empty() ? std::string("replica") : "replica " + r->name) + ": " +
                           std::to_string(r->sys.size()) + " atoms, species";
        for (const auto& s : r->sys.species) line += " " + s;
        std::size_t frozen = 0;
        for (auto f : r->sys.frozen) frozen += f;
        line += ", frozen " + std::to_string(frozen) + ", potential " + r->potential->name() + " (cutoff " +
                fmt(r->potential->cutoff()) + " Å, min_dist " + fmt(r->potential->min_trusted_distance()) +
                " Å), output " + r->directory;
        log.line(line);
    }
    log.write();

    // A failing replica stops alone (post-mortem, reason in its summary and run.log); the run goes on while
    // any replica runs (engine/replica_stop.hpp).
    const auto handle_stops = [&](const SafetyStop& stop) { stop_replicas(stop, cfg, *backend, reps, log); };

    long step = 0;
    if (restart) {
        step = restore_checkpoint(opt.restart_file, ckpt, cfg, *backend, reps);
        restore_stopped_replicas(step, backend.get(), reps, &log);
    } else {
        clear_stop_markers(reps);
        const SafetyStop s0 = backend->setup();
        if (s0.stopped) handle_stops(s0);
        set_cell_window(cfg, 0, *backend, reps.size());
    }
    tm.setup = seconds_since(t_start);
    log_start_state(log, *backend, reps, step);

    const OutputConfig& out = cfg.output;
    std::vector<ReplicaOutputs> outs(reps.size());
    for (std::size_t r = 0; r < reps.size(); ++r) {
        outs[r].thermo = std::make_unique<ThermoWriter>((fs::path(reps[r]->directory) / "thermo.csv").string(),
                                                        restart ? step : -1, cfg.has_extrapolation, any_npt(cfg),
                                                        !cfg.stages.empty());
        if (cfg.has_extrapolation) {
            outs[r].grades = std::make_unique<ExtrapolationMonitor>(
                parse_extrapolation(cfg.extrapolation, cfg.config_file, cfg.config_dir), *reps[r],
                static_cast<int>(r), restart ? step : -1);
            backend->attach_grades(static_cast<int>(r), outs[r].grades->grade_set(), outs[r].grades->every());
            log.line(outs[r].grades->describe());
            log.write();
        }
        if (out.trajectory_every > 0) {
            backend->sync_to_host(static_cast<int>(r));
            outs[r].traj = open_trajectory(trajectory_file(*reps[r], out), out.trajectory_format, reps[r]->sys,
                                           restart ? step : -1);
        }
    }

    // Outputs due at `s` (after the step completed). The order is fixed so restarts reproduce files.
    // what: 1 = thermo and trajectory, 2 = analysis samples, 3 = both (staged runs split them at a boundary).
    auto outputs_at = [&](long s, int what) {
        for (std::size_t r = 0; r < reps.size(); ++r) {
            Replica& rep = *reps[r];
            if (rep.stopped) continue;  // a stopped replica writes nothing more
            const int ri = static_cast<int>(r);
            bool synced = false;
            auto sync = [&] {
                if (!synced) backend->sync_to_host(ri);
                synced = true;
            };
            if ((what & 1) && outs[r].grades && outs[r].grades->due(s)) {
                const auto t0 = Clock::now();
                SafetyStop stop;
                outs[r].grades->check(s, rep, *backend, stop);  // (syncs the replica itself when it must)
                tm.grades += seconds_since(t0);
                if (stop.stopped) {  // extrapolation grade too high: this replica stops alone
                    handle_stops(stop);
                    continue;
                }
            }
            if ((what & 1) && s % out.thermo_every == 0) {
                const auto t0 = Clock::now();
                ReplicaObservables o = backend->observables(ri);
                if (!cfg.stages.empty()) o.stage = stage_at(cfg, s - 1) + 1;  // the stage that reached step s
                outs[r].thermo->write(o, static_cast<double>(s) * rep.params.dt_ps,
                                      outs[r].grades ? outs[r].grades->last_grade() : 0.0);
                outs[r].thermo->flush();
                if (rep.analysis && stage_analysed(cfg, s)) rep.analysis->observe_temperature(s, o.temperature_K);
                tm.thermo += seconds_since(t0);
            }
            if ((what & 1) && outs[r].traj && s % out.trajectory_every == 0) {
                const auto t0 = Clock::now();
                sync();
                outs[r].traj->write_frame(rep.sys, s, static_cast<double>(s) * rep.params.dt_ps);
                tm.trajectory += seconds_since(t0);
            }
            if (rep.analysis && rep.analysis->due(s) && (what & 2) && stage_analysed(cfg, s)) {
                const auto t0 = Clock::now();
                try {
                    if (!backend->sample_analysis(ri, s, *rep.analysis)) {  // device-side sampling, else host
                        sync();
                        rep.analysis->sample(s, rep.sys);
                    }
                } catch (const Error& e) {  // e.g. a polyanion fell apart: this replica stops, not the run
                    SafetyStop st;
                    st.stopped = true;
                    st.replica = ri;
                    st.step = s;
                    st.reason = "step " + std::to_string(s) + (rep.name.empty() ? std::string() : " in replica '" + rep.name + "'") +
                                ": " + e.what();
                    handle_stops(st);
                }
                tm.analysis += seconds_since(t0);
            }
        }
    };
    auto checkpoint_now = [&] {
        const auto t0 = Clock::now();
        for (std::size_t r = 0; r < reps.size(); ++r) {
            if (outs[r].traj) outs[r].traj->flush();
            outs[r].thermo->flush();
            if (reps[r]->analysis && !reps[r]->stopped) {
                backend->sync_analysis(static_cast<int>(r), *reps[r]->analysis);  // device accumulators -> host
                const SafetyStop pending = backend->pending_stop();  // a device-side analysis check failed
                if (pending.stopped) handle_stops(pending);
                if (!reps[r]->stopped) reps[r]->analysis->write_results(reps[r]->directory);
            }
        }
        stop_melted_replicas(cfg, *backend, reps, log, backend->step());
        write_checkpoint(checkpoint_path(cfg), cfg, *backend, reps);
        log_checkpoint(log, *backend, reps, step, checkpoint_path(cfg));
        tm.checkpoint += seconds_since(t0);
    };

    const long grade_every =
        cfg.has_extrapolation ? parse_extrapolation(cfg.extrapolation, cfg.config_file, cfg.config_dir).every : 0;
    if (!restart) outputs_at(0, 3);

    g_signal = 0;
    std::signal(SIGINT, on_stop_signal);
    std::signal(SIGTERM, on_stop_signal);
    long atoms = 0;
    for (const auto& r : reps) atoms += static_cast<long>(r->sys.size());
    Progress progress(step, total, atoms, reps[0]->params.dt_ps, out.progress_every_s);
    long chunk_cap = 10;  // grows so one chunk takes about 0.25 s: progress stays live, overhead stays small
    const long start_step = step;
    bool checkpointed_last = false;
    std::vector<bool> warned;  // close-pair warning already in run.log, per replica
    while (step < total) {
        long next = total;
        next = std::min(next, next_multiple(step, out.thermo_every));
        if (out.trajectory_every > 0) next = std::min(next, next_multiple(step, out.trajectory_every));
        if (out.checkpoint_every > 0) next = std::min(next, next_multiple(step, out.checkpoint_every));
        for (const auto& r : reps)
            if (r->analysis) next = std::min(next, next_multiple(step, r->analysis->sample_every()));
        if (grade_every > 0) next = std::min(next, next_multiple(step, grade_every));
        next = std::min(next, step + chunk_cap);
        if (!cfg.stages.empty()) next = std::min(next, cfg.stages[static_cast<std::size_t>(stage)].end_step);

        const auto t0 = Clock::now();
        const SafetyStop stop = backend->advance(next - step);
        const double dt_chunk = seconds_since(t0);
        tm.md += dt_chunk;
        if (stop.stopped) handle_stops(stop);
        const long done = backend->step() - step;  // fewer than asked when a replica stopped
        if (done <= 0) continue;
        step = backend->step();
        if (dt_chunk > 0) {
            const double rate = static_cast<double>(done) / dt_chunk;
            chunk_cap = std::max(1L, std::min(100000L, static_cast<long>(rate * 0.25)));
        }
        const bool boundary = !cfg.stages.empty() && step == cfg.stages[static_cast<std::size_t>(stage)].end_step &&
                              stage + 1 < static_cast<int>(cfg.stages.size());
        outputs_at(step, boundary ? 1 : 3);
        if (boundary) {  // the next stage starts from this step; its analyses sample from here on
            begin_stage(cfg, ++stage, *backend, reps, log);
            outputs_at(step, 2);
        }
        log_new_warnings(log, reps, step, warned);
        checkpointed_last = false;
        if (out.checkpoint_every > 0 && step % out.checkpoint_every == 0) {
            checkpoint_now();
            checkpointed_last = true;
        }
        if (!opt.quiet) progress.update(step);
        if (opt.on_progress) opt.on_progress(step, total);
        if (g_signal != 0) break;
    }
    if (!checkpointed_last) checkpoint_now();  // a checkpoint is also written at the end of the run
    if (g_signal != 0 && step < total) {
        const int sig = g_signal;
        if (!opt.quiet) progress.finish(step);
        write_run_summary(log, *backend, reps, tm, seconds_since(t_start));
        log.section("INTERRUPTED by signal " + std::to_string(sig) + " " + utc_now() + " at step " +
                    std::to_string(step) + "; checkpoint written");
        log.write();
        const std::string again = restart_command(cfg, checkpoint_path(cfg), total);
        log.line("continue with: " + again);
        std::fprintf(stderr,
                     "mdrun: interrupted by signal %d at step %ld; checkpoint written: %s\n"
                     "  continue with: %s\n",
                     sig, step, checkpoint_path(cfg).c_str(), again.c_str());
        return 128 + sig;
    }
    if (!opt.quiet) progress.finish(step);

    const auto t_final = Clock::now();
    for (std::size_t r = 0; r < reps.size(); ++r) {
        if (reps[r]->stopped) {  // its post-mortem snapshot is its last state
            if (outs[r].traj) outs[r].traj->flush();
            continue;
        }
        backend->sync_to_host(static_cast<int>(r));
        if (out.write_final) {
            write_poscar((fs::path(reps[r]->directory) / "final.POSCAR").string(), reps[r]->sys);
            write_extxyz((fs::path(reps[r]->directory) / "final.extxyz").string(), reps[r]->sys);
        }
        if (outs[r].traj) outs[r].traj->flush();
    }
    // Several replicas (a temperature series, frozen controls): arrhenius.json and controls.json in the
    // top-level output directory (engine/cross_replica.hpp), for the replicas that finished.
    if (reps.size() > 1) {
        std::vector<const Replica*> all;
        for (const auto& r : reps) all.push_back(r.get());
        for (const auto& f : write_cross_replica_outputs(cfg.output.directory, all)) log.line("cross-replica output: " + f);
    }
    tm.final_out = seconds_since(t_final);

    const double wall = seconds_since(t_start);
    write_run_summary(log, *backend, reps, tm, wall);
    for (std::size_t r = 0; r < reps.size(); ++r)
        if (outs[r].grades)
            log.line("extrapolation grades of " + reps[r]->label() + ": " + std::to_string(outs[r].grades->graded()) +
                     " graded steps (" + std::to_string(outs[r].grades->host_passes()) +
                     " by a separate host pass, the others by the " + backend->name() + " backend), " +
                     std::to_string(outs[r].grades->saved()) + " configurations in " + outs[r].grades->path());
    const double steps_done = static_cast<double>(step - start_step);
    if (tm.md > 0 && steps_done > 0)
        log.line("throughput: " + fmt(steps_done * static_cast<double>(atoms) / tm.md, "%.4g") +
                 " atom-steps/s over the MD loop (" + fmt(steps_done / tm.md, "%.4g") + " steps/s, " +
                 fmt(steps_done / tm.md * reps[0]->params.dt_ps * 1e-3 * 86400, "%.4g") + " ns/day)");
    const int n_stopped = static_cast<int>(reps.size()) - running_replicas(reps);
    if (reps.size() > 1) write_replicas_json(cfg, reps, step, total);
    log.section("finished " + utc_now() + " at step " + std::to_string(step) +
                (n_stopped > 0 ? "; " + std::to_string(n_stopped) + " replica(s) stopped early (see replicas.json)" : std::string()));
    for (const auto& r : reps)
        if (r->stopped) log.line("did not finish: replica " + (r->name.empty() ? std::to_string(r->index + 1) : r->name) +
                                 " (stopped at step " + std::to_string(r->stop_step) + ": " + r->stop_reason + ")");
    log.write();

    if (!opt.quiet) {
        std::fprintf(stderr, "mdrun: finished %ld steps; outputs in %s\n", step, cfg.output.directory.c_str());
        for (const auto& r : reps)
            if (!r->stopped)
            std::fprintf(stderr, "  %s: thermo.csv%s%s, final.POSCAR, final.extxyz\n", r->directory.c_str(),
                         out.trajectory_every > 0 ? (", " + trajectory_file_name(out.trajectory_format)).c_str() : "",
                         r->analysis ? ", analysis results" : "");
        std::fprintf(stderr, "  run log: %s, checkpoint: %s\n", log.path().c_str(), checkpoint_path(cfg).c_str());
    }
    if (n_stopped > 0) {
        std::fprintf(stderr, "mdrun: %d of %zu replicas did not finish:\n", n_stopped, reps.size());
        for (const auto& r : reps)
            if (r->stopped)
                std::fprintf(stderr, "  %s: stopped at step %ld: %s\n", r->directory.c_str(), r->stop_step, r->stop_reason.c_str());
        std::fprintf(stderr, "  (exit status %d; %s/replicas.json lists every replica)\n", kExitReplicasStopped,
                     cfg.output.directory.c_str());
        return kExitReplicasStopped;
    }
    return 0;
}

}  // namespace mdrun
