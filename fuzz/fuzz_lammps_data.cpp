// libFuzzer target: the LAMMPS data reader (engine/io/read_lammps_data.cpp: header counts, box and tilts,
// Masses, Atoms in each atom_style, Velocities) through read_structure with three element names.
#include "engine/core/error.hpp"
#include "engine/io/structure_io.hpp"
#include "fuzz/fuzz_input_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string& path = mdrun_fuzz::write_scratch(data, size, ".data");
    try {
        mdrun::read_structure(path, "lammps-data", {"Na", "Cl", "H"});
    } catch (const mdrun::Error&) {
    }
    return 0;
}
