// libFuzzer target: the MLIP .cfg reader (engine/io/cfg_io.cpp) from memory, then every configuration of the
// file turned into a System as `mdrun convert` does (types -> elements, lattice -> box).
#include "engine/core/error.hpp"
#include "engine/io/cfg_io.hpp"
#include "engine/io/structure_io.hpp"
#include "fuzz/fuzz_input_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string& path = mdrun_fuzz::write_scratch(data, size, ".cfg");
    try {
        mdrun::read_structure_frames(path, "cfg", {"Na", "Cl", "H"});
    } catch (const mdrun::Error&) {
    }
    return 0;
}
