"""summary.json carries what a citable number needs (issue 10): the D estimator and confidence level, the
Nernst-Einstein / Haven-ratio statement, the provenance (mdrun version, k_B, potential file and its SHA-256,
thermostat and parameters, seed, atoms per species, measured mean temperature, fit window rule, start_ps), and
[analysis].start_ps discards the equilibration from every accumulator (first sampled step, sample count)."""
import hashlib
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
import run_helpers as h  # noqa: E402

h.require_env()
MTP_DIR = os.path.join(h.DATA, "mtp", "NaAlCl4_tensornet_lev08")
assert os.path.exists(os.path.join(MTP_DIR, "pot.mtp")), MTP_DIR

CONFIG = f"""[structure]
file = "{MTP_DIR}/supercell_b6167.cfg"
format = "cfg"
elements = ["Na", "Al", "Cl"]

[potential]
kind = "mtp"
file = "{MTP_DIR}/pot.mtp"
elements = ["Na", "Al", "Cl"]

[md]
ensemble = "nvt"
timestep_fs = 1.0
steps = 60
temperature_K = 400.0
tdamp_fs = 50.0
velocities = "maxwell"
seed = 4242

[output]
directory = "out"
thermo_every = 10
trajectory_every = 0
checkpoint_every = 0

[analysis]
sample_every = 5
start_ps = 0.02
msd = {{ elements = ["Na"] }}
vacf = {{ elements = ["Na"], max_lag_fs = 20 }}
"""

d = h.tempdir()
try:
    h.run(d, CONFIG)
    with open(os.path.join(d, "out", "summary.json")) as f:
        doc = json.load(f)
    run, prov = doc["run"], doc["provenance"]
    # start_ps = 20 fs: the first sample is step 20, then every 5 steps to 60.
    assert run["start_ps"] == 0.02 and run["start_step"] == 20 and run["first_step"] == 20, run
    assert run["samples"] == 9, run
    # Thermo every 10 steps: steps 20 .. 60 enter the mean temperature.
    assert run["temperature_samples"] == 5 and 100 < run["mean_temperature_K"] < 1000, run
    assert run["atoms_per_species"]["Na"] > 0 and set(run["atoms_per_species"]) == {"Na", "Al", "Cl"}, run
    with open(os.path.join(MTP_DIR, "pot.mtp"), "rb") as f:
        sha = hashlib.sha256(f.read()).hexdigest()
    assert prov["potential"]["sha256"] == sha and prov["potential"]["kind"] == "mtp", prov
    assert prov["thermostat"]["tdamp_fs"] == 50.0 and prov["thermostat"]["temperature_K"] == 400.0, prov
    assert prov["seed"] == 4242 and prov["k_B_eV_K"] == 8.617343e-5 and prov["mdrun_version"], prov
    na = [x for x in doc["diffusion"] if x["species"] == "Na"][0]
    assert "kinisi" in na["estimator"] and na["confidence_level"] == 0.95, na
    assert "Haven ratio 1" in na["conductivity_estimator"], na
    assert "sigma_D_regression_cm2_s" not in na  # the unit-dependent error is gone
    # 60 fs is far too short for D: a status and how long the run would have to be, never a number.
    assert na["status"] == "insufficient" and na["D_cm2_s"] is None, na
    assert na["green_kubo"]["status"] in ("plateau", "insufficient"), na["green_kubo"]
    # The thermo temperatures agree with the mean reported.
    with open(os.path.join(d, "out", "thermo.csv")) as f:
        rows = [l.strip().split(",") for l in f if l.strip() and not l.startswith("#")]
    head = rows[0]
    it, iT = head.index("step"), [k for k, c in enumerate(head) if c.startswith("temp")][0]
    Ts = [float(r[iT]) for r in rows[1:] if int(float(r[it])) >= 20]
    assert abs(sum(Ts) / len(Ts) - run["mean_temperature_K"]) < 1e-6 * run["mean_temperature_K"], (Ts, run)
    # msd.csv marks the fit window and carries the origins; vacf.csv the Green-Kubo running integral.
    with open(os.path.join(d, "out", "msd.csv")) as f:
        hdr = [l for l in f if not l.startswith("#")][0].strip().split(",")
    assert "in_fit_window" in hdr and "origins" in hdr, hdr
    with open(os.path.join(d, "out", "vacf.csv")) as f:
        hdr = [l for l in f if not l.startswith("#")][0].strip().split(",")
    assert "D_running_cm2_s" in hdr and "origins" in hdr, hdr
    print("provenance:", json.dumps(prov)[:300])
finally:
    h.cleanup(d)
print("OK")
