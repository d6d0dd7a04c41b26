"""A temperature series of replicas writes arrhenius.json (analysis.md §4) in the top-level output directory;
control replicas with frozen atoms are left out of the series; every replica that enters is accounted for
(used or excluded with a reason), and the file is valid JSON with units."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
import run_helpers as h  # noqa: E402

h.require_env()

NACL = os.path.join(h.LAMMPS, "data", "nacl216_seed20240501.data")
MD = """ensemble = "nvt"
timestep_fs = 1.0
steps = 200
temperature_K = 600.0
velocities = "maxwell"
seed = 11

[[replica]]
name = "T600"
[[replica]]
name = "T800"
temperature_K = 800.0
[[replica]]
name = "T1000"
temperature_K = 1000.0
[[replica]]
name = "T1000_frozenCl"
temperature_K = 1000.0
freeze = ["Cl"]"""
OUT = "thermo_every = 50\ntrajectory_every = 0\ncheckpoint_every = 0"
ANALYSIS = """[analysis]
sample_every = 10
msd = { elements = ["Na"] }"""

d = h.tempdir()
try:
    h.run(d, h.nacl_config(NACL, MD, OUT, ANALYSIS))
    path = os.path.join(d, "out", "arrhenius.json")
    assert os.path.exists(path), os.listdir(os.path.join(d, "out"))
    with open(path) as f:
        doc = json.load(f)
    assert doc["units"]["Ea"] == "eV" and doc["units"]["D"] == "cm^2/s", doc["units"]
    na = [s for s in doc["species"] if s["species"] == "Na"]
    assert len(na) == 1, doc["species"]
    na = na[0]
    accounted = list(na["points"] and [p["replica"] for p in na["points"]]) + [e.split(":")[0] for e in na["excluded"]]
    assert sorted(accounted) == ["T1000", "T600", "T800"], accounted  # the frozen control is not in the series
    # 200 steps of solid NaCl: Na does not diffuse, so no fit is possible and the file says so (no number).
    assert na["status"] != "ok" and na["Ea_eV"] is None, na
    print("arrhenius.json:", na["status"], "excluded:", na["excluded"])
    print("1 passed, 0 failed")
finally:
    h.cleanup(d)
