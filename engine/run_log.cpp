#include "engine/run_log.hpp"

#include <ctime>
#include <fstream>
#include <sstream>

#include "engine/atomic_file.hpp"

namespace mdrun {

RunLog::RunLog(const std::string& path, bool keep_existing) : path_(path) {
    if (keep_existing) {
        std::ifstream in(path);
        if (in) {
            std::ostringstream ss;
            ss << in.rdbuf();
            text_ = ss.str();
        }
    }
}

void RunLog::line(const std::string& text) { text_ += text + "\n"; }

void RunLog::section(const std::string& title) { text_ += "\n== " + title + " ==\n"; }

void RunLog::write() const {
    write_file_atomically(path_, [&](std::ostream& os) { os << text_; });
}

std::string utc_now() {
    std::time_t t = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char b[32];
    std::strftime(b, sizeof b, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return b;
}

}  // namespace mdrun
