#!/usr/bin/env bash
# Cost of [extrapolation] grading inside `mdrun config.toml` (issue #13): the NaO level-16 MTP on its
# 2592-atom cell (tests/data/mtp/NaO_lev16), NVT 300 K, STEPS steps, per-site grades every EVERY steps
# against an active set that `mdrun calc-grade --nbh-weight=1 --energy-weight=0` selects from the
# potential's input.cfg.
# Writes two configs into WORK (default: a temporary folder), identical but for [extrapolation]:
#   WORK/with.toml (grades every EVERY steps) and WORK/without.toml,
# then runs each once and prints run.log's timings. On the CPU backend the grade rows come from the force
# pass of the graded steps, so part of the grading cost is inside "md steps": the honest figure is the
# whole-process CPU time of with.toml against without.toml, run in turn (A B A B ...), e.g.
#   /usr/bin/time -f %U+%S build/mdrun WORK/with.toml --quiet   (and the same for without.toml)
# With PREPARE_ONLY=1 the configs are written, their paths printed, and nothing is run.
# Usage: benchmarks/bench_grade_md.sh [MDRUN_BIN] [STEPS=100] [EVERY=10]   (THREADS, default 1; WORK)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/.." && pwd)"
mdrun="$(realpath "${1:-$repo/build/mdrun}")"
steps="${2:-100}"
every="${3:-10}"
export OMP_NUM_THREADS="${THREADS:-1}" OMP_WAIT_POLICY=passive
d="$repo/tests/data/mtp/NaO_lev16"
if [ -n "${WORK:-}" ]; then
    work="$WORK"
    mkdir -p "$work"
else
    work="$(mktemp -d)"
    trap 'rm -rf "$work"' EXIT
fi
cd "$work"
"$mdrun" calc-grade "$d/pot.mtp" "$d/input.cfg" "$d/input.cfg" graded.cfg --als-filename=nao.als --nbh-weight=1 \
    --energy-weight=0 2>/dev/null
config() {  # $1 = output folder, $2 = extra tables
    cat <<TOML
[structure]
file = "$d/big2592_input.cfg"
format = "cfg"
elements = ["Na", "O"]
[potential]
kind = "mtp"
file = "$d/pot.mtp"
elements = ["Na", "O"]
[md]
ensemble = "nvt"
timestep_fs = 1.0
steps = $steps
temperature_K = 300.0
velocities = "maxwell"
seed = 3
[output]
directory = "$1"
thermo_every = $every
trajectory_every = 0
checkpoint_every = 0
write_final = false
$2
TOML
}
config out_with "[extrapolation]
state = \"nao.als\"
every = $every
save_above = 1e9
stop_above = 0" > with.toml
config out_without "" > without.toml
if [ -n "${PREPARE_ONLY:-}" ]; then
    echo "$work/with.toml $work/without.toml"
    exit 0
fi
"$mdrun" with.toml --quiet
"$mdrun" without.toml --quiet
md=$(grep -E "md steps: " out_with/run.log | tail -1 | sed -E 's/.*md steps: ([0-9.]+) s.*/\1/')
gr=$(grep -E "extrapolation grades: " out_with/run.log | tail -1 | sed -E 's/.*grades: ([0-9.]+) s.*/\1/')
md0=$(grep -E "md steps: " out_without/run.log | tail -1 | sed -E 's/.*md steps: ([0-9.]+) s.*/\1/')
echo "threads $OMP_NUM_THREADS, $steps steps, grades every $every: MD loop $md s + grading $gr s with grades," \
     "MD loop $md0 s without => grading costs $(awk -v a="$md" -v g="$gr" -v b="$md0" 'BEGIN{printf "%.1f", 100*(a+g-b)/b}') %" \
     "of the MD loop (one run each: noisy on a shared machine)"
