"""Hop-rotation correlation (docs/analysis.md, "Hop-rotation correlation"): mdrun's streaming statistic equals an
independent numpy/scipy computation on the same run's trajectory, and a restarted run gives the same files.

A short MTP run of NaAlCl4 (192 atoms, hot, with a deliberately small hop distance so that a few hundred steps
hold hops) writes its H5MD trajectory at every analysis sample. Offline, from the trajectory, hops.csv and
summary.json's settings only: polyanion groups (each Cl to its nearest Al at step 0); for every hop, s_hop =
round(t_mid / dt_s) (halfway up), the Al within r_shell of the hopping Na at s_hop (minimum image), and dtheta =
mean over the group's bonds of arccos(u(s_hop - d) . u(s_hop + d)). The baseline window centres are read from
hop_rotation.csv (they are mdrun's seeded draws) and their dtheta recomputed. Then U and p from
scipy.stats.mannwhitneyu(alternative="greater"). Everything must agree to 1e-9.
"""
import filecmp
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np

MDRUN = os.environ.get("MDRUN_BIN")
DATA = os.environ.get("MDRUN_TEST_DATA") or os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data")
TOL = 1e-9


def skip(msg):
    print("skipped:", msg)
    sys.exit(77)


if not MDRUN or not os.path.exists(MDRUN):
    skip("MDRUN_BIN not set")
try:
    import h5py
    from scipy.stats import mannwhitneyu
except ImportError:
    skip("h5py or scipy missing")
MTP_DIR = os.path.join(DATA, "mtp", "NaAlCl4_tensornet_lev08")
if not os.path.exists(os.path.join(MTP_DIR, "pot.mtp")):
    sys.exit(f"reference data missing: {MTP_DIR}")

SAMPLE = 5
STEPS = 1000


def config(outdir):
    return f"""[structure]
file = "{MTP_DIR}/supercell_b6167.cfg"
format = "cfg"
elements = ["Na", "Al", "Cl"]
replicate = [2, 1, 2]

[potential]
kind = "mtp"
file = "{MTP_DIR}/pot.mtp"
elements = ["Na", "Al", "Cl"]

[md]
ensemble = "nvt"
timestep_fs = 1.0
steps = {STEPS}
temperature_K = 700.0
tdamp_fs = 100.0
velocities = "maxwell"
seed = 5

[output]
directory = "{outdir}"
thermo_every = 100
trajectory_every = {SAMPLE}
trajectory_format = "h5md"
checkpoint_every = 500

[analysis]
sample_every = {SAMPLE}
hops = {{ elements = ["Na"], a_A = 0.25, window_ps = 0.02, ta_ps = 0.08, tau_v_ps = 0.01 }}
hop_rotation = {{ centers = ["Al"], half_window_ps = 0.05, max_hop_duration_ps = 0.3, baseline_per_hop = 3, seed = 9 }}
"""


def run(workdir, text, *args):
    path = os.path.join(workdir, "config.toml")
    with open(path, "w") as f:
        f.write(text)
    env = dict(os.environ, OMP_NUM_THREADS="1")
    p = subprocess.run([MDRUN, path, "--quiet", *args], capture_output=True, text=True, timeout=900, env=env)
    if p.returncode != 0:
        print(p.stdout, p.stderr)
        raise SystemExit(f"mdrun failed ({p.returncode})")


def read_csv(path):
    rows = [l.rstrip("\n") for l in open(path) if not l.startswith("#")]
    header = rows[0].split(",")
    cols = {h: [] for h in header}
    for r in rows[1:]:
        for h, v in zip(header, r.split(",")):
            cols[h].append(v)
    return cols


def mic(d, h):
    s = d @ np.linalg.inv(h)
    s -= np.rint(s)
    return s @ h


