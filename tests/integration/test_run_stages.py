"""Staged protocol through `mdrun config.toml` (docs/npt.md): NPT 300 steps then NVT 300 steps in the mean
cell of the last 0.1 ps, MSD only in the NVT stage, on the 216-atom NaCl reference system.
Checks: the stage column and the run.log markers; the NVT stage runs at a fixed cell equal to the mean of the
NPT cell over its last 100 steps (recomputed here from a thermo.csv written every step); the first analysis
sample is the first step of the NVT stage; a run interrupted in stage 1, at the boundary or in stage 2 and
continued with --restart writes the same thermo.csv and msd.csv byte for byte; bad stage tables are refused.
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run_helpers import LAMMPS, cleanup, nacl_config, read_thermo, require_env, run, tempdir  # noqa: E402

MD = """temperature_K = 900.0
velocities = "file"
neighbor_skin = 2.0
pressure_bar = 1.0
pdamp_fs = 200.0

[[stage]]
name = "equilibrate"
ensemble = "npt"
steps = 300
analysis = false

[[stage]]
name = "production"
ensemble = "nvt"
steps = 300
cell = "mean"
cell_mean_ps = 0.1
"""


def main():
    require_env()
    data = os.path.join(LAMMPS, "data", "nacl216_seed20240501.data")
    d = tempdir()
    try:
        cfg = nacl_config(data, MD, output="thermo_every = 1\ntrajectory_every = 0\ncheckpoint_every = 1000",
                          extra='[analysis]\nsample_every = 10\nmsd = { elements = ["Na"] }\n')
        run(d, cfg)
        out = os.path.join(d, "out")
        header, th = read_thermo(os.path.join(out, "thermo.csv"))
        col = {h: i for i, h in enumerate(header)}
        assert header[-1] == "stage", header
        assert "volume_A3" in col and "lx_A" in col, header
        stage = th[:, col["stage"]]
        steps = th[:, col["step"]]
        assert np.all(stage[steps <= 300] == 1) and np.all(stage[steps > 300] == 2), "stage column"
        # Mean NPT cell over steps 201..300 (the last 0.1 ps) = the fixed NVT cell.
        sel = (steps > 200) & (steps <= 300)
        for k in ("lx_A", "ly_A", "lz_A"):
            mean = th[sel, col[k]].mean()
            nvt = th[steps > 300, col[k]]
            assert np.all(nvt == nvt[0]), f"{k} changes in the NVT stage"
            assert abs(nvt[0] - mean) < 1e-12 * mean, (k, nvt[0], mean)
        assert np.ptp(th[steps <= 300, col["volume_A3"]]) > 1.0, "the NPT stage did not change the volume"
        log = open(os.path.join(out, "run.log")).read()
        assert "== staged protocol ==" in log and "stage 2 'production' begins after step 300" in log, log
        assert "atoms scaled into the mean cell" in log
        msd = open(os.path.join(out, "msd.csv")).read()
        with open(os.path.join(out, "summary.json")) as f:
            summary = f.read()
        assert '"t_run_ps"' in summary
        full_thermo = open(os.path.join(out, "thermo.csv")).read()
        # Interrupted in stage 1, at the boundary, in stage 2; then continued.
        for cut in (150, 300, 420):
            e = tempdir()
            try:
                run(e, cfg, "--steps", str(cut))
                run(e, cfg, "--restart", os.path.join(e, "out", "checkpoint.mdrun"))
                assert open(os.path.join(e, "out", "thermo.csv")).read() == full_thermo, f"thermo after restart at {cut}"
                assert open(os.path.join(e, "out", "msd.csv")).read() == msd, f"msd after restart at {cut}"
            finally:
                cleanup(e)
        # Refused: cell = "mean" in the first stage, analysed stages with a gap, [md].steps contradicting.
        bad = [
            (MD.replace('name = "equilibrate"', 'name = "equilibrate"\ncell = "mean"'), "needs a previous stage"),
            (MD + '\n[[stage]]\nsteps = 10\nanalysis = false\n[[stage]]\nsteps = 10\n', "must be consecutive"),
            ("steps = 5\n" + MD, "differs from the sum"),
            (MD.replace("cell_mean_ps = 0.1", "cell_mean_ps = 0.1\ntimestep_fs = 2.0"), "timestep_fs"),
        ]
        for text, why in bad:
            p = run(d, nacl_config(data, text), expect_ok=False, name="bad.toml")
            assert p.returncode != 0 and why in p.stderr, (why, p.stderr)
        print("stages: ok")
    finally:
        cleanup(d)


if __name__ == "__main__":
    main()
