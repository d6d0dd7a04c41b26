"""Durability order of a run's writes (docs/reliability.md), seen in the system calls (strace -y): every
file written atomically (checkpoint, resolved.toml, final structures, thermo.csv's header) is fsync'ed as
its temporary file before the rename that makes it visible, and its directory is fsync'ed after the
rename; thermo.csv and the trajectory are fsync'ed before each checkpoint rename, so a checkpoint never
names a step whose rows a power cut could lose. Skipped when strace is missing or cannot trace here."""
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
import run_helpers as h  # noqa: E402

h.require_env()
if not shutil.which("strace"):
    print("strace not installed (scripts/setup.sh installs it): skipped")
    sys.exit(77)

NACL = os.path.join(h.LAMMPS, "data", "nacl216_seed20240501.data")
MD = 'ensemble = "nve"\ntimestep_fs = 2.0\nsteps = 40\ntemperature_K = 900.0\nvelocities = "maxwell"\nseed = 7'
OUT = 'thermo_every = 5\ntrajectory_every = 10\ntrajectory_format = "extxyz"\ncheckpoint_every = 20'

d = h.tempdir()
try:
    cfg = os.path.join(d, "config.toml")
    with open(cfg, "w") as f:
        f.write(h.nacl_config(NACL, MD, OUT))
    trace = os.path.join(d, "trace.txt")
    p = subprocess.run(["strace", "-f", "-y", "-qq", "-e", "trace=fsync,fdatasync,rename,renameat,renameat2", "-o", trace,
                        h.MDRUN, cfg, "--quiet"], capture_output=True, text=True, timeout=600,
                       env=dict(os.environ, OMP_NUM_THREADS="1"))
    if p.returncode != 0 and not os.path.exists(os.path.join(d, "out", "run.log")):
        print(f"strace cannot trace here ({p.stderr.strip()[:200]}): skipped")
        sys.exit(77)
    assert p.returncode == 0, p.stderr
    events = []  # ("sync", path) or ("rename", src, dst), in order
    for line in open(trace):
        m = re.search(r"f(?:data)?sync\(\d+<([^>]*)>\)\s*=\s*0", line)
        if m:
            events.append(("sync", m.group(1)))
            continue
        m = re.search(r'rename(?:at2?)?\((?:[^,]*, )?"([^"]+)", (?:[^,]*, )?"([^"]+)"', line)
        if m and "= 0" in line:
            events.append(("rename", os.path.realpath(m.group(1)), os.path.realpath(m.group(2))))
    renames = [i for i, e in enumerate(events) if e[0] == "rename"]
    assert renames, "no atomic write seen"
    out = os.path.realpath(os.path.join(d, "out"))
    last_ckpt = -1
    for i in renames:
        _, src, dst = events[i]
        assert ".tmp." in src, events[i]
        before = [e[1] for e in events[:i] if e[0] == "sync"]
        after = [e[1] for e in events[i + 1:] if e[0] == "sync"]
        assert src in before, f"{src} renamed to {dst} without an fsync of the file first"
        assert os.path.dirname(dst) in after, f"{dst}: its directory was not fsync'ed after the rename"
        if dst.endswith("checkpoint.mdrun"):
            since = [e[1] for e in events[last_ckpt + 1:i] if e[0] == "sync"]
            for f in ("thermo.csv", "trajectory.extxyz"):
                assert os.path.join(out, f) in since, f"checkpoint renamed before {f} was fsync'ed"
            last_ckpt = i
    n_ck = sum(1 for i in renames if events[i][2].endswith("checkpoint.mdrun"))
    assert n_ck == 2, n_ck
    print(f"  {len(renames)} atomic writes, each fsync'ed before its rename and its directory after; "
          f"thermo.csv and the trajectory fsync'ed before each of {n_ck} checkpoints")
finally:
    h.cleanup(d)
print("OK")