def check(outdir):
    summary = json.load(open(os.path.join(outdir, "summary.json")))
    hr = summary["hop_rotation"]
    with h5py.File(os.path.join(outdir, "trajectory.h5md"), "r") as f:
        pos = f["particles/all/position/value"][()]
        box = f["particles/all/box/edges/value"][()]
        species = f["particles/all/species"][()]
    nframes = len(pos)
    assert nframes == STEPS // SAMPLE + 1, nframes
    dts = SAMPLE * 1e-3
    d = int(round(hr["half_window_ps"] / dts))
    rs = hr["r_shell_A"]["Al"]
    al = np.where(species == 1)[0]
    cl = np.where(species == 2)[0]
    owner = np.array([al[np.argmin(np.linalg.norm(mic(pos[0][c] - pos[0][al], box[0]), axis=1))] for c in cl])

    def units(t, c):
        v = mic(pos[t][cl[owner == c]] - pos[t][c], box[t])
        return v / np.linalg.norm(v, axis=1)[:, None]

    def dtheta(c, s):
        cos = np.sum(units(s - d, c) * units(s + d, c), axis=1)
        return float(np.mean(np.arccos(np.clip(cos, -1.0, 1.0))))

    hops = read_csv(os.path.join(outdir, "hops.csv"))
    got = read_csv(os.path.join(outdir, "hop_rotation.csv"))
    mine = {}
    for g, ion, cid, t, th in zip(got["group"], got["ion_id"], got["centre_id"], got["t_centre_ps"], got["dtheta_rad"]):
        if g == "hop":
            mine.setdefault((int(ion), round(float(t) / dts)), {})[int(cid)] = float(th)
    counts = hr["hops"]
    assert counts["detected"] == len(hops["atom_id"]), counts
    # Runs still open at the end are closed at the last evaluated time: they share the largest t_end.
    t_end = [float(t) for t in hops["t_end_ps"]]
    is_open = [counts["open_at_end"] > 0 and abs(t - max(t_end)) < 1e-9 for t in t_end]
    assert sum(is_open) == counts["open_at_end"], (is_open, counts)
    ref_hop, outside, alone = [], 0, 0
    for ion, tm, op in zip(hops["atom_id"], hops["t_mid_ps"], is_open):
        if op:
            continue
        s_hop = (int(round(2 * float(tm) / dts)) + 1) // 2
        if s_hop - d < 0 or s_hop + d > nframes - 1:
            outside += 1
            continue
        na = int(ion) - 1
        assert species[na] == 0
        near = [c for c in al if np.linalg.norm(mic(pos[s_hop][c] - pos[s_hop][na], box[s_hop])) < rs]
        key = (int(ion), s_hop)
        if not near:
            alone += 1
            assert key not in mine, key
            continue
        assert key in mine, (key, sorted(mine))
        assert sorted(mine[key]) == sorted(int(c) + 1 for c in near), (key, sorted(mine[key]), near)
        for c in near:
            ref = dtheta(c, s_hop)
            assert abs(mine[key][int(c) + 1] - ref) <= TOL * max(1.0, ref), (key, c, mine[key][int(c) + 1], ref)
            ref_hop.append(ref)
    assert counts["longer_than_max_hop_duration"] == 0, counts
    assert alone == counts["no_neighbour"], (alone, counts)
    assert outside == counts["window_before_start"] + counts["window_past_end"], (outside, counts)
    ref_base = []
    for g, cid, t, th in zip(got["group"], got["centre_id"], got["t_centre_ps"], got["dtheta_rad"]):
        if g != "baseline":
            continue
        s = int(round(float(t) / dts))
        assert d <= s <= nframes - 1 - d, s
        ref = dtheta(int(cid) - 1, s)
        assert abs(float(th) - ref) <= TOL * max(1.0, ref), (cid, s, th, ref)
        ref_base.append(ref)
    assert len(ref_base) == hr["n_baseline_samples"] == counts["used"] * 3 * len(al), (len(ref_base), hr)
    assert len(ref_hop) == hr["n_hop_samples"] and len(ref_hop) >= 20, (len(ref_hop), hr)
    method = "exact" if hr["p_method"] == "exact" else "asymptotic"
    ref = mannwhitneyu(ref_hop, ref_base, alternative="greater", method=method, use_continuity=True)
    for what, a, b in (("U", hr["U"], ref.statistic), ("p", hr["p_value"], ref.pvalue),
                       ("mean hop", hr["mean_hop_deg"], math.degrees(np.mean(ref_hop))),
                       ("mean baseline", hr["mean_baseline_deg"], math.degrees(np.mean(ref_base)))):
        assert abs(a - b) <= TOL * max(abs(b), 1e-12), (what, a, b)
    with h5py.File(os.path.join(outdir, "analysis.h5"), "r") as f:
        g = f["hop_rotation"]
        assert np.allclose(np.sort(g["dtheta_hop"][()]), np.sort(ref_hop), rtol=TOL, atol=0)
        assert g["dtheta_baseline"].shape[0] == len(ref_base) and g.attrs["p_value"] == hr["p_value"]
    print(f"  {hr['n_hops']} hops ({counts}), {len(ref_hop)} hop / {len(ref_base)} baseline samples equal numpy; "
          f"means {hr['mean_hop_deg']:.3f} vs {hr['mean_baseline_deg']:.3f} deg, U = {hr['U']}, p = {hr['p_value']:.4g} "
          f"(scipy {ref.pvalue:.4g})")
    return hr


def main():
    work = tempfile.mkdtemp(prefix="mdrun_hoprot_")
    try:
        full = os.path.join(work, "full")
        os.makedirs(full)
        run(full, config(os.path.join(full, "out")))
        hr = check(os.path.join(full, "out"))
        # Restart identity: stop at the checkpoint of step 500, continue to the end.
        part = os.path.join(work, "part")
        os.makedirs(part)
        out = os.path.join(part, "out")
        run(part, config(out), "--steps", "500")
        run(part, config(out), "--restart", os.path.join(out, "checkpoint.mdrun"))
        assert filecmp.cmp(os.path.join(out, "hop_rotation.csv"), os.path.join(full, "out", "hop_rotation.csv"),
                           shallow=False), "hop_rotation.csv differs after a restart"
        assert json.load(open(os.path.join(out, "summary.json")))["hop_rotation"] == hr
        print("  restart at step 500: hop_rotation.csv and summary identical to the uninterrupted run")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("OK")


if __name__ == "__main__":
    main()
