"""The malformed-input corpus (tests/corpus, made by tests/corpus/make_cases.py) and checkpoint damage: every
case must fail with a clear error. The test fails on a crash (signal), a hang (timeout), "internal error", a
sanitizer report, an unexpected exit 0, a wrong exit status or a missing expected message fragment.

The binary is $MDRUN_BIN (so a sanitizer build runs the same corpus: MDRUN_BIN=build-asan/mdrun python3 this).
MDRUN_CORPUS_TIMEOUT (s, default 60) bounds each case; MDRUN_CORPUS_FILTER runs only cases whose name contains it.
Cases run in parallel (os.cpu_count() workers), each with one OpenMP thread.
"""
import concurrent.futures
import json
import os
import random
import shutil
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.environ.get("MDRUN_SOURCE_DIR") or os.path.join(HERE, "..", "..")
CORPUS = os.path.join(SOURCE, "tests", "corpus")
MDRUN = os.environ.get("MDRUN_BIN")
TIMEOUT = float(os.environ.get("MDRUN_CORPUS_TIMEOUT", "60"))
FILTER = os.environ.get("MDRUN_CORPUS_FILTER", "")
SANITIZER_MARKS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:", "ERROR: UndefinedBehaviorSanitizer",
                   "WARNING: ThreadSanitizer", "SUMMARY: AddressSanitizer", "SUMMARY: UndefinedBehaviorSanitizer")


def substitute(text, case_dir):
    return text.replace("@BASE@", os.path.join(CORPUS, "base")).replace("@CASE@", case_dir)


def run_mdrun(args, cwd):
    env = dict(os.environ, OMP_NUM_THREADS="1")
    try:
        p = subprocess.run([MDRUN] + args, cwd=cwd, capture_output=True, timeout=TIMEOUT, env=env)
    except subprocess.TimeoutExpired:
        return None, ""
    return p.returncode, p.stderr.decode("utf-8", "replace") + p.stdout.decode("utf-8", "replace")


def judge(name, rc, out, expect, status):
    """'' when the outcome is a clear error as expected, else why not."""
    if rc is None:
        return f"{name}: hang (no exit within {TIMEOUT:.0f} s)"
    if rc < 0:
        return f"{name}: crashed with signal {-rc}\n{out[-2000:]}"
    for m in SANITIZER_MARKS:
        if m in out:
            return f"{name}: sanitizer report\n{out[-4000:]}"
    if "internal error" in out or "Traceback" in out or "std::bad_alloc" in out:
        return f"{name}: unclear error\n{out[-2000:]}"
    if status == "no-crash":
        return ""
    if rc == 0:
        return f"{name}: accepted (exit 0), expected an error\n{out[-1000:]}"
    if status == "error" and rc != 1:
        return f"{name}: exit status {rc}, expected 1 (an input error)\n{out[-1000:]}"
    if status == "usage" and rc != 2:
        return f"{name}: exit status {rc}, expected 2 (a usage error)\n{out[-1000:]}"
    if rc not in (1, 2):
        return f"{name}: exit status {rc}, expected 1 or 2\n{out[-1000:]}"
    if "error" not in out and status != "usage":  # a bare `mdrun` prints its usage
        return f"{name}: no error message\n{out[-1000:]}"
    missing = [e for e in expect if e not in out]
    if missing:
        return f"{name}: message lacks {missing}:\n{out[-1500:]}"
    return ""


def run_case(case_dir, tmp_root):
    name = os.path.relpath(case_dir, os.path.join(CORPUS, "cases"))
    with open(os.path.join(case_dir, "case.json")) as f:
        spec = json.load(f)
    work = os.path.join(tmp_root, name.replace("/", "__"))
    shutil.copytree(case_dir, work)
    for fname in os.listdir(work):
        path = os.path.join(work, fname)
        if fname == "case.json" or not os.path.isfile(path):
            continue
        with open(path, "rb") as f:
            data = f.read()
        if b"@BASE@" in data or b"@CASE@" in data:
            with open(path, "wb") as f:
                f.write(substitute(data.decode("utf-8", "surrogateescape"), work).encode("utf-8", "surrogateescape"))
    args = [substitute(a, work) for a in spec["args"]]
    rc, out = run_mdrun(args, work)
    return name, judge(name, rc, out, [substitute(e, work) for e in spec["expect"]], spec["status"])


