"""On a restart a damaged trajectory is an error, never silently recreated or cut (issue 9: a damaged
trajectory.h5md was recreated and frames 0-20 were lost). Frames up to the checkpoint step were flushed before
the checkpoint was written, so they must be intact; only frames after it may be trimmed, a half-written last
frame included (a run killed while writing it), and the restart then equals an uninterrupted run."""
import filecmp
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(__file__))
import run_helpers as h  # noqa: E402

h.require_env()
POSCAR = open(os.path.join(h.SOURCE, "tests", "corpus", "cases", "cli", "no_args", "nacl.POSCAR")).read()
CONFIG = open(os.path.join(h.SOURCE, "tests", "corpus", "cases", "cli", "no_args", "config.toml")).read()
NAMES = {"h5md": "trajectory.h5md", "extxyz": "trajectory.extxyz", "lammps-dump": "trajectory.lammpstrj"}


def config(fmt):
    c = CONFIG.replace("steps = 2", "steps = 20").replace("trajectory_every = 0", f'trajectory_every = 5\ntrajectory_format = "{fmt}"')
    return c.replace("thermo_every = 1", "thermo_every = 5\ncheckpoint_every = 10")


def fresh(d, fmt):
    with open(os.path.join(d, "nacl.POSCAR"), "w") as f:
        f.write(POSCAR)
    h.run(d, config(fmt), "--steps", "10")
    return os.path.join(d, "out", "checkpoint.mdrun"), os.path.join(d, "out", NAMES[fmt])


def frame_offsets(path, fmt):
    """Byte offsets of the frames of a text trajectory."""
    data = open(path, "rb").read()
    lines = data.split(b"\n")
    offs, at = [], 0
    for k, line in enumerate(lines):
        if (fmt == "lammps-dump" and line.startswith(b"ITEM: TIMESTEP")) or (
                fmt == "extxyz" and line.strip().isdigit() and k + 1 < len(lines) and b"step=" in lines[k + 1]):
            offs.append(at)
        at += len(line) + 1
    return data, offs


for fmt in ("h5md", "extxyz", "lammps-dump"):
    print(f"{fmt}:")
    full, d = h.tempdir(), h.tempdir()
    try:
        # damage before the checkpoint step: refused, the file left as it was
        ck, traj = fresh(d, fmt)
        data = open(traj, "rb").read()
        if fmt == "h5md":
            bad = b"\0" * 512 + data[512:]  # the HDF5 superblock gone
        else:
            _, offs = frame_offsets(traj, fmt)
            bad = data[: offs[1] + (offs[2] - offs[1]) // 2]  # cut inside the frame of step 5
        with open(traj, "wb") as f:
            f.write(bad)
        p = h.run(d, config(fmt), "--restart", ck, expect_ok=False)
        assert p.returncode == 1, (p.returncode, p.stderr)
        assert NAMES[fmt] in p.stderr and "damaged" in p.stderr and "restore it" in p.stderr, p.stderr
        assert open(traj, "rb").read() == bad, "the damaged trajectory was modified"
        print("  damaged before the checkpoint:", p.stderr.strip().splitlines()[0][:150])
        h.cleanup(d)

        # the file gone: a new one starts at the checkpoint (said on stderr and in run.log), not an error
        d = h.tempdir()
        ck, traj = fresh(d, fmt)
        os.remove(traj)
        p = h.run(d, config(fmt), "--restart", ck)
        assert os.path.exists(traj) and "a new one starts with the frames after step 10" in p.stderr, p.stderr
        h.cleanup(d)

        if fmt == "h5md":
            continue
        # a half-written frame after the checkpoint step (killed while writing it): trimmed, identical result
        with open(os.path.join(full, "nacl.POSCAR"), "w") as f:
            f.write(POSCAR)
        h.run(full, config(fmt))
        d = h.tempdir()
        ck, traj = fresh(d, fmt)
        shutil.copy(ck, ck + ".at10")
        h.run(d, config(fmt), "--restart", ck, "--steps", "15")
        shutil.copy(ck + ".at10", ck)
        os.remove(ck + ".at10")
        data, offs = frame_offsets(traj, fmt)
        assert len(offs) == 4, offs  # steps 0, 5, 10, 15
        with open(traj, "wb") as f:
            f.write(data[: offs[3] + (len(data) - offs[3]) // 3])
        h.run(d, config(fmt), "--restart", ck)
        assert filecmp.cmp(traj, os.path.join(full, "out", NAMES[fmt]), shallow=False), "restart differs"
        print("  half-written frame after the checkpoint: trimmed, identical to the uninterrupted run")
    finally:
        h.cleanup(full)
        h.cleanup(d)
print("OK")
