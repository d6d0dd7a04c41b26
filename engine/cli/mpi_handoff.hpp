// MPI lives in its own executable, mdrun_mpi (as GROMACS' gmx_mpi and LAMMPS' lmp_mpi), so the mdrun
// executable does not load libmpi and its ~10 companions (open-rte, open-pal, hwloc, libevent ...). Under an
// MPI launcher, mdrun replaces itself by the mdrun_mpi next to it, with the same arguments, so
// `mpirun -n N mdrun config.toml` keeps working (docs/cluster.md).
#pragma once

namespace mdrun {

// Call first in main(). Does nothing unless launched_by_mpi() in a build with MPI (MDRUN_MPI_SIBLING);
// then exec()s <directory of this executable>/mdrun_mpi and does not return. Exits with status 1 and a
// message naming the path when mdrun_mpi is missing or cannot be executed (each rank would otherwise run
// the whole config).
void hand_over_to_mdrun_mpi(char** argv);

}  // namespace mdrun
