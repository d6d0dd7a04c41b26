"""Output-directory safety (docs/reliability.md): a second run into a directory in use fails at once,
names the holder and leaves the first run's files as an uninterrupted run writes them; a stale
mdrun.lock (its holder died) does not block; a clean exit removes mdrun.lock; orphaned "*.tmp.<pid>"
files of a killed run are removed at start; a torn last thermo.csv row does not block the restart; an
output the system cannot have (final.POSCAR of a non-periodic system) is refused before step 0; a safety
stop before the first checkpoint says that there is no checkpoint to restart from."""
import filecmp
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import run_helpers as h  # noqa: E402

h.require_env()

NACL = os.path.join(h.LAMMPS, "data", "nacl216_seed20240501.data")
MD = """ensemble = "nvt"
timestep_fs = 2.0
steps = {steps}
temperature_K = 900.0
tdamp_fs = 50.0
velocities = "maxwell"
seed = 4242"""
OUT = 'thermo_every = 5\ntrajectory_every = 10\ntrajectory_format = "extxyz"\ncheckpoint_every = 50'


def cfg(steps):
    return h.nacl_config(NACL, MD.format(steps=steps), OUT)


def same(a, b, names=("thermo.csv", "trajectory.extxyz", "final.extxyz", "final.POSCAR")):
    for n in names:
        assert filecmp.cmp(os.path.join(a, "out", n), os.path.join(b, "out", n), shallow=False), f"{n} differs"


ref, d = h.tempdir(), h.tempdir()
try:
    # 1. The lock: a second run while the first writes fails at once, naming the first's pid, and changes
    #    nothing: the first run's files end as an uninterrupted run's.
    steps = 1500
    h.run(ref, cfg(steps))
    path = os.path.join(d, "config.toml")
    with open(path, "w") as f:
        f.write(cfg(steps))
    first = subprocess.Popen([h.MDRUN, path, "--quiet"], stderr=subprocess.PIPE, text=True,
                             env=dict(os.environ, OMP_NUM_THREADS="1"))
    thermo = os.path.join(d, "out", "thermo.csv")
    t0 = time.time()
    while not (os.path.exists(thermo) and os.path.getsize(thermo) > 2000) and first.poll() is None:
        assert time.time() - t0 < 120, "the first run wrote nothing"
        time.sleep(0.05)
    assert first.poll() is None, "the first run finished too early for this test (more steps needed)"
    t0 = time.time()
    second = h.run(d, cfg(steps), expect_ok=False)
    assert first.poll() is None, "the first run finished before the second was refused (more steps needed)"
    assert second.returncode != 0, second.stderr
    assert "in use by another mdrun" in second.stderr and f"pid {first.pid} " in second.stderr, second.stderr
    assert "mdrun.lock" in second.stderr, second.stderr
    print("  second run refused:", second.stderr.strip()[:200])
    err = first.communicate(timeout=300)[1]
    assert first.returncode == 0, err
    same(ref, d)
    assert "mdrun.lock" not in os.listdir(os.path.join(d, "out")), "mdrun.lock left after a clean exit"
    print("  the first run's files are those of an uninterrupted run; mdrun.lock removed at exit")
finally:
    h.cleanup(ref)
    h.cleanup(d)

