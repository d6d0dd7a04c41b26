"""SIGTERM under `mpirun -n N mdrun config.toml` (issue 15), as a batch system's time limit delivers it:
(a) to every rank, as Slurm does: each rank finishes its chunk, writes its part's checkpoint and leaves
(exit 143), rank 0 prints the `mpirun -n <N> mdrun run ... --restart` command; (b) to mpirun itself, which
forwards it to the ranks and kills them a second later. Either way every checkpoint on disk reads
(`mdrun collect --partial`), a damaged one stops the restart with its file name on every rank, and
`--restart <output.directory>` on ANOTHER number of ranks gives every replica's files and the cross-replica
outputs byte-identical to the uninterrupted one-process run. Skipped (77) without MPI. Data: the 4-replica
NaAlBr4 series of test_run_mpi.py, 3000 steps so that the signal lands mid-run."""
import os
import re
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import run_helpers as h  # noqa: E402

MDRUN = os.environ.get("MDRUN_BIN")
DATA = os.environ.get("MDRUN_TEST_DATA")
MPIRUN = shutil.which("mpirun")
if not MDRUN or not DATA or os.environ.get("MDRUN_HAVE_MPI") != "ON" or not MPIRUN:
    print("mdrun built without MPI (or no mpirun): skipped")
    sys.exit(77)
import mpi_helpers as c  # noqa: E402

STEPS = 3000
CONFIG = c.config(DATA, STEPS)


def start(cwd, ranks):
    cmd = [MPIRUN, "-n", str(ranks), "--oversubscribe", "--allow-run-as-root", MDRUN, "config.toml", "--quiet"]
    return subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=c.ENV)


def wait_for_checkpoints(p, out, parts):
    """Until every part has written its first checkpoint (step 100): the signal then finds every rank running."""
    deadline = time.time() + 600
    while not all(os.path.isfile(os.path.join(out, d, "checkpoint.mdrun")) for d in parts):
        if p.poll() is not None:
            c.check(False, f"the run ended before its first checkpoints: rc {p.returncode}: {p.communicate()}")
        c.check(time.time() < deadline, "no checkpoints after 600 s")
        time.sleep(0.05)


def rank_pids(mpirun_pid):
    """The rank processes: mpirun's children (each in its own process group, so a signal must name them)."""
    kids = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                stat = open(f"/proc/{d}/stat").read()
            except OSError:
                continue
            if int(stat[stat.rindex(")") + 2:].split()[1]) == mpirun_pid:
                kids.append(int(d))
    return kids


def checkpoints_read(w, what):
    q = subprocess.run([MDRUN, "collect", "out", "--partial", "--out", "probe"], cwd=w, capture_output=True, text=True,
                       timeout=300, env=c.ENV)
    c.check(q.returncode == 0, f"{what}: the checkpoints on disk read: {q.stderr}")
    shutil.rmtree(os.path.join(w, "probe"))


def interrupted_steps(w, parts):
    steps = []
    for d in parts:
        m = re.findall(r"INTERRUPTED by signal 15 \S+ at step (\d+)", open(os.path.join(w, "out", d, "run.log")).read())
        steps += [int(s) for s in m]
    return steps


