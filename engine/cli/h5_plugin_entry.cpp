// The entry point of libmdrun_h5.so (engine/cli/h5_plugin.hpp): the table of the mdrun_hdf5 functions.
#include "analysis/results_h5.hpp"
#include "engine/cli/h5_plugin.hpp"

extern "C" __attribute__((visibility("default"))) const mdrun::H5PluginApi* mdrun_h5_plugin() {
    static const std::string abi = mdrun::h5_plugin_abi();
    static const mdrun::H5PluginApi api{abi.c_str(), &mdrun::open_h5md_trajectory, &mdrun::read_h5md_frames,
                                        &mdrun::write_analysis_h5_file};
    return &api;
}
