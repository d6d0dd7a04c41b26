// `mdrun plot RUN_DIR [options]`: the figures are drawn by the Python package (mdrun.plot, matplotlib);
// this command finds an interpreter and the package and replaces itself with `python -m mdrun.plot ...`.
// Interpreter, in order: $MDRUN_PYTHON; python3 next to this executable (a venv or a pip-installed wheel);
// the interpreter the module was built for; /usr/bin/python3; python3 on PATH. Package: the build tree's
// staged copy when this is the build tree's executable, else the `cmake --install` location (both are put
// in front of PYTHONPATH); a pip-installed package is found by its interpreter anyway.
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "engine/core/error.hpp"
#include "engine/core/executable_path.hpp"
#include "engine/cli/subcommands.hpp"

namespace mdrun {

namespace fs = std::filesystem;

namespace {

fs::path self_dir() {
    const fs::path exe = executable_path();
    return exe.empty() ? fs::path() : exe.parent_path();
}

bool is_file(const fs::path& p) {
    std::error_code ec;
    return !p.empty() && fs::is_regular_file(p, ec);
}

std::string choose_interpreter(const fs::path& here) {
    if (const char* env = std::getenv("MDRUN_PYTHON"); env && *env) return env;
    if (is_file(here / "python3")) return (here / "python3").string();
#ifdef MDRUN_PY_INTERPRETER
    if (is_file(MDRUN_PY_INTERPRETER)) return MDRUN_PY_INTERPRETER;
#endif
    if (is_file("/usr/bin/python3")) return "/usr/bin/python3";
    return "python3";
}

std::string package_dir(const fs::path& here) {
    std::error_code ec;
#ifdef MDRUN_PY_STAGE_DIR
    if (fs::equivalent(here, fs::path(MDRUN_BUILD_BIN_DIR), ec) && fs::exists(fs::path(MDRUN_PY_STAGE_DIR) / "mdrun", ec))
        return MDRUN_PY_STAGE_DIR;
#endif
#ifdef MDRUN_PY_INSTALLED_DIR
    if (fs::exists(fs::path(MDRUN_PY_INSTALLED_DIR) / "mdrun" / "plot.py", ec)) return MDRUN_PY_INSTALLED_DIR;
#endif
    (void)here;
    return "";
}

}  // namespace

int cmd_plot(const std::vector<std::string>& args) {
    const fs::path here = self_dir();
    const std::string python = choose_interpreter(here);
    const std::string pkg = package_dir(here);
    if (!pkg.empty()) {
        const char* old = std::getenv("PYTHONPATH");
        const std::string path = old && *old ? pkg + ":" + old : pkg;
        setenv("PYTHONPATH", path.c_str(), 1);
    }
    std::vector<std::string> argv_s{python, "-m", "mdrun.plot"};
    argv_s.insert(argv_s.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : argv_s) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::fflush(stdout);
    std::fflush(stderr);
    execvp(argv[0], argv.data());
    throw Error("plot: cannot start " + python + " (" + std::strerror(errno) +
                "); the plots need Python 3 with numpy and matplotlib and the mdrun package "
                "(pip install . in the source tree, or set MDRUN_PYTHON to an interpreter that has them)");
}

}  // namespace mdrun
