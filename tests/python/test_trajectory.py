"""Trajectories: mdrun.read_trajectory, ASE (ase.io.read of .h5md), MDAnalysis (Universe of .h5md alone),
the LAMMPS dump writer (read by ASE), and `mdrun convert` with multi-configuration input and H5MD input."""
import filecmp
import os

import numpy as np
import pytest

import mdrun
from cfg_reader import read_cfg
from run_configs import nacl4_config

ASE_V = None


def _a_per_ps(atoms):
    import ase.units

    return atoms.get_velocities() * 1000.0 * ase.units.fs


@pytest.fixture(scope="module")
def runs(tmp_path_factory, data_dir):
    base = tmp_path_factory.mktemp("traj")
    out = {}
    for fmt in ("h5md", "extxyz", "lammps-dump"):
        cfg = nacl4_config(data_dir, base / fmt, steps=60, analysis=False, trajectory_format=fmt)
        mdrun.run(cfg, progress=False)
        out[fmt] = base / fmt
    return out


def test_three_formats_hold_the_same_frames(runs):
    h = mdrun.read_trajectory(runs["h5md"] / "trajectory.h5md")
    x = mdrun.read_trajectory(runs["extxyz"] / "trajectory.extxyz")
    d = mdrun.read_trajectory(runs["lammps-dump"] / "trajectory.lammpstrj")
    assert len(h) == len(x) == len(d) == 4  # steps 0, 20, 40, 60
    for a, b, c in zip(h, x, d):
        assert a.get_chemical_symbols() == b.get_chemical_symbols() == c.get_chemical_symbols()
        assert np.array_equal(a.positions, b.positions)  # both exact (17 digits / binary)
        assert np.allclose(a.positions, c.positions, rtol=0, atol=1e-12)
        assert np.allclose(a.cell.array, c.cell.array, rtol=0, atol=1e-12)
        assert np.allclose(_a_per_ps(a), _a_per_ps(b), rtol=1e-12, atol=1e-12)
        assert np.allclose(_a_per_ps(a), _a_per_ps(c), rtol=1e-9, atol=1e-9)
        assert all(a.pbc) and a.info["step"] == b.info["step"]
    assert [a.info["step"] for a in h] == [0, 20, 40, 60]
    assert h[1].info["time_ps"] == pytest.approx(0.020)


def test_read_trajectory_matches_raw_h5md(runs):
    import h5py

    p = runs["h5md"] / "trajectory.h5md"
    with h5py.File(p, "r") as f:
        pos = f["particles/all/position/value"][()]
        vel = f["particles/all/velocity/value"][()]
        names = list(f["particles/all/species"].attrs["names"])
        sp = f["particles/all/species"][()]
    frames = mdrun.read_trajectory(p)
    for k, a in enumerate(frames):
        assert np.array_equal(a.positions, pos[k])
        assert np.allclose(_a_per_ps(a), vel[k], rtol=1e-14, atol=1e-14)
        assert a.get_chemical_symbols() == [names[t] for t in sp]
    assert mdrun.read_trajectory(p, index=-1).info["step"] == 60
    assert len(mdrun.read_trajectory(p, index="::2")) == 2
    assert sum(1 for _ in mdrun.iread_trajectory(p)) == 4


def test_ase_io_reads_h5md(runs):
    import ase.io

    p = str(runs["h5md"] / "trajectory.h5md")
    frames = ase.io.read(p, index=":")  # format from the extension, registered by `import mdrun`
    ref = mdrun.read_trajectory(p)
    assert len(frames) == len(ref)
    assert np.array_equal(frames[2].positions, ref[2].positions)
    assert ase.io.read(p).info["step"] == 60  # ASE's default: the last frame


@pytest.mark.parametrize("order", ["mdrun first", "MDAnalysis first"])
def test_mdanalysis_needs_no_topology_after_import_mdrun(runs, order):
    """A fresh interpreter: `import mdrun` and `import MDAnalysis` in either order, then Universe(h5md) alone."""
    import subprocess
    import sys

    pytest.importorskip("MDAnalysis")
    p = str(runs["h5md"] / "trajectory.h5md")
    imports = "import mdrun; import MDAnalysis as mda" if order == "mdrun first" else "import MDAnalysis as mda; import mdrun"
    code = f"{imports}\nu = mda.Universe({p!r})\nprint(len(u.atoms), len(u.trajectory), u.atoms.elements[0])"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=os.environ.copy())
    assert r.returncode == 0, r.stderr
    ref = mdrun.read_trajectory(p)
    assert r.stdout.split() == [str(len(ref[0])), str(len(ref)), ref[0].get_chemical_symbols()[0]]
    # Without mdrun, MDAnalysis cannot build a Universe from the file alone (what the hook is for).
    r = subprocess.run([sys.executable, "-c", f"import MDAnalysis as mda\nmda.Universe({p!r})"],
                       capture_output=True, text=True, env=os.environ.copy())
    assert r.returncode != 0


