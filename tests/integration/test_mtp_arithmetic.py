"""The MTP arithmetic modes end to end (potentials/mtp_arithmetic.hpp, docs/mtp.md):
- the FMA object (compiled with -mavx2 -mfma -ffp-contract=fast) defines only mdrun::mtp_fma functions, so
  no AVX2 copy of a shared inline function can replace the portable one elsewhere in the program;
- `calc-efs --arithmetic exact` is the default-free exact mode, `fma` differs from it by round-off only
  (<= 1e-10 relative), the default is fma where the CPU has AVX2+FMA, and a bad value is a usage error;
- `[potential] arithmetic` is validated, shown in run.log and in summary.json's provenance."""
import json
import os
import platform
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
import run_helpers as h  # noqa: E402

h.require_env()
BUILD = os.environ["MDRUN_BINARY_DIR"]
NAO = os.path.join(h.DATA, "mtp", "NaO_lev16")


def cpu_has_fma():
    if platform.machine() in ("aarch64", "arm64"):
        return True
    with open("/proc/cpuinfo") as f:
        flags = [l for l in f if l.startswith("flags")][0].split()
    return "avx2" in flags and "fma" in flags


# 1. The FMA object's defined global symbols.
obj = os.path.join(BUILD, "CMakeFiles", "mdrun_core.dir", "potentials", "mtp_group_fma.cpp.o")
assert os.path.exists(obj), f"missing {obj}"
nm = subprocess.run(["nm", "-C", "--defined-only", obj], capture_output=True, text=True, check=True).stdout
glob = [l.split(None, 2)[2] for l in nm.splitlines() if len(l.split(None, 2)) == 3 and l.split()[1] in "TWVDBRu"]
assert glob, nm
bad = [s for s in glob if not s.startswith("mdrun::mtp_fma::")]
assert not bad, f"the FMA object defines symbols outside mdrun::mtp_fma (could replace portable code): {bad}"


# 2. calc-efs in both modes on the 2592-atom lev16 reference.
def read_numbers(path):
    """Every number of the AtomData force columns, energies and stresses, in file order."""
    out = []
    with open(path) as f:
        lines = f.read().splitlines()
    for i, l in enumerate(lines):
        t = l.split()
        if l.strip() == "Energy" or l.strip().startswith("PlusStress"):
            out.append([float(v) for v in lines[i + 1].split()])
        elif len(t) == 8 and t[0].isdigit():
            out.append([float(v) for v in t[5:8]])
    return out


d = h.tempdir()
try:
    outs = {}
    for mode in ("exact", "fma", None):
        o = os.path.join(d, f"{mode}.cfg")
        args = [h.MDRUN, "calc-efs", f"{NAO}/pot.mtp", f"{NAO}/big2592_input.cfg", o]
        if mode:
            args += ["--arithmetic", mode]
        subprocess.run(args, check=True, env=dict(os.environ, OMP_NUM_THREADS="1"))
        with open(o) as f:
            outs[mode] = f.read()
    want_default = "fma" if cpu_has_fma() else "exact"
    assert outs[None] == outs[want_default], "the default of calc-efs is not " + want_default
    if cpu_has_fma():
        assert outs["fma"] != outs["exact"], "fma mode gave bitwise the exact numbers: the FMA path is not used"
    a, b = read_numbers(os.path.join(d, "exact.cfg")), read_numbers(os.path.join(d, "fma.cfg"))
    assert len(a) == len(b) > 2592
    scale = max(1.0, max(abs(v) for row in a for v in row))
    dev = max(abs(x - y) for ra, rb in zip(a, b) for x, y in zip(ra, rb)) / scale
    print(f"calc-efs lev16 2592 atoms: max |fma - exact| / max(1, max|value|) = {dev:.3g}")
    assert dev < 1e-10, dev
    p = subprocess.run([h.MDRUN, "calc-efs", f"{NAO}/pot.mtp", f"{NAO}/input.cfg", os.path.join(d, "x.cfg"),
                        "--arithmetic", "fast"], capture_output=True, text=True)
    assert p.returncode != 0 and "--arithmetic = \"fast\"" in p.stderr, (p.returncode, p.stderr)

    # 3. [potential] arithmetic in a run: validated, logged, in the provenance.
    def config(line):
        return f"""[structure]
file = "{NAO}/input.cfg"
format = "cfg"
elements = ["Na", "O"]
replicate = [2, 2, 2]

[potential]
kind = "mtp"
file = "{NAO}/pot.mtp"
elements = ["Na", "O"]
{line}

[md]
ensemble = "nve"
timestep_fs = 1.0
steps = 20
temperature_K = 300.0
velocities = "maxwell"
seed = 5

[output]
directory = "out"
thermo_every = 10
trajectory_every = 0
checkpoint_every = 0

[analysis]
sample_every = 5
msd = {{ elements = ["Na"] }}
"""
    p = h.run(d, config('arithmetic = "fused"'), expect_ok=False)
    assert p.returncode != 0 and "[potential].arithmetic = \"fused\"" in p.stderr, p.stderr
    for line, want in (('arithmetic = "exact"', "exact"), ("", want_default), ('arithmetic = "fma"', want_default)):
        h.cleanup(os.path.join(d, "out"))
        h.run(d, config(line))
        with open(os.path.join(d, "out", "run.log")) as f:
            log = f.read()
        assert f"MTP arithmetic: {want} " in log, log
        with open(os.path.join(d, "out", "summary.json")) as f:
            prov = json.load(f)["provenance"]
        assert prov["potential"]["arithmetic"] == want, prov["potential"]
finally:
    h.cleanup(d)
print("ok")
