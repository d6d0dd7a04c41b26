// How many OpenMP threads the CPU backend uses, chosen while the run goes from the wall time its steps take.
//
// Why: on a node whose cores are shared (a workstation, an oversubscribed cluster node) a descheduled thread
// stalls the others at every step's barrier, and 2 threads measured 1.22x slower than 1 in wall time on a
// loaded 2-core VM (benchmarks/README.md); on free cores they are 1.4-1.5x faster. Which one holds changes
// with the machine's load, so mdrun measures instead of guessing. Results do not depend on the thread
// count (every sum has a fixed order: tests check 1/2/3 threads bit for bit), so switching is invisible in
// the numbers; only the speed changes.
//
// Policy: start with the requested count M (OMP_NUM_THREADS or the runtime's default); after a first hold of
// kFirstHoldS seconds, probe a neighbouring count (half of the current, or double it up to M, alternately)
// for kProbeS seconds, then measure the current count again for kProbeS; switch when the probed count made
// more steps per second than both neighbouring windows of the current one by more than kMargin. After a
// probe that changed nothing the hold doubles (up to kMaxHoldS), so on dedicated cores the probing costs
// well under 1 % of the run; after a switch it restarts at kFirstHoldS.
#pragma once
#include <string>

namespace mdrun {

class ThreadGovernor {
public:
    static constexpr double kFirstHoldS = 3.0;
    static constexpr double kProbeS = 1.0;
    static constexpr double kMaxHoldS = 640.0;
    static constexpr double kMargin = 0.05;

    // max_threads: the count asked for; enabled = false (or max_threads == 1) keeps it fixed. time_scale
    // multiplies every duration above (tests set MDRUN_THREAD_GOVERNOR_SCALE to switch within a short run).
    ThreadGovernor(int max_threads, bool enabled, double time_scale = 1.0);

    bool enabled() const { return enabled_; }
    int threads() const { return phase_ == Phase::Probe ? probe_ : current_; }  // for the next chunk of steps
    int current() const { return current_; }                                   // the count in force

    // After a chunk of `steps` steps that took `seconds` of wall time with threads() threads. Returns true when
    // the count in force changed; then reason() says why (for run.log).
    bool record(long steps, double seconds);
    const std::string& reason() const { return reason_; }

    // Wall seconds spent with each count so far (index = threads, up to max).
    double seconds_at(int threads) const;
    // run.log's end-of-run line: the seconds at each count used, e.g. " 2: 13.3 s 1: 45.5 s".
    std::string summary() const;

private:
    enum class Phase { Hold, Probe, Recheck };
    struct Window {
        long steps = 0;
        double seconds = 0.0;
        double rate() const { return seconds > 0 ? static_cast<double>(steps) / seconds : 0.0; }
    };
    void start_probe();
    int max_;
    bool enabled_;
    double first_hold_, probe_s_, max_hold_;
    int current_;
    int probe_ = 1;
    bool probe_down_next_ = true;
    Phase phase_ = Phase::Hold;
    double hold_ = 0.0;
    double in_phase_ = 0.0;  // seconds in the current phase
    Window before_, probed_, after_;  // the last kProbeS of the hold, the probe, the recheck
    Window tail_;                     // the running last-kProbeS window of the hold
    std::string reason_;
    double spent_[1025] = {};  // seconds per thread count (capped at 1024 threads)
};

}  // namespace mdrun
