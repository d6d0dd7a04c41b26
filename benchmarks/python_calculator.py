#!/usr/bin/env python3
"""Per-call cost of mdrun.MTP in an ASE loop (small random moves, as in a relaxation or MD): the neighbour
list kept between calls (skin = 1 Å) against a list rebuilt at every call (skin = 0), interleaved, CPU time
of this process. Usage: PYTHONPATH=build/python OMP_NUM_THREADS=1 /usr/bin/python3 benchmarks/python_calculator.py
"""
import os
import sys
import time

import numpy as np

import mdrun

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "tests", "python"))
from cfg_reader import atoms_from_cfg, read_cfg  # noqa: E402

d = os.path.join(here, "..", "tests", "data", "mtp", "NaAlCl4_tensornet_lev08")
base = atoms_from_cfg(read_cfg(os.path.join(d, "supercell_b6167.cfg"))[0], ["Na", "Al", "Cl"]).repeat((2, 1, 2))
calcs = {"kept list (skin 1 A)": mdrun.MTP(os.path.join(d, "pot.mtp"), ["Na", "Al", "Cl"], skin=1.0),
         "rebuilt every call (skin 0)": mdrun.MTP(os.path.join(d, "pot.mtp"), ["Na", "Al", "Cl"], skin=0.0)}
cpu = {k: 0.0 for k in calcs}
calls = 60
for rnd in range(3):
    for name, calc in calcs.items():
        atoms = base.copy()
        rng = np.random.default_rng(rnd)
        atoms.calc = calc
        t0 = time.process_time()
        for _ in range(calls):
            atoms.positions += rng.normal(0, 0.005, atoms.positions.shape)
            atoms.get_forces()
        cpu[name] += time.process_time() - t0
# For scale: one `mdrun calc-efs` process per evaluation (what wrappers of a command line do), CPU time of
# this process and the child together, files included.
import resource  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402

exe = os.environ.get("MDRUN_BIN", os.path.join(here, "..", "build", "mdrun"))
tmp = tempfile.mkdtemp()
cfg = os.path.join(tmp, "in.cfg")
with open(cfg, "w") as fh:
    fh.write(f"BEGIN_CFG\n Size\n {len(base)}\n Supercell\n")
    for r in base.cell.array:
        fh.write(" " + " ".join(repr(float(x)) for x in r) + "\n")
    fh.write(" AtomData: id type cartes_x cartes_y cartes_z\n")
    for i, (sym, x) in enumerate(zip(base.get_chemical_symbols(), base.positions)):
        fh.write(f" {i + 1} {['Na', 'Al', 'Cl'].index(sym)} {x[0]!r} {x[1]!r} {x[2]!r}\n")
    fh.write("END_CFG\n")
n_sub = 20
r0, t0 = resource.getrusage(resource.RUSAGE_CHILDREN), time.process_time()
for _ in range(n_sub):
    subprocess.run([exe, "calc-efs", os.path.join(d, "pot.mtp"), cfg, os.path.join(tmp, "out.cfg")], check=True)
    read_cfg(os.path.join(tmp, "out.cfg"))
r1, t1 = resource.getrusage(resource.RUSAGE_CHILDREN), time.process_time()
sub_ms = 1e3 * ((r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime) + (t1 - t0)) / n_sub

print(f"{len(base)} atoms, {3 * calls} calls each, OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}")
for name in calcs:
    print(f"  {name}: {1e3 * cpu[name] / (3 * calls):.2f} ms CPU per call, {calcs[name].neighbor_list_builds} list builds")
print(f"  one `mdrun calc-efs` process per call (files written and parsed): {sub_ms:.2f} ms CPU per call")
