"""Disk full in the middle of a run (docs/reliability.md): the output directory is a small tmpfs, and once
the run has written its first checkpoint another file fills it (mdrun checks the free space for its own
outputs before step 0, so only someone else can fill the disk mid-run). The run must stop with a clear error naming the file it could not write
(exit status 1, no crash), leave the previous checkpoint intact, and, once space is freed (the filler
removed), continue with --restart to exactly the files of an uninterrupted run
(every file but run.log, checkpoint included). Needs root to mount a tmpfs (as in CI); skipped otherwise."""
import errno
import filecmp
import os
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import run_helpers as h  # noqa: E402

h.require_env()

NACL = os.path.join(h.LAMMPS, "data", "nacl216_seed20240501.data")
MD = """ensemble = "nvt"
timestep_fs = 2.0
steps = 300
temperature_K = 900.0
tdamp_fs = 50.0
velocities = "maxwell"
seed = 4242"""
# 1: a thermo row every step, a trajectory frame only at checkpoints: the disk fills while thermo.csv is being
#    appended, so the row being written is torn (the last page takes part of it), which the restart trims.
# 2: no trajectory, a thermo row only at checkpoints: the disk fills while the next checkpoint is written, and
#    the previous checkpoint must be the one left.
SCENARIOS = [('thermo_every = 1\ntrajectory_every = 50\ntrajectory_format = "extxyz"\ncheckpoint_every = 50', "thermo.csv"),
             ('thermo_every = 50\ntrajectory_every = 0\ncheckpoint_every = 50', "checkpoint.mdrun")]


def mount(point, size_kb, remount=False):
    opts = ("remount," if remount else "") + f"size={size_kb}k"
    return subprocess.run(["mount", "-t", "tmpfs", "-o", opts, "tmpfs", point], capture_output=True, text=True)


def files(d):
    out = {}
    for root, _, names in os.walk(d):
        for n in names:
            out[os.path.relpath(os.path.join(root, n), d)] = os.path.join(root, n)
    out.pop("run.log", None)
    return out


def scenario(out, culprit):
    top = h.tempdir()
    point = os.path.join(top, "fs")
    os.makedirs(point)
    cfg = h.nacl_config(NACL, MD, out)
    p = mount(point, 65536)
    if p.returncode != 0:
        h.cleanup(top)
        print(f"cannot mount a tmpfs here ({p.stderr.strip() or 'mount failed'}; needs root): skipped")
        sys.exit(77)
    try:
        # The uninterrupted run, in the same place (the checkpoint records the config file's path).
        h.run(point, cfg)
        ref = os.path.join(top, "ref")
        shutil.copytree(os.path.join(point, "out"), ref)
        total = sum(os.path.getsize(f) for f in files(ref).values())
        shutil.rmtree(os.path.join(point, "out"))
        # Room for the whole run (mdrun checks that before step 0); after the first checkpoint a filler takes it all.
        assert mount(point, max(256, 3 * total // 1024), remount=True).returncode == 0
        with open(os.path.join(point, "config.toml"), "w") as f:
            f.write(cfg)
        run = subprocess.Popen([h.MDRUN, os.path.join(point, "config.toml"), "--quiet"], stderr=subprocess.PIPE,
                               text=True, env=dict(os.environ, OMP_NUM_THREADS="1"))
        ck = os.path.join(point, "out", "checkpoint.mdrun")
        t0 = time.time()
        while not os.path.exists(ck) and run.poll() is None and time.time() - t0 < 120:
            time.sleep(0.005)
        filler = os.path.join(point, "filler")
        with open(filler, "wb", buffering=0) as f:
            try:
                while True:
                    f.write(b"\0" * 4096)
            except OSError as e:
                assert e.errno == errno.ENOSPC, e
        with open(ck, "rb") as f:
            before = f.read()  # the last checkpoint written before the disk filled
        err = run.communicate(timeout=300)[1].strip()
        print("  disk full:", err[:300])
        assert run.returncode == 1, f"expected exit status 1, got {run.returncode}: {err}"
        assert "mdrun: error:" in err and "internal error" not in err, err
        assert os.path.join(point, "out", culprit) in err, f"the message does not name {culprit}: {err}"
        assert "No space left on device" in err or "disk full" in err, err
        with open(ck, "rb") as f:
            assert f.read() == before, "the previous checkpoint was changed by the failed run"
        assert not [f for f in files(os.path.join(point, "out")) if ".tmp." in f], "temporary file left behind"
        # Space freed: the restart from the checkpoint left by the failed run gives the uninterrupted run's files.
        os.remove(filler)
        h.run(point, cfg, "--restart", ck)
        a, b = files(ref), files(os.path.join(point, "out"))
        assert sorted(a) == sorted(b), (sorted(a), sorted(b))
        for rel in a:
            assert filecmp.cmp(a[rel], b[rel], shallow=False), f"{rel} differs from the uninterrupted run"
        print(f"  restart after freeing space: {len(a)} files identical to the uninterrupted run")
    finally:
        subprocess.run(["umount", point], capture_output=True)
        h.cleanup(top)


for out, culprit in SCENARIOS:
    print(f"disk full while writing {culprit}:")
    scenario(out, culprit)
print("OK")
