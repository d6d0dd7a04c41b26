#!/usr/bin/env python3
"""Trajectories and structures written by mdrun, read by the tools users use:
H5MD with MDAnalysis (Debian python3-mdanalysis) and h5py, extended XYZ / POSCAR with ASE (python3-ase).

Writes them with `mdrun convert` from reference inputs in tests/data (a LAMMPS data file with
velocities, a triclinic POSCAR) and checks positions, box and velocities against the input to 1e-12
(raw HDF5 via h5py, ASE) and to float32 precision through MDAnalysis (which stores coordinates as float32).
Exit 77 (skipped) when a reader is not installed.
"""
import os
import subprocess
import sys
import tempfile

try:
    import numpy as np
    import h5py
    import ase.io
    import ase.units
    import MDAnalysis as mda
except ImportError as e:  # pragma: no cover
    print(f"skipping: {e}")
    sys.exit(77)

MDRUN = os.environ["MDRUN_BIN"]
DATA = os.environ.get("MDRUN_TEST_DATA") or os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data")
# ASE velocity unit (Å per ASE time unit) -> Å/ps.
ASE_TO_A_PER_PS = 1000.0 * ase.units.fs


def run(*args):
    r = subprocess.run([MDRUN, *args], capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"mdrun {' '.join(args)} failed ({r.returncode}):\n{r.stdout}{r.stderr}")
    return r


def read_lammps_data(path):
    """Minimal independent reader for the reference data file (orthogonal box, atom_style charge)."""
    lines = open(path).read().splitlines()
    box = np.zeros(3)
    pos, vel, types = {}, {}, {}
    section = None
    for ln in lines[1:]:
        t = ln.split("#")[0].split()
        if not t:
            continue
        if t[0] in ("Masses", "Atoms", "Velocities"):
            section = t[0]
            continue
        if section is None and len(t) == 4 and t[2].endswith("lo"):
            box["xyz".index(t[2][0])] = float(t[1]) - float(t[0])
        elif section == "Atoms":
            types[int(t[0])] = int(t[1])
            pos[int(t[0])] = [float(x) for x in t[3:6]]
        elif section == "Velocities":
            vel[int(t[0])] = [float(x) for x in t[1:4]]
    ids = sorted(pos)
    return box, np.array([pos[i] for i in ids]), np.array([vel[i] for i in ids]), [types[i] for i in ids]


def close(a, b, tol, what):
    a, b = np.asarray(a, float), np.asarray(b, float)
    err = np.max(np.abs(a - b) / (1.0 + np.abs(b)))
    if not err <= tol:
        raise SystemExit(f"FAIL {what}: max relative error {err:.3e} > {tol:g}")
    print(f"ok   {what}: max rel. error {err:.1e}")


