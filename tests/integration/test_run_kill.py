"""Kill tests (docs/reliability.md): a run killed by SIGKILL at a random moment, or inside its n-th
atomic write (MDRUN_TEST_KILL_IN_WRITE=n cuts the temporary file to half and raises SIGKILL before the
rename: a kill in the middle of writing a checkpoint, an analysis result or resolved.toml), then
continued with --restart (or started again when it died before its first checkpoint; in three trials that
restart is killed too, inside one of its first writes), leaves an output
directory byte-identical to an uninterrupted run's: every file, checkpoint and trajectory included, except
run.log (a record of each process, with wall-clock times). 20 trials with an extxyz trajectory; every one
must match. Then 8 kills with the default H5MD trajectory, compared byte for byte too: 6 at random moments and
2 whose restart is killed inside its rebuild of the trajectory (a restart writes the kept frames into a new
file by the calls of an uninterrupted run and renames it over the old one, engine/io/trajectory_h5md.cpp).
All runs use the same directory, so the checkpoints (which record the config file's path) compare too."""
import filecmp
import os
import random
import shutil
import signal
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import ckpt_format  # noqa: E402
import run_helpers as h  # noqa: E402

h.require_env()

NACL = os.path.join(h.LAMMPS, "data", "nacl216_seed20240501.data")
MD = """ensemble = "nvt"
timestep_fs = 2.0
steps = 200
temperature_K = 900.0
tdamp_fs = 50.0
velocities = "maxwell"
seed = 4242"""
OUT = 'thermo_every = 5\ntrajectory_every = 10\ntrajectory_format = "extxyz"\ncheckpoint_every = 20'
ANALYSIS = """[analysis]
sample_every = 5
msd = { elements = ["Na"] }
"""
CFG = h.nacl_config(NACL, MD, OUT, ANALYSIS)


def files(d):
    out = {}
    for root, _, names in os.walk(d):
        for n in names:
            p = os.path.join(root, n)
            out[os.path.relpath(p, d)] = p
    return out


def compare(ref, out, what):
    a, b = files(ref), files(out)
    a.pop("run.log", None)
    b.pop("run.log", None)
    assert sorted(a) == sorted(b), f"{what}: files {sorted(b)}, uninterrupted run has {sorted(a)}"
    for rel in a:
        assert filecmp.cmp(a[rel], b[rel], shallow=False), f"{what}: {rel} differs from the uninterrupted run"
    return len(a)


