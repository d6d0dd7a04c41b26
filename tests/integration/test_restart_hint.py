"""The restart hint after SIGTERM: a run asked for more steps than its config says (--steps) is interrupted
mid-way; the command mdrun prints ("continue with: ...", also in run.log), typed as printed from another
directory, finishes the run as asked — bit-identical to an uninterrupted run — and the checkpoint records
that target step. Restarting the complete run again says so and changes no file. A restart without --steps
tells the user when its final step differs from the one the interrupted run was asked for."""
import filecmp
import os
import shlex
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import run_helpers as h  # noqa: E402

h.require_env()

NACL = os.path.join(h.LAMMPS, "data", "nacl216_seed20240501.data")
MD = 'ensemble = "nvt"\ntimestep_fs = 1.0\nsteps = 100\ntemperature_K = 600.0\nvelocities = "file"'
OUT = "thermo_every = 10\ntrajectory_every = 20\ntrajectory_format = \"extxyz\"\ncheckpoint_every = 50"
TARGET = 6000  # far beyond [md].steps = 100, so the signal lands well before the end


def env():
    return dict(os.environ, OMP_NUM_THREADS="1")


def snapshot(directory):
    return {n: open(os.path.join(directory, n), "rb").read() for n in sorted(os.listdir(directory))}


full, cut, elsewhere = h.tempdir(), h.tempdir(), h.tempdir()
try:
    cfg_text = h.nacl_config(NACL, MD, OUT)
    h.run(full, cfg_text, "--steps", str(TARGET))
    cfg = os.path.join(cut, "config.toml")
    open(cfg, "w").write(cfg_text)
    proc = subprocess.Popen([h.MDRUN, cfg, "--quiet", "--steps", str(TARGET)], stderr=subprocess.PIPE, text=True,
                            env=env(), cwd=cut)
    log_path = os.path.join(cut, "out", "run.log")
    deadline = time.time() + 300
    while time.time() < deadline and proc.poll() is None:
        if os.path.exists(log_path) and "checkpoint at step 100 (" in open(log_path).read():
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    err = proc.communicate(timeout=300)[1]
    assert proc.returncode == 128 + signal.SIGTERM, (proc.returncode, err)
    hint = [l.split("continue with: ", 1)[1] for l in err.splitlines() if "continue with: " in l]
    assert len(hint) == 1, err
    words = shlex.split(hint[0])
    assert os.path.isabs(words[0]) and words[1] == "run" and os.path.isabs(words[2]), hint
    assert words[-2:] == ["--steps", str(TARGET)], hint
    assert "continue with: " + hint[0] in open(log_path).read()
    interrupted_at = int(err.split(" at step ")[1].split(";")[0])
    assert 100 <= interrupted_at < TARGET, err
    print(f"  interrupted at step {interrupted_at}; hint: {hint[0]}")

    # A restart without --steps goes to [md].steps = 100 < the checkpoint's step: complete, says so.
    before = snapshot(os.path.join(cut, "out"))
    p = subprocess.run([h.MDRUN, cfg, "--restart", os.path.join(cut, "out", "checkpoint.mdrun")],
                       capture_output=True, text=True, env=env())
    assert p.returncode == 0 and "already complete" in p.stderr and "--steps N" in p.stderr, p.stderr
    assert snapshot(os.path.join(cut, "out")) == before, "a restart with nothing to do changed files"

    # The hint, typed as printed from another directory, finishes the run as asked.
    p = subprocess.run([h.MDRUN, *words[1:]], capture_output=True, text=True, env=env(), cwd=elsewhere)
    assert p.returncode == 0, p.stderr
    for name in ("thermo.csv", "trajectory.extxyz", "final.extxyz", "final.POSCAR"):
        assert filecmp.cmp(os.path.join(full, "out", name), os.path.join(cut, "out", name), shallow=False), \
            f"{name} differs from the uninterrupted run"
    last = open(os.path.join(cut, "out", "thermo.csv")).read().strip().splitlines()[-1].split(",")[0]
    assert last == str(TARGET), last
    print(f"  the hint finished the run at step {TARGET}, identical to the uninterrupted run")

    # Restarting the complete run again: says so, nothing changes.
    before = snapshot(os.path.join(cut, "out"))
    p = subprocess.run([h.MDRUN, *words[1:]], capture_output=True, text=True, env=env(), cwd=elsewhere)
    assert p.returncode == 0 and "already complete" in p.stderr, p.stderr
    assert f"is at step {TARGET}, the final step asked for" in p.stderr, p.stderr
    assert snapshot(os.path.join(cut, "out")) == before, "restarting a complete run changed files"
    print("  restarting the complete run: 'already complete', no file changed")

    # The checkpoint records the target: a restart to another final step, without --steps, says so.
    h.run(cut, cfg_text.replace("steps = 100", f"steps = {TARGET + 40}"), "--restart",
          os.path.join(cut, "out", "checkpoint.mdrun"))
    log = open(os.path.join(cut, "out", "run.log")).read()
    assert f"was asked to reach step {TARGET}; this restart goes to step {TARGET + 40}" in log, log
    print("  a restart to a different final step notes the recorded target")
finally:
    for d in (full, cut, elsewhere):
        h.cleanup(d)
