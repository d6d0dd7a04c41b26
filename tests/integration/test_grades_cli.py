"""MaxVol extrapolation grades through the command line (issue #13), against MLIP-2's grades.

1. `mdrun calc-grade POT TRAIN IN OUT --als-filename F` writes MV_grade equal to `mlp calc-grade`'s
   (tests/data/mtp/Na3PS4_tensornet/grade, six printed decimals), and `mdrun calc-grade F IN OUT2`
   from the state file it wrote gives the same file.
2. MD with [extrapolation] (MLIP's per-site state file): the grade at step 0 in thermo.csv equals MLIP's
   MV_grade of the starting frame; preselected.cfg holds the frames above save_above, each once, and
   their MV_grade equals `mdrun calc-grade STATE preselected.cfg` on them.
3. A grade above stop_above stops the run with the step, the grade and the worst atoms.
4. `mdrun select STATE preselected.cfg OUT` keeps only configurations that enlarge the active set.
"""
import csv
import os
import subprocess
import sys
import tempfile

MDRUN = os.environ.get("MDRUN_BIN")
DATA = os.environ.get("MDRUN_TEST_DATA")
if not MDRUN or not DATA or not os.path.exists(MDRUN):
    print("skipped: MDRUN_BIN / MDRUN_TEST_DATA not set")
    sys.exit(77)
D = os.path.join(DATA, "mtp", "Na3PS4_tensornet")
G = os.path.join(D, "grade")


def blocks(path):
    text = open(path).read()
    return ["BEGIN_CFG" + b for b in text.split("BEGIN_CFG")[1:]]


def grades(path):
    out = []
    for b in blocks(path):
        g = [l.split()[2] for l in b.splitlines() if l.strip().startswith("Feature") and l.split()[1] == "MV_grade"]
        assert len(g) == 1, path
        out.append(float(g[0]))
    return out


def close(a, b):
    # both printed with six decimals
    return abs(a - b) <= 1e-6 * abs(b) + 2e-6


def run(args, cwd, ok=True):
    p = subprocess.run([MDRUN] + args, cwd=cwd, capture_output=True, text=True)
    if ok and p.returncode != 0:
        print(p.stdout, p.stderr)
        raise SystemExit(f"mdrun {' '.join(args)} failed ({p.returncode})")
    return p


def md_config(frame, state, every, save, stop, steps=20):
    return f"""[structure]
file = "{frame}"
format = "cfg"
elements = ["Na", "P", "S"]

[potential]
kind = "mtp"
file = "{D}/pot.mtp"
elements = ["Na", "P", "S"]

[md]
ensemble = "nvt"
timestep_fs = 1.0
steps = {steps}
temperature_K = 300.0
velocities = "maxwell"
seed = 5

[output]
directory = "out"
thermo_every = {every}
trajectory_every = 0
checkpoint_every = 0
write_final = false

[extrapolation]
state = "{state}"
every = {every}
save_above = {save}
stop_above = {stop}
"""