ref, d = h.tempdir(), h.tempdir()
try:
    h.run(ref, cfg(200))
    # 2. A stale mdrun.lock (left by a killed run: the kernel released its flock) does not block a run.
    os.makedirs(os.path.join(d, "out"))
    with open(os.path.join(d, "out", "mdrun.lock"), "w") as f:
        f.write("pid 1 on host elsewhere, started 2020-01-01T00:00:00Z\n")
    h.run(d, cfg(200), "--steps", "100")
    # 3. Orphaned temporary files of a killed run (pids that do not run) are removed at start, and said so.
    ck = os.path.join(d, "out", "checkpoint.mdrun")
    orphans = [ck + ".tmp.999999", os.path.join(d, "out", "thermo.csv.tmp.4000001")]
    for o in orphans:
        with open(o, "wb") as f:
            f.write(b"half a file")
    # 4. A torn last thermo.csv row (a run killed while writing the row of step 105 after its first digit):
    #    "1" is neither a row nor step 1.
    with open(os.path.join(d, "out", "thermo.csv"), "a") as f:
        f.write("1")
    h.run(d, cfg(200), "--restart", ck)
    for o in orphans:
        assert not os.path.exists(o), f"{o} not removed"
    log = open(os.path.join(d, "out", "run.log")).read()
    assert "removed " + orphans[0] in log, log
    same(ref, d)
    # 5. A kill after the last write but before the lock's removal leaves a stale lock in a complete
    #    directory: the restart says the run is complete, changes no output, and removes the stale lock.
    with open(os.path.join(d, "out", "mdrun.lock"), "w") as f:
        f.write("pid 1 on host elsewhere, started 2020-01-01T00:00:00Z\n")
    r = h.run(d, cfg(200), "--restart", ck)
    assert "already complete" in r.stderr, r.stderr
    assert "mdrun.lock" not in os.listdir(os.path.join(d, "out")), "stale mdrun.lock left in a complete run"
    same(ref, d)
    print("  stale lock ignored, orphaned temporary files removed, torn thermo.csv row trimmed, stale lock of a"
          " complete run removed")
finally:
    h.cleanup(ref)
    h.cleanup(d)

d = h.tempdir()
try:
    # 5. A non-periodic system with final.POSCAR due: refused before step 0 (no thermo.csv), naming the key.
    xyz = os.path.join(d, "cluster.extxyz")
    atoms = [("Na" if (i + j + k) % 2 == 0 else "Cl", 2.8 * i, 2.8 * j, 2.8 * k)
             for i in range(2) for j in range(2) for k in range(2)]
    with open(xyz, "w") as f:
        f.write(f"{len(atoms)}\nProperties=species:S:1:pos:R:3\n")
        for a in atoms:
            f.write("%s %.6f %.6f %.6f\n" % a)
    c = (h.nacl_config(xyz, MD.format(steps=20), "thermo_every = 5")
         .replace('format = "lammps-data"\nelements = ["Na", "Cl"]\n', 'format = "extxyz"\n')
         .replace("coulomb = true", "coulomb = true\ncharges = { Na = 1.0, Cl = -1.0 }")
         .replace('ensemble = "nvt"', 'ensemble = "nve"'))
    p = h.run(d, c, expect_ok=False)
    assert p.returncode != 0 and "write_final" in p.stderr and "periodic" in p.stderr, p.stderr
    assert not os.path.exists(os.path.join(d, "out", "thermo.csv")), "the non-periodic run started before failing"
    print("  non-periodic + final.POSCAR refused before step 0:", p.stderr.strip()[:160])
    h.run(d, c.replace('thermo_every = 5', 'thermo_every = 5\nwrite_final = false'))
    assert os.path.exists(os.path.join(d, "out", "thermo.csv"))
finally:
    h.cleanup(d)
d = h.tempdir()
try:
    # 6. A safety stop before the first checkpoint does not claim an untouched checkpoint that does not exist.
    hot = (MD.format(steps=2000).replace("timestep_fs = 2.0", "timestep_fs = 20.0")
           .replace("temperature_K = 900.0", "temperature_K = 3000.0"))
    p = h.run(d, h.nacl_config(NACL, hot, "checkpoint_every = 1000\nthermo_every = 1\ntrajectory_every = 0"),
              expect_ok=False)
    assert p.returncode != 0 and "moved" in p.stderr, p.stderr
    assert "checkpoint is untouched" not in p.stderr and "no checkpoint had been written yet" in p.stderr, p.stderr
    assert "no checkpoint had been written yet" in open(os.path.join(d, "out", "run.log")).read()
    print("  a stop before the first checkpoint says there is none")
finally:
    h.cleanup(d)
print("OK")
