// libFuzzer target: the extended XYZ reader (engine/io/read_extxyz.cpp), every frame of the file (the path
// `mdrun convert` and trajectories take) and the single-structure path a run's [structure] takes.
#include "engine/core/error.hpp"
#include "engine/io/structure_io.hpp"
#include "fuzz/fuzz_input_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string& path = mdrun_fuzz::write_scratch(data, size, ".extxyz");
    try {
        mdrun::read_structure_frames(path, "extxyz", {});
    } catch (const mdrun::Error&) {
    }
    try {
        mdrun::read_structure(path, "extxyz", {});
    } catch (const mdrun::Error&) {
    }
    return 0;
}
