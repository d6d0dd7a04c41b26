#!/usr/bin/env bash
# The whole test suite: install what is missing, build (with the CUDA backend when nvcc is found),
# run every test with ctest. CI treats CUDA warnings as errors (MDRUN_CUDA_WERROR; off for users' builds).
# Then the sanitizer build (scripts/test_sanitize.sh: ASan+UBSan mdrun on the malformed-input corpus, each
# fuzzer for MDRUN_FUZZ_SECONDS=20 s); MDRUN_TEST_SANITIZE=0 skips it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh -DMDRUN_CUDA_WERROR=ON -DMDRUN_TEST_PIP_INSTALL=ON   # CI also checks `pip install .` (tests/python)
cd build && ctest --output-on-failure -j "$(nproc)" --timeout 1500
cd ..
if [ "${MDRUN_TEST_SANITIZE:-1}" != 0 ]; then
  bash scripts/test_sanitize.sh
fi
