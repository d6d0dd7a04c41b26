"""Run results as Python objects: mdrun.load_results(run_dir).

Everything comes from the files the run wrote: analysis.h5 (every curve, each dataset with its `units`),
summary.json (D, intervals, conductivity, status flags), thermo.csv, and arrhenius.json for a replica series.
Unknown keys are kept (``summary`` is the parsed JSON as written), missing optional parts are empty, so a
newer or older mdrun's files still load.

    res = mdrun.load_results("runs/NaAlCl4_300K")
    res.msd["Na"].lag_ps, res.msd["Na"].tmsd_A2         # numpy arrays
    res.diffusion["Na"].D_cm2_s, res.diffusion["Na"].ci95_cm2_s
    res.reorientation["Al"].C2
    res.thermo["T_K"]
"""
import csv
import json
import math
import os

import numpy as np


class Curve:
    """A set of equally long numpy arrays (attributes) with their units and the group's attributes.

    ``curve.units[name]`` is the unit of array ``name`` as written ("ps", "angstrom^2", "1", ...);
    ``curve.attrs`` holds scalars such as n_atoms. ``curve.to_pandas()`` gives a DataFrame (pandas optional).
    """

    def __init__(self, name, arrays, units=None, attrs=None, descriptions=None):
        self.name = name
        self._arrays = dict(arrays)
        self.units = dict(units or {})
        self.attrs = dict(attrs or {})
        self.descriptions = dict(descriptions or {})
        for k, v in self._arrays.items():
            setattr(self, k, v)

    def keys(self):
        return self._arrays.keys()

    def __getitem__(self, key):
        return self._arrays[key]

    def __contains__(self, key):
        return key in self._arrays

    def to_pandas(self):
        import pandas as pd

        cols = {k: v for k, v in self._arrays.items() if np.ndim(v) == 1}
        return pd.DataFrame(cols)

    def __repr__(self):
        shapes = ", ".join(f"{k}{list(np.shape(v))} [{self.units.get(k, '')}]" for k, v in self._arrays.items())
        return f"<{type(self).__name__} {self.name}: {shapes}>"


class MSD(Curve):
    """MSD of one species: lag_ps, msd_x_A2, msd_y_A2, msd_z_A2, tmsd_A2 (per atom, x+y+z), mscd_A2
    (collective), var_sq_A4, origins, level; attrs n_atoms, frozen, diffusing."""


class Diffusion:
    """D of one species from summary.json (cm²/s) with its uncertainty and fit window.

    ``D_cm2_s``; ``sigma_D_cm2_s`` (the standard error mdrun reports as primary, see ``sigma_kind``);
    ``ci95_cm2_s`` = (lo, hi) (as written by mdrun when present, else D ± 1.96 σ);
    ``D_xyz_cm2_s``; ``fit_window_ps``; ``status`` ("ok", "insufficient", ...) and ``reason``;
    ``conductivity_mS_cm`` (σ from the collective MSD), ``haven_ratio`` with ``haven_ratio_interval`` (95 %,
    from blocks of the run) and ``haven_status``. ``raw`` is the JSON entry.
    """

    _SIGMA_KEYS = ("sigma_D_cm2_s", "sigma_D_gls_cm2_s", "sigma_D_he_cm2_s", "sigma_D_regression_cm2_s")

    def __init__(self, entry):
        self.raw = dict(entry)
        g = self.raw.get
        self.species = g("species")
        self.status = g("status", "unknown")
        self.reason = g("reason", "")
        self.D_cm2_s = _num(g("D_cm2_s"))
        self.D_xyz_cm2_s = np.array([_num(x) for x in (g("D_xyz_cm2_s") or [math.nan] * 3)], float)
        self.sigma_kind = None
        self.sigma_D_cm2_s = math.nan
        for k in self._SIGMA_KEYS:
            if _num(g(k)) == _num(g(k)):  # first present, finite
                self.sigma_D_cm2_s = _num(g(k))
                self.sigma_kind = k
                break
        ci = None
        for k in ("D_interval_cm2_s", "D_ci95_cm2_s", "ci95_cm2_s", "D_95_cm2_s", "ci95"):
            if isinstance(g(k), (list, tuple)) and len(g(k)) == 2:
                ci = (_num(g(k)[0]), _num(g(k)[1]))
                break
        if ci is None:
            s = self.sigma_D_cm2_s
            ci = (self.D_cm2_s - 1.96 * s, self.D_cm2_s + 1.96 * s)
        self.ci95_cm2_s = ci
        fw = g("fit_window_ps") or [math.nan, math.nan]
        self.fit_window_ps = (_num(fw[0]), _num(fw[1]))
        self.intercept_A2 = _num(g("intercept_A2"))
        self.conductivity_mS_cm = _num(g("conductivity_mS_cm"))
        self.conductivity_status = g("conductivity_status")
        self.haven_ratio = _num(g("haven_ratio"))
        hi = g("haven_ratio_interval")
        self.haven_ratio_interval = (_num(hi[0]), _num(hi[1])) if isinstance(hi, (list, tuple)) and len(hi) == 2 \
            else (math.nan, math.nan)
        self.haven_status = g("haven_status")
        self.D_sigma_cm2_s = _num(g("D_sigma_cm2_s"))
        self.z = _num(g("z"))

    @property
    def ok(self):
        return self.status == "ok"

    def __repr__(self):
        return (f"<Diffusion {self.species}: D = {self.D_cm2_s:.3g} ± {self.sigma_D_cm2_s:.2g} cm²/s "
                f"({self.status})>")


