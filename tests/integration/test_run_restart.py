"""Restart bit-identity: a run interrupted at step k and restarted from its checkpoint gives exactly the
files of an uninterrupted run: thermo.csv, final.POSCAR, final.extxyz and the analysis CSVs byte for
byte, the extxyz trajectory byte for byte, and the H5MD trajectory's datasets bit for bit. The crash is
simulated by letting the run go past the checkpoint (so thermo.csv and the trajectories hold rows and
frames after it) and then restarting from the older checkpoint. Two replicas (one with frozen Cl) are
used so per-replica state is covered too. In one scenario the uninterrupted run uses 2 OpenMP threads and
the pieces 1.
Checkpoint files themselves are not compared: they record the config file's path."""
import filecmp
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(__file__))
import run_helpers as h  # noqa: E402

h.require_env()

MD = """ensemble = "nvt"
timestep_fs = 2.0
steps = 300
temperature_K = 900.0
tdamp_fs = 50.0
velocities = "maxwell"
seed = 4242
neighbor_skin = 0.5

[[replica]]
name = "hot"
[[replica]]
name = "frozenCl"
temperature_K = 700.0
freeze = ["Cl"]"""


def config(fmt, with_analysis):
    out = f"thermo_every = 10\ntrajectory_every = 25\ntrajectory_format = \"{fmt}\"\ncheckpoint_every = 100"
    extra = ""
    if with_analysis:
        extra = """[analysis]
sample_every = 5
msd = { elements = ["Na"] }
vacf = { elements = ["Na"], max_lag_fs = 100 }
"""
    return h.nacl_config(os.path.join(h.LAMMPS, "data", "nacl216_seed20240501.data"), MD, out, extra)


def compare_dirs(a, b, fmt):
    for rep in ("hot", "frozenCl"):
        da, db = os.path.join(a, "out", rep), os.path.join(b, "out", rep)
        names = sorted(n for n in os.listdir(da) if not n.startswith("postmortem"))
        assert names == sorted(n for n in os.listdir(db) if not n.startswith("postmortem")), (names, os.listdir(db))
        for n in names:
            pa, pb = os.path.join(da, n), os.path.join(db, n)
            if n.endswith((".h5", ".h5md")):
                import h5py
                import numpy as np
                with h5py.File(pa, "r") as fa, h5py.File(pb, "r") as fb:
                    def visit(name, obj):
                        if isinstance(obj, h5py.Dataset):
                            va, vb = obj[()], fb[name][()]
                            if isinstance(va, np.ndarray) and va.dtype.kind == "f":
                                assert va.shape == vb.shape and np.array_equal(va.view(np.uint64) if va.dtype == np.float64 else va,
                                                                           vb.view(np.uint64) if vb.dtype == np.float64 else vb), (rep, n, name)
                            elif isinstance(va, np.ndarray):
                                assert np.array_equal(va, vb), (rep, n, name)
                            elif n != "analysis.h5" or "time" not in name:
                                assert va == vb, (rep, n, name, va, vb)
                    fa.visititems(visit)
                    names_a, names_b = [], []
                    fa.visit(names_a.append)
                    fb.visit(names_b.append)
                    assert names_a == names_b, (rep, n)
            elif n.endswith(".json"):
                continue  # summary.json may carry wall-clock metadata; its numbers are in the CSVs
            else:
                assert filecmp.cmp(pa, pb, shallow=False), f"{rep}/{n} differs after restart"
        print(f"  {rep}: {len(names)} files identical ({', '.join(names)})")


def scenario(fmt, with_analysis, full_threads):
    full, cut = h.tempdir(), h.tempdir()
    try:
        cfg = config(fmt, with_analysis)
        h.run(full, cfg, threads=full_threads)  # the restarted pieces use 1 thread: must not matter
        # Interrupted run: reaches step 100 (checkpoint), goes on to 180 and "crashes" there.
        h.run(cut, cfg, "--steps", "100")
        ck = os.path.join(cut, "out", "checkpoint.mdrun")
        shutil.copy(ck, ck + ".at100")
        h.run(cut, cfg, "--restart", ck, "--steps", "180")
        shutil.copy(ck + ".at100", ck)
        os.remove(ck + ".at100")
        p = h.run(cut, cfg, "--restart", ck)
        compare_dirs(full, cut, fmt)
        log = open(os.path.join(cut, "out", "run.log")).read()
        assert "restarted from checkpoint" in log and "at step 100" in log
    finally:
        h.cleanup(full)
        h.cleanup(cut)


for fmt in ("extxyz", "h5md"):
    print(f"trajectory {fmt}:")
    scenario(fmt, with_analysis=(fmt == "h5md"), full_threads=2 if fmt == "extxyz" else 1)

# SIGTERM (a batch system's time limit) mid-run: mdrun writes a checkpoint at the current step and exits
# with 128 + 15; the restart then completes the run bit-identically, wherever the signal landed.
import signal
import subprocess
import time
full, cut = h.tempdir(), h.tempdir()
try:
    cfg = config("extxyz", False).replace("steps = 300", "steps = 800").replace("checkpoint_every = 100",
                                                                                "checkpoint_every = 0")
    h.run(full, cfg)
    path = os.path.join(cut, "config.toml")
    with open(path, "w") as f:
        f.write(cfg)
    proc = subprocess.Popen([h.MDRUN, path, "--quiet"], stderr=subprocess.PIPE, text=True,
                            env=dict(os.environ, OMP_NUM_THREADS="1"))
    time.sleep(0.7)
    proc.send_signal(signal.SIGTERM)
    err = proc.communicate(timeout=300)[1]
    if proc.returncode == 128 + signal.SIGTERM:
        assert "checkpoint written" in err, err
        print("  SIGTERM:", err.strip().splitlines()[0])
    else:
        assert proc.returncode == 0, err  # finished before the signal arrived: still a valid scenario
    h.run(cut, cfg, "--restart", os.path.join(cut, "out", "checkpoint.mdrun"))
    compare_dirs(full, cut, "extxyz")
finally:
    h.cleanup(full)
    h.cleanup(cut)

# A changed physics setting is refused with a clear message; changing only steps/[output] is allowed.
d = h.tempdir()
try:
    cfg = config("extxyz", False)
    h.run(d, cfg, "--steps", "20")
    p = h.run(d, cfg.replace("temperature_K = 700.0", "temperature_K = 701.0"), "--restart",
              os.path.join(d, "out", "checkpoint.mdrun"), expect_ok=False)
    assert p.returncode != 0 and "different configuration" in p.stderr, p.stderr
    p = h.run(d, config("extxyz", True), "--restart", os.path.join(d, "out", "checkpoint.mdrun"), expect_ok=False)
    assert p.returncode != 0 and "[analysis]" in p.stderr, p.stderr  # adding [analysis] on restart is refused
    h.run(d, cfg.replace("thermo_every = 10", "thermo_every = 5"), "--restart",
          os.path.join(d, "out", "checkpoint.mdrun"), "--steps", "30")  # [output] may change
    p = h.run(d, cfg, "--restart", os.path.join(d, "out", "nonexistent.mdrun"), expect_ok=False)
    assert p.returncode != 0 and "nonexistent.mdrun" in p.stderr, p.stderr
finally:
    h.cleanup(d)
print("OK")
