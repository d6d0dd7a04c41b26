// run.log of a run (in [output].directory): mdrun version, command line, host threads and device, the
// resolved configuration (every key including defaults), per-replica set-up, neighbour-list rebuilds,
// safety warnings (close pairs), the timings breakdown and how the run ended. It is rewritten atomically
// whenever something is added that matters (start, checkpoints, end, failure), so it is always readable.
// A restarted run keeps the earlier log and appends to it.
#pragma once
#include <string>

namespace mdrun {

class RunLog {
public:
    // keep_existing: start from the existing file's text (restart).
    RunLog(const std::string& path, bool keep_existing);
    void line(const std::string& text);           // appends text + newline
    void section(const std::string& title);       // "\n== title ==\n"
    void write() const;                           // atomic rewrite of the file
    const std::string& path() const { return path_; }
    const std::string& text() const { return text_; }

private:
    std::string path_;
    std::string text_;
};

// Current UTC time as ISO 8601 ("2026-11-24T05:40:00Z").
std::string utc_now();

}  // namespace mdrun
