"""A restart never silently accepts changed inputs (issue 9): the checkpoint records the SHA-256 of the
structure and potential files and the physics keys of the config, and --restart refuses, naming what changed,
when a file's content (same path) or a physics key differs. Restoring the originals makes the restart work."""
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(__file__))
import run_helpers as h  # noqa: E402

h.require_env()
BASE = os.path.join(h.SOURCE, "tests", "corpus", "base")
POSCAR = open(os.path.join(h.SOURCE, "tests", "corpus", "cases", "cli", "no_args", "nacl.POSCAR")).read()
CONFIG = """[structure]
file = "nacl.POSCAR"
replicate = [2, 2, 2]

[potential]
kind = "mtp"
file = "pot.mtp"
elements = ["Na", "Cl"]

[md]
ensemble = "nvt"
timestep_fs = 1.0
steps = 4
temperature_K = 300.0
tdamp_fs = 100.0
seed = 1

[output]
directory = "out"
thermo_every = 1
trajectory_every = 0
write_final = false
"""

d = h.tempdir()
try:
    shutil.copy(os.path.join(BASE, "pot.mtp"), os.path.join(d, "pot.mtp"))
    with open(os.path.join(d, "nacl.POSCAR"), "w") as f:
        f.write(POSCAR)
    h.run(d, CONFIG)
    ck = os.path.join(d, "out", "checkpoint.mdrun")
    pot = os.path.join(d, "pot.mtp")
    good_pot = open(pot).read()

    # pot.mtp edited in place (same path, another coefficient): refused, naming the file and both digests
    with open(pot, "w") as f:
        f.write(good_pot.replace("scaling = 1.480467843156920e-01", "scaling = 1.490467843156920e-01"))
    assert open(pot).read() != good_pot
    p = h.run(d, CONFIG, "--restart", ck, "--steps", "8", expect_ok=False)
    assert p.returncode == 1, (p.returncode, p.stderr)
    assert "pot.mtp changed since the checkpoint was written" in p.stderr, p.stderr
    assert p.stderr.count("SHA-256") == 1 and " then, " in p.stderr and " now)" in p.stderr, p.stderr
    assert "checkpoint.mdrun" in p.stderr, p.stderr
    print("  changed pot.mtp:", [l for l in p.stderr.splitlines() if "pot.mtp" in l][0].strip()[:110])
    with open(pot, "w") as f:
        f.write(good_pot)

    # the structure file edited in place (its comment line only: still the content the run did not read)
    poscar = os.path.join(d, "nacl.POSCAR")
    with open(poscar, "w") as f:
        f.write(POSCAR.replace("NaCl rocksalt", "NaCl rocksalt, edited", 1))
    p = h.run(d, CONFIG, "--restart", ck, "--steps", "8", expect_ok=False)
    assert p.returncode == 1 and "structure file" in p.stderr and "nacl.POSCAR changed" in p.stderr, p.stderr
    with open(poscar, "w") as f:
        f.write(POSCAR)

    # a physics key changed: named with its old and new value
    p = h.run(d, CONFIG.replace("tdamp_fs = 100.0", "tdamp_fs = 50.0"), "--restart", ck, "--steps", "8", expect_ok=False)
    assert p.returncode == 1 and "tdamp_fs: 100.0 -> 50.0" in p.stderr, p.stderr
    print("  changed key:", [l for l in p.stderr.splitlines() if "tdamp_fs" in l][0].strip())

    # the originals back: the restart goes on
    h.run(d, CONFIG, "--restart", ck, "--steps", "8")
    assert "restarted from checkpoint" in open(os.path.join(d, "out", "run.log")).read()
finally:
    h.cleanup(d)
print("OK")
