// Memory and disk estimates checked before allocating: a run that cannot fit the machine is refused with the
// key that drives the size and the estimate ("[potential].cutoff = 1e4 Å: the neighbour list needs ~3.2e5 GB, this
// machine has 125 GB"), instead of dying in std::bad_alloc (or an abort from inside an OpenMP region).
#pragma once
#include <cstdint>
#include <string>

namespace mdrun {

// Physical memory of this machine in bytes: MemTotal of /proc/meminfo, else sysconf; a cgroup memory limit
// (cgroup v2 memory.max / v1 limit_in_bytes) when smaller. MDRUN_MEMORY_LIMIT_BYTES overrides it (tests).
double machine_memory_bytes();
// Free bytes on the file system holding `path` (statvfs), or a negative value when unknown.
double free_disk_bytes(const std::string& path);
// "3.2 GB" / "512 MB" / "4.0 kB".
std::string format_bytes(double bytes);

// Throws mdrun::Error "<what> needs about <estimate> of memory, more than this machine's <total>; <hint>" when
// `bytes` exceeds the machine's memory (or is not finite).
void require_memory(double bytes, const std::string& what, const std::string& hint);

}  // namespace mdrun
