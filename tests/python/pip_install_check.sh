#!/usr/bin/env bash
# `pip install .` from the repository root, in a fresh venv made from Debian's python3 (with its numpy/ASE),
# then the installed package and command are used: mdrun.MTP against `mdrun calc-efs`, `mdrun plot --help`.
# scikit-build-core comes from PyPI (Debian 12 has no package); pybind11 from Debian (pybind11-dev).
# Usage: pip_install_check.sh REPO WORKDIR     (ctest entry python.pip_install when MDRUN_TEST_PIP_INSTALL=ON)
set -euo pipefail
repo=$1
work=$2
rm -rf "$work/venv"
mkdir -p "$work"
/usr/bin/python3 -m venv --system-site-packages "$work/venv"
py="$work/venv/bin/python"
"$py" -m pip install -q --upgrade pip   # Debian's pip 23.0 predates some --config-settings handling
"$py" -m pip install -q "scikit-build-core>=0.8"
# Build in a kept directory (faster reruns); no CUDA here (the CMake build tests that).
"$py" -m pip install -q --no-build-isolation "$repo" \
  --config-settings=build-dir="$work/build" --config-settings=cmake.define.MDRUN_CUDA=OFF
cd "$work"
"$py" - "$repo" <<'PY'
import os, subprocess, sys
import numpy as np
repo = sys.argv[1]
import mdrun
print("mdrun", mdrun.core_version(), "from", os.path.dirname(mdrun.__file__))
assert "site-packages" in mdrun.__file__, mdrun.__file__
d = os.path.join(repo, "tests/data/mtp/NaAlCl4_tensornet_lev08")
exe = os.path.join(os.path.dirname(sys.executable), "mdrun")
subprocess.run([exe, "calc-efs", os.path.join(d, "pot.mtp"), os.path.join(d, "structure_24_b6167.cfg"), "out.cfg"], check=True)
energy = float(open("out.cfg").read().split("Energy")[1].split()[0])
sys.path.insert(0, os.path.join(repo, "tests/python"))
from cfg_reader import atoms_from_cfg, read_cfg
atoms = atoms_from_cfg(read_cfg(os.path.join(d, "structure_24_b6167.cfg"))[0], ["Na", "Al", "Cl"])
atoms.calc = mdrun.MTP(os.path.join(d, "pot.mtp"), ["Na", "Al", "Cl"])
assert atoms.get_potential_energy() == energy, (atoms.get_potential_energy(), energy)
r = subprocess.run([exe, "plot", "--help"], capture_output=True, text=True)
assert r.returncode == 0 and "run_dir" in r.stdout, r.stdout + r.stderr
print("pip install check: ok")
PY

# ASE >= 3.23 finds readers of other packages through the `ase.ioformats` entry point: with a current ASE
# in the venv, ase.io.read opens trajectory.h5md without `import mdrun`.
"$py" -m pip install -q "ase>=3.23"
"$py" - "$repo" <<'PY'
import os, subprocess, sys, tempfile
repo = sys.argv[1]
import warnings
warnings.filterwarnings("error", message=".*register.*")  # ASE only warns when an entry point fails
import ase, ase.io
d = tempfile.mkdtemp()
exe = os.path.join(os.path.dirname(sys.executable), "mdrun")
src = os.path.join(repo, "tests/data/mtp/NaAlCl4_tensornet_lev08/ev_scan.cfg")
subprocess.run([exe, "convert", src, os.path.join(d, "t.h5md"), "--elements", "Na,Al,Cl"], check=True)
frames = ase.io.read(os.path.join(d, "t.h5md"), index=":")
assert len(frames) == 14 and frames[0].get_chemical_formula() == "Al4Cl16Na4", (len(frames), frames[0])
print("ASE", ase.__version__, "reads trajectory.h5md through the entry point: ok")
PY