def test_mdanalysis_universe_from_h5md_alone(runs):
    import MDAnalysis as mda

    import mdrun.mdanalysis  # noqa: F401  registers the H5MD topology parser

    p = str(runs["h5md"] / "trajectory.h5md")
    u = mda.Universe(p)
    ref = mdrun.read_trajectory(p)
    assert len(u.atoms) == len(ref[0]) and len(u.trajectory) == len(ref)
    assert list(u.atoms.elements) == ref[0].get_chemical_symbols()
    assert list(u.atoms.names[:2]) == ref[0].get_chemical_symbols()[:2]
    assert np.allclose(u.atoms.masses, ref[0].get_masses(), rtol=1e-6)
    na = u.select_atoms("element Na")
    assert len(na) == ref[0].get_chemical_symbols().count("Na")
    for ts, a in zip(u.trajectory, ref):
        assert np.allclose(ts.positions, a.positions, rtol=2e-7, atol=2e-5)  # MDAnalysis stores float32
        assert np.allclose(ts.velocities, _a_per_ps(a), rtol=2e-6, atol=2e-4)
        assert np.allclose(ts.dimensions, a.cell.cellpar(), rtol=2e-6)
    assert u.trajectory[1].time == pytest.approx(0.020)


def test_ase_reads_lammps_dump(runs):
    import ase.io

    p = str(runs["lammps-dump"] / "trajectory.lammpstrj")
    frames = ase.io.read(p, index=":", format="lammps-dump-text")
    ref = mdrun.read_trajectory(runs["h5md"] / "trajectory.h5md")
    assert len(frames) == len(ref)
    # ASE orders by id and takes elements from the `element` column.
    assert frames[1].get_chemical_symbols() == ref[1].get_chemical_symbols()
    assert np.allclose(frames[1].positions, ref[1].positions, atol=1e-10)


def test_lammps_dump_triclinic_and_restart(tmp_path, data_dir, run_cli):
    """A triclinic cell (rotated into LAMMPS form) and a run continued from a checkpoint."""
    import ase.io

    d = os.path.join(data_dir, "mtp/NaO_lev16")
    tri = tmp_path / "tri.lammpstrj"
    run_cli("convert", os.path.join(d, "input.cfg"), tri, "--elements", "Na,O", "--frame", "2")
    a = ase.io.read(str(tri), format="lammps-dump-text")
    ref = read_cfg(os.path.join(d, "input.cfg"))[2]
    # Same cell up to rotation: compare lengths/angles and interatomic distances.
    from ase import Atoms

    r = Atoms(["Na" if t == 0 else "O" for t in ref["type"]], positions=ref["pos"], cell=ref["lattice"], pbc=True)
    assert np.allclose(a.cell.cellpar(), r.cell.cellpar(), atol=1e-10)
    assert np.allclose(a.get_all_distances(mic=True)[0], r.get_all_distances(mic=True)[0], atol=1e-9)

    full = nacl4_config(data_dir, tmp_path / "full", steps=60, analysis=False, trajectory_format="lammps-dump")
    mdrun.run(full, progress=False)
    part = nacl4_config(data_dir, tmp_path / "part", steps=60, analysis=False, trajectory_format="lammps-dump")
    mdrun.run(part, steps=30, progress=False)
    mdrun.run(part, restart=str(tmp_path / "part" / "checkpoint.mdrun"), progress=False)
    assert filecmp.cmp(tmp_path / "full" / "trajectory.lammpstrj", tmp_path / "part" / "trajectory.lammpstrj",
                       shallow=False)


def test_convert_keeps_every_configuration(tmp_path, data_dir, run_cli):
    import ase.io

    d = os.path.join(data_dir, "mtp/NaAlCl4_tensornet_lev08")
    src = os.path.join(d, "ev_scan.cfg")
    ref = read_cfg(src)
    n = len(ref)
    assert n == 14
    run_cli("convert", src, tmp_path / "all.extxyz", "--elements", "Na,Al,Cl")
    xs = ase.io.read(str(tmp_path / "all.extxyz"), index=":")
    assert len(xs) == n
    for a, c in zip(xs, ref):
        assert np.array_equal(a.positions, c["pos"]) and np.array_equal(a.cell.array, c["lattice"])
    run_cli("convert", src, tmp_path / "all.h5md", "--elements", "Na,Al,Cl")
    hs = mdrun.read_trajectory(tmp_path / "all.h5md")
    assert len(hs) == n and [a.info["step"] for a in hs] == list(range(n))
    assert np.array_equal(hs[-1].cell.array, ref[-1]["lattice"])
    run_cli("convert", src, tmp_path / "all.cfg", "--elements", "Na,Al,Cl")
    back = read_cfg(tmp_path / "all.cfg")
    assert len(back) == n and all(np.array_equal(b["pos"], c["pos"]) for b, c in zip(back, ref))
    run_cli("convert", src, tmp_path / "all.lammpstrj", "--elements", "Na,Al,Cl")
    assert len(ase.io.read(str(tmp_path / "all.lammpstrj"), index=":", format="lammps-dump-text")) == n
    # A single-structure format needs --frame.
    r = run_cli("convert", src, tmp_path / "one.POSCAR", "--elements", "Na,Al,Cl", check=False)
    assert r.returncode != 0 and "14 configurations" in r.stderr and "--frame" in r.stderr
    run_cli("convert", src, tmp_path / "last.POSCAR", "--elements", "Na,Al,Cl", "--frame", "-1")
    last = ase.io.read(str(tmp_path / "last.POSCAR"), format="vasp")
    assert np.allclose(last.cell.array, ref[-1]["lattice"], atol=1e-12)


