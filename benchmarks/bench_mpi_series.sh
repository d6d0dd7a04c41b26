#!/usr/bin/env bash
# A replica series split over MPI ranks (issue 15): 4 independent NVT replicas of NaAlBr4 (192 atoms, the
# level-12 demo MTP of tests/data/mtp/NaAlBr4_chgnet, MSD on), run as
#   serial   mdrun config.toml                      (one process, 1 OpenMP thread, the 4 replicas batched)
#   omp2     mdrun config.toml with OMP_NUM_THREADS=2 (one process, 2 threads)
#   mpi1     mpirun -n 1 mdrun config.toml          (1 rank, 1 thread)
#   mpi2     mpirun -n 2 mdrun config.toml          (2 ranks, 1 thread each: 2 replicas per rank)
# ROUNDS times, the order rotating from round to round so that a change of the machine's load hits every mode.
# Prints one line per run: wall s, CPU s (user + system of mdrun/mpirun and every rank it waited for, from
# /usr/bin/time), the CPU s of the busiest rank (each rank under its own /usr/bin/time; on an idle machine
# with a core per rank the run's wall time is about this plus start-up) and the 1-minute load average just
# before it. Every run's replicas are checked to have
# written the same final.extxyz as the serial run of that round (the split must not change results).
# Usage: benchmarks/bench_mpi_series.sh [MDRUN_BIN] [STEPS] [ROUNDS]   (build with -DMDRUN_MPI=ON)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/.." && pwd)"
mdrun="$(cd "$(dirname "${1:-$repo/build/mdrun}")" && pwd)/$(basename "${1:-$repo/build/mdrun}")"
steps="${2:-1000}"
rounds="${3:-3}"
[ -x "$mdrun" ] || { echo "no mdrun binary at $mdrun (build first, or pass its path)"; exit 1; }
command -v mpirun > /dev/null || { echo "no mpirun (apt-get install openmpi-bin)"; exit 1; }
d="$repo/tests/data/mtp/NaAlBr4_chgnet"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cat > "$work/config.toml" <<TOML
[structure]
file = "$d/NaAlBr4_sc222.cfg"
format = "cfg"
elements = ["Na", "Al", "Br"]
[potential]
kind = "mtp"
file = "$d/pot.mtp"
elements = ["Na", "Al", "Br"]
[md]
ensemble = "nvt"
timestep_fs = 2.0
steps = $steps
temperature_K = 450.0
[[replica]]
name = "T450_s1"
seed = 1
[[replica]]
name = "T450_s2"
seed = 2
[[replica]]
name = "T500_s1"
seed = 1
temperature_K = 500.0
[[replica]]
name = "T500_s2"
seed = 2
temperature_K = 500.0
[output]
directory = "out"
thermo_every = 100
checkpoint_every = 0
[analysis]
sample_every = 10
msd = { elements = ["Na"] }
TOML
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMP_WAIT_POLICY=passive
modes=(serial omp2 mpi1 mpi2)
echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(uname -n), mdrun $("$mdrun" --version 2>/dev/null | head -1), 4 replicas x 192 atoms x $steps steps"
printf '%-6s %-6s %8s %8s %12s %6s\n' round mode wall_s cpu_s max_rank_cpu load1
for r in $(seq 1 "$rounds"); do
    for k in 0 1 2 3; do
        m=${modes[$(( (k + r - 1) % 4 ))]}
        rm -rf "$work/out" "$work"/rank.*
        load=$(cut -d' ' -f1 /proc/loadavg)
        case $m in
            serial) cmd=(env OMP_NUM_THREADS=1 "$mdrun" config.toml --quiet) ;;
            omp2) cmd=(env OMP_NUM_THREADS=2 "$mdrun" config.toml --quiet) ;;
            mpi1 | mpi2) cmd=(env OMP_NUM_THREADS=1 W="$work" MDRUN="$mdrun" mpirun -n "${m#mpi}" --oversubscribe --bind-to none
                              sh -c '/usr/bin/time -f "%U %S" -o "$W/rank.$OMPI_COMM_WORLD_RANK" "$MDRUN" config.toml --quiet') ;;
        esac
        (cd "$work" && /usr/bin/time -f '%e %U %S' -o "$work/time" "${cmd[@]}")
        read -r wall user sys < "$work/time"
        busiest=$(echo "$user + $sys" | bc)
        if ls "$work"/rank.* > /dev/null 2>&1; then
            busiest=$(cat "$work"/rank.* | awk '{c = $1 + $2; if (c > m) m = c} END {print m}')
        fi
        printf '%-6s %-6s %8.2f %8.2f %12.2f %6s\n' "$r" "$m" "$wall" "$(echo "$user + $sys" | bc)" "$busiest" "$load"
        if [ "$m" = serial ]; then rm -rf "$work/ref"; cp -r "$work/out" "$work/ref"; fi
        if [ -d "$work/ref" ]; then
            for rep in T450_s1 T450_s2 T500_s1 T500_s2; do
                cmp -s "$work/ref/$rep/final.extxyz" "$work/out/$rep/final.extxyz" || { echo "$m: $rep/final.extxyz differs from serial"; exit 1; }
            done
        fi
    done
done
