// Write-then-rename output: a file is written to "<path>.tmp.<pid>", fsync'ed, and renamed over <path> only
// when complete; the directory is fsync'ed after the rename. A crash, a power cut or an error therefore
// never leaves a half-written result or destroys the previous one. A run removes the temporary files of
// killed processes at start (remove_orphaned_temp_files).
#pragma once
#include <fstream>
#include <functional>
#include <string>
#include <vector>

namespace mdrun {

// Calls write(stream) on a temporary file next to `path`, flushes, and renames it to `path`.
// Throws mdrun::Error naming the file if anything fails; the temporary file is removed then.
void write_file_atomically(const std::string& path, const std::function<void(std::ostream&)>& write,
                           bool binary = false);

// The same for writers that need a file name (e.g. HDF5): write(tmp_path) creates tmp_path.
void write_path_atomically(const std::string& path, const std::function<void(const std::string&)>& write);

// fsync(2) of a file or directory; throws mdrun::Error naming `what` (usually the path) on failure.
void sync_path(const std::string& path, const std::string& what);

// Removes the "<name>.tmp.<pid>" files in `dir` (not its subdirectories) of every process but this one:
// the caller holds the output directory's lock (engine/core/dir_lock.hpp), so no other writer is at work
// there and such files are orphans of a killed run. Returns the removed paths.
std::vector<std::string> remove_orphaned_temp_files(const std::string& dir);

}  // namespace mdrun
