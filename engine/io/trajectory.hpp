// Trajectory output during a run: H5MD 1.1 (h5py, MDAnalysis, ASE and MDAnalysis with the Python package),
// extended XYZ (ASE, OVITO) or a LAMMPS text dump (OVITO, VMD, ASE).
#pragma once
#include <memory>
#include <string>

#include "engine/core/system.hpp"

namespace mdrun {

class TrajectoryWriter {
public:
    virtual ~TrajectoryWriter() = default;
    // Appends one frame (positions, velocities, box) of `sys` at `step` / `time_ps`.
    virtual void write_frame(const System& sys, long step, double time_ps) = 0;
    // Makes everything written so far durable (a killed run leaves a readable file).
    virtual void flush() = 0;
};

// format "h5md" | "extxyz" | "lammps-dump". resume_step >= 0: open an existing file and drop frames with step > resume_step
// (used when a run restarts from a checkpoint, so the result equals an uninterrupted run); -1: create new.
// Errors (mdrun::Error) name the file.
std::unique_ptr<TrajectoryWriter> open_trajectory(const std::string& path, const std::string& format,
                                                  const System& initial, long resume_step);

// Per-format openers used by open_trajectory.
std::unique_ptr<TrajectoryWriter> open_h5md_trajectory(const std::string& path, const System& initial,
                                                       long resume_step);
std::unique_ptr<TrajectoryWriter> open_extxyz_trajectory(const std::string& path, const System& initial,
                                                         long resume_step);
std::unique_ptr<TrajectoryWriter> open_lammps_dump_trajectory(const std::string& path, const System& initial,
                                                              long resume_step);
// The file name of a run's trajectory in each format ("trajectory.h5md", "trajectory.extxyz",
// "trajectory.lammpstrj").
std::string trajectory_file_name(const std::string& format);

}  // namespace mdrun
