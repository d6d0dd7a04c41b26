// Write-then-rename output: a file is written to "<path>.tmp.<pid>" and renamed over <path> only when
// complete, so a crash or an error never leaves a half-written result or destroys the previous one.
#pragma once
#include <fstream>
#include <functional>
#include <string>

namespace mdrun {

// Calls write(stream) on a temporary file next to `path`, flushes, and renames it to `path`.
// Throws mdrun::Error naming the file if anything fails; the temporary file is removed then.
void write_file_atomically(const std::string& path, const std::function<void(std::ostream&)>& write,
                           bool binary = false);

// The same for writers that need a file name (e.g. HDF5): write(tmp_path) creates tmp_path.
void write_path_atomically(const std::string& path, const std::function<void(const std::string&)>& write);

}  // namespace mdrun
