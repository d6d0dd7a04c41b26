#!/usr/bin/env bash
# The device check: runs, on a GPU machine, everything that has to be seen on a GPU, from the folder that
# scripts/gpu_bundle.sh made (carried along; the machine needs the CUDA driver, nothing else of ours).
# Every stage has a time cap and the whole ends within --deadline seconds (default 470, i.e. under 8 min).
#
#   bash scripts/gpu_run.sh [BUNDLE] [--no-gpu] [--deadline S]
#
# Stages (one line each in $OUT/summary.txt, printed last):
#   env          nvidia-smi, OS, glibc, how the binaries load (machine's libraries, or the bundled ones),
#                libraries still missing, the SASS architectures embedded (cuobjdump)
#   gpu_test     test_gpu_vs_cpu with MDRUN_REQUIRE_GPU=1 (no GPU = failure, not a skip)
#   fma          gpu_fma_check: the MTP kernels built with FMA vs the exact mode (deviation, NVE drift)
#   cli_mtp      the CLI on the bundled MTP example (2 replicas) with --device cuda: thermo.csv within
#   cli_born     REL_TOL (relative, per number, |a-b|/max(1,|a|)) of a --device cpu run, and a run
#                interrupted at the half-way checkpoint and restarted from it byte-identical (every text
#                output file) to the uninterrupted GPU run
#   cli_mtp_warp the same MTP check with [gpu] mtp_kernel = "warp" (the cooperative kernel), then
#   warp_vs_thread  its thermo.csv files against cli_mtp's (the thread kernel): 0 expected in the exact mode
#   bench        bench_gpu_matrix: atom-steps/s, ~200 to ~100k atoms, 1 to 256 replicas, lev16 and lev22,
#   bench_nograph  both MTP kernels (thread, warp) side by side at every point; CUDA Graphs on (full
#                matrix up to ~4e5 atoms in total; warp-global too), then off (--quick); bench.txt ends with the warp/thread
#                ratio per point
#   banks        Nsight Compute counters of the warp kernel's first launches: shared-memory instructions,
#                wavefronts per instruction, bank conflicts, registers, shared memory, occupancy (banks.txt;
#                SKIP without ncu or counter permission)
#   memcheck, initcheck, racecheck   compute-sanitizer on a 10-step MTP run (error = failure)
# --no-gpu (the ctest rehearsal on a machine without a GPU, tests/integration/test_gpu_scripts.sh): the
# same stages with the CPU where a GPU would be used, short runs, GPU-only stages skipped, and checks that
# a missing GPU makes the GPU test fail under MDRUN_REQUIRE_GPU=1 and `--device cuda` stop clearly.
#
# Outputs in $OUT (default ./gpu-run-out): summary.txt, gpu_run.log (all stages' output, in order),
# bench.txt, bench_nographs.txt, banks.txt, logs.tar.gz (every stage's log and the CLI runs' output folders).
# Exit status 0 when every stage passed (or was skipped in --no-gpu mode), 1 otherwise.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bundle=""
nogpu=0
deadline=470
while [ $# -gt 0 ]; do
    case "$1" in
        --no-gpu) nogpu=1; shift ;;
        --deadline) deadline="$2"; shift 2 ;;
        -h|--help) sed -n '2,31p' "$0"; exit 0 ;;
        -*) echo "gpu_run.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
        *) bundle="$1"; shift ;;
    esac
done
[ -n "$bundle" ] || bundle="$here/../gpu-bundle"
B="$(cd "$bundle" 2>/dev/null && pwd)" || { echo "gpu_run.sh: bundle folder '$bundle' not found (make it with scripts/gpu_bundle.sh)" >&2; exit 2; }
[ -x "$B/bin/mdrun" ] || { echo "gpu_run.sh: $B/bin/mdrun missing: not a bundle from scripts/gpu_bundle.sh" >&2; exit 2; }
OUT="${OUT:-$PWD/gpu-run-out}"
mkdir -p "$OUT"
work="$(mktemp -d "${TMPDIR:-/tmp}/mdrun_gpu_run.XXXXXX")"
mkdir -p "$work/logs"
T0=$(date +%s)
REL_TOL=1e-6
WARP_TOL="${WARP_TOL:-0}"  # thermo.csv, warp vs thread kernel: exact mode = identical
summary="$OUT/summary.txt"
mainlog="$OUT/gpu_run.log"
: > "$summary"
: > "$mainlog"
failures=0
say() { echo "$*" | tee -a "$mainlog"; }
record() {  # name status seconds note
    printf '%-14s %-8s %5ss  %s\n' "$1" "$2" "$3" "$4" >> "$summary"
    say "== $1: $2 ($3 s) $4"
    case "$2" in PASS|SKIP) ;; *) failures=$((failures + 1)) ;; esac
}
elapsed() { echo $(( $(date +%s) - T0 )); }

