#!/usr/bin/env bash
# Prepares the device check: builds mdrun, the GPU test (test_gpu_vs_cpu), the FMA-mode check
# (gpu_fma_check) and the GPU benchmark (bench_gpu_matrix) for sm_90 (H100/H200) and gathers into one folder everything scripts/gpu_run.sh
# needs on a GPU machine that has the CUDA driver but none of our Debian libraries and no network:
#
#   <bundle>/bin/      the four binaries (CUDA runtime linked statically: only libcuda.so is needed there)
#   <bundle>/lib/      the shared libraries they load that are not glibc or the GCC runtime (HDF5, libaec, ...)
#   <bundle>/gcc/      the GCC runtime (libstdc++, libgcc_s, libgomp), used only if the machine's is too old
#   <bundle>/glibc/    glibc and its loader, used only if the machine's glibc is too old (ld.so --library-path)
#   <bundle>/data/     the reference files the test and the benchmark read (a subset of tests/data)
#   <bundle>/examples/ two short CLI runs (MTP NaAlCl4, 2 replicas; born/coul/dsf NaCl 216) with their inputs
#   <bundle>/MANIFEST  what was built from which commit, with sizes
#
# Usage: scripts/gpu_bundle.sh [--out DIR] [--build-dir DIR] [--arch 90]
#   --out DIR        the bundle folder (default: <repo>/gpu-bundle, ignored by git); it is replaced
#   --build-dir DIR  take the binaries from an existing CUDA build instead of building (the ctest test of
#                    this script does that); default: configure and build <repo>/build-gpu-bundle
#   --arch A         CUDA architecture(s) for a fresh build (default 90)
# Then, on the GPU machine, with the bundle carried along: bash scripts/gpu_run.sh <bundle> (see docs/gpu.md).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$root/gpu-bundle"
build=""
arch=90
while [ $# -gt 0 ]; do
    case "$1" in
        --out) out="$2"; shift 2 ;;
        --build-dir) build="$2"; shift 2 ;;
        --arch) arch="$2"; shift 2 ;;
        -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
        *) echo "gpu_bundle.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
done

# ---- 1. the binaries ------------------------------------------------------------------------------------
if [ -z "$build" ]; then
    build="$root/build-gpu-bundle"
    cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DMDRUN_CUDA=ON \
          -DCMAKE_CUDA_ARCHITECTURES="$arch" -DBUILD_TESTING=ON >/dev/null
    cmake --build "$build" -j "$(nproc)" --target mdrun mdrun_h5 test_gpu_vs_cpu gpu_fma_check bench_gpu_matrix
fi
bins=("$build/mdrun" "$build/tests/gpu/test_gpu_vs_cpu" "$build/tests/gpu/gpu_fma_check" "$build/benchmarks/gpu/bench_gpu_matrix")
for b in "${bins[@]}"; do
    [ -x "$b" ] || { echo "gpu_bundle.sh: $b is missing (a CUDA build of mdrun, test_gpu_vs_cpu, gpu_fma_check and bench_gpu_matrix is needed)" >&2; exit 3; }
done
archs="$(sed -n 's/^CMAKE_CUDA_ARCHITECTURES:[A-Z]*=//p' "$build/CMakeCache.txt" 2>/dev/null || true)"
case ";$archs;" in
    *";90;"*|*";90-real;"*|*";90a;"*|*";90a-real;"*|*";native;"*) ;;
    *) echo "gpu_bundle.sh: warning: $build is built for CUDA architectures '$archs', not 90 (Hopper): the driver will JIT or refuse" >&2 ;;
esac

rm -rf "$out"
mkdir -p "$out/bin" "$out/lib" "$out/gcc" "$out/glibc" "$out/data" "$out/examples"
cp "${bins[@]}" "$out/bin/"
# mdrun's HDF5 part (H5MD, analysis.h5), opened on first use from the executable's directory; its libraries
# (libhdf5 and what it pulls in) are collected by the ldd loop below like the executables'.
[ -f "$build/libmdrun_h5.so" ] || { echo "gpu_bundle.sh: $build/libmdrun_h5.so is missing (target mdrun_h5)" >&2; exit 3; }
cp "$build/libmdrun_h5.so" "$out/bin/"
strip --strip-debug "$out/bin/"* 2>/dev/null || true

# ---- 2. the shared libraries they load (ldd), sorted into lib/, gcc/ and glibc/ --------------------------
declare -A seen=()
for b in "$out/bin/"*; do
    while read -r name path; do
        [ -n "$path" ] && [ -f "$path" ] || continue
        [ -n "${seen[$name]:-}" ] && continue
        seen[$name]=1
        case "$name" in
            libcuda.so*|libnvidia*) continue ;;  # the driver belongs to the GPU machine
            ld-linux*|libc.so*|libm.so*|libpthread.so*|libdl.so*|librt.so*|libresolv.so*|libutil.so*) dest=glibc ;;
            libstdc++.so*|libgcc_s.so*|libgomp.so*) dest=gcc ;;
            *) dest=lib ;;
        esac
        cp -L "$path" "$out/$dest/$name"
    done < <(ldd "$b" | awk '/=>/ {print $1, $3} /ld-linux/ && !/=>/ {n=$1; sub(".*/", "", n); print n, $1}')
done
# libcudart must not be among them (static runtime): a dynamic one would have to match the machine's driver.
if ls "$out/lib" | grep -q '^libcudart'; then
    echo "gpu_bundle.sh: warning: a binary links libcudart dynamically; it is bundled, but the static runtime is expected" >&2
