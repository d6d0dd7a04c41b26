"""The mdrun command line end to end: options before or after the config file and --opt=value give the same
run as the classic spelling; `mdrun run CONFIG` equals `mdrun CONFIG`; per-subcommand help; a mistyped
subcommand is an error with a suggestion (status 2) and is never read as a config file unless such a file
exists; usage errors exit 2,
input errors 1."""
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
import run_helpers as h  # noqa: E402

h.require_env()

NACL = os.path.join(h.LAMMPS, "data", "nacl216_seed20240501.data")
MD = 'ensemble = "nvt"\ntimestep_fs = 1.0\nsteps = 40\ntemperature_K = 600.0\nvelocities = "file"'


def mdrun(*args, cwd=None):
    return subprocess.run([h.MDRUN, *args], capture_output=True, text=True, timeout=300, cwd=cwd,
                          env=dict(os.environ, OMP_NUM_THREADS="1"))


def check(cond, what, p=None):
    if not cond:
        raise SystemExit(f"FAIL {what}" + (f"\nstatus {p.returncode}\nstdout:\n{p.stdout}\nstderr:\n{p.stderr}" if p else ""))


d = h.tempdir()
try:
    # Help at each level.
    p = mdrun("--help")
    check(p.returncode == 0 and "mdrun CONFIG.toml [options]" in p.stdout, "mdrun --help", p)
    for sub in ("run", "calc-efs", "calc-grade", "select", "analyze", "convert"):
        check(sub in p.stdout, f"--help lists {sub}", p)
    p = mdrun("convert", "--help")
    check(p.returncode == 0 and "--replicate" in p.stdout and "--steps" not in p.stdout, "convert --help", p)
    p = mdrun("run", "--help")
    check(p.returncode == 0 and "--restart" in p.stdout, "run --help", p)
    p = mdrun()
    check(p.returncode == 2 and "usage:" in p.stdout, "no arguments", p)

    # A mistyped subcommand: status 2, a suggestion, no run.
    p = mdrun("calc-efx", cwd=d)
    check(p.returncode == 2 and "did you mean 'mdrun calc-efs'?" in p.stderr, "mdrun calc-efx", p)
    p = mdrun("anlyze", "x.mdrun", cwd=d)
    check(p.returncode == 2 and "did you mean 'mdrun analyze'?" in p.stderr, "mdrun anlyze", p)
    # ... but an existing file of that name is a config file (here an invalid one: status 1, named).
    open(os.path.join(d, "calc-efx"), "w").write("[nonsense]\n")
    p = mdrun("calc-efx", cwd=d)
    check(p.returncode == 1 and "calc-efx" in p.stderr and "did you mean 'mdrun" not in p.stderr,
          "existing file named calc-efx", p)
    # Unknown options, with suggestions; usage errors exit 2.
    cfg = os.path.join(d, "nacl.toml")
    open(cfg, "w").write(h.nacl_config(NACL, MD, "thermo_every = 10\ntrajectory_every = 0\ncheckpoint_every = 0"))
    p = mdrun(cfg, "--stesp", "3")
    check(p.returncode == 2 and "unknown option '--stesp' (did you mean '--steps'?)" in p.stderr, "--stesp", p)
    p = mdrun(cfg, "--steps=abc")
    check(p.returncode == 2 and "--steps expects a non-negative integer" in p.stderr, "--steps=abc", p)
    p = mdrun("convert", NACL)
    check(p.returncode == 2 and "mdrun: error:" in p.stderr, "convert without OUT", p)

    # The same run, spelled four ways, gives the same thermo.csv.
    outputs = []
    for k, args in enumerate([[cfg, "--steps", "20", "--quiet"], ["--steps=20", "-q", cfg],
                              ["run", "--quiet", cfg, "--steps=20"], ["--quiet", "run", cfg, "--steps", "20"]]):
        p = mdrun(*args)
        if args[:2] == ["--quiet", "run"]:
            # Options of the default run given before a subcommand's name are refused, not ignored.
            check(p.returncode == 2 and "before the subcommand 'run'" in p.stderr, "options before 'run'", p)
            continue
        check(p.returncode == 0, f"spelling {k}: {args}", p)
        outputs.append(open(os.path.join(d, "out", "thermo.csv")).read())
    check(len(outputs) == 3 and outputs[0] == outputs[1] == outputs[2], "identical runs")
    check(outputs[0].strip().splitlines()[-1].split(",")[0] == "20", "--steps 20 was applied")
    print("command line: help, suggestions, statuses and four spellings checked")
finally:
    h.cleanup(d)
