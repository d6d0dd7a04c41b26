#include "engine/core/executable_path.hpp"

#include <sys/auxv.h>

namespace mdrun {

bool started_through_explicit_loader() { return getauxval(AT_BASE) == 0; }

std::filesystem::path executable_path() {
    static const std::filesystem::path path = [] {
        namespace fs = std::filesystem;
        std::error_code ec;
        if (!started_through_explicit_loader()) {
            fs::path exe = fs::read_symlink("/proc/self/exe", ec);
            return ec ? fs::path() : exe;
        }
        const char* fn = reinterpret_cast<const char*>(getauxval(AT_EXECFN));
        if (!fn || !*fn) return fs::path();
        fs::path exe = fs::weakly_canonical(fs::absolute(fn, ec), ec);
        return ec ? fs::path() : exe;
    }();
    return path;
}

}  // namespace mdrun
