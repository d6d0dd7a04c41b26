#!/usr/bin/env bash
# mdrun next to a peer code, interleaved in one invocation on the same machine: each round runs both (the
# order alternates between rounds), and the ratio peer/mdrun is taken round by round, for the CPU time of the
# whole process (user + system, the robust figure on a shared machine) and for the wall time. Reports the
# min and median of those ratios (> 1: mdrun is faster), each code's median times, and the load average
# before and after.
#
#   benchmarks/side_by_side.sh [--rounds N] [--threads T] [--mdrun PATH] [--lmp PATH] [--mlp PATH]
#                              [--steps N] [--case NAME]... [--mtp POT.mtp IN.cfg]...
# Cases (default: every case whose peer is available):
#   lammps4096  NaCl 4096 atoms, born/coul/dsf (alpha 0.2, rc 8 A, Tosi-Fumi), NVE 1 fs, skin 2 A, --steps
#               steps (default 500), vs LAMMPS `lmp` (Debian package `lammps`: apt-get install lammps)
#   lammps216   the same for the 216-atom NaCl cell (default 5000 steps)
#   mlp         `mdrun calc-efs` vs `mlp calc-efs` (MLIP-2, not redistributable: give its path with --mlp)
#               on the level-16 Na2O 2592-atom and level-22 La2Zr2O7 5632-atom cells of tests/data/mtp, plus
#               every --mtp pair
# Both codes get T threads (default 1): OMP_NUM_THREADS for mdrun; LAMMPS and MLIP-2 are serial builds.
# Whole-process times include start-up, input reading and (MD) the set-up before the first step.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
data="$root/tests/data"
rounds=10
threads=1
mdrun="$root/build/mdrun"
lmp="$(command -v lmp || true)"
mlp=""
steps4096=500
steps216=5000
cases=()
mtp_cases=("$data/mtp/NaO_lev16/pot.mtp $data/mtp/NaO_lev16/big2592_input.cfg"
           "$data/mtp/La2Zr2O7_lev22/pot.mtp $data/mtp/La2Zr2O7_lev22/big5632_input.cfg")
while [ $# -gt 0 ]; do
    case "$1" in
        --rounds) rounds="$2"; shift 2 ;;
        --threads) threads="$2"; shift 2 ;;
        --mdrun) mdrun="$2"; shift 2 ;;
        --lmp) lmp="$2"; shift 2 ;;
        --mlp) mlp="$2"; shift 2 ;;
        --steps) steps4096="$2"; steps216=$(( $2 * 10 )); shift 2 ;;
        --case) cases+=("$2"); shift 2 ;;
        --mtp) [ -f "$2" ] && [ -f "$3" ] || { echo "side_by_side.sh: --mtp: no file '$2' or '$3'" >&2; exit 2; }
               mtp_cases+=("$(realpath "$2") $(realpath "$3")"); shift 3 ;;  # absolute: the runs start in their own folders
        -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
        *) echo "side_by_side.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
