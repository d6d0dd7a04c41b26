"""Trajectories as ase.Atoms: mdrun.read_trajectory / iread_trajectory.

trajectory.h5md (H5MD 1.1, read with h5py), extended XYZ and LAMMPS dump (read with ASE). Every frame
carries species, cell, pbc, masses and velocities (ASE units: ``atoms.get_velocities()`` is in
Å per ASE time unit; multiply by ``1000 * ase.units.fs`` for Å/ps), and ``atoms.info["step"]``,
``atoms.info["time_ps"]``. Positions are as mdrun holds them (unwrapped); ``atoms.wrap()`` folds them in.
"""
import os

import numpy as np

# Å/ps -> ASE velocity unit (Å per ASE time unit).
def _a_per_ps_to_ase():
    import ase.units

    return 1.0 / (1000.0 * ase.units.fs)


def _decode(x):
    return x.decode() if isinstance(x, bytes) else str(x)


def _frame_indices(n, index):
    if index is None:
        index = slice(None)
    if isinstance(index, str):
        from ase.io.formats import string2index

        index = string2index(index)
    if isinstance(index, (int, np.integer)):
        i = int(index)
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError(f"frame {index} out of range (the trajectory has {n} frames)")
        return [i]
    return list(range(*index.indices(n)))


def h5md_frame_count(path):
    import h5py

    with h5py.File(path, "r") as f:
        return int(f["particles/all/position/value"].shape[0])


def iread_h5md(path, index=None):
    """Yields ase.Atoms for the frames `index` (slice, int or ASE index string) of an H5MD file."""
    import h5py
    from ase import Atoms

    with h5py.File(path, "r") as f:
        if "particles" not in f:
            raise ValueError(f"{path}: not an H5MD particle trajectory (no /particles group)")
        groups = list(f["particles"].keys())
        g = f["particles/all"] if "all" in f["particles"] else f["particles"][groups[0]]
        pos = g["position/value"]
        n_frames = pos.shape[0]
        sp = g["species"] if "species" in g else None
        names = None
        if sp is not None and "names" in sp.attrs:
            names = [_decode(x) for x in np.atleast_1d(sp.attrs["names"])]
        if sp is not None and sp.ndim == 2:
            raise ValueError(f"{path}: time-dependent species are not supported")
        species = sp[()] if sp is not None else np.zeros(pos.shape[1], dtype=int)
        symbols = [names[t] for t in species] if names else None
        numbers = None if symbols else species
        masses = g["mass"][()] if "mass" in g and g["mass"].ndim == 1 else None
        box = g["box"]
        boundary = [_decode(b) for b in np.atleast_1d(box.attrs.get("boundary", ["periodic"] * 3))]
        pbc = [b == "periodic" for b in boundary]
        edges = box["edges"] if "edges" in box else None
        edges_value = edges["value"] if isinstance(edges, h5py.Group) else edges
        vel = g["velocity/value"] if "velocity" in g else None
        steps = g["position/step"] if "step" in g["position"] else None
        times = g["position/time"] if "time" in g["position"] else None
        if steps is not None and steps.ndim == 0:  # fixed step interval form of H5MD
            steps = None
        v_conv = _a_per_ps_to_ase()
        for i in _frame_indices(n_frames, index):
            if edges_value is None:
                cell = np.zeros((3, 3))
            elif edges_value.ndim == 3:
                cell = edges_value[i]
            elif edges_value.ndim == 2 and isinstance(edges, h5py.Group):
                cell = np.diag(edges_value[i])
            elif edges_value.ndim == 2:
                cell = edges_value[()]
            else:
                cell = np.diag(edges_value[()])
            kw = {"symbols": symbols} if symbols else {"numbers": numbers}
            atoms = Atoms(positions=pos[i], cell=cell, pbc=pbc, **kw)
            if masses is not None:
                atoms.set_masses(masses)
            if vel is not None:
                atoms.set_velocities(vel[i] * v_conv)
            if steps is not None:
                atoms.info["step"] = int(steps[i])
            if times is not None:
                atoms.info["time_ps"] = float(times[i]) if times.ndim else float(times[()]) * i
            yield atoms


def _format_of(path, format):
    if format:
        return format
    p = str(path).lower()
    if p.endswith((".h5md", ".h5")):
        return "h5md"
    if p.endswith((".extxyz", ".xyz")):
        return "extxyz"
    if p.endswith((".lammpstrj", ".dump")) or "dump" in os.path.basename(p):
        return "lammps-dump-text"
    return None  # let ASE guess


def iread_trajectory(path, index=None, format=None):
    """Iterator over the frames of a trajectory as ase.Atoms (memory: one frame at a time)."""
    fmt = _format_of(path, format)
    if fmt == "h5md":
        yield from iread_h5md(path, index)
        return
    import ase.io

    idx = ":" if index is None else index
    if isinstance(idx, (int, np.integer)):
        yield ase.io.read(path, index=int(idx), format=fmt)
        return
    if fmt == "lammps-dump-text":
        # LAMMPS dump: velocities in Å/ps ("metal" units), elements from the `element` column.
        for a in ase.io.iread(path, index=idx, format=fmt, units="metal"):
            yield a
        return
    yield from ase.io.iread(path, index=idx, format=fmt)


def read_trajectory(path, index=None, format=None):
    """All frames (or `index`: an int gives one ase.Atoms, a slice or ASE string like "::10" a list)."""
    if isinstance(index, (int, np.integer)):
        return next(iread_trajectory(path, index, format))
    return list(iread_trajectory(path, index, format))
