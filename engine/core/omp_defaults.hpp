// OpenMP defaults that do not bite on shared or busy machines.
#pragma once

namespace mdrun {

// Unless the user chose a wait policy (OMP_WAIT_POLICY or GOMP_SPINCOUNT set), make OpenMP threads wait
// passively (sleep in the kernel) instead of spinning: on a node whose cores are shared with other jobs a
// spinning 2-thread run was 10–80x slower than a 1-thread one. libgomp reads these variables once, when
// it is loaded — before main() — so the variable is set and the program re-executes itself
// (/proc/self/exe, same arguments, same process id). Call first thing in main(), before any OpenMP use.
// If re-execution is impossible (no /proc, or started through an explicit loader) the run continues with the
// OpenMP runtime's own default.
void apply_omp_wait_default(char** argv);

// "passive (mdrun's default)", "active (OMP_WAIT_POLICY)", "spin count 1000 (GOMP_SPINCOUNT)", ... for run.log.
const char* omp_wait_description();

}  // namespace mdrun
