// libFuzzer target: the active-learning state reader (potentials/als_file.cpp): potential text, weights,
// the raw MaxVol matrices, the owner lines and the owning configurations.
#include "engine/core/error.hpp"
#include "fuzz/fuzz_input_file.hpp"
#include "potentials/als_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string& path = mdrun_fuzz::write_scratch(data, size, ".als");
    try {
        mdrun::read_als(path);
    } catch (const mdrun::Error&) {
    }
    return 0;
}
