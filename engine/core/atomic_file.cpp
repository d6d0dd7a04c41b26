#include "engine/core/atomic_file.hpp"

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fcntl.h>
#include <unistd.h>

#include "engine/core/error.hpp"

namespace mdrun {

namespace fs = std::filesystem;

namespace {

std::string temp_name(const std::string& path) { return path + ".tmp." + std::to_string(::getpid()); }

std::string parent_dir(const std::string& path) {
    const fs::path p = fs::path(path).parent_path();
    return p.empty() ? std::string(".") : p.string();
}

// Test hook for the kill tests (tests/integration/test_run_kill.py): MDRUN_TEST_KILL_IN_WRITE=n makes the
// n-th atomic write of this process cut its temporary file to half and die by SIGKILL before the rename,
// as a crash in the middle of writing a checkpoint would. Unset (always, outside tests) it does nothing.
void maybe_die_in_write(const std::string& tmp) {
    static const long target = [] {
        const char* v = std::getenv("MDRUN_TEST_KILL_IN_WRITE");
        return v ? std::atol(v) : 0L;
    }();
    static long count = 0;
    if (target <= 0 || ++count != target) return;
    std::error_code ec;
    const auto size = fs::file_size(tmp, ec);
    if (!ec) fs::resize_file(tmp, size / 2, ec);
    std::raise(SIGKILL);
}

void replace(const std::string& tmp, const std::string& path) {
    sync_path(tmp, path);  // data on disk before the rename makes it visible
    maybe_die_in_write(tmp);
    if (std::rename(tmp.c_str(), path.c_str()) != 0) {
        const int err = errno;
        std::remove(tmp.c_str());
        throw Error(path + ": cannot rename temporary file into place: " + std::strerror(err));
    }
    sync_path(parent_dir(path), path + " (its directory)");  // the rename itself survives a power cut
}

// "<anything>.tmp.<digits>" -> the pid, else -1.
long temp_pid(const std::string& name) {
    const std::size_t p = name.rfind(".tmp.");
    if (p == std::string::npos || p == 0 || p + 5 >= name.size()) return -1;
    long pid = 0;
    for (std::size_t i = p + 5; i < name.size(); ++i) {
        if (name[i] < '0' || name[i] > '9' || pid > 100000000L) return -1;
        pid = pid * 10 + (name[i] - '0');
    }
    return pid;
}

}  // namespace

void sync_path(const std::string& path, const std::string& what) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw Error(what + ": cannot open to sync it to disk: " + std::strerror(errno));
    const int rc = ::fsync(fd);
    const int err = errno;
    ::close(fd);
    // EINVAL: a file system that cannot sync (e.g. some FUSE or special files); nothing more we can do.
    if (rc != 0 && err != EINVAL) throw Error(what + ": writing to disk failed (fsync): " + std::strerror(err));
}

void write_file_atomically(const std::string& path, const std::function<void(std::ostream&)>& write, bool binary) {
    const std::string tmp = temp_name(path);
    {
        std::ofstream os(tmp, binary ? std::ios::binary | std::ios::trunc : std::ios::trunc);
        if (!os) throw Error(path + ": cannot open for writing: " + std::strerror(errno));
        try {
            write(os);
        } catch (...) {
            os.close();
            std::remove(tmp.c_str());
            throw;
        }
        os.flush();
        if (os) os.close();
        if (!os) {
            const int err = errno;
            std::remove(tmp.c_str());
            throw Error(path + ": write failed (" + (err ? std::strerror(err) : "disk full?") +
                        "); the previous version of the file is untouched");
        }
    }
    try {
        replace(tmp, path);
    } catch (...) {
        std::remove(tmp.c_str());
        throw;
    }
}

void write_path_atomically(const std::string& path, const std::function<void(const std::string&)>& write) {
    const std::string tmp = temp_name(path);
    try {
        write(tmp);
        replace(tmp, path);
    } catch (...) {
        std::remove(tmp.c_str());
        throw;
    }
}

std::vector<std::string> remove_orphaned_temp_files(const std::string& dir) {
    std::vector<std::string> removed;
    const long self = ::getpid();
    std::error_code e;
    for (fs::directory_iterator it(dir, e), end; !e && it != end; it.increment(e)) {
        const fs::path p = it->path();
        std::error_code te;
        const long pid = temp_pid(p.filename().string());
        if (pid <= 0 || pid == self || !it->is_regular_file(te)) continue;
        if (fs::remove(p, te)) removed.push_back(p.string());
    }
    return removed;
}

}  // namespace mdrun