# ---- how to start the bundled binaries ------------------------------------------------------------------
# Preferred: the machine's glibc and GCC runtime with the bundled HDF5 & co. (LD_LIBRARY_PATH); then with
# the bundled GCC runtime too; last the bundled glibc through its own loader (ld.so --library-path), for a
# machine whose glibc is older than the build machine's.
drv=""
for d in /usr/local/nvidia/lib64 /usr/local/nvidia/lib /usr/lib/x86_64-linux-gnu /usr/lib64 /usr/local/cuda/compat; do
    [ -e "$d/libcuda.so.1" ] && drv="${drv:+$drv:}$d"
done
runmode=none
RUN=()
# mdrun opens its HDF5 part from its own directory; through the bundled loader its "own" file would be
# ld-linux in glibc/, so the bundle names the plugin outright (engine/cli/h5_plugin_loader.cpp).
[ -f "$B/bin/libmdrun_h5.so" ] && export MDRUN_H5_PLUGIN="$B/bin/libmdrun_h5.so"
try_mode() {  # mode -> sets RUN when "mdrun --version" works that way
    local r=()
    case "$1" in
        native) r=(env "LD_LIBRARY_PATH=$B/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}") ;;
        native+gcc) r=(env "LD_LIBRARY_PATH=$B/lib:$B/gcc${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}") ;;
        loader) r=("$B/glibc/ld-linux-x86-64.so.2" --library-path "$B/lib:$B/gcc:$B/glibc${drv:+:$drv}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}") ;;
    esac
    if "${r[@]}" "$B/bin/mdrun" --version > "$work/logs/mode_$1.txt" 2>&1; then
        RUN=("${r[@]}")
        runmode="$1"
        return 0
    fi
    return 1
}
# mdrun re-executes itself (/proc/self/exe) to default OMP_WAIT_POLICY to passive unless the variable is set;
# started through the bundled loader it cannot (/proc/self/exe is the loader) and keeps the runtime's default
# (engine/core/omp_defaults.cpp), so the variable is set here for every way of starting.
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-passive}"
# MDRUN_GPU_RUN_MODE=native|native+gcc|loader forces one way (the ctest rehearsal uses the loader).
for m in ${MDRUN_GPU_RUN_MODE:-native native+gcc loader}; do try_mode "$m" && break; done
mdr() { "${RUN[@]}" "$@"; }
set -m  # job control: each stage in its own process group (see stage)

# stage NAME CAP_SECONDS COMMAND... : runs with a cap (and never past the deadline), output to logs/NAME.log
stage_rc=0
stage() {
    local name="$1" cap="$2"
    shift 2
    local left=$(( deadline - $(elapsed) - 10 ))
    local t=$(( cap < left ? cap : left ))
    if [ "$t" -lt 5 ]; then
        stage_rc=125
        stage_secs=0
        return 125
    fi
    local s0=$(date +%s) mark="$work/logs/.$name.timedout"
    # The stage runs as its own process group (job control on), so the watchdog can end it with every
    # program it started; `timeout` cannot run shell functions, which most stages are.
    ( "$@" ) > "$work/logs/$name.log" 2>&1 &
    local pid=$!
    ( sleep "$t"; touch "$mark"; kill -TERM -- "-$pid" 2>/dev/null; sleep 5; kill -KILL -- "-$pid" 2>/dev/null ) >/dev/null 2>&1 &
    local dog=$!
    wait "$pid"
    stage_rc=$?
    kill -- "-$dog" 2>/dev/null
    wait "$dog" 2>/dev/null
    if [ -e "$mark" ]; then
        stage_rc=124
        echo "(stopped at its cap of $t s)" >> "$work/logs/$name.log"
    fi
    stage_secs=$(( $(date +%s) - s0 ))
    { echo "---- $name (cap ${t} s, rc $stage_rc, ${stage_secs} s): $*"; tail -n 60 "$work/logs/$name.log"; } >> "$mainlog"
    return $stage_rc
}
status_of() {  # rc -> word
    case "$1" in 0) echo PASS ;; 77) echo SKIP ;; 124|137) echo TIMEOUT ;; 125) echo NOTIME ;; *) echo FAIL ;; esac
}

