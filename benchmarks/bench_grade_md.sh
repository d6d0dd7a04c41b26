#!/usr/bin/env bash
# Cost of [extrapolation] grading inside `mdrun config.toml` (issue #13): the NaO level-16 MTP on its
# 2592-atom cell (tests/data/mtp/NaO_lev16), NVT 300 K, STEPS steps, per-site grades every EVERY steps
# against an active set that `mdrun calc-grade --nbh-weight=1 --energy-weight=0` selects from the
# potential's input.cfg. Reports run.log's timings: the MD loop (forces, integration, neighbour lists) and
# the grading (own neighbour list, per-site coefficient gradients, c = b A^-1 for every atom).
# Usage: benchmarks/bench_grade_md.sh [MDRUN_BIN] [STEPS=100] [EVERY=10]   (THREADS, default 1)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/.." && pwd)"
mdrun="$(realpath "${1:-$repo/build/mdrun}")"
steps="${2:-100}"
every="${3:-10}"
export OMP_NUM_THREADS="${THREADS:-1}" OMP_WAIT_POLICY=passive
d="$repo/tests/data/mtp/NaO_lev16"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
"$mdrun" calc-grade "$d/pot.mtp" "$d/input.cfg" "$d/input.cfg" graded.cfg --als-filename=nao.als --nbh-weight=1 \
    --energy-weight=0 2>/dev/null
cat > config.toml <<TOML
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
directory = "out"
thermo_every = $every
trajectory_every = 0
checkpoint_every = 0
write_final = false
[extrapolation]
state = "nao.als"
every = $every
save_above = 1e9
stop_above = 0
TOML
"$mdrun" config.toml --quiet
md=$(grep -E "md steps: " out/run.log | tail -1 | sed -E 's/.*md steps: ([0-9.]+) s.*/\1/')
gr=$(grep -E "extrapolation grades: " out/run.log | tail -1 | sed -E 's/.*grades: ([0-9.]+) s.*/\1/')
echo "threads $OMP_NUM_THREADS, $steps steps, grades every $every: MD loop $md s, grading $gr s" \
     "=> grading costs $(awk -v a="$gr" -v b="$md" 'BEGIN{printf "%.1f", 100*a/b}') % of the MD loop"
