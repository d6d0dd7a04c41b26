// Trajectory format dispatch.
#include "engine/io/trajectory.hpp"

#include "engine/core/error.hpp"

namespace mdrun {

std::unique_ptr<TrajectoryWriter> open_trajectory(const std::string& path, const std::string& format,
                                                  const System& initial, long resume_step) {
    if (format == "h5md") return open_h5md_trajectory(path, initial, resume_step);
    if (format == "extxyz") return open_extxyz_trajectory(path, initial, resume_step);
    if (format == "lammps-dump") return open_lammps_dump_trajectory(path, initial, resume_step);
    throw Error("unknown trajectory format '" + format + "' (expected h5md, extxyz or lammps-dump)");
}

std::string trajectory_file_name(const std::string& format) {
    if (format == "extxyz") return "trajectory.extxyz";
    if (format == "lammps-dump") return "trajectory.lammpstrj";
    return "trajectory.h5md";
}

}  // namespace mdrun
