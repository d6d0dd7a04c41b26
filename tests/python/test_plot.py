"""Figures: `mdrun plot RUN_DIR` (the executable calls python -m mdrun.plot) and mdrun.plot in Python.
The files are opened again and checked to be real images of the expected size with content."""
import json
import os
import shutil

import numpy as np
import pytest

import mdrun
import mdrun.plot
from run_configs import nacl4_config

FIGS = ["msd", "reorientation", "vacf", "orientation_density", "thermo"]


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory, data_dir):
    d = tmp_path_factory.mktemp("plot") / "T300"
    mdrun.run(nacl4_config(data_dir, d, steps=400), progress=False)
    return d


def _check_png(path):
    import matplotlib.image as mpimg

    img = mpimg.imread(str(path))
    assert img.ndim == 3 and img.shape[0] > 300 and img.shape[1] > 400, img.shape
    # Not blank: many distinct colours (axes, text, curves).
    flat = (img[..., :3] * 255).astype(int).reshape(-1, 3)
    assert len(np.unique(flat[:: max(1, len(flat) // 20000)], axis=0)) > 20


def test_cli_plot_writes_every_figure(run_dir, run_cli, tmp_path):
    out = tmp_path / "figs"
    r = run_cli("plot", run_dir, "--out", out)
    written = r.stdout.split()
    for name in FIGS:
        p = out / f"{name}.png"
        assert str(p) in written and p.exists(), (name, r.stdout, r.stderr)
        _check_png(p)


def test_cli_plot_errors(run_cli, tmp_path):
    r = run_cli("plot", tmp_path / "missing", check=False)
    assert r.returncode != 0 and "not a directory" in r.stderr
    r = run_cli("plot", tmp_path, check=False)
    assert r.returncode != 0 and "no mdrun results" in r.stderr


def test_pdf_svg_and_python_api(run_dir, tmp_path):
    files = mdrun.plot.plot_run(run_dir, out_dir=tmp_path, formats=("pdf", "svg"), which=["msd", "thermo"])
    assert sorted(os.path.basename(f) for f in files) == ["msd.pdf", "msd.svg", "thermo.pdf", "thermo.svg"]
    assert open(tmp_path / "msd.pdf", "rb").read(5) == b"%PDF-"
    svg = open(tmp_path / "msd.svg").read()
    assert "<svg" in svg and "Å" in svg or "MSD" in svg
    res = mdrun.load_results(run_dir)
    fig = mdrun.plot.msd_figure(res)
    ax = fig.axes[0]
    assert ax.get_title().startswith("Na")  # the species with a D comes first
    assert "ps" in ax.get_xlabel() and "Å" in ax.get_ylabel()
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "MSD (x+y+z)" in labels and any("x" in t for t in labels)
    texts = " ".join(t.get_text() for t in ax.texts)
    assert "D =" in texts and "cm²/s" in texts
    fig = mdrun.plot.reorientation_figure(res)
    assert any("0.9" in t.get_text() for t in fig.axes[0].get_legend().get_texts())
    fig = mdrun.plot.vacf_figure(res)
    assert "THz" in fig.axes[1].get_xlabel()


def test_arrhenius_plot_of_a_series(run_dir, tmp_path, run_cli):
    """A series directory: replicas in subdirectories plus arrhenius.json (here with made-up fit numbers,
    the fit itself is tested in the C++ tests)."""
    series = tmp_path / "series"
    shutil.copytree(run_dir, series / "T300")
    json.dump({"units": {}, "species": [{
        "species": "Na", "status": "ok", "n": 3, "Ea_eV": 0.30, "sigma_Ea_eV": 0.02, "T0_K": 300.0,
        "D_T0_cm2_s": 2e-8, "D_T0_95": [1e-8, 4e-8], "D_T0_1sigma": [1.5e-8, 2.7e-8],
        "points": [{"replica": "T300", "T_K": 600.0, "D_cm2_s": 6.6e-6, "sigma_D_cm2_s": 5e-7},
                   {"replica": "T300", "T_K": 700.0, "D_cm2_s": 1.5e-5, "sigma_D_cm2_s": 1e-6},
                   {"replica": "T300", "T_K": 800.0, "D_cm2_s": 3.0e-5, "sigma_D_cm2_s": 2e-6}],
        "excluded": []}]}, open(series / "arrhenius.json", "w"))
    r = run_cli("plot", series)
    assert str(series / "arrhenius.png") in r.stdout.split()
    assert str(series / "T300" / "msd.png") in r.stdout.split()
    _check_png(series / "arrhenius.png")
    fig = mdrun.plot.arrhenius_figure(series)
    ax = fig.axes[0]
    text = " ".join(t.get_text() for t in ax.texts) + " ".join(t.get_text() for t in ax.get_legend().get_texts())
    assert "Ea = 0.300 ± 0.020 eV" in text and "σ(300 K)" in text and "mS/cm" in text
    assert ax.get_yscale() == "log" and "1000 / T" in ax.get_xlabel()


def test_nernst_einstein_numbers():
    # 1e28 carriers/m^3, z = 1, D = 1e-6 cm^2/s at 300 K: sigma = n e^2 D / (kB T) = 6.1975 S/m = 61.975 mS/cm
    s = mdrun.plot.sigma_nernst_einstein_mS_cm(1e-6, 1e28, 1.0, 300.0)
    assert s == pytest.approx(61.975, rel=1e-4)


def test_controls_plot_of_a_paddlewheel_series(tmp_path, run_cli):
    """controls.json of a frozen-species series (the layout `mdrun` and `mdrun collect` write, numbers made up):
    the figure shows the per-seed TMSD ratio and C1 mobile vs ion-frozen, hatches the unusable seed and prints
    its reason and the over-seed ratio."""
    series = tmp_path / "pw"
    series.mkdir()

    def v(x, s=0.0):
        return {"value": x, "sigma": s, "status": "ok"}

    reps = []
    for seed, melted in ((1, False), (2, True)):
        for kind in ("mobile", "frozen_framework", "frozen_ion"):
            reps.append({"name": f"s{seed}_{kind}", "T_K": 450, "seed": seed, "kind": kind, "ion": "Na",
                         "finished": not (melted and kind == "mobile"),
                         "ion_tmsd_at_tau_cls_A2": v(10.0 if kind == "mobile" else 1.0, 1.0)})
    per_seed = [
        {"T_K": 450, "seed": 1, "mobile": "s1_mobile", "frozen_framework": "s1_frozen_framework",
         "frozen_ion": "s1_frozen_ion", "tau_ps": 50, "tmsd_ratio_frozen_framework_over_mobile": v(0.1, 0.02),
         "C1_mobile": v(0.85), "C1_frozen_ion": v(0.97), "usable": True, "note": ""},
        {"T_K": 450, "seed": 2, "mobile": "s2_mobile", "frozen_framework": "s2_frozen_framework",
         "frozen_ion": "s2_frozen_ion", "tau_ps": 15, "tmsd_ratio_frozen_framework_over_mobile": v(0.2, 0.05),
         "C1_mobile": v(0.74), "C1_frozen_ion": v(0.97), "usable": False,
         "note": "the mobile replica melted: left out of the over-seed statistics"}]
    over = [{"T_K": 450, "seeds": 2, "usable_seeds": 1, "tmsd_ratio_frozen_framework_over_mobile": v(0.1, 0.02),
             "replicas": 6, "melted": 1}]
    json.dump({"replicas": reps, "per_seed": per_seed, "over_seeds": over}, open(series / "controls.json", "w"))

    r = run_cli("plot", series, "--only", "controls")
    assert r.stdout.split() == [str(series / "controls.png")], r.stdout
    _check_png(series / "controls.png")
    fig = mdrun.plot.controls_figure(series)
    a1, a2 = fig.axes
    heights = [p.get_height() for p in a1.patches]
    assert heights == pytest.approx([0.1, 0.2])
    assert [p.get_hatch() for p in a1.patches] == [None, "//"]
    c1 = sorted(p.get_height() for p in a2.patches if p.get_facecolor()[3] > 0)  # not the hatch overlay
    assert c1 == pytest.approx([0.74, 0.85, 0.97, 0.97])
    note = " ".join(t.get_text() for t in fig.texts)
    assert "seed 2: the mobile replica melted" in note and "1 of 2 seeds usable" in note and "0.1 ± 0.02" in note
    assert any("0.9" in t.get_text() for t in a2.get_legend().get_texts())
    # No controls.json: no figure, and a series with nothing else to plot is an error.
    empty = tmp_path / "empty"
    empty.mkdir()
    assert mdrun.plot.controls_figure(empty) is None
    assert run_cli("plot", empty, check=False).returncode != 0
