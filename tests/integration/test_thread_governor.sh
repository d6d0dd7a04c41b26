#!/usr/bin/env bash
# The thread governor switches OpenMP thread counts mid-run (engine/run/thread_governor.hpp) and that is
# invisible in the results: with MDRUN_THREAD_GOVERNOR_SCALE=0.002 (holds of 20 ms, probes of 2 ms) a
# 2-thread run probes 1 thread many times; its thermo.csv and final.extxyz must equal, byte for byte, those
# of a 1-thread run and of a 2-thread run with --fixed-threads; run.log says how long each count ran, and
# --fixed-threads has no governor line. (Which count wins depends on the machine's load: not asserted.)
set -euo pipefail
[ -n "${MDRUN_BIN:-}" ] || { echo "MDRUN_BIN not set: skipped"; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
src="${MDRUN_SOURCE_DIR:-$(dirname "$0")/../..}"
# The bundled NaCl example (inputs/NaCl_born_dsf), NVT at 600 K, without trajectory, thermo every 10 steps.
sed -e "s|^file = \"nacl216_seed20240501.data\"|file = \"$src/inputs/NaCl_born_dsf/nacl216_seed20240501.data\"|" \
    -e 's|^directory = .*|directory = "out"|' -e 's|^trajectory_every = .*|trajectory_every = 0|' \
    -e 's|^thermo_every = .*|thermo_every = 10|' -e 's|^steps = .*|steps = 3000|' \
    "$src/inputs/NaCl_born_dsf/config.toml" > "$work/c.toml"
run() {  # name threads [args]
    local name="$1" n="$2"
    shift 2
    (cd "$work" && sed "s|directory = \"out\"|directory = \"$name\"|" c.toml > "$name.toml" &&
     OMP_NUM_THREADS="$n" MDRUN_THREAD_GOVERNOR_SCALE=0.002 "$MDRUN_BIN" "$name.toml" --quiet "$@") ||
        fail "run $name failed"
}
run gov 2
run one 1 --fixed-threads
run fixed 2 --fixed-threads
for f in thermo.csv final.extxyz; do
    cmp -s "$work/gov/$f" "$work/one/$f" || fail "$f differs between the governed and the 1-thread run"
    cmp -s "$work/gov/$f" "$work/fixed/$f" || fail "$f differs between the governed and the fixed 2-thread run"
done
line=$(grep "OpenMP threads over the run" "$work/gov/run.log") || fail "no governor summary in run.log"
echo "$line" | grep -q " 2: " && echo "$line" | grep -q " 1: " || fail "governor did not run both counts: $line"
! grep -q "thread governor" "$work/fixed/run.log" || fail "--fixed-threads run has a governor line"
echo "$line; $(grep -c 'OpenMP threads now' "$work/gov/run.log") switches; results identical"
