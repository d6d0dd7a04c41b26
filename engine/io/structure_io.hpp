// Reading and writing atomic structures (POSCAR/CONTCAR, extended XYZ, MLIP .cfg, LAMMPS data) and the
// two structure edits a run configuration asks for: `replicate` and seeded random removal of atoms.
// Every reader throws mdrun::Error naming the file and line ("POSCAR:7: expected ...") on bad input.
#pragma once
#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "engine/core/system.hpp"

namespace mdrun {

// format: "auto" | "poscar" | "extxyz" | "cfg" | "lammps-data". "auto" picks by extension
// (.xyz/.extxyz, .cfg, .data/.lmp/.lammps, POSCAR/CONTCAR/.vasp/.poscar) and falls back to the content.
// elements: symbols for integer types (cfg type t -> elements[t], lammps-data type t -> elements[t-1]);
// may be empty for POSCAR/extxyz (which name their elements). When given for POSCAR/extxyz it fixes the
// species order (every element of the file must be listed).
// Returns a System with box, species (distinct symbols; order = `elements` when given, else first
// appearance), type, id (1-based), pos, vel (+ has_velocities), mass (built-in table; LAMMPS `Masses`
// take precedence), charge (lammps-data atom_style charge; else empty), frozen all 0, force zeroed.
System read_structure(const std::string& path, const std::string& format,
                      const std::vector<std::string>& elements);

// Every configuration of a file, for `mdrun convert`: all configurations of a multi-configuration .cfg,
// all frames of an extended XYZ file or of an H5MD trajectory (format "h5md", or "auto" for .h5md/.h5),
// the one structure of the other formats. Each frame is finished like read_structure's result (ids,
// masses, species order = `elements` when given). step/time_ps: as recorded in the file (H5MD, mdrun's
// extxyz trajectories), else -1 / NaN.
struct StructureFrame {
    System sys;
    long step = -1;
    double time_ps = 0.0 / 0.0;
};
std::vector<StructureFrame> read_structure_frames(const std::string& path, const std::string& format,
                                                  const std::vector<std::string>& elements);
std::vector<StructureFrame> read_extxyz_frames(const std::string& path);  // read_extxyz.cpp
// H5MD trajectory (read_h5md.cpp); `elements` names the species indices when the file does not.
std::vector<StructureFrame> read_h5md_frames(const std::string& path, const std::vector<std::string>& elements);

// The format "auto" resolves to for this path (reads the file's start when the name is not telling).
std::string detect_structure_format(const std::string& path);

// Per-format readers (one file each); `read_structure` dispatches to them and then fills masses.
System read_poscar(const std::string& path);
System read_extxyz(const std::string& path);
System read_lammps_data(const std::string& path, const std::vector<std::string>& elements);

// Repeats the cell na x nb x nc times (atoms ordered cell by cell, ids renumbered 1..N).
// Errors for counts < 1 or a count > 1 along a non-periodic direction.
void replicate(System& sys, int na, int nb, int nc);

// Removes `count` randomly chosen atoms of `element` (e.g. Na vacancies); the choice depends only on
// (seed, the atoms of that element in order), so it is reproducible. Ids are renumbered 1..N.
void remove_random(System& sys, const std::string& element, long count, std::uint64_t seed);

// Final-structure writers (write-then-rename). Positions are wrapped into the cell.
void write_poscar(const std::string& path, const System& sys);  // VASP 5, Direct coordinates (+ velocities in Å/fs)
void write_extxyz(const std::string& path, const System& sys);  // ASE-readable, velocities in ASE units
// LAMMPS data file (read_data): atom_style charge when the system has charges, else atomic; Masses per
// type (type = species index + 1); wrapped positions with image flags (so unwrapped positions survive);
// Velocities in Å/ps. A general triclinic cell is rotated into LAMMPS' lower-triangular form
// (a along x, b in the xy plane); positions and velocities are rotated with it.
void write_lammps_data(const std::string& path, const System& sys);

// One extended-XYZ frame (used by write_extxyz and the extxyz trajectory writer): Lattice, pbc,
// Properties=species:S:1:pos:R:3:masses:R:1:momenta:R:3 (momenta in ASE units, so that ASE's
// get_velocities() returns the velocities), then `extra_info` (e.g. "step=100 time_ps=0.1").
// wrap = true folds positions into the cell (final structures); false writes them as held (unwrapped).
void write_extxyz_frame(std::ostream& out, const System& sys, const std::string& extra_info, bool wrap);
// Position of atom i folded into the cell along its periodic directions.
Vec3 wrapped_position(const System& sys, std::size_t i);

// Unit conversions used by the readers/writers (documented in README.md, "Structure and trajectory I/O").
// ASE's time unit is Å·sqrt(amu/eV); ASE velocities are Å per ASE time unit.
double ase_time_unit_ps();

}  // namespace mdrun
