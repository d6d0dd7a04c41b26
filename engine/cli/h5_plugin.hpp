// The HDF5 part of the mdrun executable, libmdrun_h5.so: the H5MD trajectory writer and reader and the
// analysis.h5 writer, built from the mdrun_hdf5 library (CMakeLists.txt). The executable does not link HDF5
// (whose libhdf5 pulls in ~30 more libraries: curl, ssl, gnutls, krb5, ldap ...), so `mdrun calc-efs` and
// every run without an HDF5 file starts without them; engine/cli/h5_plugin_loader.cpp opens the plugin on
// the first HDF5 call. Tests, benchmarks and the Python module link mdrun_hdf5 directly instead.
//
// The one exported symbol, mdrun_h5_plugin(), returns this table. The plugin is always built together with
// the executable; `abi` (version, compiler, layout of the types passed across) catches a plugin from
// another build before any of its functions is called.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "analysis/results_writer.hpp"
#include "engine/core/version.hpp"
#include "engine/io/structure_io.hpp"
#include "engine/io/trajectory.hpp"

namespace mdrun {

struct H5PluginApi {
    const char* abi;  // h5_plugin_abi() of the plugin's build
    std::unique_ptr<TrajectoryWriter> (*open_h5md_trajectory)(const std::string& path, const System& initial,
                                                              long resume_step);
    std::vector<StructureFrame> (*read_h5md_frames)(const std::string& path, const std::vector<std::string>& elements);
    void (*write_analysis_h5_file)(const std::string& tmp, const std::string& path, const AnalysisResults& r,
                                   const ResultsMetadata& meta);
};

// Compared as text by the loader: same program version, compiler and sizes of everything passed by reference.
inline std::string h5_plugin_abi() {
    return std::string("mdrun " MDRUN_VERSION_STRING " g++ " __VERSION__ " sizes ") + std::to_string(sizeof(System)) + " " +
           std::to_string(sizeof(StructureFrame)) + " " + std::to_string(sizeof(AnalysisResults)) + " " +
           std::to_string(sizeof(ResultsMetadata)) + " " + std::to_string(sizeof(H5PluginApi));
}

}  // namespace mdrun

extern "C" const mdrun::H5PluginApi* mdrun_h5_plugin();