def _num(x):
    if x is None:
        return math.nan
    try:
        return float(x)
    except (TypeError, ValueError):
        return math.nan


def _attr(v):
    if isinstance(v, bytes):
        return v.decode()
    if isinstance(v, np.ndarray) and v.shape == ():
        return v.item()
    if isinstance(v, np.generic):
        return v.item()
    return v


def _read_group(g, cls=Curve, name=None):
    arrays, units, desc = {}, {}, {}
    for k, d in g.items():
        if hasattr(d, "shape"):
            arrays[k] = d[()]
            units[k] = _attr(d.attrs.get("units", ""))
            desc[k] = _attr(d.attrs.get("description", ""))
    attrs = {k: _attr(v) for k, v in g.attrs.items()}
    return cls(name or g.name.rsplit("/", 1)[-1], arrays, units, attrs, desc)


def _msd_names(c):
    # analysis.h5 names -> the unit-suffixed names of msd.csv (both kept)
    ren = {"lag": "lag_ps", "msd_x": "msd_x_A2", "msd_y": "msd_y_A2", "msd_z": "msd_z_A2", "tmsd": "tmsd_A2",
           "mscd": "mscd_A2", "var_sq": "var_sq_A4"}
    for a, b in ren.items():
        if a in c and b not in c:
            c._arrays[b] = c[a]
            c.units[b] = c.units.get(a, "")
            setattr(c, b, c[a])
    return c


def _read_thermo(path):
    """thermo.csv -> Curve of columns (units from the column-name suffix or the header comment)."""
    with open(path) as fh:
        lines = [ln for ln in fh if ln.strip()]
    comments = [ln for ln in lines if ln.startswith("#")]
    rows = [ln for ln in lines if not ln.startswith("#")]
    if not rows:
        return Curve("thermo", {})
    header = next(csv.reader([rows[0]]))
    data = np.genfromtxt(rows[1:], delimiter=",", dtype=float, ndmin=2) if len(rows) > 1 else np.zeros((0, len(header)))
    arrays = {h.strip(): data[:, i] for i, h in enumerate(header)}
    units = {h: _unit_from_name(h) for h in arrays}
    return Curve("thermo", arrays, units, {"header": "".join(comments)})


def _unit_from_name(name):
    suffix = {"_ps": "ps", "_K": "K", "_eV": "eV", "_bar": "bar", "_A3": "angstrom^3", "_fs": "fs", "_GPa": "GPa"}
    for s, u in suffix.items():
        if name.endswith(s):
            return u
    return ""


