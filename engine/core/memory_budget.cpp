#include "engine/core/memory_budget.hpp"

#include <sys/statvfs.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "engine/core/error.hpp"

namespace mdrun {

namespace {
double read_number_file(const char* path) {
    std::ifstream in(path);
    std::string s;
    if (!(in >> s) || s == "max") return -1;
    char* end = nullptr;
    const double v = std::strtod(s.c_str(), &end);
    return end != s.c_str() ? v : -1;
}
}  // namespace

double machine_memory_bytes() {
    if (const char* e = std::getenv("MDRUN_MEMORY_LIMIT_BYTES")) {
        char* end = nullptr;
        const double v = std::strtod(e, &end);
        if (end != e && v > 0) return v;
    }
    double total = -1;
    std::ifstream in("/proc/meminfo");
    std::string key;
    double kb;
    std::string unit;
    while (in >> key >> kb) {
        std::getline(in, unit);
        if (key == "MemTotal:") { total = kb * 1024.0; break; }
    }
    if (total <= 0) {
        const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
        if (pages > 0 && page > 0) total = static_cast<double>(pages) * static_cast<double>(page);
    }
    // A batch job's memory limit is its machine.
    for (const char* cg : {"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"}) {
        const double lim = read_number_file(cg);
        if (lim > 0 && (total <= 0 || lim < total)) total = lim;
    }
    return total > 0 ? total : 1.0e300;  // unknown: do not refuse
}

double free_disk_bytes(const std::string& path) {
    struct statvfs s {};
    if (statvfs(path.c_str(), &s) != 0) return -1;
    return static_cast<double>(s.f_bavail) * static_cast<double>(s.f_frsize);
}

std::string format_bytes(double b) {
    if (!std::isfinite(b)) return "an unbounded amount";
    const char* units[] = {"B", "kB", "MB", "GB", "TB", "PB"};
    int u = 0;
    while (b >= 1000.0 && u < 5) b /= 1000.0, ++u;
    char buf[64];
    if (b >= 1000.0) std::snprintf(buf, sizeof buf, "%.2g %s", b, units[u]);
    else std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", b, units[u]);
    return buf;
}

void require_memory(double bytes, const std::string& what, const std::string& hint) {
    const double total = machine_memory_bytes();
    if (std::isfinite(bytes) && bytes <= total) return;
    throw Error(what + " needs about " + format_bytes(bytes) + " of memory, more than this machine's " +
                format_bytes(total) + (hint.empty() ? "" : "; " + hint));
}

}  // namespace mdrun
