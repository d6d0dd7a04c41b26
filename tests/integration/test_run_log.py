"""run.log and resolved.toml of `mdrun config.toml`:
  * round trip: the "resolved configuration" block of run.log is valid TOML (checked with Python's own
    parser, tomllib), equal to resolved.toml, and `mdrun resolved.toml` repeats the run (an MTP run with
    [analysis] inline tables and a born/coul/dsf run with arrays of tables): thermo.csv, final.extxyz and
    the analysis CSVs are byte-identical;
  * run.log states the element -> MTP type map and the potential energy per atom at step 0, which exposes a
    wrong [potential].elements order;
  * run.log is written as the run goes: a checkpoint line is in the file while the run is still going."""
import os
import shutil
import signal
import subprocess
import sys
import time
import tomllib

sys.path.insert(0, os.path.dirname(__file__))
import run_helpers as h  # noqa: E402

h.require_env()

MTP_DIR = os.path.join(h.DATA, "mtp", "NaAlCl4_tensornet_lev08")
NACL = os.path.join(h.LAMMPS, "data", "nacl216_seed20240501.data")


def mtp_config(elements='["Na", "Al", "Cl"]', steps=60, extra_output=""):
    return f"""[structure]
file = "{MTP_DIR}/supercell_b6167.cfg"
format = "cfg"
elements = ["Na", "Al", "Cl"]

[potential]
kind = "mtp"
file = "{MTP_DIR}/pot.mtp"
elements = {elements}

[md]
ensemble = "nvt"
timestep_fs = 1.0
steps = {steps}
temperature_K = 300.0
velocities = "maxwell"
seed = 7

[output]
directory = "out"
thermo_every = 10
trajectory_every = 0
checkpoint_every = 30
{extra_output}

[analysis]
sample_every = 5
msd = {{ elements = ["Na"] }}
vacf = {{ elements = ["Na"], max_lag_fs = 20 }}
reorientation = {{ centers = ["Al"], ligands = ["Cl"] }}
"""


def resolved_block(log_text):
    """The text between '== resolved configuration ==' and the next section."""
    start = log_text.index("== resolved configuration ==\n") + len("== resolved configuration ==\n")
    end = log_text.index("\n== ", start)
    return log_text[start:end]


def outputs(directory):
    names = ["thermo.csv", "final.extxyz", "msd.csv", "vacf.csv", "reorientation.csv"]
    return {n: open(os.path.join(directory, n), "rb").read() for n in names if os.path.exists(os.path.join(directory, n))}


def round_trip(d, cfg_text):
    h.run(d, cfg_text)
    out = os.path.join(d, "out")
    log = open(os.path.join(out, "run.log")).read()
    block = resolved_block(log)
    parsed = tomllib.loads(block)  # an independent TOML parser accepts it
    assert parsed["output"]["directory"] == out, parsed["output"]
    resolved_file = open(os.path.join(out, "resolved.toml")).read()
    assert block.strip() == resolved_file.strip(), "run.log block and resolved.toml differ"
    first = outputs(out)
    assert "thermo.csv" in first and "final.extxyz" in first, first.keys()
    # Re-run from the resolved file alone (its output directory is the same absolute path).
    saved = os.path.join(d, "first")
    shutil.move(out, saved)
    os.makedirs(os.path.join(d, "elsewhere"), exist_ok=True)
    copy = os.path.join(d, "elsewhere", "resolved.toml")
    shutil.copy(os.path.join(saved, "resolved.toml"), copy)
    p = subprocess.run([h.MDRUN, copy, "--quiet"], capture_output=True, text=True, timeout=600,
                       env=dict(os.environ, OMP_NUM_THREADS="1"))
    assert p.returncode == 0, p.stderr
    second = outputs(out)
    assert first.keys() == second.keys(), (first.keys(), second.keys())
    for name in first:
        assert first[name] == second[name], f"{name} differs between the run and `mdrun resolved.toml`"
    print(f"  round trip: {sorted(first)} identical")
    shutil.rmtree(out)
    shutil.rmtree(saved)
    return log, parsed


d = h.tempdir()
try:
    print("MTP run with [analysis]:")
    log, parsed = round_trip(d, mtp_config())
    assert parsed["analysis"]["vacf"]["max_lag_fs"] == 20, parsed["analysis"]
    assert parsed["potential"]["file"] == os.path.join(MTP_DIR, "pot.mtp"), parsed["potential"]
    assert "element -> MTP type: Na -> 0, Al -> 1, Cl -> 2" in log, log
    right = [l for l in log.splitlines() if "potential energy at step 0" in l]
    assert len(right) == 1, right
    e_right = float(right[0].split(" eV = ")[1].split(" eV/atom")[0])
    assert -4.5 < e_right < -3.0, right  # TensorNet-fitted NaAlCl4: about -3.7 eV/atom
    assert "waiting: " in log and "checkpoint at step 30 (" in log and "checkpoint at step 60 (" in log, log
    print(f"  run.log: type map, E(step 0) = {e_right} eV/atom, checkpoints")

    print("born/coul/dsf run (arrays of tables in [potential]):")
    md = 'ensemble = "nvt"\ntimestep_fs = 1.0\nsteps = 40\ntemperature_K = 600.0\nvelocities = "file"\nfreeze = ["Cl"]'
    log, parsed = round_trip(d, h.nacl_config(NACL, md, "thermo_every = 10\ntrajectory_every = 0\ncheckpoint_every = 0"))
    assert len(parsed["potential"]["pairs"]) == 3, parsed["potential"]
    assert "element -> MTP type" not in log

    print("wrong [potential].elements order:")
    h.run(d, mtp_config(elements='["Cl", "Al", "Na"]', steps=0).replace('velocities = "maxwell"', 'velocities = "maxwell"\nstop_on_close_pairs = false'), expect_ok=False)
    log = open(os.path.join(d, "out", "run.log")).read()
    assert "element -> MTP type: Na -> 2, Al -> 1, Cl -> 0" in log, log
    wrong = [l for l in log.splitlines() if "potential energy at step 0" in l]
    assert wrong, log
    e_wrong = float(wrong[0].split(" eV = ")[1].split(" eV/atom")[0])
    assert abs(e_wrong - e_right) > 0.5, (e_wrong, e_right)
    print(f"  E(step 0) = {e_wrong} eV/atom instead of {e_right}: visible in run.log")
    shutil.rmtree(os.path.join(d, "out"))

    print("run.log while the run goes:")
    cfg = os.path.join(d, "long.toml")
    open(cfg, "w").write(mtp_config(steps=10_000_000).replace("checkpoint_every = 30", "checkpoint_every = 20"))
    proc = subprocess.Popen([h.MDRUN, cfg, "--quiet"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            env=dict(os.environ, OMP_NUM_THREADS="1"))
    path = os.path.join(d, "out", "run.log")
    seen = False
    deadline = time.time() + 300
    while time.time() < deadline and proc.poll() is None:
        if os.path.exists(path) and "checkpoint at step 40 (" in open(path).read():
            seen = True
            break
        time.sleep(0.2)
    running = proc.poll() is None
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=120)
    assert seen and running, f"checkpoint line not in run.log while running (seen={seen}, running={running}): {proc.stderr.read()}"
    print("  checkpoint lines appear in run.log during the run")
finally:
    h.cleanup(d)
