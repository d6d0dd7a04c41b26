// No exception may leave an OpenMP region (the runtime calls std::terminate: SIGABRT, no message). Code in a
// parallel region runs its fallible parts through an OmpTrap: the first exception is kept, later work is skipped
// (every thread still reaches every barrier), and rethrow() raises it on the calling thread after the region.
#pragma once
#include <exception>

namespace mdrun {

class OmpTrap {
public:
    template <class F>
    void run(F&& f) noexcept {
        if (failed()) return;
        try {
            f();
        } catch (...) {
#pragma omp critical(mdrun_omp_trap)
            if (!error_) error_ = std::current_exception();
#pragma omp atomic write
            failed_ = 1;
        }
    }
    bool failed() const noexcept {
        int f;
#pragma omp atomic read
        f = failed_;
        return f != 0;
    }
    void rethrow() const {
        if (error_) std::rethrow_exception(error_);
    }
    // For code that catches itself: call inside a catch block to keep the exception being handled (the
    // first one wins), as run() does.
    void record_current() noexcept {
#pragma omp critical(mdrun_omp_trap)
        if (!error_) error_ = std::current_exception();
#pragma omp atomic write
        failed_ = 1;
    }
    // The kept exception (null when none), for a caller that rethrows it later or elsewhere.
    std::exception_ptr error() const noexcept { return error_; }

private:
    std::exception_ptr error_;
    int failed_ = 0;
};

}  // namespace mdrun
