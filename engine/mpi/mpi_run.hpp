// `mpirun -n N mdrun config.toml` (issue 15; built when CMake finds MPI, MDRUN_MPI, into the executable
// mdrun_mpi, to which mdrun hands over under a launcher: engine/cli/mpi_handoff.hpp). The [[replica]] list is
// split over the ranks (engine/run/replica_assign.hpp); each rank runs its replicas as one batched part,
// exactly like `mdrun config.toml --replicas <its list>` (files in <output.directory>/replicas_<list>/,
// every replica's own files byte-identical to the one-process run); rank 0 gathers every replica's
// analysis state over MPI and writes what spans replicas (arrhenius.json, controls.json, replicas.json,
// resolved.toml, and a run.log naming each rank's replicas) in <output.directory>. An error on one rank
// prints that rank's message and MPI_Abort()s the job; checkpoints are written atomically, so every one
// written so far stays valid, and `--restart <output.directory>` continues with any number of ranks
// (engine/run/series_checkpoints.hpp). docs/cluster.md says it for users.
#pragma once
#include "engine/core/mpi_launcher.hpp"  // launched_by_mpi(): only then is MPI initialised

namespace mdrun {

// Makes `mdrun [run] config.toml` go through the MPI runner when launched_by_mpi().
void register_mpi_runner();

}  // namespace mdrun
