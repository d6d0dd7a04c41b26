#include "engine/run/run_log.hpp"

#include <ctime>

#include "engine/core/error.hpp"

namespace mdrun {

RunLog::RunLog(const std::string& path, bool keep_existing)
    : path_(path), out_(path, keep_existing ? std::ios::app : std::ios::trunc) {
    if (!out_) throw Error(path + ": cannot open the run log for writing");
}

void RunLog::append(const std::string& s) {
    text_ += s;
    out_ << s << std::flush;  // line by line: `tail -f` shows each line as it happens
    if (!out_) throw Error(path_ + ": cannot write the run log (disk full?)");
}

void RunLog::line(const std::string& text) { append(text + "\n"); }

void RunLog::section(const std::string& title) { append("\n== " + title + " ==\n"); }

void RunLog::write() { out_.flush(); }

std::string utc_now() {
    std::time_t t = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char b[32];
    std::strftime(b, sizeof b, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return b;
}

}  // namespace mdrun