def checkpoint_cases(tmp_root):
    """Damaged copies of a fresh checkpoint, restarted: each must be a clear error naming the file (and, where the
    damage is targeted, the section and what is wrong). Checkpoints carry a CRC32 per section (format 2), so any
    flipped byte is an error; edits re-encoded with correct CRCs (tests/integration/ckpt_format.py) reach the range
    checks behind them: a thermostat chain of 1000, a bool byte of 2, an atom count of 2^60."""
    sys.path.insert(0, HERE)
    import ckpt_format as cf
    base = os.path.join(CORPUS, "cases", "cli", "no_args")  # any case holding the good config + POSCAR
    work = os.path.join(tmp_root, "checkpoint_base")
    shutil.copytree(base, work)
    rc, out = run_mdrun(["config.toml", "--quiet"], work)
    ckpt = os.path.join(work, "out", "checkpoint.mdrun")
    if rc != 0 or not os.path.exists(ckpt):
        return [("checkpoint/base", f"checkpoint/base: the good config failed (exit {rc}):\n{out[-2000:]}")], []
    good = open(ckpt, "rb").read()
    rng = random.Random(20261202)
    variants = {"empty": b"", "one_byte": good[:1], "random_bytes": bytes(rng.randrange(256) for _ in range(len(good))),
                "random_small": bytes(rng.randrange(256) for _ in range(64)), "zeros": bytes(len(good)),
                "text": b"this is not a checkpoint\n" * 10, "magic_flipped": bytes([good[0] ^ 0xFF]) + good[1:]}
    variants = {k: (v, []) for k, v in variants.items()}
    for frac in (0.1, 0.25, 0.5, 0.75, 0.9, 0.99):
        variants[f"truncated_{int(frac * 100)}pct"] = (good[: int(len(good) * frac)], ["truncated"])
    variants["truncated_minus_1"] = (good[:-1], ["truncated"])
    variants["doubled"] = (good + good, ['after its "end" section'])
    for k in range(12):
        pos = rng.randrange(8, len(good))
        variants[f"flipped_byte_{pos}"] = (good[:pos] + bytes([good[pos] ^ (1 << rng.randrange(8))]) + good[pos + 1:], [])
    variants["version_1"] = (good[:24] + (1).to_bytes(4, "little") + good[28:], ["format version 1", "rerun"])
    # Edits of the replica section: made in each case's own directory from its own fresh checkpoint (the
    # checkpoint records the input paths, so another directory's would be refused before its state is read).
    def edit(fn, recrc):
        def make(data):
            header, sections = cf.split(data)
            k = [n for n, _ in sections].index("replica")
            rep = cf.Fields(sections[k][1])
            new = fn(rep)
            if not recrc:  # spliced in place: same length, the old CRC kept
                at = data.index(rep.p)
                return data[:at] + new + data[at + len(new):]
            secs = list(sections)
            secs[k] = ("replica", new)
            return cf.join(header, secs)
        return make

    shift = lambda rep: cf.patch(rep.p, rep.pos_at, "<d", struct.unpack_from("<d", rep.p, rep.pos_at)[0] + 0.5)
    chain = lambda rep: cf.patch(rep.p, rep.chain_at, "<i", 1000)
    variants["coordinate_shift_0.5A"] = (edit(shift, False), ["'replica'", "CRC32 mismatch"])
    variants["chain_1000_stale_crc"] = (edit(chain, False), ["'replica'", "CRC32 mismatch"])
    variants["chain_1000"] = (edit(chain, True), ["section 'replica' #1", "chain length 1000"])
    variants["tloop_huge"] = (edit(lambda rep: cf.patch(rep.p, rep.chain_at + 4, "<i", 2000000000), True),
                              ["section 'replica' #1", "tloop"])
    variants["bool_2"] = (edit(lambda rep: cf.patch(rep.p, rep.has_analysis_at, "<B", 2), True),
                          ["section 'replica' #1", "not 0 or 1"])
    # Values behind the CRCs that would reach the neighbour list (found by fuzz/fuzz_restore.cpp: a NaN
    # coordinate became a cell index, UB).
    variants["position_nan"] = (edit(lambda rep: cf.patch(rep.p, rep.pos_at, "<d", float("nan")), True),
                                ["section 'replica' #1", "position of atom 0 is not finite"])
    variants["position_1e300"] = (edit(lambda rep: cf.patch(rep.p, rep.pos_at + 16, "<d", 1e300), True),
                                  ["section 'replica' #1", "position of atom 0 is not finite or beyond"])
    variants["atoms_2e60"] = (edit(lambda rep: cf.patch(rep.p, rep.atoms_at, "<Q", 1 << 60), True),
                              ["section 'replica' #1", "atom count"])
    jobs = []
    for name, (data, expect) in variants.items():
        d = os.path.join(tmp_root, "checkpoint__" + name)
        shutil.copytree(base, d)
        if callable(data):
            rc, out = run_mdrun(["config.toml", "--quiet"], d)
            if rc != 0:
                return [(f"checkpoint/{name}", f"checkpoint/{name}: the good config failed (exit {rc}):\n{out[-2000:]}")], []
            data = data(open(os.path.join(d, "out", "checkpoint.mdrun"), "rb").read())
        path = os.path.join(d, "damaged.mdrun")
        with open(path, "wb") as f:
            f.write(data)
        jobs.append((f"checkpoint/{name}", d, expect))
    return [], jobs


