#!/usr/bin/env bash
# `cmake --install` into a temporary prefix gives a working mdrun: it starts from the prefix (no build tree
# needed), reports its version, shows help, and converts a structure; it finds its HDF5 part
# (<prefix>/lib*/mdrun/libmdrun_h5.so) for an H5MD file, and in MPI builds mdrun_mpi is installed next to it.
set -euo pipefail
[ -n "${MDRUN_BINARY_DIR:-}" ] && [ -n "${MDRUN_CMAKE:-}" ] || { echo "MDRUN_BINARY_DIR/MDRUN_CMAKE not set: skipped"; exit 77; }
prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
"$MDRUN_CMAKE" --install "$MDRUN_BINARY_DIR" --prefix "$prefix" >/dev/null
bin="$prefix/bin/mdrun"
[ -x "$bin" ] || { echo "FAIL: $bin not installed"; ls -R "$prefix"; exit 1; }
cmp -s "$bin" "$MDRUN_BIN" && echo "note: installed binary identical to the build's"
version=$("$bin" --version)
case "$version" in "mdrun "*) ;; *) echo "FAIL: --version printed '$version'"; exit 1;; esac
"$bin" --help | grep -q "convert" || { echo "FAIL: installed mdrun --help"; exit 1; }
data="${MDRUN_TEST_DATA:-$MDRUN_SOURCE_DIR/tests/data}"
(cd "$prefix" && env -i PATH=/usr/bin:/bin "$bin" convert "$data/structures/NaAlCl4.POSCAR" out.extxyz --replicate 1,2,1 2>/dev/null)
[ "$(head -1 "$prefix/out.extxyz")" = "48" ] || { echo "FAIL: installed mdrun convert"; exit 1; }
(cd "$prefix" && env -i PATH=/usr/bin:/bin "$bin" convert out.extxyz out.h5md 2>/dev/null) \
    || { echo "FAIL: installed mdrun cannot write H5MD (plugin not found?)"; ls -R "$prefix"; exit 1; }
plugin=$(find "$prefix" -name libmdrun_h5.so)
[ -n "$plugin" ] || { echo "FAIL: libmdrun_h5.so not installed"; exit 1; }
if [ "${MDRUN_HAVE_MPI:-}" = "ON" ]; then
    [ -x "$prefix/bin/mdrun_mpi" ] || { echo "FAIL: MPI build but $prefix/bin/mdrun_mpi not installed"; exit 1; }
fi
echo "installed into $prefix/bin: $version (${plugin#$prefix/}); runs with a bare environment"
