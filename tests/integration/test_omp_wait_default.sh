#!/usr/bin/env bash
# mdrun's OpenMP wait default, read back from libgomp itself (OMP_DISPLAY_ENV prints the runtime's
# settings when it loads): without OMP_WAIT_POLICY/GOMP_SPINCOUNT the process that runs is PASSIVE; a user's
# OMP_WAIT_POLICY or GOMP_SPINCOUNT is left alone; run.log names the policy in force.
set -euo pipefail
[ -n "${MDRUN_BIN:-}" ] || { echo "MDRUN_BIN not set: skipped"; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }
# libgomp prints its block once per load; with the re-execution the last block is the one that runs.
policy() { env -u OMP_WAIT_POLICY -u GOMP_SPINCOUNT "$@" OMP_DISPLAY_ENV=verbose "$MDRUN_BIN" --version 2>&1 >/dev/null |
           grep "OMP_WAIT_POLICY = " | tail -1 | sed "s/.*= '\(.*\)'/\1/"; }
spin() { env -u OMP_WAIT_POLICY -u GOMP_SPINCOUNT "$@" OMP_DISPLAY_ENV=verbose "$MDRUN_BIN" --version 2>&1 >/dev/null |
         grep "GOMP_SPINCOUNT = " | tail -1 | sed "s/.*= '\(.*\)'/\1/"; }

got=$(policy); [ "$got" = "PASSIVE" ] || fail "default policy is '$got', expected PASSIVE"
[ "$(spin)" = "0" ] || fail "default spin count is '$(spin)', expected 0"
got=$(policy OMP_WAIT_POLICY=active); [ "$got" = "ACTIVE" ] || fail "OMP_WAIT_POLICY=active gave '$got'"
got=$(spin GOMP_SPINCOUNT=1234); [ "$got" = "1234" ] || fail "GOMP_SPINCOUNT=1234 gave spin count '$got'"
got=$(policy GOMP_SPINCOUNT=1234); [ "$got" != "PASSIVE" ] || fail "GOMP_SPINCOUNT set but the policy was forced PASSIVE"
# The arguments and the exit status survive the re-execution.
out=$(env -u OMP_WAIT_POLICY -u GOMP_SPINCOUNT "$MDRUN_BIN" --version)
case "$out" in "mdrun "*) ;; *) fail "mdrun --version printed '$out'";; esac
set +e
env -u OMP_WAIT_POLICY -u GOMP_SPINCOUNT "$MDRUN_BIN" calc-grade >/dev/null 2>&1; st=$?
set -e
[ "$st" = 2 ] || fail "exit status $st after re-execution, expected 2"
echo "OpenMP wait default: PASSIVE unless the user sets OMP_WAIT_POLICY or GOMP_SPINCOUNT"
