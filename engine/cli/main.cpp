// mdrun command-line entry point: the subcommand registry; engine/cli/cli.cpp parses and dispatches.
// `mdrun config.toml` runs MD (the "run" subcommand without its name).
#include <string>
#include <vector>

#include "engine/cli/cli.hpp"
#include "engine/core/omp_defaults.hpp"
#include "engine/cli/subcommands.hpp"
#ifdef MDRUN_HAVE_CUDA
#include "kernels/backend_cuda.hpp"
#endif
#ifdef MDRUN_HAVE_MPI
#include "engine/mpi/mpi_run.hpp"
#else
#include "engine/cli/mpi_handoff.hpp"
#endif

namespace {

// The registry: one line per subcommand {name, one-line summary, setup function}. A subcommand lives in
// its own file and declares its options in its setup function (see engine/cli/cli.hpp); one written against
// the plain argument list registers as {"name", "summary", mdrun::cli::raw_args<mdrun::cmd_name>}.
const std::vector<mdrun::cli::Subcommand> kSubcommands = {
    {"run", "run MD from a config file (the default: `mdrun CONFIG.toml` is `mdrun run CONFIG.toml`)",
     mdrun::setup_run},
    {"calc-efs", "energies, forces and stresses of configurations, like MLIP-2's `mlp calc-efs`",
     mdrun::setup_calc_efs},
    {"calc-grade", "MaxVol extrapolation grades of configurations, like MLIP-2's `mlp calc-grade`",
     mdrun::cli::raw_args<mdrun::cmd_calc_grade>},
    {"select", "configurations that enlarge the active set, like MLIP-2's `mlp select-add`",
     mdrun::cli::raw_args<mdrun::cmd_select>},
    {"analyze", "write the analysis results stored in a checkpoint (also while the run goes on)",
     mdrun::setup_analyze},
    {"convert", "convert, replicate or thin out structures and trajectories (POSCAR, extxyz, cfg, LAMMPS data, H5MD)",
     mdrun::setup_convert},
    {"collect", "arrhenius.json and controls.json from finished runs or --replicas parts",
     mdrun::cli::raw_args<mdrun::cmd_collect>},
    {"plot", "figures of a run directory (Python package mdrun.plot, matplotlib)", mdrun::cli::raw_args<mdrun::cmd_plot>},
};

}  // namespace

// Compiled twice (CMakeLists.txt): into mdrun, and with MDRUN_HAVE_MPI into mdrun_mpi.
int main(int argc, char** argv) {
#ifndef MDRUN_HAVE_MPI
    mdrun::hand_over_to_mdrun_mpi(argv);  // under mpirun/srun (MPI builds): exec the mdrun_mpi next to this one
#endif
    mdrun::apply_omp_wait_default(argv);  // first: may re-execute mdrun with OMP_WAIT_POLICY=passive
#ifdef MDRUN_HAVE_CUDA
    mdrun::register_cuda_backend();  // makes `--device cuda|auto` find the GPU backend
#endif
#ifdef MDRUN_HAVE_MPI
    mdrun::register_mpi_runner();  // under mpirun/srun, `mdrun config.toml` splits its replicas over the ranks
#endif
    return mdrun::cli::run(std::vector<std::string>(argv + 1, argv + argc), kSubcommands);
}
