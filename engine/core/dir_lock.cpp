#include "engine/core/dir_lock.hpp"

#include <cerrno>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/core/error.hpp"

namespace mdrun {

namespace {

std::string read_holder(int fd) {
    char buf[512];
    const ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
    std::string s = n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    for (char& c : s)
        if (c == '\n' || c == '\0') c = ' ';
    return s.empty() ? std::string("a process that has not written its details yet") : s;
}

std::string holder_text() {
    char host[256] = {0};
    if (::gethostname(host, sizeof host - 1) != 0) std::strcpy(host, "unknown");
    const std::time_t t = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char when[32];
    std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return "pid " + std::to_string(::getpid()) + " on host " + host + ", started " + when + "\n";
}

}  // namespace

DirectoryLock::DirectoryLock(const std::string& dir) : path_(dir + "/" + lock_file_name()) {
    // The holder removes the file when it exits, so the file we open may be unlinked between our open and
    // our flock: then the lock we got guards nothing. Retry until the locked file is the one at path_.
    for (int attempt = 0; attempt < 100; ++attempt) {
        const int fd = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0) throw Error(path_ + ": cannot create the output directory's lock file: " + std::strerror(errno));
        if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
            const int err = errno;
            std::string who = read_holder(fd);
            ::close(fd);
            if (err == EWOULDBLOCK)
                throw Error(dir + ": the output directory is in use by another mdrun (" + who + "; lock file " + path_ +
                            "); nothing was changed. Wait for that run to finish, stop it, or choose another "
                            "[output].directory");
            throw Error(path_ + ": cannot lock the output directory: " + std::strerror(err));
        }
        struct stat held{}, now{};
        if (::fstat(fd, &held) == 0 && ::stat(path_.c_str(), &now) == 0 && held.st_ino == now.st_ino &&
            held.st_dev == now.st_dev) {
            fd_ = fd;
            const std::string me = holder_text();
            // Best effort: the lock itself is what protects the directory, the text only names its holder.
            if (::ftruncate(fd_, 0) == 0) {
                const ssize_t w = ::pwrite(fd_, me.data(), me.size(), 0);
                (void)w;
            }
            return;
        }
        ::close(fd);
    }
    throw Error(path_ + ": cannot lock the output directory (the lock file keeps changing)");
}

DirectoryLock::~DirectoryLock() {
    if (fd_ < 0) return;
    ::unlink(path_.c_str());  // while still locked: a run waiting on this inode then sees it is stale
    ::close(fd_);
}

}  // namespace mdrun
