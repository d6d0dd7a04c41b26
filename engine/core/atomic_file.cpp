#include "engine/core/atomic_file.hpp"

#include <cstdio>
#include <unistd.h>

#include "engine/core/error.hpp"

namespace mdrun {

namespace {
std::string temp_name(const std::string& path) { return path + ".tmp." + std::to_string(::getpid()); }
}  // namespace

void write_file_atomically(const std::string& path, const std::function<void(std::ostream&)>& write, bool binary) {
    const std::string tmp = temp_name(path);
    {
        std::ofstream os(tmp, binary ? std::ios::binary | std::ios::trunc : std::ios::trunc);
        if (!os) throw Error(path + ": cannot open for writing");
        try {
            write(os);
        } catch (...) {
            os.close();
            std::remove(tmp.c_str());
            throw;
        }
        os.flush();
        if (!os) {
            os.close();
            std::remove(tmp.c_str());
            throw Error(path + ": write failed (disk full?)");
        }
    }
    if (std::rename(tmp.c_str(), path.c_str()) != 0) {
        std::remove(tmp.c_str());
        throw Error(path + ": cannot rename temporary file into place");
    }
}

void write_path_atomically(const std::string& path, const std::function<void(const std::string&)>& write) {
    const std::string tmp = temp_name(path);
    try {
        write(tmp);
    } catch (...) {
        std::remove(tmp.c_str());
        throw;
    }
    if (std::rename(tmp.c_str(), path.c_str()) != 0) {
        std::remove(tmp.c_str());
        throw Error(path + ": cannot rename temporary file into place");
    }
}

}  // namespace mdrun
