// libFuzzer target: the checkpoint reader (engine/run/checkpoint.cpp, read_checkpoint): header, sections,
// counts and the per-replica blobs' framing. Seeds: a fresh checkpoint written by the run (fuzz/run_one.sh).
#include "engine/core/error.hpp"
#include "engine/run/checkpoint.hpp"
#include "fuzz/fuzz_input_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string& path = mdrun_fuzz::write_scratch(data, size, ".mdrun");
    try {
        mdrun::read_checkpoint(path);
    } catch (const mdrun::Error&) {
    }
    return 0;
}
