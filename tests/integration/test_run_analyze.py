"""`mdrun analyze CHECKPOINT --out DIR` writes the same analysis results as the run itself wrote at that
checkpoint (byte for byte for the CSVs), for one replica and for several (one subdirectory each)."""
import filecmp
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
import run_helpers as h  # noqa: E402

h.require_env()

NACL = os.path.join(h.LAMMPS, "data", "nacl216_seed20240501.data")
MD = 'ensemble = "nvt"\ntimestep_fs = 2.0\nsteps = 100\ntemperature_K = 800.0\nvelocities = "maxwell"\nseed = 3'
ANALYSIS = """[analysis]
sample_every = 5
msd = { elements = ["Na", "Cl"] }
vacf = { elements = ["Na"], max_lag_fs = 50 }
"""
OUT = "thermo_every = 50\ntrajectory_every = 0\ncheckpoint_every = 0"

d = h.tempdir()
try:
    for label, md, reps in (("one replica", MD, [""]),
                            ("two replicas", MD + '\n[[replica]]\nname = "a"\n[[replica]]\nname = "b"\nfreeze = ["Cl"]',
                             ["a", "b"])):
        h.run(d, h.nacl_config(NACL, md, OUT, ANALYSIS))
        out = os.path.join(d, "out")
        again = os.path.join(d, "again")
        p = subprocess.run([h.MDRUN, "analyze", os.path.join(out, "checkpoint.mdrun"), "--out", again],
                           capture_output=True, text=True, timeout=300)
        assert p.returncode == 0, p.stderr
        for r in reps:
            a, b = os.path.join(out, r), os.path.join(again, r)
            csvs = sorted(n for n in os.listdir(a) if n.endswith(".csv") and n != "thermo.csv")
            assert "msd.csv" in csvs and "vacf.csv" in csvs, csvs
            for n in csvs:
                assert filecmp.cmp(os.path.join(a, n), os.path.join(b, n), shallow=False), (label, r, n)
            assert os.path.exists(os.path.join(b, "analysis.h5")) and os.path.exists(os.path.join(b, "summary.json"))
        print(f"{label}: {p.stdout.strip()}")
        h.cleanup(out)
        h.cleanup(again)
    # A checkpoint whose accumulators carry another [analysis] signature than its own config (its config
    # section rewritten, CRCs recomputed: tests/integration/ckpt_format.py): `analyze` must not write 0-sample
    # results over the run's own; with --out it writes them elsewhere.
    import ckpt_format as cf
    import struct
    h.run(d, h.nacl_config(NACL, MD, OUT, ANALYSIS))
    out = os.path.join(d, "out")
    ck = os.path.join(out, "checkpoint.mdrun")
    before = {n: open(os.path.join(out, n), "rb").read() for n in ("msd.csv", "vacf.csv", "summary.json")}
    header, sections = cf.split(open(ck, "rb").read())
    k = [n for n, _ in sections].index("config")
    p = sections[k][1]
    n = struct.unpack_from("<Q", p, 0)[0]
    path, text = p[8:8 + n], p[16 + n:].decode()
    text = text.replace("max_lag_fs = 50", "max_lag_fs = 40")
    assert "max_lag_fs = 40" in text
    sections[k] = ("config", struct.pack("<Q", len(path)) + path + struct.pack("<Q", len(text.encode())) + text.encode())
    other = os.path.join(d, "other.mdrun")
    with open(other, "wb") as f:
        f.write(cf.join(header, sections))
    p = subprocess.run([h.MDRUN, "analyze", other], capture_output=True, text=True, timeout=300)
    assert p.returncode == 1 and "another [analysis]" in p.stderr and "--out" in p.stderr, p.stderr
    for name, data in before.items():
        assert open(os.path.join(out, name), "rb").read() == data, f"{name} was overwritten"
    p = subprocess.run([h.MDRUN, "analyze", other, "--out", os.path.join(d, "elsewhere")], capture_output=True,
                       text=True, timeout=300)
    assert p.returncode == 0 and os.path.exists(os.path.join(d, "elsewhere", "summary.json")), p.stderr
    print("another [analysis] signature: refused into the run's directory, written with --out")
    p = subprocess.run([h.MDRUN, "analyze", os.path.join(d, "nope.mdrun")], capture_output=True, text=True)
    assert p.returncode == 1 and "nope.mdrun" in p.stderr, p.stderr
finally:
    h.cleanup(d)
print("OK")
