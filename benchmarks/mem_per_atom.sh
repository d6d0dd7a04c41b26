#!/usr/bin/env bash
# Memory per atom of `mdrun config.toml` on the CPU backend at each MTP level of tests/data/mtp (issue 15,
# docs/cluster.md "Memory per atom"): every potential's structure at two sizes (mdrun convert --replicate),
# NVT for STEPS steps on 1 thread, no analysis, no trajectory, and the peak resident set size of the process
# (/usr/bin/time %M). slope = (RSS2 - RSS1) / (N2 - N1) is the cost per atom; RSS1 - slope*N1 the fixed cost
# (program, libraries, potential tables). The last column is mdrun's own estimate of the neighbour list and
# potential scratch at the larger size (engine/run/resource_estimate.cpp), read from the message it gives
# when the memory limit is set below it (MDRUN_MEMORY_LIMIT_BYTES=1). Then, for the larger size, what the
# CUDA backend's batch engine allocates for it (bench_batch_memory beside mdrun in build/benchmarks/, host
# executor, the GPU's buffer sizes): neighbour slots per atom, KiB per atom without the MTP scratch, and the
# scratch per atom of one chunk (the engine chunks it into half the free GPU memory).
# Usage: benchmarks/mem_per_atom.sh [MDRUN_BIN] [STEPS]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/.." && pwd)"
mdrun="$(cd "$(dirname "${1:-$repo/build/mdrun}")" && pwd)/$(basename "${1:-$repo/build/mdrun}")"
steps="${2:-2}"
[ -x "$mdrun" ] || { echo "no mdrun binary at $mdrun"; exit 1; }
batchmem="$(dirname "$mdrun")/benchmarks/bench_batch_memory"
[ -x "$batchmem" ] || { echo "no $batchmem (cmake --build build --target bench_batch_memory)"; exit 1; }
m="$repo/tests/data/mtp"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export OMP_NUM_THREADS=1 OMP_WAIT_POLICY=passive
# level | potential folder | structure | elements | replicate small | replicate large
cases=(
  "8|NaAlCl4_tensornet_lev08|structure_24_b6167_tnet_relaxed.cfg|Na,Al,Cl|4,4,4|8,8,8"
  "10|Na3PS4_tensornet|Na3PS4_relaxed128.cfg|Na,P,S|2,2,2|4,4,4"
  "12|NaAlBr4_chgnet|NaAlBr4_sc222.cfg|Na,Al,Br|2,2,2|4,4,4"
  "16|NaO_lev16|big2592_input.cfg|Na,O|1,1,1|2,2,2"
  "18|ZrYbO_lev18|big2511_input.cfg|Zr,Yb,O|1,1,1|2,2,2"
  "22|La2Zr2O7_lev22|input.cfg|La,Zr,O|2,2,2|4,4,4"
)
echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), $(uname -n), load $(cut -d' ' -f1-3 /proc/loadavg), $steps steps, CPU backend, 1 thread"
printf '%-5s %-24s %7s %9s %7s %9s %10s %9s %12s | %9s %13s %13s\n' level potential N1 RSS1_MiB N2 RSS2_MiB KiB/atom fixed_MiB nblist_est_N2 gpu_slots gpu_KiB/atom scr_KiB/atom
for c in "${cases[@]}"; do
    IFS='|' read -r lev pot file els rep1 rep2 <<< "$c"
    q=$(echo "$els" | sed 's/\([A-Za-z]*\)/"\1"/g')
    res=()
    for rep in "$rep1" "$rep2"; do
        s="$work/${pot}_${rep//,/x}.cfg"
        "$mdrun" convert "$m/$pot/$file" "$s" --elements "$els" --replicate "$rep" > /dev/null 2>&1
        n=$(awk '/Size/{getline; print $1; exit}' "$s")
        cat > "$work/config.toml" <<TOML
[structure]
file = "$s"
format = "cfg"
elements = [$q]
[potential]
kind = "mtp"
file = "$m/$pot/pot.mtp"
elements = [$q]
[md]
ensemble = "nvt"
timestep_fs = 1.0
steps = $steps
temperature_K = 300.0
stop_on_close_pairs = false
[output]
directory = "out"
thermo_every = 1
checkpoint_every = 0
TOML
        rm -rf "$work/out"
        (cd "$work" && /usr/bin/time -f '%M' -o "$work/rss" "$mdrun" config.toml --quiet --device cpu > /dev/null)
        est=$(cd "$work" && MDRUN_MEMORY_LIMIT_BYTES=1 "$mdrun" config.toml --quiet --device cpu 2>&1 |
              sed -n 's/.*the neighbour list needs about \([0-9.]* [A-Za-z]*\).*/\1/p' | head -1 || true)
        res+=("$n" "$(cat "$work/rss")" "$est")
    done
    gpu=$(cd "$work" && "$batchmem" config.toml | tail -1)   # the larger size: the config written last
    awk -v lev="$lev" -v pot="$pot" -v n1="${res[0]}" -v r1="${res[1]}" -v n2="${res[3]}" -v r2="${res[4]}" -v e2="${res[5]}" \
        -v gpu="$gpu" 'BEGIN {
        slope = (r2 - r1) / (n2 - n1); fixed = (r1 - slope * n1) / 1024; split(gpu, g, " ")
        printf "%-5s %-24s %7d %9.1f %7d %9.1f %10.2f %9.1f %12s | %9d %13.2f %13.2f\n", lev, pot, n1, r1 / 1024, n2, r2 / 1024,
               slope, fixed, e2, g[2], g[6], g[7] }'
done
