// `mdrun config.toml`: the run as a sequence of named stages (engine/run/run_session.hpp) and the MD loop
// that advances the replicas between output steps.
#include "engine/run/run_loop.hpp"

#include <omp.h>

#include <algorithm>
#include <csignal>
#include <cstdlib>

#include "analysis/analysis_set.hpp"
#include "engine/run/progress.hpp"
#include "engine/run/replica_stop.hpp"
#include "engine/run/run_report.hpp"
#include "engine/run/run_session.hpp"
#include "engine/run/stage_run.hpp"
#include "engine/run/thread_governor.hpp"

namespace mdrun {

namespace {

// SIGINT/SIGTERM (Ctrl-C, a batch system's time limit): finish the current chunk of steps, write a
// checkpoint at that step and exit, so a days-long run can always be continued with --restart.
volatile std::sig_atomic_t g_signal = 0;
extern "C" void on_stop_signal(int sig) { g_signal = sig; }

// Next multiple of `every` strictly after `step` (every > 0).
long next_multiple(long step, long every) { return (step / every + 1) * every; }

// The next step at which something is due (an output, a checkpoint, a sample, a grade, a stage end), at
// most `chunk_cap` steps ahead.
long next_stop(const RunSession& s, long chunk_cap) {
    const OutputConfig& out = s.cfg.output;
    long next = s.total;
    next = std::min(next, next_multiple(s.step, out.thermo_every));
    if (out.trajectory_every > 0) next = std::min(next, next_multiple(s.step, out.trajectory_every));
    if (out.checkpoint_every > 0) next = std::min(next, next_multiple(s.step, out.checkpoint_every));
    for (const auto& r : s.reps)
        if (r->analysis) next = std::min(next, next_multiple(s.step, r->analysis->sample_every()));
    if (s.grade_every > 0) next = std::min(next, next_multiple(s.step, s.grade_every));
    next = std::min(next, s.step + chunk_cap);
    if (!s.cfg.stages.empty()) next = std::min(next, s.cfg.stages[static_cast<std::size_t>(s.stage)].end_step);
    return next;
}

}  // namespace

void run_steps(RunSession& s) {
    const OutputConfig& out = s.cfg.output;
    Backend& backend = *s.backend;
    g_signal = 0;
    std::signal(SIGINT, on_stop_signal);
    std::signal(SIGTERM, on_stop_signal);
    Progress progress(s.step, s.total, s.atoms, s.reps[0]->params.dt_ps, out.progress_every_s);
    long chunk_cap = 10;  // grows so one chunk takes about 0.25 s: progress stays live, overhead stays small
    bool checkpointed_last = false;
    std::vector<bool> warned;  // close-pair warning already in run.log, per replica
    const int max_threads = omp_get_max_threads();
    // MDRUN_THREAD_GOVERNOR_SCALE (tests only): shorter holds and probes, so that a short run switches.
    const char* gscale = std::getenv("MDRUN_THREAD_GOVERNOR_SCALE");
    const double scale = gscale ? std::max(1e-6, std::atof(gscale)) : 1.0;
    ThreadGovernor governor(max_threads, backend.name() == "cpu" && !s.opt.fixed_threads, scale);
    while (s.step < s.total) {
        const long next = next_stop(s, chunk_cap);
        if (governor.enabled()) omp_set_num_threads(governor.threads());
        const auto t0 = RunClock::now();
        const SafetyStop stop = backend.advance(next - s.step);
        const double dt_chunk = seconds_since(t0);
        s.tm.md += dt_chunk;
        if (stop.stopped) stop_replicas(stop, s.cfg, backend, s.reps, *s.log);
        const long done = backend.step() - s.step;  // fewer than asked when a replica stopped
        if (done <= 0) continue;
        s.step = backend.step();
        if (governor.record(done, dt_chunk))
            s.log->line("step " + std::to_string(s.step) + ": OpenMP threads now " +
                        std::to_string(governor.current()) + " (" + governor.reason() +
                        "; the cores are shared or the work too small for more; results do not depend on it)");
        if (dt_chunk > 0) {
            const double rate = static_cast<double>(done) / dt_chunk;
            chunk_cap = std::max(1L, std::min(100000L, static_cast<long>(rate * 0.25)));
        }
        const bool boundary = !s.cfg.stages.empty() &&
                              s.step == s.cfg.stages[static_cast<std::size_t>(s.stage)].end_step &&
                              s.stage + 1 < static_cast<int>(s.cfg.stages.size());
        write_outputs_at(s, s.step, boundary ? 1 : 3);
        if (boundary) {  // the next stage starts from this step; its analyses sample from here on
            begin_stage(s.cfg, ++s.stage, backend, s.reps, *s.log);
            write_outputs_at(s, s.step, 2);
        }
        log_new_warnings(*s.log, s.reps, s.step, warned);
        checkpointed_last = false;
        if (out.checkpoint_every > 0 && s.step % out.checkpoint_every == 0) {
            write_checkpoint_now(s);
            checkpointed_last = true;
        }
        if (!s.opt.quiet) progress.update(s.step);
        if (s.opt.on_progress) s.opt.on_progress(s.step, s.total);
        if (g_signal != 0) break;
        if (running_replicas(s.reps) == 0) break;  // a series part whose replicas all stopped (RunConfig::in_series)
    }
    if (governor.enabled()) {
        omp_set_num_threads(max_threads);
        s.log->line("OpenMP threads over the run (thread governor; --fixed-threads keeps " +
                    std::to_string(max_threads) + "):" + governor.summary());
    }
    if (!checkpointed_last) write_checkpoint_now(s);  // a checkpoint is also written at the end of the run
    s.signal = s.step < s.total ? g_signal : 0;
    if (!s.opt.quiet) progress.finish(s.step);
}

int run_md(const RunOptions& opt) {
    RunSession s(opt);
    if (!load_run_config(s)) return 0;  // a restart of a run that is already complete
    open_session(s);
    start_dynamics(s);
    open_outputs(s);
    run_steps(s);
    return s.signal != 0 ? finish_interrupted(s) : finish_run(s);
}

namespace {
RunEntry g_run_entry = nullptr;
}

void set_run_entry(RunEntry entry) { g_run_entry = entry; }

int run_md_entry(const RunOptions& opt) { return g_run_entry ? g_run_entry(opt) : run_md(opt); }

}  // namespace mdrun