done
[ -x "$mdrun" ] || { echo "side_by_side.sh: mdrun not found at $mdrun (build it, or give --mdrun PATH)" >&2; exit 2; }
mdrun="$(realpath "$mdrun")"  # the runs start in their own folders
[ -n "$mlp" ] && mlp="$(realpath "$mlp")"
[ -n "$lmp" ] && lmp="$(realpath "$lmp")"
if [ ${#cases[@]} -eq 0 ]; then
    [ -n "$lmp" ] && cases+=(lammps4096 lammps216)
    [ -n "$mlp" ] && cases+=(mlp)
    if [ ${#cases[@]} -eq 0 ]; then
        echo "side_by_side.sh: no peer code: install LAMMPS (apt-get install lammps) and/or give --mlp PATH" >&2
        exit 2
    fi
fi
[ -z "$lmp" ] && echo "# LAMMPS (lmp) not found: lammps cases skipped (apt-get install lammps)"
[ -z "$mlp" ] && echo "# no --mlp given: the mlp calc-efs case is skipped (MLIP-2 is not redistributable; give its path)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
ncores="$(nproc)"
export OMP_NUM_THREADS="$threads" OMP_WAIT_POLICY=passive OMPI_MCA_btl=self,vader

# timed LABEL DIR CMD... : runs CMD in DIR, appends "cpu wall maxrss_kB" to $tmp/LABEL.times: the child's own
# rusage (wait4: user + system CPU at microsecond resolution, peak RSS) and a monotonic wall clock around it.
cat > "$tmp/timed.py" <<'EOF'
import os, subprocess, sys, time
t0 = time.monotonic()
p = subprocess.Popen(sys.argv[2:])
_, status, ru = os.wait4(p.pid, 0)
wall = time.monotonic() - t0
with open(sys.argv[1], "w") as f:
    f.write(f"{ru.ru_utime:.6f} {ru.ru_stime:.6f} {wall:.6f} {ru.ru_maxrss}\n")
sys.exit(os.waitstatus_to_exitcode(status))
EOF
timed() {
    local label="$1" dir="$2"
    shift 2
    (cd "$dir" && /usr/bin/python3 "$tmp/timed.py" "$tmp/$label.t" "$@" > "$tmp/$label.out" 2>&1) ||
        { echo "side_by_side.sh: $label failed:"; tail -20 "$tmp/$label.out"; exit 1; }
    awk '{ printf "%.6f %.6f %d\n", $1 + $2, $3, $4 }' "$tmp/$label.t" >> "$tmp/$label.times"
}
median() { sort -g | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
minimum() { sort -g | head -1; }
# compare NAME UNITS_PER_RUN: per-round ratios peer/mdrun from $tmp/NAME.{mdrun,peer}.times
report() {
    local name="$1" work="$2" a="$tmp/$1.mdrun.times" b="$tmp/$1.peer.times"
    paste -d' ' "$a" "$b" | awk '{ print $4 / $1, $5 / $2 }' > "$tmp/$name.ratios"
    local rc_min rc_med rw_min rw_med ma mb wa wb pa pb
    rc_min=$(cut -d' ' -f1 "$tmp/$name.ratios" | minimum); rc_med=$(cut -d' ' -f1 "$tmp/$name.ratios" | median)
    rw_min=$(cut -d' ' -f2 "$tmp/$name.ratios" | minimum); rw_med=$(cut -d' ' -f2 "$tmp/$name.ratios" | median)
    ma=$(cut -d' ' -f1 "$a" | median); mb=$(cut -d' ' -f1 "$b" | median)
    wa=$(cut -d' ' -f2 "$a" | median); wb=$(cut -d' ' -f2 "$b" | median)
    pa=$(cut -d' ' -f3 "$a" | median); pb=$(cut -d' ' -f3 "$b" | median)
    printf '%-28s %3s  cpu ratio min %6.3f median %6.3f | wall ratio min %6.3f median %6.3f | cpu s mdrun %8.4f peer %8.4f | wall s %8.4f %8.4f | peak MB %6.1f %6.1f' \
        "$name" "$(wc -l < "$a")" "$rc_min" "$rc_med" "$rw_min" "$rw_med" "$ma" "$mb" "$wa" "$wb" \
        "$(awk -v k="$pa" 'BEGIN { print k / 1024 }')" "$(awk -v k="$pb" 'BEGIN { print k / 1024 }')"
    [ -n "$work" ] && printf ' | %s/cpu-s mdrun %.3e peer %.3e' "${work%% *}" \
        "$(awk -v w="${work##* }" -v t="$ma" 'BEGIN { print w / t }')" "$(awk -v w="${work##* }" -v t="$mb" 'BEGIN { print w / t }')"
    echo
}

lammps_inputs() {  # dir datafile steps
    local d="$1"
    mkdir -p "$d"
    cp "$data/lammps_reference/data/$2" "$d/"
    cat > "$d/in.lmp" <<EOF
units           metal
atom_style      charge
boundary        p p p
atom_modify     map array sort 0 0.0
read_data       $2
pair_style      born/coul/dsf 0.2 8.0
pair_coeff      1 1 0.263704 0.317  2.340   1.048573  -0.499321
pair_coeff      1 2 0.210963 0.317  2.755   6.990490  -8.675698
pair_coeff      2 2 0.158222 0.317  3.170  72.40150  -145.4271
pair_modify     shift yes
neighbor        2.0 bin
neigh_modify    every 1 delay 0 check yes
timestep        0.001
thermo_style    custom step temp pe etotal press
thermo          $3
fix             integ all nve
run             $3
EOF
    cat > "$d/config.toml" <<EOF
[structure]
file = "$2"
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
steps = $3
velocities = "file"
neighbor_skin = 2.0
[output]
directory = "out"
thermo_every = $3
trajectory_every = 0
checkpoint_every = 0
EOF
}

echo "# side by side, $(date -u '+%Y-%m-%d %H:%M UTC'), $ncores cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), $threads thread(s) each, $rounds rounds"
echo "# mdrun: $mdrun ($("$mdrun" --version 2>&1 | head -1))"
[ -n "$lmp" ] && echo "# lammps: $lmp ($("$lmp" -h 2>/dev/null | grep -m1 -o 'LAMMPS.*\|[0-9]* [A-Z][a-z]* 20[0-9]*.*' | head -1))"
[ -n "$mlp" ] && echo "# mlp: $mlp"
echo "# ratios are peer / mdrun per round (> 1: mdrun faster); load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for c in "${cases[@]}"; do
    case "$c" in
        lammps4096|lammps216)
            [ -n "$lmp" ] || { echo "# $c: no lmp"; continue; }
            if [ "$c" = lammps4096 ]; then df=nacl4096_seed7.data; n=4096; st=$steps4096; else df=nacl216_seed20240501.data; n=216; st=$steps216; fi
            lammps_inputs "$tmp/$c" "$df" "$st"
            for ((r = 0; r < rounds; ++r)); do
                rm -rf "$tmp/$c/out"
                if (( r % 2 == 0 )); then
                    timed "$c.mdrun" "$tmp/$c" "$mdrun" config.toml --device cpu --quiet
                    timed "$c.peer" "$tmp/$c" "$lmp" -in in.lmp -log none -screen none
                else
                    timed "$c.peer" "$tmp/$c" "$lmp" -in in.lmp -log none -screen none
                    rm -rf "$tmp/$c/out"
                    timed "$c.mdrun" "$tmp/$c" "$mdrun" config.toml --device cpu --quiet
                fi
            done
            report "$c" "atom-steps $((n * st))"
            ;;
        mlp)
            [ -n "$mlp" ] || { echo "# mlp: no --mlp given"; continue; }
            for pc in "${mtp_cases[@]}"; do
                pot="${pc%% *}"
                cfg="${pc##* }"
                atoms=$(sed -n 3p "$cfg" | tr -d ' ')
                name="mlp:$(basename "$(dirname "$cfg")")/$(basename "$cfg" _input.cfg)"
                key="mlp$(echo "$cfg" | md5sum | cut -c1-6)"
                mkdir -p "$tmp/$key"
                for ((r = 0; r < rounds; ++r)); do
                    if (( r % 2 == 0 )); then
                        timed "$key.mdrun" "$tmp/$key" "$mdrun" calc-efs "$pot" "$cfg" out_mdrun.cfg
                        timed "$key.peer" "$tmp/$key" "$mlp" calc-efs "$pot" "$cfg" out_mlp.cfg
                    else
                        timed "$key.peer" "$tmp/$key" "$mlp" calc-efs "$pot" "$cfg" out_mlp.cfg
                        timed "$key.mdrun" "$tmp/$key" "$mdrun" calc-efs "$pot" "$cfg" out_mdrun.cfg
                    fi
                done
                for s in mdrun peer; do mv "$tmp/$key.$s.times" "$tmp/$key.x.$s.times"; done
                report "$key.x" "atoms $atoms" | sed "s|^$key.x *|$(printf '%-28s' "$name")|"
            done
            ;;
        *) echo "side_by_side.sh: unknown case '$c'" >&2; exit 2 ;;
    esac
done
echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
