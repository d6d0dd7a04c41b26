// Whether an MPI launcher (OpenMPI, PMIx, PMI: mpirun / mpiexec / srun) started this process. Read from the
// environment only, so the plain mdrun executable (which has no MPI library) can ask it too
// (engine/cli/mpi_handoff.cpp) and mdrun_mpi initialises MPI only when it is true (engine/mpi/mpi_run.cpp).
#pragma once
#include <cstdlib>
#include <initializer_list>

namespace mdrun {

inline bool launched_by_mpi() {
    for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE"})
        if (std::getenv(v)) return true;
    return false;
}

}  // namespace mdrun