say "mdrun device check: bundle $B, mode $([ $nogpu = 1 ] && echo no-gpu || echo gpu), deadline ${deadline} s, $(date -u '+%Y-%m-%d %H:%M:%S UTC')"

# ---- env ------------------------------------------------------------------------------------------------
env_report() {
    echo "## bundle"; cat "$B/MANIFEST" 2>/dev/null | head -8
    echo "## machine"; uname -a; (. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME"); ldd --version 2>&1 | head -1
    echo "cpus: $(nproc)"; free -g 2>/dev/null | head -2; df -h "$work" 2>/dev/null | tail -1
    echo "## GPU"
    if command -v nvidia-smi >/dev/null; then
        nvidia-smi
        nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm,clocks.max.sm,clocks.mem,power.limit,compute_mode --format=csv
    else
        echo "nvidia-smi: not found"
    fi
    echo "libcuda.so.1 in: ${drv:-(not in the usual places)}; ldconfig: $(ldconfig -p 2>/dev/null | grep -c 'libcuda.so.1') entries"
    echo "tools: $(for t in nvcc compute-sanitizer cuobjdump ncu python3; do printf '%s=%s ' "$t" "$(command -v $t || echo -)"; done)"
    echo "CUDA_VISIBLE_DEVICES=${CUDA_VISIBLE_DEVICES-unset} CUDA_MODULE_LOADING=${CUDA_MODULE_LOADING-unset (lazy)}"
    echo "## how the binaries start: $runmode"
    for m in native native+gcc loader; do [ -f "$work/logs/mode_$m.txt" ] && { echo "-- $m:"; head -5 "$work/logs/mode_$m.txt"; }; done
    echo "## libraries still missing (machine's loader, bundled lib/ and gcc/ on the path)"
    for b in "$B/bin/"*; do
        LD_LIBRARY_PATH="$B/lib:$B/gcc" ldd "$b" 2>&1 | grep -E 'not found|version .* not found' | sed "s|^|$(basename "$b"): |" || true
    done
    echo "## embedded GPU code"
    if command -v cuobjdump >/dev/null; then cuobjdump --list-elf "$B/bin/mdrun" 2>&1 | head -5; cuobjdump --list-ptx "$B/bin/mdrun" 2>&1 | head -3; fi
    [ "$runmode" != none ]
}
stage env 40 env_report
record env "$(status_of $stage_rc)" "${stage_secs:-0}" "binaries start: $runmode$([ -n "$drv" ] && echo "; driver in $drv")"
if [ "$runmode" = none ]; then
    say "the bundled binaries do not start on this machine (see logs/env.log); nothing else can run"
fi

# ---- gpu_test -------------------------------------------------------------------------------------------
if [ "$runmode" != none ]; then
    if [ $nogpu = 0 ]; then
        stage gpu_test 150 env MDRUN_REQUIRE_GPU=1 MDRUN_TEST_DATA="$B/data" "${RUN[@]}" "$B/bin/test_gpu_vs_cpu"
        record gpu_test "$(status_of $stage_rc)" "$stage_secs" "$(grep -E '^(PASSED|FAILED|FAIL:|device:)' "$work/logs/gpu_test.log" | tr '\n' ' ' | cut -c1-150)"
        stage fma 90 env MDRUN_REQUIRE_GPU=1 MDRUN_TEST_DATA="$B/data" "${RUN[@]}" "$B/bin/gpu_fma_check"
        record fma "$(status_of $stage_rc)" "$stage_secs" "$(grep -E '^(PASSED|FAILED|FAIL:)|FAIL ' "$work/logs/fma.log" | head -3 | tr '\n' ' ' | cut -c1-150)"
    else
        stage gpu_test 30 env -u MDRUN_REQUIRE_GPU MDRUN_TEST_DATA="$B/data" "${RUN[@]}" "$B/bin/test_gpu_vs_cpu"
        [ $stage_rc = 77 ] && st=SKIP || st=FAIL
        [ $stage_rc = 125 ] && st=NOTIME
        record gpu_test "$st" "$stage_secs" "no GPU: exit $stage_rc (77 = skipped expected)"
        stage gpu_required 30 env MDRUN_REQUIRE_GPU=1 MDRUN_TEST_DATA="$B/data" "${RUN[@]}" "$B/bin/test_gpu_vs_cpu"
        [ $stage_rc = 1 ] && st=PASS || st=FAIL
        [ $stage_rc = 125 ] && st=NOTIME
        record gpu_required "$st" "$stage_secs" "MDRUN_REQUIRE_GPU=1 without a GPU: exit $stage_rc (1 = failure expected)"
        stage fma 30 env -u MDRUN_REQUIRE_GPU MDRUN_TEST_DATA="$B/data" "${RUN[@]}" "$B/bin/gpu_fma_check"
        [ $stage_rc = 77 ] && st=SKIP || st=FAIL
        [ $stage_rc = 125 ] && st=NOTIME
        record fma "$st" "$stage_secs" "no GPU: exit $stage_rc (77 = skipped expected)"
    fi
fi

# ---- CLI ------------------------------------------------------------------------------------------------
if [ $nogpu = 0 ]; then dev=cuda; steps=400; half=200; thermo=20; traj=100; else dev=cpu; steps=20; half=10; thermo=5; traj=10; fi
prepare() {  # example dir -> a run folder with the config filled in
    mkdir -p "$2"
    cp "$B/examples/$1/"* "$2/"
    sed -i -e "s/@STEPS@/$steps/" -e "s/@HALF@/$half/" -e "s/@THERMO@/$thermo/" -e "s/@TRAJ@/$traj/" "$2/config.toml"
}
# Largest |a-b|/max(1,|a|) over the numeric cells of two CSV files with the same shape ("shape" if not).
csv_maxrel() {
    awk -F, 'NR == FNR { for (i = 1; i <= NF; ++i) a[FNR, i] = $i; n[FNR] = NF; rows = FNR; next }
             { if (n[FNR] != NF) { bad = 1 } for (i = 1; i <= NF; ++i) { x = a[FNR, i]; y = $i;
               if (x ~ /^[-+0-9.eE]+$/ && y ~ /^[-+0-9.eE]+$/) { d = x - y; if (d < 0) d = -d; s = x < 0 ? -x : x; if (s < 1) s = 1;
                 if (d / s > m) m = d / s } else if (x != y) bad = 1 } r2 = FNR }
             END { if (bad || rows != r2) print "shape"; else printf "%.3e\n", m + 0 }' "$1" "$2"
}
cli_check() {  # example [mtp kernel]
    local ex="$1" kernel="${2:-}" rc=0
    local d="$work/cli/$1${kernel:+_$kernel}"
    prepare "$ex" "$d/full"; prepare "$ex" "$d/cut"; prepare "$ex" "$d/cpu"
    if [ -n "$kernel" ]; then  # the GPU runs with this MTP kernel (the CPU run ignores [gpu])
        for r in full cut cpu; do printf '\n[gpu]\nmtp_kernel = "%s"\n' "$kernel" >> "$d/$r/config.toml"; done
        echo "## [gpu] mtp_kernel = \"$kernel\""
    fi
    echo "## $ex: uninterrupted run, $steps steps, --device $dev"
    (cd "$d/full" && mdr "$B/bin/mdrun" config.toml --device "$dev" --quiet) || { echo "FAIL: uninterrupted run exited $?"; return 1; }
    echo "## $ex: interrupted at the step-$half checkpoint: run to $half, on to $((half + half / 2)) ('crash'), restart from $half"
    (cd "$d/cut" && mdr "$B/bin/mdrun" config.toml --device "$dev" --quiet --steps "$half") || { echo "FAIL: first piece exited $?"; return 1; }
    cp "$d/cut/out/checkpoint.mdrun" "$d/cut/ck.at$half"
    (cd "$d/cut" && mdr "$B/bin/mdrun" config.toml --device "$dev" --quiet --restart out/checkpoint.mdrun --steps $((half + half / 2))) ||
        { echo "FAIL: second piece exited $?"; return 1; }
    cp "$d/cut/ck.at$half" "$d/cut/out/checkpoint.mdrun"
    (cd "$d/cut" && mdr "$B/bin/mdrun" config.toml --device "$dev" --quiet --restart out/checkpoint.mdrun) || { echo "FAIL: restart exited $?"; return 1; }
    local same=0 differ=0 f
    while read -r f; do
        case "$f" in *checkpoint*|*run.log|*summary.json|*postmortem*|*.h5|*.h5md) continue ;; esac
        # resolved.toml names the run folder by absolute path: compare it with each folder's path mapped to one name.
        if cmp -s <(sed "s#$d/full#RUN#g" "$d/full/out/$f") <(sed "s#$d/cut#RUN#g" "$d/cut/out/$f"); then
            same=$((same + 1)); else differ=$((differ + 1)); echo "DIFFERS after restart: $f"; rc=1; fi
    done < <(cd "$d/full/out" && find . -type f | sort)
    echo "restart: $same text files byte-identical, $differ differ"
    [ "$same" -gt 0 ] || { echo "FAIL: no output files compared"; rc=1; }
    echo "## $ex: the same run with --device cpu"
    (cd "$d/cpu" && mdr "$B/bin/mdrun" config.toml --device cpu --quiet) || { echo "FAIL: CPU run exited $?"; return 1; }
    local worst=0 t m
    while read -r t; do
        m="$(csv_maxrel "$d/cpu/out/$t" "$d/full/out/$t")"
        echo "thermo $t: max relative difference $dev vs cpu = $m (limit $REL_TOL)"
        if [ "$m" = shape ] || awk -v m="$m" -v l="$REL_TOL" 'BEGIN { exit !(m > l) }'; then rc=1; fi
        [ "$m" != shape ] && worst="$(awk -v a="$worst" -v b="$m" 'BEGIN { print (b > a ? b : a) }')"
    done < <(cd "$d/full/out" && find . -name thermo.csv | sort)
    echo "RESULT $ex: restart $same identical/$differ differ; thermo max rel diff vs cpu $worst"
    return $rc
}
if [ "$runmode" != none ]; then
    for ex in mtp born; do
        stage "cli_$ex" 150 cli_check "$ex"
        record "cli_$ex" "$(status_of $stage_rc)" "$stage_secs" "$(grep '^RESULT' "$work/logs/cli_$ex.log" | cut -d' ' -f3- | cut -c1-150)"
    done
    stage cli_mtp_warp 150 cli_check mtp warp
    record cli_mtp_warp "$(status_of $stage_rc)" "$stage_secs" "$(grep '^RESULT' "$work/logs/cli_mtp_warp.log" | cut -d' ' -f3- | cut -c1-150)"
    # The two kernels' uninterrupted runs, thermo.csv number by number: the exact mode (no FMA) performs the
    # same operations in the same order, so 0 is expected; WARP_TOL allows round-off (an FMA build).
    warp_vs_thread() {
        local worst=0 m t n=0 rc=0
        while read -r t; do
            m="$(csv_maxrel "$work/cli/mtp/full/out/$t" "$work/cli/mtp_warp/full/out/$t")"
            echo "thermo $t: max relative difference warp vs thread = $m"
            n=$((n + 1))
            if [ "$m" = shape ] || awk -v m="$m" -v l="$WARP_TOL" 'BEGIN { exit !(m > l) }'; then rc=1; fi
            [ "$m" != shape ] && worst="$(awk -v a="$worst" -v b="$m" 'BEGIN { print (b > a ? b : a) }')"
        done < <(cd "$work/cli/mtp/full/out" 2>/dev/null && find . -name thermo.csv | sort)
        [ "$n" -gt 0 ] || { echo "FAIL: no thermo.csv to compare"; rc=1; }
        echo "RESULT $n thermo files, max rel diff warp vs thread $worst (limit $WARP_TOL)"
        return $rc
    }
    stage warp_vs_thread 20 warp_vs_thread
    record warp_vs_thread "$(status_of $stage_rc)" "$stage_secs" "$(grep '^RESULT' "$work/logs/warp_vs_thread.log" | cut -d' ' -f2- | cut -c1-150)"
    if [ $nogpu = 1 ]; then
        stage device_cuda_refused 20 bash -c 'cd "$1" && "${@:2}" config.toml --device cuda --steps 1 --quiet' _ "$work/cli/mtp/cpu" "${RUN[@]}" "$B/bin/mdrun"
        if [ $stage_rc != 0 ] && grep -q -- '--device cuda' "$work/logs/device_cuda_refused.log"; then st=PASS; else st=FAIL; fi
        [ $stage_rc = 125 ] && st=NOTIME
        record device_cuda_refused "$st" "$stage_secs" "$(head -1 "$work/logs/device_cuda_refused.log" | cut -c1-120)"
    fi
