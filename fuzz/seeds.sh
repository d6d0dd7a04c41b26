#!/usr/bin/env bash
# Copies the seed inputs of one fuzz target into DIR: every file of its format in tests/corpus/cases (malformed
# inputs, each one step from valid) and tests/data (real structures, potentials, configs). Names are the files'
# content hashes, so reruns add nothing twice. Usage: fuzz/seeds.sh NAME DIR
set -euo pipefail
name=$1 dir=$2
root=$(cd "$(dirname "$0")/.." && pwd)
case $name in
  poscar)      pat=(-iname '*.poscar' -o -name 'POSCAR*' -o -name 'CONTCAR*' -o -name '*.vasp') ;;
  extxyz)      pat=(-name '*.extxyz' -o -name '*.xyz') ;;
  cfg)         pat=(-name '*.cfg') ;;
  lammps_data) pat=(-name '*.data' -o -name '*.lmp') ;;
  mtp)         pat=(-name '*.mtp') ;;
  als)         pat=(-name '*.als') ;;
  config)      pat=(-name '*.toml') ;;
  checkpoint)  pat=(-name '*.mdrun') ;;
  restore)     echo "seeds.sh: restore makes its own seed (a run of fuzz/restore/config.toml)"; exit 0 ;;
  *) echo "seeds.sh: unknown target $name" >&2; exit 2 ;;
esac
mkdir -p "$dir"
find "$root/tests/corpus" "$root/tests/data" "$root/fuzz/seeds" -type f \( "${pat[@]}" \) -size -1100k 2>/dev/null |
while read -r f; do
  cp "$f" "$dir/$(sha1sum "$f" | cut -c1-40)"
done
# Checkpoints are made fresh by the mdrun under test ($MDRUN_BIN), so the seeds follow the format: an nvt and
# an npt run of the corpus' base config (Nose-Hoover chains, barostat state).
if [ "$name" = checkpoint ] && [ -x "${MDRUN_BIN:-}" ]; then
  tmp=$(mktemp -d)
  for ens in nvt npt; do
    cp -r "$root/tests/corpus/cases/cli/no_args" "$tmp/$ens"
    sed -i "s/^ensemble = \"nvt\"/ensemble = \"$ens\"/" "$tmp/$ens/config.toml"
    (cd "$tmp/$ens" && OMP_NUM_THREADS=1 "$MDRUN_BIN" config.toml --quiet > log.txt 2>&1) ||
      { echo "seeds.sh: the $ens seed run failed:"; cat "$tmp/$ens/log.txt"; rm -rf "$tmp"; exit 1; } >&2
    f=$tmp/$ens/out/checkpoint.mdrun
    cp "$f" "$dir/$(sha1sum "$f" | cut -c1-40)"
  done
  rm -rf "$tmp"
fi
