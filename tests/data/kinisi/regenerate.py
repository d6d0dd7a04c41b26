#!/usr/bin/env python3
"""Regenerates kinisi_reference.csv: kinisi's diffusion coefficient and 95 % credible interval for three
synthetic trajectories that tests/unit/test_analysis_kinisi.cpp regenerates bit for bit (same generator,
same seeds) and feeds through mdrun's streaming analysis.

Run it in a virtual environment made from Debian's Python with kinisi from PyPI:
    /usr/bin/python3 -m venv --system-site-packages /tmp/kvenv
    /tmp/kvenv/bin/pip install kinisi h5py     # h5py: the Debian one is built against an older numpy
    /tmp/kvenv/bin/python tests/data/kinisi/regenerate.py
The generator below must stay identical to the one in the C++ test (splitmix64 + Box-Muller, fixed draw order).
"""
import datetime
import json
import math
import os
import sys

import numpy as np

MASK = (1 << 64) - 1


class SplitMix64:
    def __init__(self, seed):
        self.s = seed & MASK

    def next(self):
        self.s = (self.s + 0x9E3779B97F4A7C15) & MASK
        z = self.s
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)

    def uniform(self):  # [0, 1)
        return (self.next() >> 11) * (1.0 / 9007199254740992.0)

    def normal(self):  # one Box-Muller variate per two uniforms (cos branch only)
        u1 = 1.0 - self.uniform()
        u2 = self.uniform()
        return math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2)


# Shared with the C++ test: box, counts, sampling interval and the three cases.
L = 40.0
N_NA, N_FW, FRAMES, DT_PS = 24, 8, 4000, 0.1
CASES = [
    # name, kind, seed, walk sigma per axis per frame (Å), vibration sigma (Å), hop length (Å), hop probability
    dict(name="gaussian_walk", kind=0, seed=1001, sigma=0.1, vib=0.0, hop=0.0, p=0.0),
    dict(name="walk_plus_vibration", kind=1, seed=2002, sigma=0.1, vib=0.3, hop=0.0, p=0.0),
    dict(name="lattice_hops_plus_vibration", kind=2, seed=3003, sigma=0.0, vib=0.3, hop=2.5, p=0.0048),
]


def initial_positions():
    na = [((i % 4) * 10.0 + 2.5, ((i // 4) % 3) * 13.0 + 3.0, (i // 12) * 20.0 + 4.0) for i in range(N_NA)]
    fw = [((k % 2) * 20.0 + 7.5, ((k // 2) % 2) * 20.0 + 7.5, (k // 4) * 20.0 + 12.5) for k in range(N_FW)]
    return np.array(na), np.array(fw)


def trajectory(case):
    """positions[frame, atom, xyz] for the Na atoms (framework atoms never move)."""
    rng = SplitMix64(case["seed"])
    na0, _ = initial_positions()
    site = na0.copy()
    out = np.empty((FRAMES, N_NA, 3))
    for f in range(FRAMES):
        for i in range(N_NA):
            if f > 0:
                if case["kind"] in (0, 1):
                    for a in range(3):
                        site[i, a] += case["sigma"] * rng.normal()
                else:
                    u, ax, sg = rng.uniform(), rng.uniform(), rng.uniform()
                    if u < case["p"]:
                        site[i, min(2, int(3.0 * ax))] += case["hop"] if sg < 0.5 else -case["hop"]
            for a in range(3):
                v = case["vib"] * rng.normal() if case["kind"] in (1, 2) else 0.0
                out[f, i, a] = site[i, a] + v
    return out


def e1_lags(frames, block=16, ratio=2):
    """The lags (in samples) of mdrun's multi-level MSD engine with default block/ratio."""
    lags = set(range(1, block))
    k = 1
    while ratio ** k * ((block + ratio - 1) // ratio) < frames:
        for j in range((block + ratio - 1) // ratio, block):
            if j * ratio ** k < frames:
                lags.add(j * ratio ** k)
        k += 1
    return sorted(lags)


def all_origin_tmsd(pos, lag):
    d = pos[lag:] - pos[:-lag]
    return float(np.mean(np.sum(d * d, axis=-1)))


def main():
    import ase
    import kinisi
    import scipp as sc
    from kinisi.analyze import DiffusionAnalyzer

    here = os.path.dirname(os.path.abspath(__file__))
    na0, fw = initial_positions()
    results = []
    for case in CASES:
        pos = trajectory(case)
        lags = [l for l in e1_lags(FRAMES) if l < FRAMES - 1] + [FRAMES - 1]
        # mdrun's fit window starts at the first lag with TMSD >= 4.5 Å^2 and tau >= 1 ps (He/Mo rule).
        start = next(l for l in lags if all_origin_tmsd(pos, l) >= 4.5 and l * DT_PS >= 1.0 - 1e-9)
        frames = []
        for f in range(FRAMES):
            atoms = ase.Atoms(["Na"] * N_NA + ["Cl"] * N_FW, positions=np.vstack([pos[f], fw]),
                              cell=[L, L, L], pbc=True)
            frames.append(atoms)
        dt = sc.array(dims=["time interval"], values=np.array(lags, dtype=float) * DT_PS, unit="ps")
        diff = DiffusionAnalyzer.from_ase(frames, specie="Na", time_step=sc.scalar(DT_PS, unit="ps"),
                                          step_skip=sc.scalar(1, unit=sc.units.dimensionless), dt=dt,
                                          progress=False)
        diff.diffusion(sc.scalar(start * DT_PS, unit="ps"), progress=False,
                       random_state=np.random.RandomState(case["seed"]))
        D = diff.D.values  # samples, cm^2/s
        lo, med, hi = np.percentile(D, [2.5, 50, 97.5])
        row = dict(name=case["name"], seed=case["seed"], start_dt_ps=start * DT_PS, lags=len(lags),
                   D_median_cm2_s=float(med), D_lo95_cm2_s=float(lo), D_hi95_cm2_s=float(hi),
                   D_mean_cm2_s=float(np.mean(D)), D_sd_cm2_s=float(np.std(D, ddof=1)), samples=int(D.size))
        print(json.dumps(row), flush=True)
        results.append(row)
    cols = ["name", "seed", "start_dt_ps", "lags", "D_median_cm2_s", "D_lo95_cm2_s", "D_hi95_cm2_s",
            "D_mean_cm2_s", "D_sd_cm2_s", "samples"]
    with open(os.path.join(here, "kinisi_reference.csv"), "w") as fh:
        fh.write("# kinisi %s, made %s UTC by tests/data/kinisi/regenerate.py\n" % (
            kinisi.__version__, datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")))
        fh.write("# %d Na + %d static Cl in a %.0f A cube, %d frames every %.2f ps; kinisi DiffusionAnalyzer.from_ase,\n"
                 "# dt = mdrun's E1 lags (block 16, ratio 2) plus the full run, diffusion(start_dt) with the default\n"
                 "# Bayesian regression (emcee, 32 walkers x 1000 samples); D percentiles 2.5/50/97.5 of the samples\n"
                 % (N_NA, N_FW, L, FRAMES, DT_PS))
        fh.write(",".join(cols) + "\n")
        for r in results:
            fh.write(",".join(repr(r[c]) if isinstance(r[c], float) else str(r[c]) for c in cols) + "\n")

if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--dump":  # print the first positions (generator cross-check)
        p = trajectory(CASES[int(sys.argv[2])])
        for f in (1, 2, FRAMES - 1):
            print(f, repr(p[f, 0, 0]), repr(p[f, N_NA - 1, 2]))
    else:
        main()
