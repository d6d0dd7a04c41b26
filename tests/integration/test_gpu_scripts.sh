#!/usr/bin/env bash
# The device check's two scripts must not rot between GPU visits: scripts/gpu_bundle.sh gathers this
# build's binaries, libraries, data and examples (reusing the build: no rebuild), and scripts/gpu_run.sh
# runs every stage of the device check in its --no-gpu mode (CPU in place of the GPU, short runs): the
# binaries start from the bundle, the GPU test skips without MDRUN_REQUIRE_GPU and FAILS with it, the CLI
# restart comparison and the CPU-vs-device thermo comparison run, `--device cuda` stops clearly.
# Skipped (77) in a build without the CUDA backend (nothing to bundle).
set -euo pipefail
root="${MDRUN_SOURCE_DIR:?}"
build="${MDRUN_BINARY_DIR:?}"
if [ ! -x "$build/tests/gpu/test_gpu_vs_cpu" ] || [ ! -x "$build/benchmarks/gpu/bench_gpu_matrix" ]; then
    echo "skipped: this build has no CUDA backend (test_gpu_vs_cpu / bench_gpu_matrix not built)"
    exit 77
fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
bash "$root/scripts/gpu_bundle.sh" --build-dir "$build" --out "$tmp/bundle"
for f in bin/mdrun bin/test_gpu_vs_cpu bin/gpu_fma_check bin/bench_gpu_matrix glibc/ld-linux-x86-64.so.2 data/mtp/NaO_lev16/pot.mtp \
         examples/mtp/config.toml examples/born/config.toml MANIFEST; do
    [ -e "$tmp/bundle/$f" ] || { echo "FAIL: bundle lacks $f"; exit 1; }
done
ls "$tmp/bundle/lib" | grep -q '^libhdf5' || { echo "FAIL: HDF5 is not bundled"; exit 1; }
if ls "$tmp/bundle/lib" | grep -q '^libcudart'; then echo "FAIL: libcudart is linked dynamically"; exit 1; fi
rc=0
# The bundled glibc and its loader: the hardest of the three ways to start (a machine with an older glibc).
OUT="$tmp/out" MDRUN_GPU_RUN_MODE=loader bash "$root/scripts/gpu_run.sh" "$tmp/bundle" --no-gpu --deadline 240 || rc=$?
cat "$tmp/out/summary.txt"
[ "$rc" = 0 ] || { echo "FAIL: gpu_run.sh --no-gpu exited $rc"; tail -n 80 "$tmp/out/gpu_run.log"; exit 1; }
grep -q '^env .*binaries start: loader' "$tmp/out/summary.txt" || { echo "FAIL: the bundled loader did not start mdrun"; exit 1; }
for s in env gpu_test gpu_required fma cli_mtp cli_born cli_mtp_warp warp_vs_thread device_cuda_refused bench banks memcheck; do
    grep -q "^$s " "$tmp/out/summary.txt" || { echo "FAIL: stage $s missing from summary.txt"; exit 1; }
done
grep -q '^cli_mtp .*PASS.*restart [1-9][0-9]* identical/0 differ' "$tmp/out/summary.txt" || { echo "FAIL: MTP restart comparison"; exit 1; }
grep -q '^cli_mtp_warp .*PASS.*restart [1-9][0-9]* identical/0 differ' "$tmp/out/summary.txt" || { echo "FAIL: MTP restart comparison ([gpu] mtp_kernel = warp)"; exit 1; }
grep -q '^warp_vs_thread .*PASS' "$tmp/out/summary.txt" || { echo "FAIL: warp vs thread thermo comparison"; exit 1; }
grep -q '^gpu_required .*PASS' "$tmp/out/summary.txt" || { echo "FAIL: the GPU test does not fail without a GPU under MDRUN_REQUIRE_GPU=1"; exit 1; }
for f in summary.txt gpu_run.log bench.txt logs.tar.gz; do [ -s "$tmp/out/$f" ] || { echo "FAIL: $f not written"; exit 1; }; done
n="$(ls "$tmp/out" | wc -l)"
[ "$n" -le 8 ] || { echo "FAIL: $n files in \$OUT; the device tool returns at most 8"; exit 1; }
echo "PASSED: bundle $(du -sh "$tmp/bundle" | cut -f1), no-GPU rehearsal of every stage"
