#!/usr/bin/env bash
# mdrun's OpenMP wait default, read back from libgomp itself (OMP_DISPLAY_ENV=verbose prints the runtime's
# settings when it loads): without OMP_WAIT_POLICY/GOMP_SPINCOUNT the process that runs has spin count 0
# (passive; libgomp's own default is 300000, and its OMP_WAIT_POLICY line reads PASSIVE in both cases, so the
# spin count is what tells them apart); a user's OMP_WAIT_POLICY or GOMP_SPINCOUNT is left alone.
set -euo pipefail
[ -n "${MDRUN_BIN:-}" ] || { echo "MDRUN_BIN not set: skipped"; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }
# libgomp prints its block once per load; with the re-execution the last block is the one that runs.
policy() { env -u OMP_WAIT_POLICY -u GOMP_SPINCOUNT "$@" OMP_DISPLAY_ENV=verbose "$MDRUN_BIN" --version 2>&1 >/dev/null |
           grep "OMP_WAIT_POLICY = " | tail -1 | sed "s/.*= '\(.*\)'/\1/"; }
spin() { env -u OMP_WAIT_POLICY -u GOMP_SPINCOUNT "$@" OMP_DISPLAY_ENV=verbose "$MDRUN_BIN" --version 2>&1 >/dev/null |
         grep "GOMP_SPINCOUNT = " | tail -1 | sed "s/.*= '\(.*\)'/\1/"; }

got=$(spin); [ "$got" = "0" ] || fail "default spin count is '$got', expected 0 (passive waiting)"
got=$(policy); [ "$got" = "PASSIVE" ] || fail "default policy is '$got', expected PASSIVE"
got=$(policy OMP_WAIT_POLICY=active); [ "$got" = "ACTIVE" ] || fail "OMP_WAIT_POLICY=active gave '$got'"
got=$(spin OMP_WAIT_POLICY=active); [ "$got" != "0" ] || fail "OMP_WAIT_POLICY=active but spin count 0"
got=$(spin GOMP_SPINCOUNT=1234); [ "$got" = "1234" ] || fail "GOMP_SPINCOUNT=1234 gave spin count '$got'"
# The arguments and the exit status survive the re-execution.
out=$(env -u OMP_WAIT_POLICY -u GOMP_SPINCOUNT "$MDRUN_BIN" --version)
case "$out" in "mdrun "*) ;; *) fail "mdrun --version printed '$out'";; esac
set +e
env -u OMP_WAIT_POLICY -u GOMP_SPINCOUNT "$MDRUN_BIN" calc-efx >/dev/null 2>&1; st=$?
set -e
[ "$st" = 2 ] || fail "exit status $st after re-execution, expected 2"
# run.log names the policy in force.
data="${MDRUN_TEST_DATA:-$(dirname "$0")/../data}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat > "$work/c.toml" <<TOML
[structure]
file = "$data/lammps_reference/data/nacl216_seed20240501.data"
elements = ["Na", "Cl"]
[potential]
kind = "born-coul-dsf"
cutoff = 8.0
alpha = 0.2
pairs = [ { a = "Na", b = "Na", A = 0.263704, rho = 0.317, sigma = 2.340, C = 1.048573, D = -0.499321 },
          { a = "Na", b = "Cl", A = 0.210963, rho = 0.317, sigma = 2.755, C = 6.990490, D = -8.675698 },
          { a = "Cl", b = "Cl", A = 0.158222, rho = 0.317, sigma = 3.170, C = 72.40150, D = -145.4271 } ]
[md]
ensemble = "nve"
steps = 2
velocities = "file"
[output]
directory = "out"
TOML
env -u OMP_WAIT_POLICY -u GOMP_SPINCOUNT OMP_NUM_THREADS=1 "$MDRUN_BIN" "$work/c.toml" --quiet
grep -q "waiting: passive (mdrun's default" "$work/out/run.log" || fail "run.log: $(grep waiting "$work/out/run.log")"
OMP_WAIT_POLICY=active OMP_NUM_THREADS=1 "$MDRUN_BIN" "$work/c.toml" --quiet
grep -q "waiting: active (OMP_WAIT_POLICY)" "$work/out/run.log" || fail "run.log: $(grep waiting "$work/out/run.log")"
# Started through an explicit dynamic loader (the GPU bundle's `ld.so --library-path DIR mdrun ...`),
# /proc/self/exe is the loader: mdrun must not re-execute it (that ran the loader with mdrun's arguments and
# printed the loader's own version), but run with the runtime's default and say so in run.log.
interp=$(readelf -l "$MDRUN_BIN" 2>/dev/null | sed -n 's/.*Requesting program interpreter: \(.*\)\]/\1/p')
if [ -n "$interp" ] && [ -x "$interp" ]; then
    out=$(env -u OMP_WAIT_POLICY -u GOMP_SPINCOUNT "$interp" "$MDRUN_BIN" --version 2>&1)
    case "$out" in "mdrun "*) ;; *) fail "through $interp: mdrun --version printed '$out'";; esac
    env -u OMP_WAIT_POLICY -u GOMP_SPINCOUNT OMP_NUM_THREADS=1 "$interp" "$MDRUN_BIN" "$work/c.toml" --quiet \
        || fail "run through $interp failed"
    grep -q "waiting: the OpenMP runtime's default (mdrun was started through the dynamic loader" \
        "$work/out/run.log" || fail "through $interp, run.log: $(grep waiting "$work/out/run.log")"
else
    echo "no program interpreter found in $MDRUN_BIN: explicit-loader case skipped"
fi
# Under valgrind, /proc/self/exe is valgrind's tool, which refuses to be executed: no re-execution there.
if command -v valgrind >/dev/null; then
    out=$(env -u OMP_WAIT_POLICY -u GOMP_SPINCOUNT valgrind --tool=none -q "$MDRUN_BIN" --version 2>&1)
    case "$out" in "mdrun "*) ;; *) fail "under valgrind: mdrun --version printed '$out'";; esac
fi
echo "OpenMP wait default: PASSIVE unless the user sets OMP_WAIT_POLICY or GOMP_SPINCOUNT"
