"""Shared helpers for the `mdrun config.toml` integration tests (not a test itself)."""
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np

MDRUN = os.environ.get("MDRUN_BIN")
# Reference data kept in the repository (tests/data); ctest sets MDRUN_TEST_DATA, a manual run finds it beside us.
DATA = os.environ.get("MDRUN_TEST_DATA") or os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data")
SOURCE = os.environ.get("MDRUN_SOURCE_DIR")
LAMMPS = os.path.join(DATA, "lammps_reference")

PAIRS = """pairs = [ { a = "Na", b = "Na", A = 0.263704, rho = 0.317, sigma = 2.340, C = 1.048573, D = -0.499321 },
          { a = "Na", b = "Cl", A = 0.210963, rho = 0.317, sigma = 2.755, C = 6.990490, D = -8.675698 },
          { a = "Cl", b = "Cl", A = 0.158222, rho = 0.317, sigma = 3.170, C = 72.40150, D = -145.4271 } ]"""


def require_env():
    if not MDRUN:
        print("MDRUN_BIN not set (run through ctest): skipped")
        sys.exit(77)
    if not os.path.isdir(LAMMPS):
        # The data is part of the repository: its absence is a broken checkout, not a reason to skip.
        print(f"reference data missing: {LAMMPS}")
        sys.exit(1)


def nacl_config(data_file, md, output="", extra=""):
    """A born-coul-dsf NaCl config (LAMMPS reference conventions) with the given [md] body."""
    return f"""[structure]
file = "{data_file}"
format = "lammps-data"
elements = ["Na", "Cl"]

[potential]
kind = "born-coul-dsf"
cutoff = 8.0
alpha = 0.2
coulomb = true
{PAIRS}

[md]
{md}

[output]
directory = "out"
{output}
{extra}
"""


def run(workdir, config_text, *args, expect_ok=True, name="config.toml", threads=1):
    """Runs mdrun on config_text (written to workdir/name). One OpenMP thread by default: CI machines are
    shared, and results do not depend on the thread count (which test_run_restart checks)."""
    path = os.path.join(workdir, name)
    with open(path, "w") as f:
        f.write(config_text)
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
    p = subprocess.run([MDRUN, path, "--quiet", *args], capture_output=True, text=True, timeout=600, env=env)
    if expect_ok and p.returncode != 0:
        print(p.stdout)
        print(p.stderr)
        raise SystemExit(f"mdrun failed with status {p.returncode}")
    return p


def read_thermo(path):
    with open(path) as f:
        header = f.readline().strip().split(",")
    data = np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2)
    return header, data


def tempdir():
    return tempfile.mkdtemp(prefix="mdrun_test_")


def cleanup(d):
    shutil.rmtree(d, ignore_errors=True)
