#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/, clang + ASan/UBSan, in ./build-asan) and runs each for a bounded time.
# Usage: scripts/fuzz.sh [SECONDS [TARGET...]]    e.g. scripts/fuzz.sh 60 = every parser for 60 s
#        targets: poscar extxyz cfg lammps_data mtp als config checkpoint (default: all)
# The corpus each fuzzer builds up stays in build-asan/fuzz/work/corpus/<target> (the next run starts from it);
# findings are written to build-asan/fuzz/work/artifacts/<target>/ and make the script fail. fuzz/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
all=$(sed -n 's/^set(MDRUN_FUZZ_TARGETS \(.*\))$/\1/p' fuzz/CMakeLists.txt)
targets=("$@")
[ ${#targets[@]} -gt 0 ] || read -r -a targets <<< "$all"
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Release -DMDRUN_CUDA=OFF -DMDRUN_MPI=OFF -DMDRUN_PYTHON_MODULE=OFF \
      -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang -DMDRUN_SANITIZE=ON -DMDRUN_FUZZ=ON > /dev/null
cmake --build build-asan -j "$(nproc)" --target mdrun $(printf 'fuzz_%s ' "${targets[@]}")
failed=()
for t in "${targets[@]}"; do
  MDRUN_BIN=$PWD/build-asan/mdrun bash fuzz/run_one.sh "build-asan/fuzz/fuzz_$t" "$t" "$seconds" build-asan/fuzz/work || failed+=("$t")
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: findings in ${failed[*]} (build-asan/fuzz/work/artifacts/)"
  exit 1
fi
echo "fuzz: ${targets[*]}: no finding in ${seconds} s each"