fi

# ---- benchmark ------------------------------------------------------------------------------------------
# The warp/thread ratio of atom-steps/s at every point the matrix ran with both kernels (bench_gpu_matrix
# prints one row per kernel: model(2 words) atoms reps kernel steps atom-steps/s ...).
kernel_ratios() {
    awk '/^lev/ && NF >= 7 && ($5 == "thread" || $5 == "warp" || $5 == "warp-global") && $6 ~ /^[0-9]+$/ {
             key = $1 " " $2 " " $3 " " $4; v[key, $5] = $7; if (!(key in seen)) { seen[key] = 1; order[++n] = key } }
         END { print "# warp/thread atom-steps/s ratio per point (same run, same binary; warp-global: blocks in global memory):"; best = 0
               for (i = 1; i <= n; ++i) { k = order[i]; if (!((k, "thread") in v) || v[k, "thread"] <= 0) continue
                   line = sprintf("#   %-32s thread %.3e", k, v[k, "thread"])
                   if ((k, "warp") in v) { r = v[k, "warp"] / v[k, "thread"]; line = line sprintf("  warp %.3e (x%.2f)", v[k, "warp"], r); if (r > best) best = r; m++ }
                   if ((k, "warp-global") in v) { r = v[k, "warp-global"] / v[k, "thread"]; line = line sprintf("  warp-global %.3e (x%.2f)", v[k, "warp-global"], r); if (r > best) best = r; m++ }
                   print line }
               printf "# best warp/thread ratio %.2f over %d kernel points\n", best, m + 0 }' "$1"
}
if [ "$runmode" != none ]; then
    if [ $nogpu = 0 ]; then
        stage bench 200 env MDRUN_REQUIRE_GPU=1 "${RUN[@]}" "$B/bin/bench_gpu_matrix" --data "$B/data" --seconds 0.3 \
            --kernel all --max-total-atoms 4.1e5
        cp "$work/logs/bench.log" "$OUT/bench.txt" 2>/dev/null || : > "$OUT/bench.txt"
        kernel_ratios "$OUT/bench.txt" >> "$OUT/bench.txt"
        record bench "$(status_of $stage_rc)" "$stage_secs" "$(grep -c '^lev' "$OUT/bench.txt") rows (bench.txt); $(grep '^# best warp/thread' "$OUT/bench.txt" | cut -c3-100)"
        stage bench_nograph 70 env MDRUN_REQUIRE_GPU=1 "${RUN[@]}" "$B/bin/bench_gpu_matrix" --data "$B/data" --seconds 0.5 --quick --no-graphs --kernel both
        cp "$work/logs/bench_nograph.log" "$OUT/bench_nographs.txt" 2>/dev/null || : > "$OUT/bench_nographs.txt"
        record bench_nograph "$(status_of $stage_rc)" "$stage_secs" "$(grep -c '^lev' "$OUT/bench_nographs.txt") rows (bench_nographs.txt)"
    else
        stage bench 60 "${RUN[@]}" "$B/bin/bench_gpu_matrix" --data "$B/data" --cpu-only --quick --seconds 0.2 --max-total-atoms 2000
        cp "$work/logs/bench.log" "$OUT/bench.txt" 2>/dev/null || : > "$OUT/bench.txt"
        kernel_ratios "$OUT/bench.txt" >> "$OUT/bench.txt"
        record bench "$(status_of $stage_rc)" "$stage_secs" "--cpu-only rehearsal: $(grep -c '^lev' "$OUT/bench.txt") rows"
    fi
