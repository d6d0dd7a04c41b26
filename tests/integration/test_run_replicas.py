"""[[replica]]: several independent systems in one process. Each gets its own output directory, its
own thermostat and random stream; a replica's results are bit-identical to a single-replica run with
the same settings (replicas do not influence each other); a frozen-species replica keeps those atoms
fixed; the extxyz trajectory is readable by ASE."""
import filecmp
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
import run_helpers as h  # noqa: E402

h.require_env()
import ase.io  # noqa: E402

NACL = os.path.join(h.LAMMPS, "data", "nacl216_seed20240501.data")
BASE = """ensemble = "nvt"
timestep_fs = 1.0
steps = 200
temperature_K = 600.0
velocities = "maxwell"
seed = 77
neighbor_skin = 1.0"""
OUT = 'thermo_every = 20\ntrajectory_every = 50\ntrajectory_format = "extxyz"\ncheckpoint_every = 0'

d = h.tempdir()
try:
    multi = BASE + """

[[replica]]
name = "T600"
[[replica]]
name = "T900_frozenCl"
temperature_K = 900.0
freeze = ["Cl"]
seed = 5
[[replica]]
name = "T600_nve"
ensemble = "nve"
seed = 77          # same velocities as T600 (without it: [md].seed + 2)
"""
    h.run(d, h.nacl_config(NACL, multi, OUT), name="multi.toml")
    out = os.path.join(d, "out")
    assert sorted(os.listdir(out)) == ["T600", "T600_nve", "T900_frozenCl", "checkpoint.mdrun", "replicas.json", "resolved.toml", "run.log"], os.listdir(out)
    temps = {}
    for rep in ("T600", "T900_frozenCl", "T600_nve"):
        header, th = h.read_thermo(os.path.join(out, rep, "thermo.csv"))
        temps[rep] = th[:, header.index("temperature_K")]
        assert sorted(os.listdir(os.path.join(out, rep))) == ["final.POSCAR", "final.extxyz", "thermo.csv",
                                                              "trajectory.extxyz"]
    # Maxwell–Boltzmann velocities are scaled exactly to each replica's T with its own dof.
    assert abs(temps["T600"][0] - 600) < 1e-9 and abs(temps["T900_frozenCl"][0] - 900) < 1e-9
    # NVT and NVE replicas with the same seed start identically, then differ (different ensembles).
    # Replicas without their own seed get different streams ([md].seed + index).
    assert temps["T600"][0] == temps["T600_nve"][0] and temps["T600"][-1] != temps["T600_nve"][-1]

    # Frozen Cl: never move (trajectory frames, unwrapped positions stored as written by mdrun).
    frames = ase.io.read(os.path.join(out, "T900_frozenCl", "trajectory.extxyz"), index=":")
    assert len(frames) == 5, len(frames)
    cl = frames[0].get_atomic_numbers() == 17
    for f in frames[1:]:
        assert np.array_equal(f.positions[cl], frames[0].positions[cl])
        assert not np.array_equal(f.positions[~cl], frames[0].positions[~cl])
    print("frozen Cl fixed over", len(frames), "frames; replica temperatures", {k: round(v[-1], 1) for k, v in temps.items()})

    # Independence: the T900_frozenCl replica equals a single-replica run with the same settings.
    single = BASE.replace("temperature_K = 600.0", "temperature_K = 900.0").replace("seed = 77", "seed = 5")
    single += '\nfreeze = ["Cl"]'
    h.run(d, h.nacl_config(NACL, single, OUT).replace('directory = "out"', 'directory = "single"'), name="single.toml")
    for n in ("thermo.csv", "final.extxyz", "final.POSCAR", "trajectory.extxyz"):
        assert filecmp.cmp(os.path.join(out, "T900_frozenCl", n), os.path.join(d, "single", n), shallow=False), n
    print("replica output equals a single-replica run byte for byte")

    # [structure] replicate and remove (vacancies) through the config: 216 -> 432 atoms, 3 Na removed.
    small = BASE.replace("steps = 200", "steps = 10")
    cfg = h.nacl_config(NACL, small, OUT).replace('elements = ["Na", "Cl"]',
                                                  'elements = ["Na", "Cl"]\nreplicate = [1, 1, 2]\n'
                                                  'remove = { element = "Na", count = 3, seed = 7 }')
    h.run(d, cfg.replace('directory = "out"', 'directory = "vac"'), name="vac.toml")
    final = ase.io.read(os.path.join(d, "vac", "final.extxyz"))
    z = final.get_atomic_numbers()
    assert len(final) == 429 and (z == 11).sum() == 213 and (z == 17).sum() == 216, (len(final), (z == 11).sum())
    assert abs(final.cell[2, 2] - 2 * 16.92) < 1e-9
    import tomllib
    resolved = tomllib.load(open(os.path.join(d, "vac", "resolved.toml"), "rb"))["structure"]  # as in run.log
    assert resolved["replicate"] == [1, 1, 2] and resolved["remove"] == {"element": "Na", "count": 3, "seed": 7}, resolved
    print("replicate + remove: 429 atoms (213 Na), cell doubled along c")

    # Progress on stderr when not a terminal: plain lines with percent, ns/day, atom-steps/s and ETA, and a
    # closing note saying where the outputs are.
    import subprocess
    p = subprocess.run([h.MDRUN, os.path.join(d, "vac.toml"), "--steps", "40"], capture_output=True, text=True,
                       env=dict(os.environ, OMP_NUM_THREADS="1"))
    assert p.returncode == 0, p.stderr
    lines = [l for l in p.stderr.splitlines() if l.startswith("mdrun: step")]
    assert lines and "\r" not in p.stderr, p.stderr
    assert "(100.0%)" in lines[-1] and "ns/day" in lines[-1] and "atom-steps/s" in lines[-1] and "ETA" in lines[-1]
    assert "outputs in" in p.stderr and "thermo.csv" in p.stderr and "run log:" in p.stderr
    print("progress:", lines[-1])
finally:
    h.cleanup(d)
print("OK")
