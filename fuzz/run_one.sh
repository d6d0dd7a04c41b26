#!/usr/bin/env bash
# Runs one libFuzzer target for a bounded time from its seed corpus; exit status non-zero on any finding.
# Usage: fuzz/run_one.sh FUZZER NAME SECONDS WORKDIR
#   seeds:  the matching inputs of tests/corpus/cases and tests/data (fuzz/seeds.sh), copied to WORKDIR/seeds/NAME
#   corpus: WORKDIR/corpus/NAME (grows between runs; new inputs are written there, seeds are never changed)
#   a crash/leak/UB/timeout/oversized allocation is saved as WORKDIR/artifacts/NAME/<kind>-<sha1>.
# Limits (a finding when exceeded): 10 s for one input, 2 GB RSS, 2 GB for one allocation.
set -euo pipefail
fuzzer=$1 name=$2 seconds=$3 work=$4
here=$(cd "$(dirname "$0")" && pwd)
seeds=$work/seeds/$name corpus=$work/corpus/$name artifacts=$work/artifacts/$name
mkdir -p "$seeds" "$corpus" "$artifacts"
bash "$here/seeds.sh" "$name" "$seeds"
# Leaks are findings; UBSan's reports are fatal already (-fno-sanitize-recover at build time).
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=0:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export OMP_NUM_THREADS=1 OMP_WAIT_POLICY=passive
echo "fuzz $name: $(ls "$seeds" | wc -l) seeds, $(ls "$corpus" | wc -l) corpus inputs, ${seconds} s"
set +e
"$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=2048 -max_len=1100000 \
          -print_final_stats=1 -artifact_prefix="$artifacts/" "$corpus" "$seeds" 2>&1 | tail -n 60
rc=${PIPESTATUS[0]}
set -e
[ "$rc" = 0 ] || echo "fuzz $name: FINDING, see $artifacts/"
echo "fuzz $name: exit $rc, corpus now $(ls "$corpus" | wc -l) inputs"
exit "$rc"