d = h.tempdir()
try:
    full = c.workdir(d, "full", CONFIG)
    p = c.run(full, "config.toml", "--quiet")
    c.check(p.returncode == 0, "one-process run: " + p.stderr)
    ref = os.path.join(full, "out")

    # (a) Slurm's way: SIGTERM to every rank
    w = c.workdir(d, "each", CONFIG)
    parts = ("replicas_1_3", "replicas_2_4")
    p = start(w, 2)
    wait_for_checkpoints(p, os.path.join(w, "out"), parts)
    pids = rank_pids(p.pid)
    c.check(len(pids) == 2, f"two rank processes under mpirun, found {pids}")
    for pid in pids:
        os.kill(pid, signal.SIGTERM)
    out, err = p.communicate(timeout=600)
    c.check(p.returncode == 128 + signal.SIGTERM, f"SIGTERM to the ranks: exit {p.returncode} (want 143): {err}")
    c.check(err.count("interrupted by signal 15 at step") == 2, "each rank reports its checkpoint: " + err)
    hint = [line for line in err.splitlines() if "continue with: mpirun -n <N> " in line]
    # the ranks run mdrun_mpi (mdrun hands over to it under mpirun), and the hint names the program that ran
    mdrun_mpi = os.path.join(os.path.dirname(MDRUN), "mdrun_mpi")
    c.check(hint and f"{mdrun_mpi} run " in hint[0] and "--restart" in hint[0] and f"--steps {STEPS}" in hint[0],
            "rank 0 prints the command that continues: " + err)
    steps = interrupted_steps(w, parts)
    c.check(len(steps) == 2 and all(100 <= s < STEPS for s in steps), f"both parts stopped mid-run: {steps}")
    c.check("INTERRUPTED" in open(os.path.join(w, "out", "run.log")).read(), "rank 0's run.log records the interruption")
    checkpoints_read(w, "after SIGTERM to the ranks")
    print(f"SIGTERM to both ranks: stopped at steps {steps}, exit 143, checkpoints intact")

    # a damaged checkpoint: the restart stops on every rank with the file's name, nothing is overwritten
    ck = os.path.join(w, "out", "replicas_2_4", "checkpoint.mdrun")
    good = open(ck, "rb").read()
    with open(ck, "wb") as f:
        f.write(good[:len(good) // 2])
    q = c.run(w, "config.toml", "--quiet", "--restart", "out", ranks=3)
    c.check(q.returncode == 1 and "checkpoint.mdrun" in q.stderr and "replicas_2_4" in q.stderr,
            f"restart from a truncated checkpoint: rc {q.returncode}: {q.stderr}")
    c.check(q.stderr.count("mdrun: error") == 1, "one message, not one per rank: " + q.stderr)
    print("a truncated checkpoint stops the restart:", [line for line in q.stderr.splitlines() if "error" in line][0][:160])
    with open(ck, "wb") as f:
        f.write(good)

    # continued on 3 ranks (the two parts stopped at different steps: regrouped)
    q = c.run(w, "config.toml", "--quiet", "--restart", "out", ranks=3)
    c.check(q.returncode == 0, f"restart on 3 ranks: rc {q.returncode}: {q.stdout}{q.stderr}")
    c.same_outputs(ref, os.path.join(w, "out"), "SIGTERM on 2 ranks, continued on 3")
    print("continued on 3 ranks: every replica's files and the cross-replica outputs byte-identical")

    # (b) SIGTERM to mpirun: it forwards the signal and SIGKILLs the ranks a second later, so a rank may die
    # before its final checkpoint: the ones on disk must still be whole
    w = c.workdir(d, "mpirun", CONFIG)
    parts = ("replicas_1_4", "replicas_2", "replicas_3")
    p = start(w, 3)
    wait_for_checkpoints(p, os.path.join(w, "out"), parts)
    p.send_signal(signal.SIGTERM)
    out, err = p.communicate(timeout=600)
    c.check(p.returncode != 0, f"SIGTERM to mpirun: non-zero exit, got {p.returncode}")
    checkpoints_read(w, "after SIGTERM to mpirun")
    print(f"SIGTERM to mpirun: exit {p.returncode}, {err.count('interrupted by signal 15')} rank(s) wrote a final checkpoint")
    q = c.run(w, "config.toml", "--quiet", "--restart", "out", ranks=1)
    c.check(q.returncode == 0, f"restart on 1 rank: rc {q.returncode}: {q.stdout}{q.stderr}")
    c.same_outputs(ref, os.path.join(w, "out"), "SIGTERM to mpirun of 3 ranks, continued on 1")
    print("continued on 1 rank: byte-identical")
finally:
    h.cleanup(d)