fi

# ---- shared-memory banks of the warp kernel -------------------------------------------------------------
# Nsight Compute's counters for the first launches of the cooperative MTP kernel (bench_gpu_matrix --quick,
# warp kernel only): shared-memory instructions, wavefronts (the passes that served them: 2 per 8-byte
# warp access without conflicts) and bank conflicts, with the launch's registers, shared memory and
# occupancy. The host model of the same accesses (tests/unit/test_kernel_warp_banks.cpp) predicts the
# wavefronts per instruction; benchmarks/README.md has its numbers. SKIP without ncu or counter access.
banks() {
    local ncu
    ncu="$(command -v ncu || ls /usr/local/cuda/bin/ncu 2>/dev/null || true)"
    [ -n "$ncu" ] || { echo "RESULT ncu not found"; return 77; }
    "$ncu" --kernel-name regex:warp_group_kernel --launch-count 4 --print-units base \
        --metrics smsp__inst_executed_op_shared_ld.sum,smsp__inst_executed_op_shared_st.sum,l1tex__data_pipe_lsu_wavefronts_mem_shared_op_ld.sum,l1tex__data_pipe_lsu_wavefronts_mem_shared_op_st.sum,l1tex__data_bank_conflicts_pipe_lsu_mem_shared_op_ld.sum,l1tex__data_bank_conflicts_pipe_lsu_mem_shared_op_st.sum,launch__registers_per_thread,launch__shared_mem_per_block_dynamic,launch__block_size,launch__grid_size,launch__occupancy_limit_shared_mem,sm__warps_active.avg.pct_of_peak_sustained_active,gpu__time_duration.sum \
        env MDRUN_REQUIRE_GPU=1 "${RUN[@]}" "$B/bin/bench_gpu_matrix" --data "$B/data" --seconds 0.05 --quick --no-graphs --kernel warp
    local rc=$?
    if grep -q 'ERR_NVGPUCTRPERM' "$work/logs/banks.log" 2>/dev/null; then echo "RESULT no access to the GPU counters (ERR_NVGPUCTRPERM)"; return 77; fi
    [ $rc = 0 ] || return $rc
    # wavefronts per shared instruction over the profiled launches (2.0 = conflict-free 8-byte accesses)
    awk '/smsp__inst_executed_op_shared_(ld|st).sum/ { gsub(",", "", $NF); i += $NF }
         /l1tex__data_pipe_lsu_wavefronts_mem_shared_op_(ld|st).sum/ { gsub(",", "", $NF); w += $NF }
         /l1tex__data_bank_conflicts_pipe_lsu_mem_shared_op_(ld|st).sum/ { gsub(",", "", $NF); c += $NF }
         END { if (i > 0) printf "RESULT %.3g shared instructions, %.3f wavefronts each, %.3g bank conflicts\n", i, w / i, c;
               else { print "RESULT no shared-memory counters in the ncu output"; exit 1 } }' "$work/logs/banks.log"
}
if [ "$runmode" != none ]; then
    if [ $nogpu = 1 ]; then
        record banks SKIP 0 "no GPU"
    else
        stage banks 90 banks
        cp "$work/logs/banks.log" "$OUT/banks.txt" 2>/dev/null || :
        record banks "$(status_of $stage_rc)" "$stage_secs" "$(grep '^RESULT' "$work/logs/banks.log" | tail -1 | cut -d' ' -f2- | cut -c1-150)"
    fi
