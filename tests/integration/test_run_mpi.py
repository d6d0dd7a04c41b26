"""`mpirun -n N mdrun config.toml` (issue 15): the [[replica]] list split over 1, 2, 3 and 5 ranks gives every
replica's files, and rank 0's replicas.json / arrhenius.json / controls.json, byte-identical to the one-process
run. A rank that fails (its checkpoint cannot be written) stops the job with its own message and a non-zero
exit; the run then continues with `--restart <output.directory>` on another number of ranks, and the result
is again byte-identical. Skipped (77) when mdrun was built without MPI. Data: NaAlBr4 24-atom cell, demo MTP."""
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(__file__))
import run_helpers as h  # noqa: E402

MDRUN = os.environ.get("MDRUN_BIN")
DATA = os.environ.get("MDRUN_TEST_DATA")
MPIRUN = shutil.which("mpirun")
if not MDRUN or not DATA or os.environ.get("MDRUN_HAVE_MPI") != "ON" or not MPIRUN:
    print("mdrun built without MPI (or no mpirun): skipped")
    sys.exit(77)
import mpi_helpers as c  # noqa: E402

CONFIG = c.config(DATA, 200)
run, check, same_outputs, NAMES = c.run, c.check, c.same_outputs, c.NAMES


def workdir(d, name):
    return c.workdir(d, name, CONFIG)


d = h.tempdir()
try:
    full = workdir(d, "full")
    p = run(full, "config.toml", "--quiet")
    check(p.returncode == 0, "one-process run: " + p.stderr)
    ref = os.path.join(full, "out")
    for n in (1, 2, 3, 5):  # 5: more ranks than replicas, rank 4 has nothing to run but takes part in the gather
        w = workdir(d, f"n{n}")
        p = run(w, "config.toml", "--quiet", ranks=n)
        check(p.returncode == 0, f"mpirun -n {n}: rc {p.returncode}: {p.stdout}{p.stderr}")
        same_outputs(ref, os.path.join(w, "out"), f"mpirun -n {n}")
        log = open(os.path.join(w, "out", "run.log")).read()
        check(f"{n} MPI rank(s)" in log and all(f"rank {r} on" in log for r in range(n)), f"-n {n}: run.log names the ranks:\n{log}")
        if n == 5:
            check("rank 4 on" in log and "no replicas (more ranks than replicas)" in log, "-n 5: the idle rank is named:\n" + log)
        print(f"mpirun -n {n}: every replica's files and replicas/arrhenius/controls.json byte-identical")
    # the assignment balances atoms x steps (equal here): 2 ranks get replicas 1,3 and 2,4
    check(os.path.isdir(os.path.join(d, "n2", "out", "replicas_1_3")) and os.path.isdir(os.path.join(d, "n2", "out", "replicas_2_4")),
          "2 ranks: parts replicas_1_3 and replicas_2_4")

    # a failing rank: rank 1's checkpoint path is blocked by a non-empty directory, so its first checkpoint fails
    w = workdir(d, "fail")
    os.makedirs(os.path.join(w, "out", "replicas_2_4", "checkpoint.mdrun", "blocker"))
    p = run(w, "config.toml", "--quiet", ranks=2)
    check(p.returncode != 0, "a failing rank: non-zero exit")
    check("error on rank 1 of 2 (replicas 2,4)" in p.stderr and "checkpoint.mdrun" in p.stderr, "the failing rank's message: " + p.stderr)
    print("a failing rank stops the job with its message:", [l for l in p.stderr.splitlines() if "rank 1" in l][0])
    # every checkpoint that exists is a valid one (written atomically)
    ck = os.path.join(w, "out", "replicas_1_3", "checkpoint.mdrun")
    if os.path.isfile(ck):
        q = run(w, "collect", "out", "--partial", "--out", "probe")
        check(q.returncode == 0, "the surviving rank's checkpoint reads: " + q.stderr)
    shutil.rmtree(os.path.join(w, "out", "replicas_2_4", "checkpoint.mdrun"))
    # continue on 3 ranks: replicas with a checkpoint continue from it, the others start again from step 0
    p = run(w, "config.toml", "--quiet", "--restart", "out", ranks=3)
    check(p.returncode == 0, f"restart on 3 ranks: rc {p.returncode}: {p.stdout}{p.stderr}")
    same_outputs(ref, os.path.join(w, "out"), "failed on 2 ranks, continued on 3")
    print("continued on 3 ranks after the failure: byte-identical")

    # interrupted at step 100 on 3 ranks (--steps), continued to 200 on 2 ranks
    w = workdir(d, "regroup")
    p = run(w, "config.toml", "--quiet", "--steps", "100", ranks=3)
    check(p.returncode == 0, "3 ranks to step 100: " + p.stderr)
    p = run(w, "config.toml", "--quiet", "--restart", "out", "--steps", "200", ranks=2)
    check(p.returncode == 0, "restart on 2 ranks: " + p.stderr)
    same_outputs(ref, os.path.join(w, "out"), "3 ranks to step 100, then 2 ranks to 200")
    print("3 ranks to step 100, restarted on 2 ranks to step 200: byte-identical")

    # the series directory has one writer: while another process holds out/mdrun.lock, mpirun stops at once
    import fcntl
    w = workdir(d, "locked")
    os.makedirs(os.path.join(w, "out"))
    with open(os.path.join(w, "out", "mdrun.lock"), "w") as holder:
        fcntl.flock(holder, fcntl.LOCK_EX | fcntl.LOCK_NB)
        p = run(w, "config.toml", "--quiet", ranks=2)
    check(p.returncode == 1 and "(rank 0)" in p.stderr and "mdrun.lock" in p.stderr, f"a locked series directory: rc {p.returncode}: {p.stderr}")
    check(not any(os.path.exists(os.path.join(w, "out", n)) for n in NAMES), "a locked series directory: nothing written")
    print("a locked series directory stops mpirun:", p.stderr.strip().splitlines()[0][:160])

    # --replicas is refused under mpirun (the ranks split the list themselves)
    p = run(os.path.join(d, "n1"), "config.toml", "--replicas", "1", ranks=2)
    check(p.returncode != 0 and "--replicas" in p.stderr, "--replicas under mpirun: " + p.stderr)
finally:
    h.cleanup(d)
