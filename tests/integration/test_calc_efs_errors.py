"""`mdrun calc-efs` on bad input: every error exits with status 1 and a message naming the file (and line)
and what was expected; no crash, no output file left behind."""
import os
import subprocess
import sys
import tempfile


def run(mdrun, args):
    return subprocess.run([mdrun, "calc-efs"] + args, capture_output=True, text=True)


def main():
    mdrun = os.environ.get("MDRUN_BIN")
    data = os.environ.get("MDRUN_TEST_DATA") or os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data")
    folder = os.path.join(data, "mtp", "NaO_lev16")
    if not mdrun:
        print("MDRUN_BIN not set (run through ctest): skipped")
        return 77
    if not os.path.isdir(folder):
        print(f"reference data missing: {folder}")
        return 1
    pot, cfg = os.path.join(folder, "pot.mtp"), os.path.join(folder, "input.cfg")
    fails = []
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "out.cfg")
        text = open(cfg).read()

        def expect(args, *needles, status=1):
            p = run(mdrun, args)
            msg = p.stderr
            if p.returncode != status:
                fails.append(f"{args}: exit {p.returncode}, expected {status}; stderr: {msg}")
            for n in needles:
                if n not in msg:
                    fails.append(f"{args}: message {msg!r} lacks {n!r}")
            if os.path.exists(out):
                fails.append(f"{args}: output file written despite the error")
                os.remove(out)

        # Usage errors exit with status 2, input errors with 1.
        expect([pot, cfg], "expected 3 file arguments", status=2)
        expect([pot, cfg, out, "--bogus"], "unknown option '--bogus'", status=2)
        expect([pot, cfg, out, "--site-energie"], "did you mean '--site-energies'", status=2)
        expect([os.path.join(tmp, "missing.mtp"), cfg, out], "missing.mtp", "cannot open")
        expect([pot, os.path.join(tmp, "missing.cfg"), out], "missing.cfg", "cannot open")
        # An atom type beyond the potential's species ("too few species" in the potential).
        bad = os.path.join(tmp, "type2.cfg")
        open(bad, "w").write(text.replace("\n    1 1  0.0", "\n    1 2  0.0", 1))
        expect([pot, bad, out], "type2.cfg", "has type 2 but the potential has only 2 species")
        # A malformed number, with its line.
        bad = os.path.join(tmp, "num.cfg")
        open(bad, "w").write(text.replace("1.3875000000000000e+00", "1.38x5e+00", 1))
        expect([pot, bad, out], "num.cfg:10:", "expected a number")
        # A truncated potential.
        badpot = os.path.join(tmp, "cut.mtp")
        open(badpot, "w").write(open(pot).read()[:5000])
        expect([badpot, cfg, out], "cut.mtp:", "expected")
        # Unknown radial basis.
        open(badpot, "w").write(open(pot).read().replace("RBChebyshev", "RBFoo"))
        expect([badpot, cfg, out], "cut.mtp:7:", "unknown radial basis 'RBFoo'")
        # And the good case writes the file.
        p = run(mdrun, [pot, cfg, out])
        if p.returncode != 0 or not os.path.exists(out):
            fails.append(f"good input failed: {p.stderr}")
    for f in fails:
        print("FAIL:", f)
    print(f"{len(fails)} failures")
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