with tempfile.TemporaryDirectory() as tmp:
    # 1. calc-grade from the training set, then from the state file it wrote.
    run(["calc-grade", f"{D}/pot.mtp", f"{D}/train.cfg", f"{G}/grade_test.cfg", "graded.cfg",
         "--als-filename=mine.als"], tmp)
    ours, ref = grades(os.path.join(tmp, "graded.cfg")), grades(f"{G}/grade_test.cfg")
    assert len(ours) == len(ref) == 45
    bad = [(k, a, b) for k, (a, b) in enumerate(zip(ours, ref)) if not close(a, b)]
    assert not bad, f"calc-grade differs from MLIP: {bad[:5]}"
    run(["calc-grade", "mine.als", f"{G}/grade_test.cfg", "graded2.cfg"], tmp)
    assert open(os.path.join(tmp, "graded.cfg")).read() == open(os.path.join(tmp, "graded2.cfg")).read()
    # MLIP's own state file gives the same grades too.
    run(["calc-grade", f"{G}/state.als", f"{G}/grade_test.cfg", "graded3.cfg"], tmp)
    assert all(close(a, b) for a, b in zip(grades(os.path.join(tmp, "graded3.cfg")), ref))
    # Bad usage is a clear error.
    p = run(["calc-grade", f"{D}/pot.mtp", f"{D}/train.cfg", "x.cfg", "y.cfg", "--force-weight=1"], tmp, ok=False)
    assert p.returncode != 0 and "not implemented" in p.stderr, p.stderr
    p = run(["calc-grade", f"{D}/train.cfg", "x.cfg", "y.cfg"], tmp, ok=False)
    assert p.returncode != 0 and "train.cfg" in p.stderr, p.stderr
    print("calc-grade: 45 grades equal MLIP's; state file round trip identical")

    # 2. MD with per-site grades, starting from a strained, rattled frame MLIP graded 1.321305.
    frames = blocks(f"{G}/grade_strained_nbh.cfg")
    ref_nbh = grades(f"{G}/grade_strained_nbh.cfg")
    k = 2
    frame = os.path.join(tmp, "frame.cfg")
    open(frame, "w").write(frames[k])
    md = os.path.join(tmp, "md")
    os.mkdir(md)
    open(os.path.join(md, "config.toml"), "w").write(md_config(frame, f"{G}/state_nbh.als", 5, 0.5, 0))
    run(["config.toml", "--quiet"], md)
    rows = list(csv.DictReader(open(os.path.join(md, "out", "thermo.csv"))))
    g0 = float(rows[0]["max_grade"])
    assert rows[0]["step"] == "0"
    assert close(g0, ref_nbh[k]), (g0, ref_nbh[k])
    pre = os.path.join(md, "out", "preselected.cfg")
    saved = blocks(pre)
    steps = [int(l.split()[2]) for b in saved for l in b.splitlines() if l.split()[:2] == ["Feature", "step"]]
    assert len(steps) == len(set(steps)) == len(saved) and steps[0] == 0, steps
    by_step = {int(r["step"]): float(r["max_grade"]) for r in rows}
    assert steps == [s for s in sorted(by_step) if by_step[s] > 0.5], (steps, by_step)
    for s, g in zip(steps, grades(pre)):
        assert g > 0.5 and close(g, by_step[s]), (s, g, by_step[s])
    run(["calc-grade", f"{G}/state_nbh.als", pre, "regraded.cfg"], md)
    assert all(close(a, b) for a, b in zip(grades(os.path.join(md, "regraded.cfg")), grades(pre)))
    print(f"MD: step-0 grade {g0} (MLIP {ref_nbh[k]}); {len(saved)} frames preselected at steps {steps}")
    # A torn last configuration in preselected.cfg (a run killed while appending it) is dropped on restart,
    # which then gives the uninterrupted run's file (docs/reliability.md).
    cut = os.path.join(tmp, "mdcut")
    os.mkdir(cut)
    open(os.path.join(cut, "config.toml"), "w").write(md_config(frame, f"{G}/state_nbh.als", 5, 0.5, 0))
    run(["config.toml", "--quiet", "--steps", "10"], cut)
    with open(os.path.join(cut, "out", "preselected.cfg"), "a") as f:
        f.write(saved[-1][: len(saved[-1]) // 2])
    run(["config.toml", "--quiet", "--restart", "out/checkpoint.mdrun"], cut)
    assert open(pre).read() == open(os.path.join(cut, "out", "preselected.cfg")).read(), "preselected.cfg differs"
    print("MD: a torn configuration at the end of preselected.cfg is dropped on restart")

    # 3. Stop above a threshold: step, grade and worst atoms in the message, non-zero exit.
    stop = os.path.join(tmp, "stop")
    os.mkdir(stop)
    open(os.path.join(stop, "config.toml"), "w").write(md_config(frame, f"{G}/state_nbh.als", 5, 1.0, 1.1))
    p = run(["config.toml", "--quiet"], stop, ok=False)
    assert p.returncode != 0, p.stderr
    assert "step 0" in p.stderr and "extrapolation grade" in p.stderr and "worst atoms" in p.stderr, p.stderr
    print("stop:", p.stderr.strip().splitlines()[0][:200])

    # 4. select: only configurations that enlarge the active set, each with its grade.
    run(["select", f"{G}/state_nbh.als", pre, "selected.cfg", "--als-filename=enlarged.als"], md)
    chosen = grades(os.path.join(md, "selected.cfg"))
    assert 1 <= len(chosen) <= len(saved), (len(chosen), len(saved))
    # Against the enlarged active set, nothing preselected extrapolates any more.
    run(["calc-grade", "enlarged.als", pre, "after.cfg"], md)
    after = grades(os.path.join(md, "after.cfg"))
    assert max(after) <= 1.1 + 1e-9, after
    print(f"select: {len(chosen)} of {len(saved)} preselected frames enlarge the active set; afterwards max grade {max(after)}")
print("ok")
