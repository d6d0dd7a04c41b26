// The end of a run (engine/run/run_session.hpp): after a signal, or at the final step: final structures,
// cross-replica outputs, the run.log summary and the report on stderr.
#include <cstdio>
#include <filesystem>

#include "engine/core/format_number.hpp"
#include "engine/io/structure_io.hpp"
#include "engine/run/cross_replica.hpp"
#include "engine/run/replica_stop.hpp"
#include "engine/run/restart_hint.hpp"
#include "engine/run/run_session.hpp"
#include "potentials/potential.hpp"

namespace mdrun {

namespace fs = std::filesystem;

namespace {

// run.log: the state of every replica, then where the wall time went.
void write_run_summary(RunSession& s, double wall) {
    RunLog& log = *s.log;
    log.section("replicas at step " + std::to_string(s.backend->step()));
    for (std::size_t r = 0; r < s.reps.size(); ++r) {
        const ReplicaObservables o = s.backend->observables(static_cast<int>(r));
        const Replica& rep = *s.reps[r];
        log.line((rep.name.empty() ? std::string("replica") : "replica " + rep.name) + ": " +
                 std::to_string(rep.sys.size()) + " atoms, dof " + format_number(o.dof) + ", T " + format_number(o.temperature_K) +
                 " K, PE " + format_number(o.potential_eV, "%.10g") + " eV, conserved " + format_number(o.conserved_eV, "%.10g") +
                 " eV, neighbour-list rebuilds " + std::to_string(o.neighbor_rebuilds));
        if (rep.counters.close_pair_steps > 0)
            log.line("  WARNING: pairs closer than the potential's min_dist (" +
                     format_number(rep.potential ? rep.potential->min_trusted_distance() : 0.0) + " Å) at " +
                     std::to_string(rep.counters.close_pair_steps) + " steps (" +
                     std::to_string(rep.counters.close_pairs_total) + " pair-steps, closest " +
                     format_number(rep.counters.min_close_r) + " Å): the potential extrapolated there");
        else
            log.line("  close pairs (r < min_dist): none");
    }
    log.section("timings (this process)");
    auto row = [&](const char* what, double sec) {
        log.line(std::string(what) + ": " + format_number(sec, "%.3f") + " s (" + format_number(wall > 0 ? 100 * sec / wall : 0, "%.1f") + " %)");
    };
    const RunTimings& t = s.tm;
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

// final.POSCAR / final.extxyz of every replica that finished; a stopped replica's post-mortem snapshot
// is its last state.
void write_final_structures(RunSession& s) {
    for (std::size_t r = 0; r < s.reps.size(); ++r) {
        ReplicaOutputs& o = s.outs[r];
        if (s.reps[r]->stopped) {
            if (o.traj) o.traj->flush();
            continue;
        }
        s.backend->sync_to_host(static_cast<int>(r));
        if (s.cfg.output.write_final) {
            write_poscar((fs::path(s.reps[r]->directory) / "final.POSCAR").string(), s.reps[r]->sys);
            write_extxyz((fs::path(s.reps[r]->directory) / "final.extxyz").string(), s.reps[r]->sys);
        }
        if (o.traj) o.traj->flush();
    }
}

// stderr: where the outputs are, and which replicas did not finish.
int report_on_stderr(const RunSession& s, int n_stopped) {
    const OutputConfig& out = s.cfg.output;
    if (!s.opt.quiet) {
        std::fprintf(stderr, "mdrun: finished %ld steps; outputs in %s\n", s.step, out.directory.c_str());
        for (const auto& r : s.reps)
            if (!r->stopped)
                std::fprintf(stderr, "  %s: thermo.csv%s%s, final.POSCAR, final.extxyz\n", r->directory.c_str(),
                             out.trajectory_every > 0 ? (", " + trajectory_file_name(out.trajectory_format)).c_str() : "",
                             r->analysis ? ", analysis results" : "");
        std::fprintf(stderr, "  run log: %s, checkpoint: %s\n", s.log->path().c_str(), checkpoint_path(s.cfg).c_str());
    }
    if (n_stopped == 0) return 0;
    std::fprintf(stderr, "mdrun: %d of %zu replicas did not finish:\n", n_stopped, s.reps.size());
    for (const auto& r : s.reps)
        if (r->stopped)
            std::fprintf(stderr, "  %s: stopped at step %ld: %s\n", r->directory.c_str(), r->stop_step, r->stop_reason.c_str());
    std::fprintf(stderr, "  (exit status %d; %s/replicas.json lists every replica)\n", kExitReplicasStopped,
                 out.directory.c_str());
    return kExitReplicasStopped;
}

}  // namespace

int finish_interrupted(RunSession& s) {
    write_run_summary(s, seconds_since(s.t_start));
    RunLog& log = *s.log;
    log.section("INTERRUPTED by signal " + std::to_string(s.signal) + " " + utc_now() + " at step " +
                std::to_string(s.step) + "; checkpoint written");
    log.write();
    if (s.cfg.in_series) {  // a rank's part: rank 0 says how to continue the whole series (engine/mpi/mpi_run.cpp)
        std::fprintf(stderr, "mdrun: interrupted by signal %d at step %ld; checkpoint written: %s\n", s.signal, s.step,
                     checkpoint_path(s.cfg).c_str());
        return 128 + s.signal;
    }
    const std::string again = restart_command(s.cfg, checkpoint_path(s.cfg), s.total);
    log.line("continue with: " + again);
    std::fprintf(stderr,
                 "mdrun: interrupted by signal %d at step %ld; checkpoint written: %s\n"
                 "  continue with: %s\n",
                 s.signal, s.step, checkpoint_path(s.cfg).c_str(), again.c_str());
    return 128 + s.signal;
}

int finish_run(RunSession& s) {
    const auto t_final = RunClock::now();
    write_final_structures(s);
    // Several replicas (a temperature series, frozen controls): arrhenius.json and controls.json in the
    // top-level output directory (engine/run/cross_replica.hpp), for the replicas that finished.
    if (s.reps.size() > 1) {
        std::vector<const Replica*> all;
        for (const auto& r : s.reps) all.push_back(r.get());
        for (const auto& f : write_cross_replica_outputs(s.cfg.output.directory, all))
            s.log->line("cross-replica output: " + f);
    }
    s.tm.final_out = seconds_since(t_final);

    const double wall = seconds_since(s.t_start);
    write_run_summary(s, wall);
    RunLog& log = *s.log;
    for (std::size_t r = 0; r < s.reps.size(); ++r)
        if (s.outs[r].grades)
            log.line("extrapolation grades of " + s.reps[r]->label() + ": " + std::to_string(s.outs[r].grades->graded()) +
                     " graded steps (" + std::to_string(s.outs[r].grades->host_passes()) +
                     " by a separate host pass, the others by the " + s.backend->name() + " backend), " +
                     std::to_string(s.outs[r].grades->saved()) + " configurations in " + s.outs[r].grades->path());
    const double steps_done = static_cast<double>(s.step - s.start_step);
    if (s.tm.md > 0 && steps_done > 0)
        log.line("throughput: " + format_number(steps_done * static_cast<double>(s.atoms) / s.tm.md, "%.4g") +
                 " atom-steps/s over the MD loop (" + format_number(steps_done / s.tm.md, "%.4g") + " steps/s, " +
                 format_number(steps_done / s.tm.md * s.reps[0]->params.dt_ps * 1e-3 * 86400, "%.4g") + " ns/day)");
    const int n_stopped = static_cast<int>(s.reps.size()) - running_replicas(s.reps);
    if (s.reps.size() > 1) write_replicas_json(s.cfg, s.reps, s.step, s.total);
    log.section("finished " + utc_now() + " at step " + std::to_string(s.step) +
                (n_stopped > 0 ? "; " + std::to_string(n_stopped) + " replica(s) stopped early (see replicas.json)"
                               : std::string()));
    for (const auto& r : s.reps)
        if (r->stopped)
            log.line("did not finish: replica " + (r->name.empty() ? std::to_string(r->index + 1) : r->name) +
                     " (stopped at step " + std::to_string(r->stop_step) + ": " + r->stop_reason + ")");
    log.write();
    return report_on_stderr(s, n_stopped);
}

}  // namespace mdrun
