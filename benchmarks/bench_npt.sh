#!/usr/bin/env bash
# NPT step cost against NVT: the LAMMPS CPU anchor system (NaCl 4096 atoms, born/coul/dsf, rc 8 Å, skin 2 Å,
# 1 fs, tests/data/lammps_reference/data/nacl4096_seed7.data) run with ensemble = "npt" (iso, 1 bar, Pdamp 1 ps)
# and with "nvt" (same thermostat), one OpenMP thread, interleaved by benchmarks/interleave.py (A = npt, B = nvt; the ratio
# A/B is taken pair by pair). Both runs write thermo every 100 steps and nothing else.
# Usage: benchmarks/bench_npt.sh [MDRUN_BIN] [STEPS] [RUNS]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/.." && pwd)"
mdrun="${1:-$repo/build/mdrun}"
steps="${2:-300}"
runs="${3:-5}"
data="$repo/tests/data/lammps_reference/data/nacl4096_seed7.data"
[ -x "$mdrun" ] || { echo "no mdrun binary at $mdrun (build first, or pass its path)"; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
for ens in nvt npt; do
  cat > "$work/$ens.toml" <<TOML
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
ensemble = "$ens"
timestep_fs = 1.0
steps = $steps
temperature_K = 600.0
tdamp_fs = 100.0
velocities = "file"
neighbor_skin = 2.0
pressure_bar = 1.0
pdamp_fs = 1000.0
[output]
directory = "$work/${ens}_out"
thermo_every = 100
trajectory_every = 0
checkpoint_every = 0
write_final = false
TOML
done
# (pressure_bar/pdamp_fs are read but unused by nvt)
sed -i '/^pressure_bar\|^pdamp_fs/d' "$work/nvt.toml"
echo "# mdrun $("$mdrun" --version | cut -d' ' -f2), NaCl 4096 atoms, $steps steps, OMP_NUM_THREADS=1"
OMP_NUM_THREADS=1 /usr/bin/python3 "$(dirname "$0")/interleave.py" -n "$runs" --a "$mdrun $work/npt.toml --quiet" --b "$mdrun $work/nvt.toml --quiet"
for ens in npt nvt; do
  OMP_NUM_THREADS=1 "$mdrun" "$work/$ens.toml" --quiet
  echo "$ens: $(grep -m1 throughput "$work/${ens}_out/run.log")"
done
