#include "engine/run/progress.hpp"

#include <cstdio>

#include <unistd.h>

namespace mdrun {

std::string format_duration(double s) {
    char b[64];
    if (!(s >= 0) || s > 1e9) return "?";
    const long t = static_cast<long>(s + 0.5);
    if (t >= 86400) std::snprintf(b, sizeof b, "%ldd %02ldh", t / 86400, (t % 86400) / 3600);
    else if (t >= 3600) std::snprintf(b, sizeof b, "%ldh %02ldm", t / 3600, (t % 3600) / 60);
    else if (t >= 60) std::snprintf(b, sizeof b, "%ldm %02lds", t / 60, t % 60);
    else std::snprintf(b, sizeof b, "%lds", t);
    return b;
}

Progress::Progress(long start_step, long total_steps, long atoms, double dt_ps, double every_s)
    : start_(start_step), total_(total_steps), atoms_(atoms), dt_ps_(dt_ps), every_s_(every_s),
      tty_(isatty(fileno(stderr)) != 0), t0_(clock::now()), last_print_(t0_) {}

double Progress::elapsed_s() const { return std::chrono::duration<double>(clock::now() - t0_).count(); }

std::string Progress::line(long step) const {
    const double el = elapsed_s();
    const long done = step - start_;
    const double pct = total_ > 0 ? 100.0 * static_cast<double>(step) / static_cast<double>(total_) : 100.0;
    char b[256];
    if (done > 0 && el > 0) {
        const double sps = static_cast<double>(done) / el;
        const double ns_day = sps * dt_ps_ * 1e-3 * 86400.0;
        const double eta = static_cast<double>(total_ - step) / sps;
        std::snprintf(b, sizeof b, "step %ld/%ld (%5.1f%%)  %.3g ns/day  %.3g atom-steps/s  elapsed %s  ETA %s", step,
                      total_, pct, ns_day, sps * static_cast<double>(atoms_), format_duration(el).c_str(),
                      format_duration(eta).c_str());
    } else {
        std::snprintf(b, sizeof b, "step %ld/%ld (%5.1f%%)", step, total_, pct);
    }
    return b;
}

void Progress::update(long step) {
    const auto now = clock::now();
    const double since = std::chrono::duration<double>(now - last_print_).count();
    if (tty_) {
        if (printed_ && since < 0.2) return;
        std::fprintf(stderr, "\r%-110s", line(step).c_str());
        std::fflush(stderr);
    } else {
        const int decile = total_ > 0 ? static_cast<int>(10 * step / total_) : 10;
        if (decile == last_decile_ && since < every_s_) return;
        last_decile_ = decile;
        std::fprintf(stderr, "mdrun: %s\n", line(step).c_str());
    }
    printed_ = true;
    last_print_ = now;
}

void Progress::finish(long step) {
    if (!tty_ && printed_ && last_decile_ == (total_ > 0 ? static_cast<int>(10 * step / total_) : 10) &&
        step == total_)
        return;  // the last plain line already says 100 %
    if (tty_) std::fprintf(stderr, "\r%-110s\n", line(step).c_str());
    else std::fprintf(stderr, "mdrun: %s\n", line(step).c_str());
    std::fflush(stderr);
}

}  // namespace mdrun
