#!/usr/bin/env bash
# The whole test suite: install what is missing, build (with the CUDA backend when nvcc is found),
# run every test with ctest. CI treats CUDA warnings as errors (MDRUN_CUDA_WERROR; off for users' builds).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh -DMDRUN_CUDA_WERROR=ON -DMDRUN_TEST_PIP_INSTALL=ON   # CI also checks `pip install .` (tests/python)
cd build && ctest --output-on-failure -j "$(nproc)" --timeout 1500
