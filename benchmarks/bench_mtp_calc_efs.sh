#!/bin/bash
# End-to-end time of `mdrun calc-efs` on the three big MTP inputs (level 16, 18, 22), on 1 and 2 OpenMP
# threads: best of REPEATS runs (the machine may be shared), plus bench_mtp's breakdown per stage.
# usage: benchmarks/bench_mtp_calc_efs.sh [BUILD_DIR=build] [REPEATS=7]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$here/build}
repeats=${2:-7}
data=${MDRUN_TEST_DATA:-$here/tests/data}   # the reference MTPs kept in the repository
mdrun=$build/mdrun
bench=$build/benchmarks/bench_mtp
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf "%-28s %8s %8s %12s %12s %8s\n" case atoms threads best_s median_s speedup
for case in NaO_lev16/big2592 ZrYbO_lev18/big2511 La2Zr2O7_lev22/big5632; do
    dir=$data/mtp/$(dirname "$case")
    in=$data/mtp/${case}_input.cfg
    atoms=$(sed -n 3p "$in" | tr -d ' ')
    t1=""
    for threads in 1 2; do
        times=()
        for ((r = 0; r < repeats; ++r)); do
            s=$(date +%s.%N)
            OMP_NUM_THREADS=$threads "$mdrun" calc-efs "$dir/pot.mtp" "$in" "$tmp/out.cfg"
            e=$(date +%s.%N)
            times+=("$(awk -v a="$s" -v b="$e" 'BEGIN { printf "%.6f", b - a }')")
        done
        sorted=$(printf "%s\n" "${times[@]}" | sort -g)
        best=$(echo "$sorted" | head -1)
        median=$(echo "$sorted" | sed -n "$(((repeats + 1) / 2))p")
        [ -z "$t1" ] && t1=$best
        printf "%-28s %8s %8s %12.4f %12.4f %8.2f\n" "$case" "$atoms" "$threads" "$best" "$median" \
            "$(awk -v a="$t1" -v b="$best" 'BEGIN { print a / b }')"
    done
done
if [ -x "$bench" ]; then
    echo
    echo "# bench_mtp breakdown (best of $repeats; eval = energy+forces+virial)"
    for case in NaO_lev16/big2592 ZrYbO_lev18/big2511 La2Zr2O7_lev22/big5632; do
        "$bench" "$data/mtp/$(dirname "$case")/pot.mtp" "$data/mtp/${case}_input.cfg" "$repeats" 1,2
    done
fi
