// The outputs of a run as it goes (engine/run/run_session.hpp): thermo.csv, trajectory, extrapolation
// grades and analysis samples at the steps they fall due, and checkpoints.
#include <cstdio>
#include <filesystem>

#include "analysis/analysis_set.hpp"
#include "engine/core/atomic_file.hpp"
#include "engine/core/error.hpp"
#include "engine/run/replica_stop.hpp"
#include "engine/run/run_report.hpp"
#include "engine/run/run_session.hpp"
#include "engine/run/stage_run.hpp"

namespace mdrun {

namespace fs = std::filesystem;

void open_outputs(RunSession& s) {
    const OutputConfig& out = s.cfg.output;
    const long append_after = s.restart ? s.step : -1;
    s.outs.resize(s.reps.size());
    for (std::size_t r = 0; r < s.reps.size(); ++r) {
        Replica& rep = *s.reps[r];
        s.outs[r].thermo = std::make_unique<ThermoWriter>((fs::path(rep.directory) / "thermo.csv").string(),
                                                          append_after, s.cfg.has_extrapolation, any_npt(s.cfg),
                                                          !s.cfg.stages.empty());
        if (s.cfg.has_extrapolation) {
            s.outs[r].grades = std::make_unique<ExtrapolationMonitor>(
                parse_extrapolation(s.cfg.extrapolation, s.cfg.config_file, s.cfg.config_dir), rep,
                static_cast<int>(r), append_after);
            s.backend->attach_grades(static_cast<int>(r), s.outs[r].grades->grade_set(), s.outs[r].grades->every());
            s.log->line(s.outs[r].grades->describe());
            s.log->write();
        }
        if (out.trajectory_every > 0) {
            s.backend->sync_to_host(static_cast<int>(r));
            const std::string traj = (fs::path(rep.directory) / trajectory_file_name(out.trajectory_format)).string();
            std::error_code ec;
            if (append_after >= 0 && !fs::exists(traj, ec)) {  // (a damaged one is an error: engine/io/trajectory*.cpp)
                const std::string note = "no trajectory " + traj + " to continue: a new one starts with the frames after step " +
                                         std::to_string(append_after);
                std::fprintf(stderr, "mdrun: note: %s\n", note.c_str());
                s.log->line(note);
            }
            s.outs[r].traj = open_trajectory(traj, out.trajectory_format, rep.sys, append_after);
        }
    }
    s.grade_every = s.cfg.has_extrapolation
                        ? parse_extrapolation(s.cfg.extrapolation, s.cfg.config_file, s.cfg.config_dir).every
                        : 0;
    if (!s.restart) write_outputs_at(s, 0, 3);
}

void write_outputs_at(RunSession& s, long step, int what) {
    const OutputConfig& out = s.cfg.output;
    Backend& backend = *s.backend;
    // A failing replica stops alone (post-mortem, reason in its summary and run.log); the run goes on while
    // any replica runs (engine/run/replica_stop.hpp).
    const auto handle_stop = [&](const SafetyStop& stop) { stop_replicas(stop, s.cfg, backend, s.reps, *s.log); };
    for (std::size_t r = 0; r < s.reps.size(); ++r) {
        Replica& rep = *s.reps[r];
        ReplicaOutputs& o = s.outs[r];
        if (rep.stopped) continue;  // a stopped replica writes nothing more
        const int ri = static_cast<int>(r);
        bool synced = false;
        auto sync = [&] {
            if (!synced) backend.sync_to_host(ri);
            synced = true;
        };
        if ((what & 1) && o.grades && o.grades->due(step)) {
            const auto t0 = RunClock::now();
            SafetyStop stop;
            o.grades->check(step, rep, backend, stop);  // (syncs the replica itself when it must)
            s.tm.grades += seconds_since(t0);
            if (stop.stopped) {  // extrapolation grade too high: this replica stops alone
                handle_stop(stop);
                continue;
            }
        }
        if ((what & 1) && step % out.thermo_every == 0) {
            const auto t0 = RunClock::now();
            ReplicaObservables obs = backend.observables(ri);
            if (!s.cfg.stages.empty()) obs.stage = stage_at(s.cfg, step - 1) + 1;  // the stage that reached `step`
            o.thermo->write(obs, static_cast<double>(step) * rep.params.dt_ps, o.grades ? o.grades->last_grade() : 0.0);
            o.thermo->flush();
            if (rep.analysis && stage_analysed(s.cfg, step)) rep.analysis->observe_temperature(step, obs.temperature_K);
            s.tm.thermo += seconds_since(t0);
        }
        if ((what & 1) && o.traj && step % out.trajectory_every == 0) {
            const auto t0 = RunClock::now();
            sync();
            o.traj->write_frame(rep.sys, step, static_cast<double>(step) * rep.params.dt_ps);
            s.tm.trajectory += seconds_since(t0);
        }
        if (rep.analysis && rep.analysis->due(step) && (what & 2) && stage_analysed(s.cfg, step)) {
            const auto t0 = RunClock::now();
            try {
                if (!backend.sample_analysis(ri, step, *rep.analysis)) {  // device-side sampling, else host
                    sync();
                    rep.analysis->sample(step, rep.sys);
                }
            } catch (const Error& e) {  // e.g. a polyanion fell apart: this replica stops, not the run
                SafetyStop st;
                st.stopped = true;
                st.replica = ri;
                st.step = step;
                st.reason = "step " + std::to_string(step) +
                            (rep.name.empty() ? std::string() : " in replica '" + rep.name + "'") + ": " + e.what();
                handle_stop(st);
            }
            s.tm.analysis += seconds_since(t0);
        }
    }
}

void write_checkpoint_now(RunSession& s) {
    const auto t0 = RunClock::now();
    Backend& backend = *s.backend;
    for (std::size_t r = 0; r < s.reps.size(); ++r) {
        Replica& rep = *s.reps[r];
        if (s.outs[r].traj) s.outs[r].traj->flush();
        s.outs[r].thermo->flush();
        // On disk before the checkpoint names this step: after a power cut the rows and frames it counts on
        // are there (a restart drops what comes after them, docs/reliability.md).
        sync_path(s.outs[r].thermo->path(), s.outs[r].thermo->path());
        if (s.outs[r].traj) {
            const std::string traj = (fs::path(rep.directory) / trajectory_file_name(s.cfg.output.trajectory_format)).string();
            sync_path(traj, traj);
        }
        if (rep.analysis && !rep.stopped) {
            backend.sync_analysis(static_cast<int>(r), *rep.analysis);  // device accumulators -> host
            const SafetyStop pending = backend.pending_stop();         // a device-side analysis check failed
            if (pending.stopped) stop_replicas(pending, s.cfg, backend, s.reps, *s.log);
            if (!rep.stopped) rep.analysis->write_results(rep.directory);
        }
    }
    stop_melted_replicas(s.cfg, backend, s.reps, *s.log, backend.step());
    write_checkpoint(checkpoint_path(s.cfg), s.cfg, backend, s.reps, s.inputs);
    log_checkpoint(*s.log, backend, s.reps, s.step, checkpoint_path(s.cfg));
    s.tm.checkpoint += seconds_since(t0);
}

}  // namespace mdrun