def main():
    tmp = tempfile.mkdtemp(prefix="mdrun_traj_test_")
    data = os.path.join(DATA, "lammps_reference/data/nacl216_seed20240501.data")
    box, pos, vel, types = read_lammps_data(data)
    n = len(pos)

    # --- H5MD: raw layout with h5py (exact), then MDAnalysis -------------------------------------------
    h5 = os.path.join(tmp, "nacl.h5md")
    run("convert", data, h5, "--elements", "Na,Cl")
    with h5py.File(h5, "r") as f:
        assert list(f["h5md"].attrs["version"]) == [1, 1], "h5md version"
        g = f["particles/all"]
        assert g["box"].attrs["dimension"] == 3
        assert [b.decode() if isinstance(b, bytes) else b for b in g["box"].attrs["boundary"]] == ["periodic"] * 3
        assert g["position/value"].shape == (1, n, 3)
        assert g["position/value"].attrs["unit"] in (b"Angstrom", "Angstrom")
        close(g["position/value"][0], pos, 1e-12, "h5py positions vs LAMMPS data")
        close(g["velocity/value"][0], vel, 1e-12, "h5py velocities vs LAMMPS data (Å/ps)")
        close(g["box/edges/value"][0], np.diag(box), 1e-12, "h5py box edges")
        assert list(g["species"][:]) == [t - 1 for t in types], "species indices"
        assert int(g["position/step"][0]) == 0

    u = mda.Universe.empty(n, trajectory=False)
    u.load_new(h5, format="H5MD")
    assert len(u.trajectory) == 1
    ts = u.trajectory[0]
    close(ts.positions, pos, 2e-7, "MDAnalysis positions (float32)")
    close(ts.velocities, vel, 2e-7, "MDAnalysis velocities (float32, Å/ps)")
    close(ts.dimensions, [box[0], box[1], box[2], 90, 90, 90], 2e-7, "MDAnalysis box dimensions")

    # Triclinic cell (monoclinic Na3PS4 snapshot, beta = 92.95 deg): MDAnalysis vs ASE cell parameters.
    tri = os.path.join(DATA, "structures/Na3PS4_cNa3PS4_snapshot.POSCAR")
    h5t = os.path.join(tmp, "tri.h5md")
    run("convert", tri, h5t)
    ref = ase.io.read(tri, format="vasp")
    ut = mda.Universe.empty(len(ref), trajectory=False)
    ut.load_new(h5t, format="H5MD")
    close(ut.trajectory[0].dimensions, ref.cell.cellpar(), 2e-6, "MDAnalysis triclinic cell parameters vs ASE")
    with h5py.File(h5t, "r") as f:
        close(f["particles/all/box/edges/value"][0], ref.cell[:], 1e-12, "h5py triclinic edges vs ASE")
        close(f["particles/all/position/value"][0], ref.positions, 1e-12, "h5py triclinic positions vs ASE")

    # The documented way to get element names into MDAnalysis: the final extxyz as an XYZ topology.
    top = os.path.join(tmp, "top.extxyz")
    run("convert", data, top, "--elements", "Na,Cl")
    ux = mda.Universe(top, h5, topology_format="XYZ")
    assert list(ux.atoms.names[:1]) == ["Na"] and len(ux.atoms) == n
    close(ux.trajectory[0].positions, pos, 2e-7, "MDAnalysis with an extxyz (XYZ) topology")

    # --- extended XYZ with ASE ------------------------------------------------------------------------
    xyz = os.path.join(tmp, "nacl.extxyz")
    run("convert", data, xyz, "--elements", "Na,Cl")  # final-structure writer: wrapped positions
    frames = ase.io.read(xyz, index=":")
    assert len(frames) == 1
    a = frames[0]
    assert a.get_chemical_symbols() == ["Na" if t == 1 else "Cl" for t in types]
    close(a.cell[:], np.diag(box), 1e-12, "ASE cell")
    # The data file has atoms just outside [0, L): compare modulo the box.
    d = a.positions - pos
    d -= np.round(d / box) * box
    close(d, 0 * d, 1e-12, "ASE positions (modulo the box)")
    close(a.get_velocities() * ASE_TO_A_PER_PS, vel, 1e-12, "ASE velocities converted to Å/ps")
    close(a.get_masses(), [22.989769 if t == 1 else 35.453 for t in types], 1e-15, "ASE masses (from LAMMPS Masses)")

    trj = os.path.join(tmp, "nacl_traj.extxyz")
    run("convert", data, trj, "--elements", "Na,Cl", "--out-format", "extxyz-trajectory")
    t0 = ase.io.read(trj, index=":")[0]
    close(t0.positions, pos, 1e-12, "ASE trajectory frame positions (unwrapped, as held)")
    assert t0.info.get("step") == 0, t0.info

    # --- LAMMPS data written by mdrun, read by ASE -----------------------------------------------------
    lmp = os.path.join(tmp, "nacl.data")
    run("convert", data, lmp, "--elements", "Na,Cl")
    b = ase.io.read(lmp, format="lammps-data", style="charge", units="metal")
    close(b.cell[:], np.diag(box), 1e-12, "ASE lammps-data cell")
    d = b.positions - pos
    d -= np.round(d / box) * box
    close(d, 0 * d, 1e-12, "ASE lammps-data positions (modulo the box)")
    close(b.get_initial_charges(), [1.0 if t == 1 else -1.0 for t in types], 0, "ASE lammps-data charges")
    close(b.get_velocities() * ASE_TO_A_PER_PS, vel, 1e-10, "ASE lammps-data velocities (Å/ps)")

    # --- POSCAR with ASE; replicate against the verified supercell --------------------------------------
    poscar = os.path.join(tmp, "sc.POSCAR")
    run("convert", os.path.join(DATA, "structures/NaAlCl4.POSCAR"), poscar, "--replicate", "1,2,1")
    got = ase.io.read(poscar, format="vasp")
    want = ase.io.read(os.path.join(DATA, "structures/NaAlCl4_sc121.POSCAR"), format="vasp")
    close(got.cell[:], want.cell[:], 1e-12, "replicated cell vs NaAlCl4_sc121")
    assert sorted(got.get_chemical_symbols()) == sorted(want.get_chemical_symbols())
    fg, fw = got.get_scaled_positions(), want.get_scaled_positions()
    worst = 0.0
    for s, x in zip(want.get_chemical_symbols(), fw):
        cand = fg[[c == s for c in got.get_chemical_symbols()]]
        dd = cand - x
        dd -= np.round(dd)
        worst = max(worst, np.min(np.linalg.norm(dd @ want.cell[:], axis=1)))
    if worst > 1e-8:
        raise SystemExit(f"FAIL replicated positions: an atom of NaAlCl4_sc121 is {worst:.2e} Å from the nearest")
    print(f"ok   replicate 1x2x1 equals NaAlCl4_sc121 (worst {worst:.1e} Å)")
    ase_written_inputs(tmp)
    print("all trajectory/structure reader checks passed")


