// One writer per output directory: `<dir>/mdrun.lock`, held with flock(2) for as long as a run writes there.
// A second run into the same directory fails at once, saying which process holds it, before it touches a
// file (two writers would truncate each other's thermo.csv and trajectory). The kernel drops the lock when
// its holder dies, even by SIGKILL, so a stale mdrun.lock never blocks a restart; a clean exit removes it.
#pragma once
#include <string>

namespace mdrun {

class DirectoryLock {
public:
    // Locks `dir` (which must exist) or throws mdrun::Error naming the holder (pid, host, start time).
    explicit DirectoryLock(const std::string& dir);
    ~DirectoryLock();  // removes mdrun.lock, then releases the lock
    DirectoryLock(const DirectoryLock&) = delete;
    DirectoryLock& operator=(const DirectoryLock&) = delete;
    const std::string& path() const { return path_; }

private:
    std::string path_;
    int fd_ = -1;
};

inline const char* lock_file_name() { return "mdrun.lock"; }

}  // namespace mdrun