def main():
    if not MDRUN:
        print("MDRUN_BIN not set (run through ctest): skipped")
        return 77
    cases_dir = os.path.join(CORPUS, "cases")
    # The committed corpus is what the generator writes (a stale corpus would test less than it claims).
    gen = subprocess.run([sys.executable, os.path.join(CORPUS, "make_cases.py"), "--list"], capture_output=True, text=True)
    listed = set(gen.stdout.split())
    case_dirs = sorted(os.path.join(r) for r, _, files in os.walk(cases_dir) if "case.json" in files)
    have = {os.path.relpath(d, cases_dir) for d in case_dirs}
    failures = []
    if gen.returncode != 0 or listed != have:
        failures.append(f"tests/corpus/cases differs from make_cases.py (rerun it): missing {sorted(listed - have)[:5]}, "
                        f"extra {sorted(have - listed)[:5]}")
    case_dirs = [d for d in case_dirs if FILTER in os.path.relpath(d, cases_dir)]
    counts = {}
    workers = max(2, os.cpu_count() or 2)
    with tempfile.TemporaryDirectory(prefix="mdrun_corpus_") as tmp:
        with concurrent.futures.ThreadPoolExecutor(workers) as pool:
            results = list(pool.map(lambda d: run_case(d, tmp), case_dirs))
            if not FILTER or FILTER in "checkpoint/":
                early, jobs = checkpoint_cases(tmp)
                results += early
                # The analysis state behind the CRCs (hop detector, CNA tracker), field by field.
                import ckpt_analysis_cases
                early, more = ckpt_analysis_cases.cases(tmp, SOURCE, run_mdrun)
                results += early
                jobs += more

                def run_ckpt(job):
                    name, d, expect, *steps = job
                    rc, out = run_mdrun(["config.toml", "--quiet", "--restart", "damaged.mdrun", "--steps",
                                         steps[0] if steps else "4"], d)
                    return name, judge(name, rc, out, ["damaged.mdrun"] + expect, "error")

                results += list(pool.map(run_ckpt, jobs))
    for name, why in results:
        group = name.split("/")[0]
        ok, total = counts.get(group, (0, 0))
        counts[group] = (ok + (0 if why else 1), total + 1)
        if why:
            failures.append(why)
    for group, (ok, total) in sorted(counts.items()):
        print(f"  {group:24s} {ok:4d} / {total:4d} clear errors")
    print(f"{sum(t for _, t in counts.values())} cases, {len(failures)} failures")
    for f in failures:
        print("FAIL:", f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