fi

# ---- compute-sanitizer ----------------------------------------------------------------------------------
if [ "$runmode" != none ]; then
    san="$(command -v compute-sanitizer || ls /usr/local/cuda/bin/compute-sanitizer 2>/dev/null || true)"
    for tool in memcheck initcheck racecheck; do
        if [ $nogpu = 1 ]; then record "$tool" SKIP 0 "no GPU"; continue; fi
        if [ -z "$san" ]; then record "$tool" FAIL 0 "compute-sanitizer not found"; continue; fi
        prepare mtp "$work/san/$tool"
        extra=()
        [ "$tool" = memcheck ] && extra=(--leak-check full)
        stage "$tool" 75 bash -c 'cd "$1" && shift && "$@" config.toml --device cuda --steps 10 --quiet' _ "$work/san/$tool" \
            "$san" --tool "$tool" "${extra[@]}" --error-exitcode 99 "${RUN[@]}" "$B/bin/mdrun"
        record "$tool" "$(status_of $stage_rc)" "$stage_secs" "$(grep -E 'ERROR SUMMARY|RACECHECK SUMMARY|LEAK SUMMARY' "$work/logs/$tool.log" | tr '\n' ' ' | cut -c1-140)"
    done
fi

# ---- results --------------------------------------------------------------------------------------------
tar czf "$OUT/logs.tar.gz" -C "$work" logs cli 2>/dev/null || tar czf "$OUT/logs.tar.gz" -C "$work" logs
{
    echo
    echo "device check finished in $(elapsed) s: $failures stage(s) failed; outputs in $OUT"
} >> "$summary"
say ""
say "==================== summary ===================="
cat "$summary" | tee -a "$mainlog"
rm -rf "$work"
[ "$failures" = 0 ]
