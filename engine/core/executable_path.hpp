// Where the running mdrun program is, for finding what is installed beside it (libmdrun_h5.so, mdrun_mpi,
// the Python package) and for printing a command that re-runs it.
#pragma once

#include <filesystem>

namespace mdrun {

// True when the kernel started the dynamic loader as the program (`ld-linux-x86-64.so.2 [--library-path DIR]
// mdrun ...`, as the GPU bundle does where the machine's glibc is too old): the auxiliary vector then has no
// interpreter base (AT_BASE = 0), which a normally started dynamic executable always has.
bool started_through_explicit_loader();

// The absolute path of the mdrun executable, or an empty path if it cannot be told. Normally /proc/self/exe;
// started through an explicit loader that is the loader, and the program is the file the loader was asked to
// run (AT_EXECFN, which the loader sets to it), made absolute against the working directory of the first call.
std::filesystem::path executable_path();

}  // namespace mdrun
