#include "engine/core/stage_context.hpp"

namespace mdrun {

namespace {
thread_local StageContext* g_top = nullptr;
thread_local std::string g_top_what;
thread_local std::string g_failed;
}  // namespace

StageContext::StageContext(std::string what)
    : what_(std::move(what)), uncaught_(std::uncaught_exceptions()), parent_(g_top) {
    g_top = this;
    g_top_what = what_;
}

StageContext::~StageContext() {
    // Unwinding: the first (innermost) stage left by the exception names where it happened.
    if (std::uncaught_exceptions() > uncaught_ && g_failed.empty()) g_failed = what_;
    g_top = parent_;
    g_top_what = parent_ ? parent_->what_ : std::string();
}

std::string failed_stage() { return g_failed; }
std::string current_stage() { return g_top_what; }

}  // namespace mdrun
