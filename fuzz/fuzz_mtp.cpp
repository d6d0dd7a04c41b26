// libFuzzer target: the MLIP-2 .mtp reader and its validation (potentials/mtp_file.cpp), from memory.
#include <sstream>

#include "engine/core/error.hpp"
#include "potentials/mtp_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
    try {
        mdrun::parse_mtp(in, "fuzz.mtp");
    } catch (const mdrun::Error&) {
    }
    return 0;
}