fi

# ---- 3. the data the GPU test and the benchmark read ----------------------------------------------------
# From the repository's tests/data (reference data kept in the repository, same layout as the bundle's).
data_src() { echo "$root/tests/data/$1"; }
for f in mtp/NaO_lev16/pot.mtp mtp/NaO_lev16/reference_mlp.cfg \
         mtp/La2Zr2O7_lev22/pot.mtp mtp/La2Zr2O7_lev22/reference_mlp.cfg \
         mtp/ZrYbO_lev18/pot.mtp mtp/ZrYbO_lev18/reference_mlp.cfg \
         mtp/Na3PS4_tensornet/pot.mtp mtp/Na3PS4_tensornet/reference_mlp.cfg structures/Na3PS4_cNa3PS4_snapshot.POSCAR \
         mtp/NaAlCl4_tensornet_lev08/pot.mtp mtp/NaAlCl4_tensornet_lev08/reference_mlp.cfg \
         mtp/NaAlBr4_chgnet/pot.mtp mtp/NaAlBr4_chgnet/reference_mlp.cfg \
         lammps_reference/data/nacl216_seed20240501.data; do
    src="$(data_src "$f")"
    [ -f "$src" ] || { echo "gpu_bundle.sh: reference file $f not found in tests/data" >&2; exit 4; }
    mkdir -p "$out/data/$(dirname "$f")"
    cp "$src" "$out/data/$f"
done

# ---- 4. the CLI examples (short versions of inputs/NaAlCl4_replicas and inputs/NaCl_born_dsf) -----------
# STEPS, HALF and the output cadence are filled in by gpu_run.sh (sed), so one bundle serves a quick
# no-GPU rehearsal and the device check.
mkdir -p "$out/examples/mtp" "$out/examples/born"
cp "$root/inputs/NaAlCl4/pot.mtp" "$root/inputs/NaAlCl4/supercell_b6167.cfg" "$out/examples/mtp/"
cp "$root/inputs/NaCl_born_dsf/nacl216_seed20240501.data" "$out/examples/born/"
cat > "$out/examples/mtp/config.toml" <<'EOF'
# NaAlCl4, 192 atoms per replica, level-8 demo MTP (inputs/NaAlCl4_replicas, shortened): two replicas, one
# with frozen AlCl4 units, so per-replica state (status words, thermostats) is exercised on restart.
[structure]
file = "supercell_b6167.cfg"
format = "cfg"
elements = ["Na", "Al", "Cl"]
replicate = [2, 1, 2]

[potential]
kind = "mtp"
file = "pot.mtp"
elements = ["Na", "Al", "Cl"]

[md]
ensemble = "nvt"
timestep_fs = 1.0
steps = @STEPS@
temperature_K = 300.0
tdamp_fs = 100.0
velocities = "maxwell"
seed = 2024

[[replica]]
name = "mobile"

[[replica]]
name = "frozen_AlCl4"
freeze = ["Al", "Cl"]

[output]
directory = "out"
thermo_every = @THERMO@
trajectory_every = @TRAJ@
trajectory_format = "extxyz"
checkpoint_every = @HALF@

[analysis]
sample_every = 5
msd = { elements = ["Na"] }
vacf = { elements = ["Na"], max_lag_fs = 50 }
EOF
cat > "$out/examples/born/config.toml" <<'EOF'
# NaCl 216 atoms, born/coul/dsf (inputs/NaCl_born_dsf, shortened), velocities from the LAMMPS data file.
[structure]
file = "nacl216_seed20240501.data"
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
ensemble = "nvt"
timestep_fs = 1.0
steps = @STEPS@
temperature_K = 600.0
tdamp_fs = 100.0
velocities = "file"
neighbor_skin = 2.0

[output]
directory = "out"
thermo_every = @THERMO@
trajectory_every = @TRAJ@
trajectory_format = "extxyz"
checkpoint_every = @HALF@

[analysis]
sample_every = 5
msd = { elements = ["Na", "Cl"] }
EOF

# ---- 5. manifest ----------------------------------------------------------------------------------------
{
    echo "mdrun device-check bundle"
    echo "made:    $(date -u '+%Y-%m-%d %H:%M UTC') on $(uname -n) ($(uname -m))"
    echo "commit:  $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$root" diff --quiet 2>/dev/null || echo ' (+ uncommitted changes)')"
    echo "build:   $build (CUDA architectures: ${archs:-?})"
    nvcc_bin="$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)"
    echo "nvcc:    $nvcc_bin $("$nvcc_bin" --version 2>/dev/null | sed -n 's/.*release \([0-9.]*\).*/release \1/p')"
    echo "glibc:   $(ldd --version | head -1)"
    echo
    (cd "$out" && find . -type f | sort | while read -r f; do printf '%10d  %s\n' "$(stat -c %s "$f")" "$f"; done)
    echo
    echo "total: $(du -sh "$out" | cut -f1)"
} > "$out/MANIFEST"
size_kb="$(du -sk "$out" | cut -f1)"
echo "gpu_bundle.sh: $out ready ($((size_kb / 1024)) MiB; at most 64 MiB can travel): $(ls "$out/bin" | tr '\n' ' ')"
if [ "$size_kb" -gt $((60 * 1024)) ]; then
    echo "gpu_bundle.sh: error: the bundle is larger than 60 MiB" >&2
    exit 5
fi
