// Stages 1-3 of a run (engine/run/run_session.hpp): configuration and checkpoint, replicas + run.log +
// backend, and the state at the first step.
#include <algorithm>
#include <cstdio>
#include <filesystem>

#include <omp.h>

#include "engine/core/format_number.hpp"
#include "engine/core/atomic_file.hpp"
#include "engine/core/dir_lock.hpp"
#include "engine/core/error.hpp"
#include "engine/core/omp_defaults.hpp"
#include "engine/core/version.hpp"
#include "engine/run/build_replicas.hpp"
#include "engine/run/output_directory.hpp"
#include "engine/run/replica_select.hpp"
#include "engine/run/replica_stop.hpp"
#include "engine/run/restart_hint.hpp"
#include "engine/run/run_report.hpp"
#include "engine/run/run_session.hpp"
#include "engine/run/stage_run.hpp"
#include "potentials/potential.hpp"

namespace mdrun {

namespace fs = std::filesystem;

namespace {

// run.log: who ran what, from where, to which step, with which threads.
void log_header(RunSession& s) {
    RunLog& log = *s.log;
    log.section(s.restart ? "restart " + utc_now() : "run " + utc_now());
    log.line("mdrun " + std::string(MDRUN_VERSION_STRING) + ", config " +
             fs::absolute(s.cfg.config_file).lexically_normal().string());
    if (s.restart) log.line("restarted from checkpoint " + s.opt.restart_file + " at step " + std::to_string(s.ckpt.step));
    if (!s.target.empty()) log.line(s.target);
    log.line("final step of this run: " + std::to_string(s.total) +
             (s.opt.steps_override >= 0 ? " (--steps)" : " ([md].steps)"));
    log.line("OpenMP threads: " + std::to_string(omp_get_max_threads()) + ", waiting: " + omp_wait_description());
}

// The backend asked for with --device; staged protocols fall back to the CPU under --device auto.
void choose_backend(RunSession& s) {
    std::string device_note;
    s.backend = make_backend(s.opt.device, s.reps, &device_note);
    if (!s.cfg.stages.empty() && !s.backend->supports_stages()) {
        if (s.opt.device != "auto")
            throw Error("--device " + s.opt.device + ": staged protocols ([[stage]]) run on the CPU backend; use --device cpu");
        s.backend = make_cpu_backend(s.reps);
        device_note = "--device auto: using the CPU (staged protocols run on the CPU backend)";
    }
    s.log->line("device: " + s.backend->describe() + " (requested --device " + s.opt.device + ")");
    if (!device_note.empty()) s.log->line(device_note);
}

// run.log and resolved.toml: the configuration as it was understood, defaults included.
void write_resolved_config(RunSession& s) {
    s.log->section("resolved configuration");
    const std::string resolved = resolved_config_toml(s.cfg);
    s.log->line(resolved);
    // The same text as a file: `mdrun <output.directory>/resolved.toml` repeats this run.
    write_file_atomically((fs::path(s.cfg.output.directory) / "resolved.toml").string(),
                          [&](std::ostream& os) { os << resolved; });
}

void log_setup(RunSession& s) {
    s.log->section("set-up");
    for (const auto& r : s.reps) {
        std::string line = (r->name.empty() ? std::string("replica") : "replica " + r->name) + ": " +
                           std::to_string(r->sys.size()) + " atoms, species";
        for (const auto& sp : r->sys.species) line += " " + sp;
        std::size_t frozen = 0;
        for (auto f : r->sys.frozen) frozen += f;
        line += ", frozen " + std::to_string(frozen) + ", potential " + r->potential->name() + " (cutoff " +
                format_number(r->potential->cutoff()) + " Å, min_dist " + format_number(r->potential->min_trusted_distance()) +
                " Å), output " + r->directory;
        s.log->line(line);
    }
    s.log->write();
}

}  // namespace

bool load_run_config(RunSession& s) {
    const RunOptions& opt = s.opt;
    RunConfig& cfg = s.cfg;
    cfg = opt.config_text.empty() ? load_config(opt.config_path) : parse_config(opt.config_text, opt.config_path);
    if (!opt.replicas.empty()) select_replicas(cfg, opt.replicas);  // --replicas (engine/run/replica_select.hpp)
    // Staged protocols: --steps N stops the protocol at step N (e.g. to continue later with --restart).
    if (opt.steps_override > (cfg.stages.empty() ? opt.steps_override : cfg.stages.back().end_step))
        throw Error("--steps " + std::to_string(opt.steps_override) + " is beyond the end of the staged protocol (step " +
                    std::to_string(cfg.stages.back().end_step) + ")");
    if (opt.steps_override >= 0) {
        cfg.md.steps = opt.steps_override;
        for (auto& r : cfg.replicas) r.md.steps = opt.steps_override;
    }
    s.total = cfg.replicas[0].md.steps;
    for (std::size_t i = 1; i < cfg.replicas.size(); ++i)
        if (cfg.replicas[i].md.steps != s.total)
            throw Error(cfg.config_file + ": [[replica]] #" + std::to_string(i + 1) + ".steps = " +
                        std::to_string(cfg.replicas[i].md.steps) + " differs from " + std::to_string(s.total) +
                        ": all replicas advance together and must run the same number of steps");
    cfg.in_series = opt.in_series;
    s.restart = !opt.restart_file.empty() || opt.restart_data;
    if (opt.restart_data) s.ckpt = *opt.restart_data;
    else if (s.restart) s.ckpt = read_checkpoint(opt.restart_file);  // fail early, before any set-up work
    if (s.restart && s.ckpt.step >= s.total) {
        if (s.ckpt.step > s.total || !final_outputs_missing(cfg)) {  // nothing to do: say so and touch nothing
            std::fprintf(stderr, "mdrun: %s\n", already_complete_message(opt.restart_file, s.ckpt, s.total).c_str());
            // A kill between the run's last write and the removal of its lock leaves a stale mdrun.lock in an
            // otherwise complete directory: taking the lock proves no process holds it, and releasing it removes
            // the file. A lock that a live process holds is left alone.
            std::error_code ec;
            if (fs::exists(fs::path(cfg.output.directory) / lock_file_name(), ec)) {
                try {
                    DirectoryLock stale(cfg.output.directory);
                } catch (const Error&) {
                }
            }
            return false;
        }
        // Killed after the last checkpoint, before the final structures: the run goes through its stages
        // with no step to make, which writes exactly what the uninterrupted run wrote at its end.
        std::fprintf(stderr, "mdrun: %s is at the final step %ld but final structures are missing (the run was stopped "
                     "after its last checkpoint): writing them\n", opt.restart_file.c_str(), s.ckpt.step);
    }
    s.target = s.restart ? target_note(cfg, opt.restart_file, s.ckpt, s.total, opt.steps_override >= 0) : "";
    if (!s.target.empty()) std::fprintf(stderr, "mdrun: %s\n", s.target.c_str());
    return true;
}

void open_session(RunSession& s) {
    s.reps = build_replicas(s.cfg, true);  // reads the input files (their errors name them)
    check_output_needs(s.cfg, s.reps);
    // Their digests go into every checkpoint; a restart must continue the same physics: the same input file
    // contents and physics keys (engine/run/restart_inputs.hpp). Checked before any output is touched.
    s.inputs = input_digests(s.cfg);
    if (s.restart)
        check_restart_inputs(s.opt.restart_file.empty() ? std::string("the checkpoint") : s.opt.restart_file,
                             s.ckpt.inputs, s.ckpt.physics, s.inputs, config_physics_text(s.cfg));
    std::vector<std::string> removed_tmp;
    s.lock = claim_output_directories(s.cfg, s.reps, removed_tmp);
    for (const auto& r : s.reps) s.atoms += static_cast<long>(r->sys.size());

    s.log = std::make_unique<RunLog>((fs::path(s.cfg.output.directory) / "run.log").string(), s.restart);
    log_header(s);
    for (const auto& p : removed_tmp) s.log->line("removed " + p + " (left by a run that was killed while writing it)");
    s.stage = s.restart ? stage_at(s.cfg, s.ckpt.step) : 0;
    for (auto& r : s.reps) apply_stage(s.cfg, s.stage, *r);
    choose_backend(s);
    write_resolved_config(s);
    log_stage_plan(s.cfg, *s.log);
    log_setup(s);
}

void start_dynamics(RunSession& s) {
    if (s.restart) {
        s.step = restore_checkpoint(s.opt.restart_file, s.ckpt, s.cfg, *s.backend, s.reps);
        restore_stopped_replicas(s.step, s.backend.get(), s.reps, s.log.get());
    } else {
        clear_stop_markers(s.reps);
        const SafetyStop s0 = s.backend->setup();
        if (s0.stopped) stop_replicas(s0, s.cfg, *s.backend, s.reps, *s.log);
        set_cell_window(s.cfg, 0, *s.backend, s.reps.size());
    }
    s.start_step = s.step;
    s.tm.setup = seconds_since(s.t_start);
    log_start_state(*s.log, *s.backend, s.reps, s.step);
}

}  // namespace mdrun
