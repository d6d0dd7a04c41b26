#!/usr/bin/env bash
# Installs what mdrun needs on a fresh Debian 12 machine (idempotent; skips what is already there).
# The CUDA toolkit is not installed here: it is used from /usr/local/cuda (or $CUDAToolkit_ROOT) if present.
set -euo pipefail
pkgs=(build-essential cmake ninja-build libomp-dev libeigen3-dev libtoml11-dev libhdf5-dev zlib1g-dev doctest-dev libcli11-dev
      libopenmpi-dev openmpi-bin  # optional MPI runner (mpirun -n N mdrun)
      clang libclang-rt-14-dev  # CI's sanitizer build and the libFuzzer targets (scripts/test_sanitize.sh, fuzz/)
      strace  # test_run_fsync: the order of fsync and rename on disk
      python3-numpy python3-scipy python3-ase python3-mdanalysis python3-h5py python3-matplotlib
      python3-dev pybind11-dev python3-pybind11 python3-pytest python3-venv)  # Python module + its tests
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
else
  echo "setup: all packages present"
fi