def start(work, env_extra=None):
    env = dict(os.environ, OMP_NUM_THREADS="1", **(env_extra or {}))
    return subprocess.Popen([h.MDRUN, os.path.join(work, "config.toml"), "--quiet"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, env=env)


def finish(work, cfg=CFG):
    """Continues the run as a user would: --restart from the checkpoint, or from scratch when there is none."""
    ck = os.path.join(work, "out", "checkpoint.mdrun")
    args = ["--restart", ck] if os.path.exists(ck) else []
    h.run(work, cfg, *args)
    return bool(args)


rng = random.Random(20261203)
top = h.tempdir()
try:
    work, ref = os.path.join(top, "w"), os.path.join(top, "ref")
    os.makedirs(work)
    t0 = time.time()
    h.run(work, CFG)
    wall = time.time() - t0
    shutil.move(os.path.join(work, "out"), ref)
    # How many atomic writes a whole run makes (the hook fires at write n exactly when n <= that count).
    def fires(n):
        p = start(work, {"MDRUN_TEST_KILL_IN_WRITE": str(n)})
        p.communicate(timeout=120)
        shutil.rmtree(os.path.join(work, "out"))
        return p.returncode == -signal.SIGKILL
    assert fires(1) and not fires(256), "the kill hook (MDRUN_TEST_KILL_IN_WRITE) does not work"
    lo, hi = 1, 256
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if fires(mid) else (lo, mid)
    n_writes = lo
    assert n_writes >= 20, n_writes
    # The last writes come after the final checkpoint (final structures): a kill there must not lose them.
    fixed = {0: n_writes, 2: n_writes - 1}
    killed_in_write = restarted = 0
    for trial in range(20):
        if os.path.exists(os.path.join(work, "out")):
            shutil.rmtree(os.path.join(work, "out"))
        if trial % 2 == 0:
            n = fixed.get(trial, rng.randint(1, n_writes))
            what = f"trial {trial + 1}: SIGKILL inside atomic write #{n}"
            p = start(work, {"MDRUN_TEST_KILL_IN_WRITE": str(n)})
            err = p.communicate(timeout=120)[1]
            assert p.returncode == -signal.SIGKILL, f"{what}: the run was not killed ({p.returncode}): {err}"
            tmp = [f for f in files(os.path.join(work, "out")) if ".tmp." in f]
            assert tmp, f"{what}: no temporary file left behind by the kill"
            killed_in_write += 1
        else:
            delay = rng.uniform(0.05, wall * 0.9)
            what = f"trial {trial + 1}: SIGKILL after {delay:.2f} s"
            p = start(work)
            time.sleep(delay)
            p.send_signal(signal.SIGKILL)
            p.communicate(timeout=120)
        if trial in (5, 11, 17):  # the restart is killed too, inside one of its first writes (thermo.csv's trim)
            ck = os.path.join(work, "out", "checkpoint.mdrun")
            args = ["--restart", ck] if os.path.exists(ck) else []
            m = rng.randint(1, 3)
            p = subprocess.Popen([h.MDRUN, os.path.join(work, "config.toml"), "--quiet", *args],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                                 env=dict(os.environ, OMP_NUM_THREADS="1", MDRUN_TEST_KILL_IN_WRITE=str(m)))
            err = p.communicate(timeout=120)[1]
            if p.returncode == 0 and "already complete" in err:
                # Under load a kill at a random moment can come after the run wrote everything: the restart
                # then has nothing to write (and so nothing to be killed in); it must say so and change nothing.
                what += ", its restart found the run complete"
            else:
                assert p.returncode == -signal.SIGKILL, f"{what}: the restart was not killed ({p.returncode}): {err}"
                what += f", its restart inside write #{m}"
        restarted += finish(work)
        n_files = compare(ref, os.path.join(work, "out"), what)
        print(f"  {what}: {n_files} files identical")
    assert killed_in_write == 10 and restarted >= 10, (killed_in_write, restarted)
    print(f"20/20 identical ({restarted} continued from a checkpoint, the others from scratch)")
    # The same with the default trajectory format, H5MD: a few kills at random moments.
    cfg = CFG.replace('trajectory_format = "extxyz"', 'trajectory_format = "h5md"')
    shutil.rmtree(os.path.join(work, "out"))
    ref = os.path.join(top, "ref_h5md")
    h.run(work, cfg)
    shutil.move(os.path.join(work, "out"), ref)
    out = os.path.join(work, "out")
    traj, ck = os.path.join(out, "trajectory.h5md"), os.path.join(out, "checkpoint.mdrun")

    def kill_between_checkpoints():
        """A fresh run killed after its first checkpoint and before its last one (so that its restart has
        frames to rebuild and steps to run); returns the delay of the kill."""
        for _ in range(30):
            shutil.rmtree(out, ignore_errors=True)
            delay = rng.uniform(0.2, 0.7) * wall
            p = start(work)
            time.sleep(delay)
            p.send_signal(signal.SIGKILL)
            p.communicate(timeout=120)
            if os.path.exists(ck):
                header = ckpt_format.split(open(ck, "rb").read())[1][0][1]
                (vlen,) = struct.unpack_from("<Q", header, 0)
                if struct.unpack_from("<q", header, 8 + vlen)[0] < 200:
                    return delay
        raise AssertionError("30 kills found no moment between the first and the last checkpoint")

    for trial in range(8):
        if trial < 6:
            delay = rng.uniform(0.05, wall * 0.9)
            p = start(work)
            time.sleep(delay)
            p.send_signal(signal.SIGKILL)
            p.communicate(timeout=120)
            what = f"h5md trial {trial + 1}: SIGKILL after {delay:.2f} s"
        else:
            # The restart is killed inside the trajectory's rebuild (the hook fires before the rename of its
            # temporary file, after any earlier whole-file writes of the restart): the old trajectory must be
            # untouched, and the next restart must still give the uninterrupted run's bytes.
            what = f"h5md trial {trial + 1}: SIGKILL after {kill_between_checkpoints():.2f} s"
            for m in range(1, 8):
                before = open(traj, "rb").read()
                p = subprocess.Popen([h.MDRUN, os.path.join(work, "config.toml"), "--quiet", "--restart", ck],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                                     env=dict(os.environ, OMP_NUM_THREADS="1", MDRUN_TEST_KILL_IN_WRITE=str(m)))
                err = p.communicate(timeout=120)[1]
                assert p.returncode == -signal.SIGKILL, f"{what}: the restart was not killed ({p.returncode}): {err}"
                if any(f.startswith("trajectory.h5md.tmp.") for f in os.listdir(out)):
                    break
            else:
                raise AssertionError(f"{what}: no restart was killed inside the trajectory's rebuild")
            assert open(traj, "rb").read() == before, f"{what}: a kill in the rebuild changed the old trajectory"
            what += f", its restart inside the trajectory's rebuild (write #{m})"
        finish(work, cfg)
        n_files = compare(ref, out, what)
        shutil.rmtree(out)
        print(f"  {what}: {n_files} files identical, trajectory.h5md included")
finally:
    h.cleanup(top)
print("OK")
