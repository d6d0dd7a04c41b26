"""mdrun.load_results against the run's own text files (msd.csv, reorientation.csv, vacf.csv, spectra.csv,
orientation_density.csv, thermo.csv, summary.json), read here independently with numpy/json."""
import csv
import json
import math
import os

import numpy as np
import pytest

import mdrun
from run_configs import nacl4_config


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory, data_dir):
    d = tmp_path_factory.mktemp("res") / "out"
    mdrun.run(nacl4_config(data_dir, d, steps=400), progress=False)
    return d


def _csv(path):
    with open(path) as fh:
        rows = [r for r in csv.reader(ln for ln in fh if not ln.startswith("#"))]
    return rows[0], rows[1:]


def test_msd_and_diffusion(run_dir):
    res = mdrun.load_results(run_dir)
    head, rows = _csv(run_dir / "msd.csv")
    na = [r for r in rows if r[0] == "Na"]
    m = res.msd["Na"]
    for col in ("lag_ps", "msd_x_A2", "msd_y_A2", "msd_z_A2", "tmsd_A2", "mscd_A2"):
        ref = np.array([float(r[head.index(col)]) for r in na])
        assert np.array_equal(m[col], ref), col
    assert m.units["tmsd"] == "angstrom^2" and m.units["lag"] == "ps"
    assert m.attrs["n_atoms"] == 8  # NaAlCl4 1x2x1 (48 atoms): 8 Na
    s = json.load(open(run_dir / "summary.json"))
    e = next(x for x in s["diffusion"] if x["species"] == "Na")
    d = res.diffusion["Na"]
    assert d.status == e["status"]
    assert (d.D_cm2_s == e["D_cm2_s"]) or (math.isnan(d.D_cm2_s) and e["D_cm2_s"] is None)
    assert d.fit_window_ps[1] >= d.fit_window_ps[0] or math.isnan(d.fit_window_ps[0])
    assert len(d.ci95_cm2_s) == 2
    # the interval mdrun wrote (its 95 % credible interval), not D +- 1.96 sigma; nulls read as NaN
    for got, want in list(zip(d.ci95_cm2_s, e["D_interval_cm2_s"])) + list(zip(d.haven_ratio_interval,
                                                                               e["haven_ratio_interval"])):
        assert got == want or (want is None and math.isnan(got)), (got, want)
    assert d.haven_status == e["haven_status"]
    assert res.temperature_K == 300.0
    assert "Na" in repr(res)


def test_reorientation_vacf_spectra_rho(run_dir):
    res = mdrun.load_results(run_dir)
    head, rows = _csv(run_dir / "reorientation.csv")
    c = res.reorientation["Al"]
    assert np.array_equal(c.C1, [float(r[head.index("C1")]) for r in rows])
    assert np.array_equal(c.C2, [float(r[head.index("C2")]) for r in rows])
    assert 0.99 < c.C1[0] <= 1.0 and c.lag_ps[0] > 0  # first lag = one sample interval
    head, rows = _csv(run_dir / "vacf.csv")
    v = res.vacf["Na"]
    assert np.array_equal(v["C"], [float(r[head.index("C")]) for r in rows if r[0] == "vacf"])
    assert v.units["C"] and v.units["lag"] == "ps"
    head, rows = _csv(run_dir / "spectra.csv")
    assert np.array_equal(v.nu_THz, [float(r[head.index("nu_THz")]) for r in rows if r[0] == "vacf"])
    assert v.units["nu"] == "THz"
    w = res.angular_vacf["Al"]
    assert w.lag_ps.size == w["C"].size > 2
    rho = res.orientation_density["Al"]
    head, rows = _csv(run_dir / "orientation_density.csv")
    flat = np.asarray(rho["rho"]).reshape(-1)
    assert np.array_equal(flat, [float(r[head.index("rho_per_sr")]) for r in rows])
    # Normalised over the sphere: sum rho * (bin solid angle) = 1.
    dcos, dphi = np.diff(rho["cos_theta_edges"]), np.diff(rho["phi_edges"])
    assert np.sum(np.asarray(rho["rho"]).reshape(len(dcos), len(dphi)) * np.outer(dcos, dphi)) == pytest.approx(1.0)


def test_thermo(run_dir):
    res = mdrun.load_results(run_dir)
    raw = np.genfromtxt(run_dir / "thermo.csv", delimiter=",", names=True)
    assert np.array_equal(res.thermo["temperature_K"], raw["temperature_K"])
    assert res.thermo.units["temperature_K"] == "K" and res.thermo.units["pressure_bar"] == "bar"
    assert res.thermo["step"][-1] == 400


def test_tolerant_of_changed_summary(tmp_path, run_dir):
    """New or missing keys in summary.json (its contents evolve) do not break loading."""
    import shutil

    d = tmp_path / "copy"
    shutil.copytree(run_dir, d)
    s = json.load(open(d / "summary.json"))
    for e in s["diffusion"]:
        e.pop("sigma_D_gls_cm2_s", None)
        e.pop("D_interval_cm2_s", None)  # an older summary: the interval under another name
        e["D_ci95_cm2_s"] = [1e-7, 3e-7]
        e["estimator"] = {"name": "new", "anything": [1, 2]}
    s["provenance"] = {"git": "abc"}
    json.dump(s, open(d / "summary.json", "w"))
    r = mdrun.load_results(d)
    assert r.diffusion["Na"].ci95_cm2_s == (1e-7, 3e-7)
    assert r.summary["provenance"]["git"] == "abc"
    os.remove(d / "summary.json")
    r = mdrun.load_results(d)  # D then comes from analysis.h5's attributes
    assert "Na" in r.diffusion and "Na" in r.msd
    with pytest.raises(FileNotFoundError, match="no mdrun results"):
        mdrun.load_results(tmp_path)


def test_load_arrhenius(tmp_path):
    data = {"units": {"Ea": "eV"}, "species": [{
        "species": "Na", "status": "ok", "n": 3, "Ea_eV": 0.3, "sigma_Ea_eV": 0.02, "T0_K": 300.0,
        "D_T0_cm2_s": 1e-8, "D_T0_95": [5e-9, 2e-8], "points": [
            {"replica": "T500", "T_K": 500.0, "D_cm2_s": 1e-6, "sigma_D_cm2_s": 1e-7}], "excluded": []}]}
    json.dump(data, open(tmp_path / "arrhenius.json", "w"))
    f = mdrun.load_arrhenius(tmp_path)["Na"]
    assert f.Ea_eV == 0.3 and f.T_K.tolist() == [500.0] and f.D_T0_95 == (5e-9, 2e-8)
