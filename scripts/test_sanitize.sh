#!/usr/bin/env bash
# CI's second build: mdrun and the fuzz targets with AddressSanitizer + UndefinedBehaviorSanitizer (clang, -O1)
# in ./build-asan, then the malformed-input corpus against that mdrun and each fuzzer for a short bounded time
# (`ctest -L sanitize`: sanitize.malformed_corpus, fuzz.<parser>). Any sanitizer report, crash, hang or
# unexpected acceptance fails. Extra arguments go to cmake (e.g. -DMDRUN_FUZZ_SECONDS=60).
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Release -DMDRUN_CUDA=OFF -DMDRUN_MPI=OFF -DMDRUN_PYTHON_MODULE=OFF \
      -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang -DMDRUN_SANITIZE=ON -DMDRUN_FUZZ=ON "$@"
# Only what the sanitizer tests run: mdrun and the fuzzers (not the unit tests, benchmarks or the Python module).
targets=(mdrun $(sed -n 's/^set(MDRUN_FUZZ_TARGETS \(.*\))$/\1/p' fuzz/CMakeLists.txt | sed 's/\([a-z_]*\)/fuzz_\1/g'))
cmake --build build-asan -j "$(nproc)" --target "${targets[@]}"
built=$(date +%s)
cd build-asan && ctest --output-on-failure -j "$(nproc)" --timeout 1500 -L sanitize
echo "sanitizer build: $((built - start)) s build, $(( $(date +%s) - built )) s tests"
