// Progress report on stderr: percent, ns/day, atom-steps/s and ETA. On a terminal one line is redrawn in
// place (carriage return, at most 5 times a second); otherwise (a log file, a batch system) a plain line
// is printed at every 10 % and at least every `every_s` seconds, so logs stay short but show liveness.
#pragma once
#include <chrono>
#include <string>

namespace mdrun {

class Progress {
public:
    // total_steps: the run's final step; start_step: where this process starts (restart); atoms: summed
    // over replicas; dt_ps: time step (for ns/day; the first replica's when they differ).
    Progress(long start_step, long total_steps, long atoms, double dt_ps, double every_s);
    void update(long step);   // cheap; call after every chunk of steps
    void finish(long step);   // final line (newline on a terminal)
    double elapsed_s() const;
    // The formatted status text for `step` (without \r / newline); used by update and by tests.
    std::string line(long step) const;

private:
    using clock = std::chrono::steady_clock;
    long start_, total_, atoms_;
    double dt_ps_, every_s_;
    bool tty_;
    clock::time_point t0_, last_print_;
    int last_decile_ = -1;
    bool printed_ = false;
};

// "1h 02m", "3m 05s", "42s".
std::string format_duration(double seconds);

}  // namespace mdrun
