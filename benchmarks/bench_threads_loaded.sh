#!/usr/bin/env bash
# 1 thread, 2 fixed threads and 2 governed threads (engine/run/thread_governor.hpp) side by side, on free
# cores and with LOAD busy-loop processes beside them (the "loaded machine" of issue #16): the whole-process
# wall time of `mdrun config.toml` (NaCl 4096 atoms, born/coul/dsf, NVE; or the MTP example of inputs/NaAlCl4),
# the three variants interleaved round by round, min/median over ROUNDS. The busy loops are shell
# `while :; do :; done` processes at normal priority, each in a session of its own (setsid), as other users'
# jobs are: with the kernel's autogroup scheduling (/proc/sys/kernel/sched_autogroup_enabled = 1) each session
# gets an equal share of the cores, so mdrun's threads share one session's share — the case where 2 threads
# lose against 1. SAME_SESSION=1 starts them in this script's session instead (then every thread counts alike).
# Usage: benchmarks/bench_threads_loaded.sh [MDRUN_BIN] [STEPS]   Environment: ROUNDS (3), LOADS ("0 2"),
#        CASE (nacl | mtp; default nacl)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/.." && pwd)"
mdrun="$(realpath "${1:-$repo/build/mdrun}")"
steps="${2:-3000}"
rounds="${ROUNDS:-3}"
loads="${LOADS:-0 2}"
case_="${CASE:-nacl}"
[ -x "$mdrun" ] || { echo "no mdrun binary at $mdrun"; exit 1; }
work="$(mktemp -d)"
busy=()
cleanup() { for p in "${busy[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
if [ "$case_" = mtp ]; then
    sed "s|^directory = .*|directory = \"$work/out\"|; s|^file = \"\\(.*\\)\"|file = \"$repo/inputs/NaAlCl4/\\1\"|" \
        "$repo/inputs/NaAlCl4/config.toml" > "$work/c.toml"
else
    # The bundled NaCl example's potential and settings on the 4096-atom cell, NVE, output only at the end.
    sed -e "s|^file = \"nacl216_seed20240501.data\"|file = \"$repo/tests/data/lammps_reference/data/nacl4096_seed7.data\"|" \
        -e 's|^ensemble = .*|ensemble = "nve"|' -e "s|^directory = .*|directory = \"$work/out\"|" \
        -e 's|^trajectory_every = .*|trajectory_every = 0|' -e 's|^thermo_every = .*|thermo_every = 1000|' \
        -e 's|^checkpoint_every = .*|checkpoint_every = 0|' "$repo/inputs/NaCl_born_dsf/config.toml" > "$work/c.toml"
fi
wall() {  # threads args...: wall seconds of one run
    local n="$1"; shift
    local t0 t1
    rm -rf "$work/out"
    t0=$(date +%s.%N)
    OMP_NUM_THREADS="$n" "$mdrun" "$work/c.toml" --steps "$steps" --quiet "$@" >/dev/null
    t1=$(date +%s.%N)
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", b - a }'
}
stats() { sort -g | awk '{ a[NR] = $1 } END { m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; printf "%.2f / %.2f", a[1], m }'; }
echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), case $case_, $steps steps, $rounds rounds, busy loops in $([ "${SAME_SESSION:-0}" = 1 ] && echo "this session" || echo "sessions of their own"); load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-6s %-22s %-22s %-22s %s\n' busy "1 thread wall s" "2 fixed wall s" "2 governed wall s" "governed: time per count (last round)"
for L in $loads; do
    for ((k = 0; k < L; ++k)); do
        if [ "${SAME_SESSION:-0}" = 1 ]; then (while :; do :; done) & else setsid bash -c 'while :; do :; done' & fi
        busy+=($!)
    done
    : > "$work/one"; : > "$work/fixed"; : > "$work/gov"
    for ((r = 0; r < rounds; ++r)); do
        wall 1 --fixed-threads >> "$work/one"
        wall 2 --fixed-threads >> "$work/fixed"
        wall 2 >> "$work/gov"
    done
    gl=$(grep "OpenMP threads over the run" "$work/out/run.log" | sed 's/.*keeps 2)://')
    printf '%-6s %-22s %-22s %-22s %s\n' "$L" "$(stats < "$work/one")" "$(stats < "$work/fixed")" "$(stats < "$work/gov")" "$gl"
    for p in "${busy[@]}"; do kill "$p" 2>/dev/null || true; done
    busy=()
done
echo "# min / median wall seconds; load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
