#include "engine/cli/mpi_handoff.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>

#include "engine/core/executable_path.hpp"
#include "engine/core/mpi_launcher.hpp"

namespace mdrun {

void hand_over_to_mdrun_mpi(char** argv) {
#ifdef MDRUN_MPI_SIBLING
    if (!launched_by_mpi()) return;
    const std::filesystem::path exe = executable_path();
    const std::string target = exe.empty() ? std::string("mdrun_mpi") : (exe.parent_path() / "mdrun_mpi").string();
    execv(target.c_str(), argv);  // argv[0] unchanged: messages still say what the user typed
    std::fprintf(stderr,
                 "mdrun: error: started by an MPI launcher, but the MPI executable %s could not be run (%s); "
                 "install it next to mdrun (cmake --install does), or run mdrun without mpirun/srun\n",
                 target.c_str(), std::strerror(errno));
    std::exit(1);
#else
    (void)argv;  // a build without MPI: every rank runs as a plain mdrun, as before
#endif
}

}  // namespace mdrun
