"""Shared by the `mpirun -n N mdrun` tests (test_run_mpi.py, test_run_mpi_signal.py; not a test itself): the
4-replica NaAlBr4 series of test_run_collect.py, running mdrun with or without mpirun, byte comparison."""
import filecmp
import os
import shutil
import subprocess

MDRUN = os.environ.get("MDRUN_BIN")
MPIRUN = shutil.which("mpirun")
NAMES = ("s1_mobile", "s1_frozen_AlBr4", "s1_frozen_Na", "s2_mobile")
ENV = dict(os.environ, OMP_NUM_THREADS="1", OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
           OMPI_MCA_rmaps_base_oversubscribe="1")


def config(data, steps):
    """The config of test_run_collect.py (one structure, mobile / frozen-anion / frozen-Na, two seeds)."""
    src = open(os.path.join(os.path.dirname(__file__), "test_run_collect.py")).read()
    text = src[src.index('CONFIG = f"""') + 13:src.index('"""\n\n\ndef mdrun')]
    d = os.path.join(data, "mtp", "NaAlBr4_chgnet")
    return text.replace("{D}", d).replace("{{", "{").replace("}}", "}").replace("STEPS", str(steps))


def run(cwd, *args, ranks=None):
    cmd = ([MPIRUN, "-n", str(ranks), "--oversubscribe", "--allow-run-as-root"] if ranks else []) + [MDRUN, *args]
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=900, env=ENV)


def check(cond, what):
    if not cond:
        raise SystemExit("FAILED: " + what)


def same_outputs(a, b, what):
    for name in NAMES:
        fa, fb = sorted(os.listdir(os.path.join(a, name))), sorted(os.listdir(os.path.join(b, name)))
        check(fa == fb, f"{what}: {name}: files {fa} vs {fb}")
        for fn in fa:
            check(filecmp.cmp(os.path.join(a, name, fn), os.path.join(b, name, fn), shallow=False), f"{what}: {name}/{fn} differs")
    for fn in ("replicas.json", "arrhenius.json", "controls.json"):
        check(filecmp.cmp(os.path.join(a, fn), os.path.join(b, fn), shallow=False), f"{what}: {fn} differs")


def workdir(d, name, text):
    w = os.path.join(d, name)
    os.makedirs(w)
    with open(os.path.join(w, "config.toml"), "w") as f:
        f.write(text)
    return w
