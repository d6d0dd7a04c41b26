#!/usr/bin/env bash
# Whole-MD-loop throughput of `mdrun config.toml` (atom-steps/s as run.log reports it: time spent in the
# backend's step loop, i.e. forces + integration + neighbour lists + safety checks, excluding set-up):
#   1. the LAMMPS CPU anchor: NaCl 4096 atoms, born/coul/dsf (alpha 0.2, rc 8 Å), NVE, 1 fs, skin 2 Å
#      (tests/data/lammps_reference/data/nacl4096_seed7.data; LAMMPS 29 Sep 2021 gives 2.9–3.0e5 atom-steps/s on 1 core);
#   2. the NaAlCl4 MTP example of inputs/NaAlCl4 (384 atoms, level 8, NVT 300 K, all analyses on).
# Usage: benchmarks/bench_md.sh [MDRUN_BIN] [STEPS_NACL] [STEPS_MTP]
# Environment: THREADS (default "1 2"), NACL_DATA (default: tests/data/lammps_reference/data/nacl4096_seed7.data).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/.." && pwd)"
mdrun="${1:-$repo/build/mdrun}"
steps_nacl="${2:-2000}"
steps_mtp="${3:-5000}"
threads="${THREADS:-1 2}"
data="${NACL_DATA:-$repo/tests/data/lammps_reference/data/nacl4096_seed7.data}"
[ -x "$mdrun" ] || { echo "no mdrun binary at $mdrun (build first, or pass its path)"; exit 1; }
[ -f "$data" ] || { echo "missing $data (set NACL_DATA)"; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cat > "$work/nacl.toml" <<TOML
[structure]
file = "$data"
format = "lammps-data"
elements = ["Na", "Cl"]
[potential]
kind = "born-coul-dsf"
cutoff = 8.0
alpha = 0.2
coulomb = true
pairs = [ { a = "Na", b = "Na", A = 0.263704, rho = 0.317, sigma = 2.340, C = 1.048573, D = -0.499321 },
          { a = "Na", b = "Cl", A = 0.210963, rho = 0.317, sigma = 2.755, C = 6.990490, D = -8.675698 },
          { a = "Cl", b = "Cl", A = 0.158222, rho = 0.317, sigma = 3.170, C = 72.40150, D = -145.4271 } ]
[md]
ensemble = "nve"
timestep_fs = 1.0
steps = $steps_nacl
velocities = "file"
neighbor_skin = 2.0
[output]
directory = "$work/nacl_out"
thermo_every = 100
trajectory_every = 0
checkpoint_every = 0
TOML

sed -e "s|^file = \"supercell_b6167.cfg\"|file = \"$repo/inputs/NaAlCl4/supercell_b6167.cfg\"|" \
    -e "s|^file = \"pot.mtp\"|file = \"$repo/inputs/NaAlCl4/pot.mtp\"|" \
    -e "s|^directory = .*|directory = \"$work/mtp_out\"|" "$repo/inputs/NaAlCl4/config.toml" > "$work/mtp.toml"

echo "# mdrun $("$mdrun" --version | cut -d' ' -f2), $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs))"
# Besides run.log's wall-clock throughput, report atom-steps per CPU-second of the whole process (user + sys,
# set-up included): on a shared machine the wall clock of a 1-thread run also counts time the process waited
# for a core, the CPU time does not.
cpu_rate() {  # atoms steps timefile
  awk -v a="$1" -v s="$2" '{ printf "%.3g atom-steps per CPU-second", a * s / ($1 + $2) }' "$3"
}
for t in $threads; do
  OMP_NUM_THREADS=$t /usr/bin/time -f "%U %S" -o "$work/time" "$mdrun" "$work/nacl.toml" --quiet
  echo "NaCl 4096 born-coul-dsf NVE, $steps_nacl steps, $t thread(s): $(grep '^throughput' "$work/nacl_out/run.log" | tail -1)"
  if [ "$t" = 1 ]; then echo "    (1 thread: $(cpu_rate 4096 "$steps_nacl" "$work/time"))"; fi
  OMP_NUM_THREADS=$t /usr/bin/time -f "%U %S" -o "$work/time" "$mdrun" "$work/mtp.toml" --quiet --steps "$steps_mtp"
  echo "NaAlCl4 384-atom MTP lev08 NVT + analysis, $steps_mtp steps, $t thread(s): $(grep '^throughput' "$work/mtp_out/run.log" | tail -1)"
  if [ "$t" = 1 ]; then echo "    (1 thread: $(cpu_rate 384 "$steps_mtp" "$work/time"))"; fi
done