class Results:
    """The results of one run directory (one replica). Attributes:

    ``summary`` (dict, summary.json as written), ``meta`` (run attributes: temperature_K, timestep_ps,
    samples, t_run_ps, ...), ``msd[species]`` (MSD), ``diffusion[species]`` (Diffusion),
    ``reorientation[centre]`` (lag_ps, C1, C2, pairs), ``vacf[species]`` and ``angular_vacf[centre]``
    (lag_ps, C, nu_THz, g — the spectrum), ``orientation_density[centre]`` (rho [cos θ bin][φ bin] in 1/sr,
    cos_theta_edges, phi_edges), ``hops`` (per-event arrays), ``cna_correlation``, ``hop_rotation`` (dtheta_hop, t_hop,
    dtheta_baseline, t_baseline; the test itself is ``summary["hop_rotation"]``), ``classification``,
    ``thermo`` (thermo.csv columns) and ``files``.
    """

    def __init__(self, directory):
        self.directory = os.path.abspath(directory)
        self.files = sorted(os.listdir(self.directory))
        self.summary = {}
        self.meta = {}
        self.msd, self.diffusion, self.reorientation = {}, {}, {}
        self.vacf, self.angular_vacf, self.orientation_density = {}, {}, {}
        self.hops = None
        self.cna_correlation = None
        self.hop_rotation = None
        self.thermo = None
        sj = os.path.join(self.directory, "summary.json")
        if os.path.exists(sj):
            with open(sj) as fh:
                self.summary = json.load(fh)
            for e in self.summary.get("diffusion", []) or []:
                if isinstance(e, dict) and "species" in e:
                    self.diffusion[e["species"]] = Diffusion(e)
            self.meta.update(self.summary.get("run", {}) or {})
        h5 = os.path.join(self.directory, "analysis.h5")
        if os.path.exists(h5):
            self._load_h5(h5)
        th = os.path.join(self.directory, "thermo.csv")
        if os.path.exists(th):
            self.thermo = _read_thermo(th)
        if not (self.summary or self.thermo is not None or os.path.exists(h5)):
            raise FileNotFoundError(f"{self.directory}: no mdrun results here (summary.json, analysis.h5, "
                                    "thermo.csv); for a run with several replicas, pass a replica's directory")

    def _load_h5(self, path):
        import h5py

        with h5py.File(path, "r") as f:
            for k, v in f.attrs.items():
                self.meta.setdefault(k, _attr(v))
            if "msd" in f:
                for sp, g in f["msd"].items():
                    self.msd[sp] = _msd_names(_read_group(g, MSD, sp))
            if "reorientation" in f:
                for c, g in f["reorientation"].items():
                    r = _read_group(g, Curve, c)
                    r._arrays.setdefault("lag_ps", r["lag"])
                    r.lag_ps = r["lag"]
                    self.reorientation[c] = r
            for group, target in (("vacf", self.vacf), ("angular_vacf", self.angular_vacf)):
                if group in f:
                    for name, g in f[group].items():
                        r = _read_group(g, Curve, name)
                        if "lag" in r:
                            r.lag_ps = r["lag"]
                        if "nu" in r:
                            r.nu_THz = r["nu"]
                        target[name] = r
            if "orientation_density" in f:
                for c, g in f["orientation_density"].items():
                    self.orientation_density[c] = _read_group(g, Curve, c)
            if "hops" in f:
                self.hops = _read_group(f["hops"], Curve, "hops")
            if "cna_correlation" in f:
                self.cna_correlation = _read_group(f["cna_correlation"], Curve, "cna_correlation")
            if "hop_rotation" in f:
                self.hop_rotation = _read_group(f["hop_rotation"], Curve, "hop_rotation")
            if "diffusion" in f:  # attributes only: used when summary.json is missing
                for sp, g in f["diffusion"].items():
                    if sp not in self.diffusion:
                        e = {k: _attr(v) for k, v in g.attrs.items()}
                        e["species"] = sp
                        self.diffusion[sp] = Diffusion(e)

    @property
    def temperature_K(self):
        return _num(self.meta.get("temperature_K"))

    @property
    def classification(self):
        return self.summary.get("classification", {})

    def D(self, species):
        """(D, σ) in cm²/s for `species`."""
        d = self.diffusion[species]
        return d.D_cm2_s, d.sigma_D_cm2_s

    def conductivity_mS_cm(self, species):
        return self.diffusion[species].conductivity_mS_cm

    def __repr__(self):
        parts = [f"msd: {sorted(self.msd)}", f"D: {list(self.diffusion.values())}"]
        if self.reorientation:
            parts.append(f"reorientation: {sorted(self.reorientation)}")
        return f"<mdrun.Results {self.directory}: " + "; ".join(parts) + ">"


def load_results(run_dir):
    """Results of one run directory (an <output.directory>, or one replica's directory of a series)."""
    return Results(run_dir)


class ArrheniusFit:
    """One species of arrhenius.json: Ea_eV ± sigma_Ea_eV, D at T0 (D_T0_cm2_s, D_T0_95), the points."""

    def __init__(self, entry):
        self.raw = dict(entry)
        g = self.raw.get
        self.species = g("species")
        self.status = g("status")
        self.Ea_eV = _num(g("Ea_eV"))
        self.sigma_Ea_eV = _num(g("sigma_Ea_eV"))
        self.T0_K = _num(g("T0_K"))
        self.D_T0_cm2_s = _num(g("D_T0_cm2_s"))
        self.D_T0_95 = tuple(_num(x) for x in (g("D_T0_95") or [math.nan, math.nan]))
        pts = g("points") or []
        self.replicas = [p.get("replica") for p in pts]
        self.T_K = np.array([_num(p.get("T_K")) for p in pts])
        self.D_cm2_s = np.array([_num(p.get("D_cm2_s")) for p in pts])
        self.sigma_D_cm2_s = np.array([_num(p.get("sigma_D_cm2_s")) for p in pts])
        self.excluded = list(g("excluded") or [])

    def __repr__(self):
        return f"<ArrheniusFit {self.species}: Ea = {self.Ea_eV:.3f} ± {self.sigma_Ea_eV:.3f} eV ({self.status})>"


def load_arrhenius(path):
    """arrhenius.json (a file or the series' top-level output directory) -> {species: ArrheniusFit}."""
    if os.path.isdir(path):
        path = os.path.join(path, "arrhenius.json")
    with open(path) as fh:
        data = json.load(fh)
    return {e["species"]: ArrheniusFit(e) for e in data.get("species", [])}
