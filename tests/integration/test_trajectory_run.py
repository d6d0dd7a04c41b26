#!/usr/bin/env python3
"""Trajectories of a real run (`mdrun config.toml`, NaCl born-coul-dsf, 216 atoms, 1 fs steps), read with
MDAnalysis (H5MD) and ASE (extended XYZ):
- frame count, steps and times as configured; frame 0 = the input structure and velocities exactly;
- the H5MD and extxyz runs (same config otherwise) hold the same numbers to 1e-12;
- units: positions are unwrapped and consistent with the velocities: with a frame every step,
  (x(t+dt) - x(t))/dt equals the mean of v(t) and v(t+dt) up to the O(dt^2) velocity-Verlet term,
  which a wrong velocity unit (Å/fs, ASE units) would break by orders of magnitude;
- final.extxyz / final.POSCAR hold the last frame, wrapped into the cell.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
import run_helpers as h  # noqa: E402

h.require_env()
try:
    import numpy as np
    import h5py
    import ase.io
    import ase.units
    import MDAnalysis as mda
except ImportError as e:  # pragma: no cover
    print(f"skipping: {e}")
    sys.exit(77)

DATA = os.path.join(h.LAMMPS, "data", "nacl216_seed20240501.data")
STEPS, EVERY, DT_PS = 40, 1, 0.001
MD = f"""ensemble = "nve"
timestep_fs = 1.0
steps = {STEPS}
velocities = "file"
neighbor_skin = 1.0"""


def config(fmt):
    out = f'thermo_every = 10\ntrajectory_every = {EVERY}\ntrajectory_format = "{fmt}"\ncheckpoint_every = 0'
    return h.nacl_config(DATA, MD, out)


def close(a, b, tol, what):
    a, b = np.asarray(a, float), np.asarray(b, float)
    err = np.max(np.abs(a - b))
    if not err <= tol:
        raise SystemExit(f"FAIL {what}: max abs error {err:.3e} > {tol:g}")
    print(f"ok   {what}: max abs error {err:.1e}")


def reference_input():
    from ase.io.lammpsdata import read_lammps_data
    a = read_lammps_data(DATA, style="charge", units="metal", sort_by_id=True)
    return a.positions, a.get_velocities() * 1000.0 * ase.units.fs, a.cell[:]


def main():
    pos0, vel0, cell = reference_input()
    n = len(pos0)
    dirs = {}
    try:
        for fmt in ("h5md", "extxyz"):
            d = h.tempdir()
            dirs[fmt] = d
            h.run(d, config(fmt))

        # H5MD through MDAnalysis.
        h5 = os.path.join(dirs["h5md"], "out", "trajectory.h5md")
        u = mda.Universe.empty(n, trajectory=False)
        u.load_new(h5)  # recognised by the .h5md extension, as users will open it
        nf = STEPS // EVERY + 1
        assert len(u.trajectory) == nf, (len(u.trajectory), nf)
        steps = [ts.data["step"] for ts in u.trajectory]
        assert steps == list(range(0, STEPS + 1, EVERY)), steps
        close([ts.time for ts in u.trajectory], np.arange(nf) * EVERY * DT_PS, 1e-9, "MDAnalysis frame times (ps)")
        close(u.trajectory[0].dimensions[:3], np.diag(cell), 1e-5, "MDAnalysis box")
        with h5py.File(h5, "r") as f:
            P = f["particles/all/position/value"][()]
            V = f["particles/all/velocity/value"][()]
        close(P[0], pos0, 1e-12, "frame 0 positions = input (h5py, exact)")
        close(V[0], vel0, 1e-9, "frame 0 velocities = input (Å/ps)")

        # The same run written as extxyz, read by ASE.
        frames = ase.io.read(os.path.join(dirs["extxyz"], "out", "trajectory.extxyz"), index=":")
        assert len(frames) == nf
        assert [fr.info["step"] for fr in frames] == steps
        for k, fr in enumerate(frames):
            assert np.max(np.abs(fr.positions - P[k])) < 1e-11
            assert np.max(np.abs(fr.get_velocities() * 1000.0 * ase.units.fs - V[k])) < 1e-9
        print(f"ok   all {nf} extxyz frames equal the H5MD frames (positions 1e-11 Å, velocities 1e-9 Å/ps)")

        # Velocities and positions are consistent in Å and Å/ps, and positions are not wrapped.
        dt = EVERY * DT_PS
        fd = (P[1:] - P[:-1]) / dt
        mean_v = 0.5 * (V[1:] + V[:-1])
        rel = np.max(np.abs(fd - mean_v)) / np.max(np.abs(mean_v))
        print(f"ok   finite-difference velocity vs stored velocity: max relative deviation {rel:.2e}")
        assert rel < 1e-2, rel
        assert np.max(np.abs(P[1:] - P[:-1])) < 0.1, "a jump between frames: positions were wrapped"

        # Final structures: the last frame folded into the cell.
        fin = ase.io.read(os.path.join(dirs["h5md"], "out", "final.extxyz"))
        d = fin.positions - P[-1]
        d -= np.round(d / np.diag(cell)) * np.diag(cell)
        close(d, 0 * d, 1e-9, "final.extxyz = last frame modulo the box")
        s = fin.get_scaled_positions(wrap=False)
        assert np.all(s >= 0) and np.all(s < 1), "final.extxyz positions not wrapped"
        pc = ase.io.read(os.path.join(dirs["h5md"], "out", "final.POSCAR"), format="vasp")
        assert sorted(pc.get_chemical_symbols()) == sorted(fin.get_chemical_symbols())
        close(pc.cell[:], fin.cell[:], 1e-12, "final.POSCAR cell")
    finally:
        for d in dirs.values():
            h.cleanup(d)
    print("OK")


if __name__ == "__main__":
    main()
