"""`mdrun config.toml --replicas LIST` and `mdrun collect` (issue 15): a run split into parts (as Slurm array
tasks would run it) gives every replica's files byte-identical to the one-process run, the parts' run files
stay apart (replicas_*/), and `mdrun collect` of the parts writes the same arrhenius.json and controls.json
as the one-process run; controls.json classifies the mobile / frozen-anion / frozen-Na replicas. Bad lists
and unfinished runs are refused with a clear message. Data: NaAlBr4 24-atom cell and demo MTP in tests/data."""
import filecmp
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
import run_helpers as h  # noqa: E402

MDRUN = os.environ.get("MDRUN_BIN")
DATA = os.environ.get("MDRUN_TEST_DATA")
if not MDRUN or not DATA:
    print("MDRUN_BIN / MDRUN_TEST_DATA not set: skipped")
    sys.exit(77)
D = os.path.join(DATA, "mtp", "NaAlBr4_chgnet")

CONFIG = f"""[structure]
file = "{D}/NaAlBr4_relaxed24.cfg"
format = "cfg"
elements = ["Na", "Al", "Br"]
[potential]
kind = "mtp"
file = "{D}/pot.mtp"
elements = ["Na", "Al", "Br"]
[md]
ensemble = "nvt"
timestep_fs = 2.0
steps = STEPS
temperature_K = 450.0
[[replica]]
name = "s1_mobile"
seed = 1
[[replica]]
name = "s1_frozen_AlBr4"
seed = 1
freeze = ["Al", "Br"]
[[replica]]
name = "s1_frozen_Na"
seed = 1
freeze = ["Na"]
[[replica]]
name = "s2_mobile"
seed = 2
temperature_K = 500.0
[output]
directory = "out"
thermo_every = 20
trajectory_every = 100
trajectory_format = "extxyz"
checkpoint_every = 100
[analysis]
sample_every = 5
msd = {{ elements = ["Na", "Al", "Br"] }}
reorientation = {{ centers = ["Al"], ligands = ["Br"] }}
"""


def mdrun(cwd, *args):
    env = dict(os.environ, OMP_NUM_THREADS="1")
    return subprocess.run([MDRUN, *args], cwd=cwd, capture_output=True, text=True, timeout=600, env=env)


def check(cond, what):
    if not cond:
        raise SystemExit("FAILED: " + what)


d = h.tempdir()
try:
    full, split = os.path.join(d, "full"), os.path.join(d, "split")
    for w in (full, split):
        os.makedirs(w)
        with open(os.path.join(w, "config.toml"), "w") as f:
            f.write(CONFIG.replace("STEPS", "200"))
    p = mdrun(full, "config.toml", "--quiet")
    check(p.returncode == 0, "full run: " + p.stderr)
    for part in ("1,3", "2", "4"):
        p = mdrun(split, "config.toml", "--quiet", "--replicas", part)
        check(p.returncode == 0, f"--replicas {part}: " + p.stderr)
    for part in ("replicas_1_3", "replicas_2", "replicas_4"):
        check(os.path.isfile(os.path.join(split, "out", part, "run.log")), part + "/run.log")
        check(os.path.isfile(os.path.join(split, "out", part, "checkpoint.mdrun")), part + "/checkpoint.mdrun")
    check(not os.path.exists(os.path.join(split, "out", "run.log")), "a part wrote the top-level run.log")
    for name in ("s1_mobile", "s1_frozen_AlBr4", "s1_frozen_Na", "s2_mobile"):
        a, b = os.path.join(full, "out", name), os.path.join(split, "out", name)
        files = sorted(os.listdir(a))
        check(files == sorted(os.listdir(b)), f"{name}: files {files} vs {sorted(os.listdir(b))}")
        for fn in files:
            check(filecmp.cmp(os.path.join(a, fn), os.path.join(b, fn), shallow=False), f"{name}/{fn} differs")
    print("4 replicas in 3 parts: every replica file byte-identical to the one-process run")

    p = mdrun(split, "collect", "out")
    check(p.returncode == 0, "collect: " + p.stdout + p.stderr)
    print(p.stdout)
    for fn in ("controls.json", "arrhenius.json"):
        a, b = os.path.join(full, "out", fn), os.path.join(split, "out", fn)
        check(filecmp.cmp(a, b, shallow=False), f"collected {fn} differs from the one-process run's")
    c = json.load(open(os.path.join(full, "out", "controls.json")))
    kinds = {r["name"]: r["kind"] for r in c["replicas"]}
    check(kinds == {"s1_mobile": "mobile", "s1_frozen_AlBr4": "frozen_framework", "s1_frozen_Na": "frozen_ion",
                    "s2_mobile": "mobile"}, str(kinds))
    g = [x for x in c["per_seed"] if x["seed"] == 1][0]
    check(g["mobile"] == "s1_mobile" and g["frozen_framework"] == "s1_frozen_AlBr4" and g["frozen_ion"] == "s1_frozen_Na", str(g))
    check(g["tmsd_ratio_frozen_framework_over_mobile"]["status"] == "ok", str(g))
    for r in c["replicas"]:
        check(set(r["classification"]) == {"rotation", "ion_diffusion", "framework_melting", "melted_species"}, str(r))
    check(len(c["over_seeds"]) == 2, "two temperatures")  # 450 K (seed 1) and 500 K (seed 2)
    print("collect of the parts == one-process arrhenius.json and controls.json")

    # the same again through one run directory given twice: refused
    p = mdrun(split, "collect", "out", "out", "--out", "x")
    check(p.returncode != 0 and "appears twice" in p.stderr, "duplicate run dirs: " + p.stderr)
    # an unfinished run: refused unless --partial
    os.makedirs(os.path.join(d, "part"))
    with open(os.path.join(d, "part", "config.toml"), "w") as f:
        f.write(CONFIG.replace("STEPS", "200"))
    p = mdrun(os.path.join(d, "part"), "config.toml", "--quiet", "--steps", "100")
    check(p.returncode == 0, p.stderr)
    p = mdrun(os.path.join(d, "part"), "collect", "out")
    check(p.returncode != 0 and "has not finished" in p.stderr, "unfinished run: " + p.stderr)
    p = mdrun(os.path.join(d, "part"), "collect", "out", "--partial")
    check(p.returncode == 0 and os.path.isfile(os.path.join(d, "part", "out", "controls.json")), "--partial: " + p.stderr)
    # bad --replicas lists
    for bad, msg in (("0", "counted from 1"), ("5", "has 4 [[replica]]"), ("3-1", "backwards"), ("2,2", "twice"), ("a", "counted from 1")):
        p = mdrun(full, "config.toml", "--quiet", "--replicas", bad, "--steps", "1")
        check(p.returncode != 0 and msg in p.stderr, f"--replicas {bad}: {p.stderr}")
    p = mdrun(d, "collect", "nowhere")
    check(p.returncode != 0 and "not a directory" in p.stderr, p.stderr)
    print("bad --replicas lists and run directories: refused with a message")
finally:
    h.cleanup(d)
