// libFuzzer target: the POSCAR/CONTCAR reader (engine/io/read_poscar.cpp) through read_structure, which also
// assigns species and masses from the element names the file gives.
#include "engine/core/error.hpp"
#include "engine/io/structure_io.hpp"
#include "fuzz/fuzz_input_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string& path = mdrun_fuzz::write_scratch(data, size, ".POSCAR");
    try {
        mdrun::read_structure(path, "poscar", {});
    } catch (const mdrun::Error&) {
    }
    return 0;
}
