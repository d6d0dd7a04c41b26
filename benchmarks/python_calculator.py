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
print(f"{len(base)} atoms, {3 * calls} calls each, OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}")
for name in calcs:
    print(f"  {name}: {1e3 * cpu[name] / (3 * calls):.2f} ms CPU per call, {calcs[name].neighbor_list_builds} list builds")