def test_convert_reads_h5md_trajectories(runs, tmp_path, run_cli):
    import ase.io

    src = runs["h5md"] / "trajectory.h5md"
    ref = mdrun.read_trajectory(src)
    run_cli("convert", src, tmp_path / "t.extxyz")
    got = ase.io.read(str(tmp_path / "t.extxyz"), index=":")
    assert len(got) == len(ref)
    for a, b in zip(got, ref):
        assert np.array_equal(a.positions, b.positions)
        assert a.info["step"] == b.info["step"]
        assert np.allclose(a.get_velocities(), b.get_velocities(), rtol=1e-13, atol=1e-15)
    run_cli("convert", src, tmp_path / "t.lammpstrj")
    dump = ase.io.read(str(tmp_path / "t.lammpstrj"), index=":", format="lammps-dump-text")
    assert len(dump) == len(ref)
    run_cli("convert", src, tmp_path / "copy.h5md")
    again = mdrun.read_trajectory(tmp_path / "copy.h5md")
    assert [a.info["step"] for a in again] == [a.info["step"] for a in ref]
    assert all(np.array_equal(a.positions, b.positions) for a, b in zip(again, ref))
    run_cli("convert", src, tmp_path / "f.POSCAR", "--frame", "1")
    p = ase.io.read(str(tmp_path / "f.POSCAR"), format="vasp")  # POSCAR groups atoms by element
    assert sorted(p.get_chemical_symbols()) == sorted(ref[1].get_chemical_symbols())
    fp, fr = p.get_scaled_positions(), ref[1].get_scaled_positions(wrap=True)
    worst = 0.0
    for s, x in zip(ref[1].get_chemical_symbols(), fr):
        d = fp[[c == s for c in p.get_chemical_symbols()]] - x
        d -= np.round(d)
        worst = max(worst, np.min(np.linalg.norm(d @ p.cell.array, axis=1)))
    assert worst < 1e-10


OVITO_CHECK = r"""
import json, sys
import numpy as np
from ovito.io import import_file
out = {}
for path in sys.argv[1:]:
    pipeline = import_file(path)
    frames = []
    for k in range(pipeline.source.num_frames):
        data = pipeline.compute(k)
        pos = np.asarray(data.particles.positions)
        ids = np.asarray(data.particles.identifiers) if data.particles.identifiers is not None else np.arange(1, len(pos) + 1)
        order = np.argsort(ids)
        types = data.particles.particle_types
        names = [types.type_by_id(t).name for t in np.asarray(types)[order]]
        frames.append({"pos": pos[order].tolist(), "cell": np.asarray(data.cell)[:, :3].T.tolist(), "names": names})
    out[path] = frames
print(json.dumps(out))
"""


def test_ovito_opens_extxyz_and_lammps_dump(runs, tmp_path):
    """OVITO (no H5MD reader) opens the extxyz and LAMMPS-dump trajectories with every frame, the species
    and the positions of mdrun's own reader. Needs a Python with OVITO's pip package (615 MB, so not in CI):
    MDRUN_OVITO_PYTHON=/path/to/venv/bin/python; skipped otherwise."""
    import json
    import subprocess

    py = os.environ.get("MDRUN_OVITO_PYTHON")
    if not py:
        pytest.skip("MDRUN_OVITO_PYTHON not set (a Python with `pip install ovito`)")
    files = [str(runs["extxyz"] / "trajectory.extxyz"), str(runs["lammps-dump"] / "trajectory.lammpstrj")]
    r = subprocess.run([py, "-c", OVITO_CHECK, *files], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    got = json.loads(r.stdout.strip().splitlines()[-1])
    for path in files:
        ours = mdrun.read_trajectory(path)
        theirs = got[path]
        assert len(theirs) == len(ours) == 4
        for a, o in zip(ours, theirs):
            assert o["names"] == a.get_chemical_symbols()
            assert np.allclose(np.array(o["pos"]), a.positions, rtol=0, atol=1e-6)
            assert np.allclose(np.array(o["cell"]), a.cell.array, rtol=0, atol=1e-6)
