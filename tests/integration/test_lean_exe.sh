#!/usr/bin/env bash
# The mdrun executable stays lean (issue 16): none of HDF5, MPI or the CUDA runtime is among its DT_NEEDED
# (readelf -d), so `mdrun calc-efs` starts without the ~40 libraries they pull in. HDF5 comes from
# libmdrun_h5.so on first use, MPI from the separate mdrun_mpi (CMakeLists.txt). Also checked: the plugin
# does link HDF5, an H5MD round trip works through it, calc-efs runs with the plugin made unfindable, and
# an H5MD file then fails with an error that names the plugin and where it was looked for.
set -euo pipefail
[ -n "${MDRUN_BIN:-}" ] && [ -n "${MDRUN_BINARY_DIR:-}" ] || { echo "MDRUN_BIN/MDRUN_BINARY_DIR not set: skipped"; exit 77; }
command -v readelf >/dev/null || { echo "no readelf: skipped"; exit 77; }
data="${MDRUN_TEST_DATA:-$MDRUN_SOURCE_DIR/tests/data}"
fail() { echo "FAIL: $*"; exit 1; }
needed() { readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'; }

bad=$(needed "$MDRUN_BIN" | grep -Ei 'hdf5|mpi|open-rte|open-pal|cudart|curl|ssl' || true)
[ -z "$bad" ] || fail "$MDRUN_BIN has DT_NEEDED $(echo $bad) (see CMakeLists.txt: executables)"
plugin="$MDRUN_BINARY_DIR/libmdrun_h5.so"
[ -f "$plugin" ] || fail "$plugin not built"
needed "$plugin" | grep -q hdf5 || fail "$plugin does not link HDF5"
if [ -x "$MDRUN_BINARY_DIR/mdrun_mpi" ]; then
    needed "$MDRUN_BINARY_DIR/mdrun_mpi" | grep -q mpi || fail "mdrun_mpi does not link MPI"
    bad=$(needed "$MDRUN_BINARY_DIR/mdrun_mpi" | grep -Ei 'hdf5|cudart' || true)
    [ -z "$bad" ] || fail "mdrun_mpi has DT_NEEDED $(echo $bad)"
fi

w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT
cd "$w"
"$MDRUN_BIN" convert "$data/structures/NaAlCl4.POSCAR" a.h5md >/dev/null 2>&1 || fail "convert to H5MD through the plugin"
"$MDRUN_BIN" convert a.h5md b.extxyz >/dev/null 2>&1 || fail "read H5MD through the plugin"
[ "$(head -1 b.extxyz)" = "24" ] || fail "H5MD round trip: $(head -1 b.extxyz) atoms"
mtp="$data/mtp/NaO_lev16"
MDRUN_H5_PLUGIN=/nonexistent/libmdrun_h5.so "$MDRUN_BIN" calc-efs "$mtp/pot.mtp" "$mtp/input.cfg" out.cfg \
    || fail "calc-efs needs the HDF5 plugin"
grep -q "^ Energy" out.cfg || fail "calc-efs wrote no energies"
if MDRUN_H5_PLUGIN=/nonexistent/libmdrun_h5.so "$MDRUN_BIN" convert a.h5md c.extxyz 2>err.txt; then
    fail "reading H5MD without the plugin succeeded"
fi
grep -q "libmdrun_h5.so" err.txt && grep -q "/nonexistent/libmdrun_h5.so: no such file" err.txt \
    || fail "missing plugin: unclear error: $(cat err.txt)"
echo "mdrun DT_NEEDED: $(needed "$MDRUN_BIN" | tr '\n' ' ')"
echo "H5MD through libmdrun_h5.so; calc-efs without it; missing plugin: $(head -1 err.txt | cut -c1-120)"
