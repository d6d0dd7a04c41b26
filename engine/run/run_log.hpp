// run.log of a run (in [output].directory): mdrun version, command line, host threads and device, the
// resolved configuration (every key including defaults, as valid TOML), per-replica set-up (element ->
// potential type map, potential energy per atom at step 0), checkpoints with the neighbour-list rebuilds
// and safety warnings so far, the timings breakdown and how the run ended. Every line is appended and
// flushed as it happens, so `tail -f run.log` follows the run. A restarted run appends to the earlier log.
#pragma once
#include <fstream>
#include <string>

namespace mdrun {

class RunLog {
public:
    // keep_existing: append to the existing file (restart); otherwise start it afresh.
    RunLog(const std::string& path, bool keep_existing);
    void line(const std::string& text);           // appends text + newline, flushed
    void section(const std::string& title);       // "\n== title ==\n", flushed
    void write();                                 // flushes (every line already is); kept for callers
    const std::string& path() const { return path_; }
    const std::string& text() const { return text_; }  // what this process wrote

private:
    void append(const std::string& s);
    std::string path_;
    std::string text_;
    std::ofstream out_;
};

// Current UTC time as ISO 8601 ("2026-11-24T05:40:00Z").
std::string utc_now();

}  // namespace mdrun
