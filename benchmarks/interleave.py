#!/usr/bin/env python3
"""Two commands timed side by side: A B A B ... in one invocation, ratios taken pair by pair.

    benchmarks/interleave.py [-n PAIRS] [--warmup W] --a 'COMMAND A' --b 'COMMAND B'

Why pairs: on a shared machine the speed drifts over minutes; A and B run back to back, so the ratio of one
pair sees the same machine. Each run's CPU time (user + system of the child and everything it waited for)
comes from os.wait4, the kernel's own accounting, which a busy machine disturbs far less than wall time.
Printed: per command min / median / max of CPU and wall seconds and peak RSS, and the pair ratios A/B of CPU
and wall time as min / median / max, with the load average before and after. Quote the median.

Commands are split like a shell splits words (shlex); output goes to /dev/null. Exit status 1 when a run
fails (its exit status is printed).
"""
import argparse
import os
import shlex
import statistics
import subprocess
import sys
import time


def run_once(argv):
    t0 = time.monotonic()
    with open(os.devnull, "wb") as null:
        p = subprocess.Popen(argv, stdout=null, stderr=null, stdin=subprocess.DEVNULL)
        _, status, ru = os.wait4(p.pid, 0)
    wall = time.monotonic() - t0
    code = os.waitstatus_to_exitcode(status)
    return {"cpu": ru.ru_utime + ru.ru_stime, "user": ru.ru_utime, "wall": wall, "rss_MB": ru.ru_maxrss / 1024.0,
            "code": code}


def stats(xs):
    return f"{min(xs):.4g} / {statistics.median(xs):.4g} / {max(xs):.4g}"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-n", "--pairs", type=int, default=5, help="counted A/B pairs (default 5)")
    ap.add_argument("--warmup", type=int, default=1, help="uncounted pairs first (default 1)")
    ap.add_argument("--a", required=True, help="command A (the one measured)")
    ap.add_argument("--b", required=True, help="command B (the baseline)")
    a = ap.parse_args(argv)
    if a.pairs < 1 or a.warmup < 0:
        ap.error("--pairs must be >= 1 and --warmup >= 0")
    cmd = {"A": shlex.split(a.a), "B": shlex.split(a.b)}
    load0 = os.getloadavg()
    runs = {"A": [], "B": []}
    for k in range(a.warmup + a.pairs):
        for name in ("A", "B"):
            r = run_once(cmd[name])
            if r["code"] != 0:
                print(f"interleave: {name} exited with {r['code']}: {a.a if name == 'A' else a.b}", file=sys.stderr)
                return 1
            if k >= a.warmup:
                runs[name].append(r)
    load1 = os.getloadavg()
    print(f"# {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} CPUs, load average "
          f"{load0[0]:.2f} before, {load1[0]:.2f} after; {a.pairs} pairs after {a.warmup} warm-up")
    for name in ("A", "B"):
        rs = runs[name]
        print(f"{name}: {a.a if name == 'A' else a.b}")
        print(f"   CPU s {stats([r['cpu'] for r in rs])}   wall s {stats([r['wall'] for r in rs])}   "
              f"peak RSS MB {stats([r['rss_MB'] for r in rs])}   (min / median / max)")
    cpu = [x["cpu"] / y["cpu"] for x, y in zip(runs["A"], runs["B"])]
    wall = [x["wall"] / y["wall"] for x, y in zip(runs["A"], runs["B"])]
    print(f"A/B CPU time  {stats(cpu)}")
    print(f"A/B wall time {stats(wall)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
