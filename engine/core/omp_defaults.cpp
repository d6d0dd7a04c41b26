#include "engine/core/omp_defaults.hpp"

#include "engine/core/executable_path.hpp"

#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>

namespace mdrun {

namespace {
// Set by apply_omp_wait_default before re-executing, so that the new process knows the policy is ours.
const char* const kMarker = "MDRUN_OMP_WAIT_DEFAULT";
bool g_defaulted = false;  // this process runs with the policy mdrun chose
// Why this process did not re-execute itself although no policy was set (run.log), or null.
const char* g_no_reexec = nullptr;
}  // namespace

void apply_omp_wait_default(char** argv) {
    if (std::getenv(kMarker)) {  // the re-executed process: the policy is ours; the marker stops here
        g_defaulted = std::getenv("OMP_WAIT_POLICY") != nullptr;
        unsetenv(kMarker);
        return;
    }
    if (std::getenv("OMP_WAIT_POLICY") || std::getenv("GOMP_SPINCOUNT")) return;
    // Started through an explicit dynamic loader (`ld-linux-x86-64.so.2 --library-path DIR mdrun ...`, as the
    // GPU bundle does on machines with an older glibc), /proc/self/exe is the loader and its options are gone:
    // re-executing it would run the loader with mdrun's arguments. The kernel then started the loader as the
    // program (engine/core/executable_path.hpp). Keep the runtime's default there; run.log says so.
    if (started_through_explicit_loader()) {
        g_no_reexec = "mdrun was started through the dynamic loader, so it could not set OMP_WAIT_POLICY=passive itself; "
                      "set it in the environment";
        return;
    }
    // Under valgrind /proc/self/exe is valgrind's tool binary, which refuses to be executed directly ("You
    // cannot run ... directly"); its preload library in LD_PRELOAD tells the case. Keep the default there too.
    const char* preload = std::getenv("LD_PRELOAD");
    if (preload && std::strstr(preload, "vgpreload")) {
        g_no_reexec = "running under valgrind, which cannot re-execute mdrun; set OMP_WAIT_POLICY in the environment";
        return;
    }
    setenv("OMP_WAIT_POLICY", "passive", 1);
    setenv(kMarker, "1", 1);
    execv("/proc/self/exe", argv);
    // Only reached when exec failed (no /proc): this process keeps the runtime's default, and the
    // environment says so again (omp_wait_description reports it).
    unsetenv(kMarker);
    unsetenv("OMP_WAIT_POLICY");
}

const char* omp_wait_description() {
    static std::string text;
    const char* policy = std::getenv("OMP_WAIT_POLICY");
    const char* spin = std::getenv("GOMP_SPINCOUNT");
    if (policy && g_defaulted)
        text = std::string(policy) + " (mdrun's default; set OMP_WAIT_POLICY=active for dedicated nodes)";
    else if (policy)
        text = std::string(policy) + " (OMP_WAIT_POLICY)";
    else if (spin)
        text = std::string("spin count ") + spin + " (GOMP_SPINCOUNT)";
    else if (g_no_reexec)
        text = std::string("the OpenMP runtime's default (") + g_no_reexec + ")";
    else
        text = "the OpenMP runtime's default (re-execution with OMP_WAIT_POLICY=passive was not possible)";
    return text.c_str();
}

}  // namespace mdrun