def ase_written_inputs(tmp):
    """Files written by ASE (an independent writer) read by mdrun: POSCAR (Cartesian, selective dynamics),
    extxyz with momenta, LAMMPS data (charge style, triclinic, velocities) -> mdrun convert -> extxyz -> ASE."""
    from ase.constraints import FixAtoms
    atoms = ase.io.read(os.path.join(DATA, "structures/Na3PS4_cNa3PS4_snapshot.POSCAR"), format="vasp")
    rng = np.random.default_rng(5)
    atoms.positions += rng.normal(0, 0.02, atoms.positions.shape)
    atoms.set_velocities(rng.normal(0, 0.05, atoms.positions.shape))  # ASE units
    atoms.set_initial_charges(rng.normal(0, 1, len(atoms)))
    v_ref = atoms.get_velocities() * ASE_TO_A_PER_PS

    def back(path, *opts):
        out = os.path.join(tmp, "back.extxyz")
        run("convert", path, out, *opts)
        return ase.io.read(out)

    def same_atoms(got, what, check_v=True, tol_x=1e-12, tol_v=1e-10):
        assert got.get_chemical_symbols() == atoms.get_chemical_symbols(), what
        close(got.cell.cellpar(), atoms.cell.cellpar(), 1e-12, f"{what}: cell parameters")
        fa = atoms.cell.scaled_positions(atoms.positions)
        fg = got.cell.scaled_positions(got.positions)
        d = fg - fa
        d -= np.round(d)
        close(d, 0 * d, tol_x, f"{what}: fractional positions")
        if check_v:
            # Compare speeds and projections on the cell vectors (the LAMMPS form is a rotated cell).
            vg = got.get_velocities() * ASE_TO_A_PER_PS
            close(vg @ got.cell[:].T, v_ref @ atoms.cell[:].T, tol_v, f"{what}: velocities (Å/ps, projected on the cell)")

    a2 = atoms.copy()
    a2.set_constraint(FixAtoms(indices=[0, 5]))
    p = os.path.join(tmp, "ase.POSCAR")
    ase.io.write(p, a2, format="vasp", direct=False, vasp5=True)  # Cartesian + Selective dynamics
    same_atoms(back(p), "ASE POSCAR (Cartesian, selective dynamics)", check_v=False)

    x = os.path.join(tmp, "ase_in.extxyz")
    ase.io.write(x, atoms, format="extxyz")  # writes momenta (and charges)
    same_atoms(back(x), "ASE extxyz with momenta", tol_x=1e-9, tol_v=5e-7)  # ASE writes 8 decimals

    d = os.path.join(tmp, "ase_in.data")
    ase.io.write(d, atoms, format="lammps-data", atom_style="charge", velocities=True, units="metal",
                 specorder=["Na", "P", "S"])
    got = back(d, "--elements", "Na,P,S")
    same_atoms(got, "ASE LAMMPS data (charge, triclinic, velocities)")


if __name__ == "__main__":
    main()
