// What mdrun is doing right now ("reading structure POSCAR", "MD steps of replica hot"), for the one error that
// carries no context of its own: std::bad_alloc. A StageContext lives on the stack around a stage; when an
// exception unwinds through it, the innermost stage is remembered, so the CLI can say
// "out of memory while reading structure big.extxyz" instead of "internal error: std::bad_alloc".
#pragma once
#include <exception>
#include <string>

namespace mdrun {

class StageContext {
public:
    explicit StageContext(std::string what);
    ~StageContext();
    StageContext(const StageContext&) = delete;
    StageContext& operator=(const StageContext&) = delete;

private:
    std::string what_;
    int uncaught_;
    StageContext* parent_;
};

// The innermost stage an exception unwound through (empty when none), and the stage running now.
std::string failed_stage();
std::string current_stage();

}  // namespace mdrun
