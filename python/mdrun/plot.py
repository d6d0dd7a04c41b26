"""Figures of an mdrun run, drawn with matplotlib: ``mdrun plot RUN_DIR`` or ``mdrun.plot.plot_run(dir)``.

One file per topic in RUN_DIR (or --out): msd.png (MSD per species and direction, fit window, D ± 95 % CI),
reorientation.png (C1, C2 with the 0.9 threshold), vacf.png (VACF and ω-ACF, their spectra in THz),
orientation_density.png (ρ(cos θ, φ) maps), thermo.png (T, P, E from thermo.csv), and for a replica series
arrhenius.png (D(T) with the fit, Ea and σ(300 K)) and, with frozen-species controls, controls.png (ion TMSD
mobile vs frozen framework, C1 mobile vs frozen ion, per seed) in the series' top directory. PNG by default; PDF/SVG
with ``formats=("pdf",)`` / ``--format pdf``. Each function also takes an ``ax``/``fig`` free call and returns
the Figure, for notebooks.
"""
import argparse
import math
import os
import sys

import numpy as np

from .results import Results, load_arrhenius, load_results

A2_PER_PS_PER_CM2_S = 1e4  # 1 cm²/s = 1e16 Å² / 1e12 ps
KB_EV = 8.617333262e-5     # eV/K
E_CHARGE = 1.602176634e-19  # C
KB_J = 1.380649e-23        # J/K


def _plt():
    import matplotlib

    if "matplotlib.pyplot" not in sys.modules and not os.environ.get("DISPLAY") and "ipykernel" not in sys.modules:
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _res(r):
    return r if isinstance(r, Results) else load_results(r)


def _fmt_pm(x, s, unit=""):
    if not np.isfinite(x):
        return "n/a"
    if not np.isfinite(s) or s <= 0:
        return f"{x:.3g}{unit}"
    e = int(math.floor(math.log10(abs(x)))) if x != 0 else 0
    m, ms = x / 10 ** e, s / 10 ** e
    return f"({m:.2f} ± {ms:.2f})×10$^{{{e}}}${unit}"


def _wrap(text, width):
    import textwrap

    return "\n".join(textwrap.wrap(str(text), width))


def _title(res, what):
    T = res.temperature_K
    name = res.meta.get("replica") or os.path.basename(res.directory)
    t = f"{what} — {name}"
    if np.isfinite(T) and T > 0:
        t += f", {T:g} K"
    return t


def msd_figure(results):
    """MSD per species (x, y, z per atom and the total), with the fit window and the fitted line."""
    plt = _plt()
    res = _res(results)
    # The species asked for in [analysis].msd (those with a D) first, then the rest (framework).
    species = sorted(res.msd, key=lambda sp: (sp not in res.diffusion, sp))
    if not species:
        return None
    fig, axes = plt.subplots(1, len(species), figsize=(5.0 * len(species), 4.2), squeeze=False)
    for ax, sp in zip(axes[0], species):
        m = res.msd[sp]
        t = m.lag_ps
        keep = t > 0
        for comp, lab, style in (("msd_x_A2", "x", ":"), ("msd_y_A2", "y", "-."), ("msd_z_A2", "z", "--")):
            if comp in m:
                ax.plot(t[keep], m[comp][keep], style, lw=1.2, label=f"MSD$_{lab}$")
        ax.plot(t[keep], m.tmsd_A2[keep], "k-", lw=1.8, label="MSD (x+y+z)")
        d = res.diffusion.get(sp)
        if d is not None:
            if np.all(np.isfinite(d.fit_window_ps)):
                lo, hi = d.fit_window_ps
                ax.axvspan(lo, hi, color="tab:orange", alpha=0.15, label="fit window")
                if np.isfinite(d.D_cm2_s):
                    tt = np.linspace(lo, hi, 50)
                    b = d.intercept_A2 if np.isfinite(d.intercept_A2) else 0.0
                    ax.plot(tt, 6 * d.D_cm2_s * A2_PER_PS_PER_CM2_S * tt + b, color="tab:red", lw=2,
                            label="6Dτ + b")
            if np.isfinite(d.D_cm2_s):
                txt = f"D = {_fmt_pm(d.D_cm2_s, d.sigma_D_cm2_s)} cm²/s"
                ci = d.ci95_cm2_s
                if np.all(np.isfinite(ci)):
                    txt += f"\n95 % CI [{ci[0]:.3g}, {ci[1]:.3g}] cm²/s"
            else:
                txt = "D = n/a (cm²/s)"
            if d.status != "ok":
                txt += f"\nstatus: {d.status}"
                if d.reason:
                    txt += "\n" + _wrap(d.reason, 48)
            ax.text(0.03, 0.97, txt, transform=ax.transAxes, va="top", fontsize=8,
                    bbox=dict(boxstyle="round", fc="white", alpha=0.8))
        n = m.attrs.get("n_atoms")
        ax.set_title(f"{sp}" + (f" ({n} atoms)" if n else ""))
        ax.set_xlabel("lag time τ (ps)")
        ax.set_ylabel("MSD (Å²)")
        ax.legend(fontsize=8, loc="lower right")
        ax.grid(alpha=0.3)
    fig.suptitle(_title(res, "Mean squared displacement"))
    fig.tight_layout()
    return fig


def reorientation_figure(results, threshold=0.9):
    """C1(τ) and C2(τ) of each polyanion centre, log time axis, with the rotation threshold."""
    plt = _plt()
    res = _res(results)
    if not res.reorientation:
        return None
    fig, ax = plt.subplots(figsize=(6.4, 4.4))
    for k, (c, r) in enumerate(sorted(res.reorientation.items())):
        t = r.lag_ps
        keep = t > 0
        col = f"C{k}"
        ax.semilogx(t[keep], r.C1[keep], "-", color=col, lw=1.8, label=f"{c}: C$_1$")
        ax.semilogx(t[keep], r.C2[keep], "--", color=col, lw=1.8, label=f"{c}: C$_2$")
    ax.axhline(threshold, color="grey", ls=":", lw=1.2, label=f"threshold {threshold:g} (min C$_1$ < {threshold:g}: rotating)")
    ax.axhline(0, color="black", lw=0.6)
    ax.set_xlabel("lag time τ (ps)")
    ax.set_ylabel("orientational autocorrelation C$_l$(τ)")
    ax.set_ylim(-0.15, 1.05)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    ax.set_title(_title(res, "Polyanion reorientation"))
    fig.tight_layout()
    return fig


def vacf_figure(results):
    """Normalised VACF / ω-ACF (top) and their power spectra in THz (bottom)."""
    plt = _plt()
    res = _res(results)
    curves = [("VACF", n, c) for n, c in sorted(res.vacf.items())]
    curves += [("ω-ACF", n, c) for n, c in sorted(res.angular_vacf.items())]
    if not curves:
        return None
    fig, (a1, a2) = plt.subplots(2, 1, figsize=(6.6, 7.0))
    nu_max = 0.0
    for k, (kind, n, c) in enumerate(curves):
        C = c["C"]
        norm = C / C[0] if C.size and C[0] != 0 else C
        a1.plot(c.lag_ps, norm, color=f"C{k}", label=f"{kind} {n}")
        if "nu" in c and len(c["nu"]) > 1:
            nu, g = np.asarray(c["nu"]), np.asarray(c["g"])
            a2.plot(nu, g, color=f"C{k}", label=f"{kind} {n}")
            # Show the band that holds 99.5 % of the spectral weight (the rest up to Nyquist is flat).
            cum = np.concatenate([[0.0], np.cumsum(0.5 * (np.abs(g[1:]) + np.abs(g[:-1])) * np.diff(nu))])
            if cum[-1] > 0:
                nu_max = max(nu_max, float(nu[min(np.searchsorted(cum, 0.995 * cum[-1]), len(nu) - 1)]))
    if nu_max > 0:
        a2.set_xlim(0, 1.5 * nu_max)
    a1.axhline(0, color="black", lw=0.6)
    a1.set_xlabel("lag time t (ps)")
    a1.set_ylabel("C(t) / C(0)")
    a1.legend(fontsize=8)
    a1.grid(alpha=0.3)
    a2.set_xlabel("frequency ν (THz)")
    a2.set_ylabel("spectral density g(ν) (1/THz)")
    a2.legend(fontsize=8)
    a2.grid(alpha=0.3)
    a1.set_title(_title(res, "Velocity and angular-velocity autocorrelation"))
    fig.tight_layout()
    return fig


def orientation_density_figure(results):
    """ρ(cos θ, φ) of the centre→ligand bond directions (lab frame), one map per centre, in 1/sr."""
    plt = _plt()
    res = _res(results)
    if not res.orientation_density:
        return None
    items = sorted(res.orientation_density.items())
    fig, axes = plt.subplots(1, len(items), figsize=(5.6 * len(items), 4.2), squeeze=False)
    for ax, (c, o) in zip(axes[0], items):
        rho = np.asarray(o["rho"])
        ce, pe = o["cos_theta_edges"], o["phi_edges"]
        if rho.ndim == 1:
            rho = rho.reshape(len(ce) - 1, len(pe) - 1)
        im = ax.pcolormesh(np.degrees(pe), ce, rho, cmap="viridis", shading="flat")
        cb = fig.colorbar(im, ax=ax)
        cb.set_label("ρ (1/sr); isotropic = 1/(4π) = 0.0796")
        ax.set_xlabel("φ = atan2(u$_y$, u$_x$) (degrees)")
        ax.set_ylabel("cos θ = u$_z$")
        ax.set_title(f"{c}–ligand bond directions")
    fig.suptitle(_title(res, "Orientation density"))
    fig.tight_layout()
    return fig


def thermo_figure(results):
    """Temperature, pressure and energies against time, from thermo.csv."""
    plt = _plt()
    res = _res(results)
    th = res.thermo
    if th is None or "time_ps" not in th or len(th["time_ps"]) == 0:
        return None
    t = th["time_ps"]
    fig, axes = plt.subplots(3, 1, figsize=(6.6, 7.5), sharex=True)
    axes[0].plot(t, th["temperature_K"], color="tab:red", lw=1)
    T = res.temperature_K
    if np.isfinite(T) and T > 0:
        axes[0].axhline(T, color="black", ls="--", lw=0.8, label=f"target {T:g} K")
        axes[0].legend(fontsize=8)
    axes[0].set_ylabel("T (K)")
    if "pressure_bar" in th:
        axes[1].plot(t, th["pressure_bar"] * 1e-4, color="tab:blue", lw=1)
    axes[1].set_ylabel("P (GPa)")
    for col, lab in (("potential_eV", "potential"), ("total_eV", "total"), ("conserved_eV", "conserved")):
        if col in th:
            axes[2].plot(t, th[col], lw=1, label=lab)
    axes[2].set_ylabel("E (eV)")
    axes[2].legend(fontsize=8)
    axes[2].set_xlabel("time (ps)")
    for a in axes:
        a.grid(alpha=0.3)
    axes[0].set_title(_title(res, "Thermodynamics"))
    fig.tight_layout()
    return fig


def _carrier_density_per_m3(res, species):
    n = res.msd.get(species).attrs.get("n_atoms") if species in res.msd else None
    V = res.meta.get("mean_volume_A3")
    if not n or not V:
        return math.nan
    return float(n) / (float(V) * 1e-30)


def sigma_nernst_einstein_mS_cm(D_cm2_s, n_per_m3, z, T_K):
    """Tracer Nernst–Einstein conductivity σ = n z² e² D / (kB T) (Haven ratio 1), in mS/cm."""
    sigma_S_m = n_per_m3 * (z * E_CHARGE) ** 2 * (D_cm2_s * 1e-4) / (KB_J * T_K)
    return sigma_S_m * 10.0  # S/m -> mS/cm


def arrhenius_figure(series_dir, T_ref=300.0):
    """D(T) of a replica series (arrhenius.json), log D against 1000/T, with the Arrhenius fit, Ea and the
    extrapolation to T_ref with its 95 % interval, and the tracer Nernst–Einstein σ(T_ref)."""
    plt = _plt()
    fits = load_arrhenius(series_dir)
    if not fits:
        return None
    fig, ax = plt.subplots(figsize=(6.4, 4.6))
    lines = []
    for k, (sp, f) in enumerate(sorted(fits.items())):
        col = f"C{k}"
        ok = np.isfinite(f.D_cm2_s) & (f.D_cm2_s > 0)
        if ok.any():
            ax.errorbar(1000.0 / f.T_K[ok], f.D_cm2_s[ok], yerr=np.where(np.isfinite(f.sigma_D_cm2_s[ok]), f.sigma_D_cm2_s[ok], 0),
                        fmt="o", color=col, capsize=3, label=f"{sp}: D per replica")
        if f.status == "ok" and np.isfinite(f.Ea_eV):
            Tfit = np.linspace(min(f.T_K[ok].min(), T_ref) if np.isfinite(T_ref) else f.T_K[ok].min(), f.T_K[ok].max(), 100)
            # D(T) = D(T0) exp(-Ea/kB (1/T - 1/T0))
            D = f.D_T0_cm2_s * np.exp(-f.Ea_eV / KB_EV * (1.0 / Tfit - 1.0 / f.T0_K))
            ax.plot(1000.0 / Tfit, D, "-", color=col, lw=1.5,
                    label=f"{sp}: Ea = {f.Ea_eV:.3f} ± {f.sigma_Ea_eV:.3f} eV")
            if abs(f.T0_K - T_ref) < 1e-9 and np.all(np.isfinite(f.D_T0_95)):
                ax.errorbar([1000.0 / T_ref], [f.D_T0_cm2_s],
                            yerr=[[f.D_T0_cm2_s - f.D_T0_95[0]], [f.D_T0_95[1] - f.D_T0_cm2_s]],
                            fmt="s", mfc="white", color=col, capsize=4, label=f"{sp}: D({T_ref:g} K), 95 %")
            sig = _sigma_at(series_dir, sp, f, T_ref)
            lines.append(f"{sp}: D({f.T0_K:g} K) = {f.D_T0_cm2_s:.3g} cm²/s"
                         + (f", σ({T_ref:g} K) ≈ {sig:.3g} mS/cm (tracer N–E)" if np.isfinite(sig) else ""))
        else:
            lines.append(f"{sp}: fit {f.status}")
    ax.set_yscale("log")
    ax.set_xlabel("1000 / T (1/K)")
    ax.set_ylabel("D (cm²/s)")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8, loc="lower left")
    if lines:
        ax.text(0.98, 0.98, "\n".join(lines), transform=ax.transAxes, ha="right", va="top", fontsize=8,
                bbox=dict(boxstyle="round", fc="white", alpha=0.85))
    top = ax.secondary_xaxis("top", functions=(lambda x: 1000.0 / np.maximum(x, 1e-9), lambda T: 1000.0 / np.maximum(T, 1e-9)))
    top.set_xlabel("T (K)")
    ax.set_title("Arrhenius plot — " + os.path.basename(os.path.abspath(series_dir)), pad=28)
    fig.tight_layout()
    return fig


def _sigma_at(series_dir, species, fit, T_ref):
    """σ(T_ref) from the fitted D(T_ref), the carrier density and charge of a replica of the series."""
    for rep in fit.replicas:
        d = os.path.join(series_dir, rep) if rep else series_dir
        if not os.path.isdir(d):
            continue
        try:
            res = load_results(d)
        except Exception:
            continue
        n = _carrier_density_per_m3(res, species)
        dd = res.diffusion.get(species)
        z = dd.z if dd is not None and np.isfinite(dd.z) else math.nan
        D = fit.D_T0_cm2_s * math.exp(-fit.Ea_eV / KB_EV * (1.0 / T_ref - 1.0 / fit.T0_K))
        return sigma_nernst_einstein_mS_cm(D, n, z, T_ref)
    return math.nan


def _val(entry):
    """A {"value", "sigma", "status"} entry of controls.json as (value, sigma); NaN where absent."""
    if not isinstance(entry, dict) or entry.get("value") is None:
        return math.nan, math.nan
    s = entry.get("sigma")
    return float(entry["value"]), (float(s) if s is not None else math.nan)


def controls_figure(series_dir, threshold=0.9):
    """The frozen-species controls of a replica series (controls.json): per seed, the ratio of the mobile ion's
    TMSD at the pair's common lag tau, framework frozen over mobile (does freezing the anions quench ion motion?),
    and C1 at tau, mobile against ion frozen (does freezing the ion stop the rotation?). A seed that is not usable
    (its mobile replica melted or a replica did not finish) is hatched and its reason printed below; the last
    line gives the over-seed ratio of the usable seeds."""
    import json

    path = os.path.join(os.fspath(series_dir), "controls.json")
    if not os.path.exists(path):
        return None
    with open(path) as f:
        data = json.load(f)
    seeds = data.get("per_seed") or []
    if not seeds:
        return None
    plt = _plt()
    by_name = {r["name"]: r for r in data.get("replicas", [])}
    labels = [f"{s['T_K']:g} K\nseed {s['seed']}" for s in seeds]
    x = np.arange(len(seeds))
    w = 0.38
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(10.5, 4.4))

    ion = next((r.get("ion") for r in by_name.values() if r.get("ion")), "ion")
    # Ratios at the common lag tau of each mobile/frozen pair (a replica that stopped early has a shorter tau).
    rat = np.array([_val(s.get("tmsd_ratio_frozen_framework_over_mobile")) for s in seeds])
    hatch = ["//" if not s.get("usable") else "" for s in seeds]
    for k in range(len(seeds)):
        a1.bar(x[k], rat[k, 0], 2 * w, yerr=np.nan_to_num(rat[k, 1]), color="C1", hatch=hatch[k] or None, capsize=3,
               edgecolor="k" if hatch[k] else None, lw=0)
        if np.isfinite(rat[k, 0]):
            a1.text(x[k], rat[k, 0] + np.nan_to_num(rat[k, 1]), f"tau {seeds[k].get('tau_ps', math.nan):g} ps",
                    ha="center", va="bottom", fontsize=7)
    a1.axhline(1.0, color="k", ls="--", lw=1, label="1 = no effect")
    a1.set_ylim(0.0, max(1.1, np.nanmax(np.concatenate([rat[:, 0] + np.nan_to_num(rat[:, 1]), [1.0]])) * 1.1))
    a1.set_xticks(x, labels)
    a1.set_ylabel(f"{ion} TMSD(tau): framework frozen / mobile")
    a1.set_title(f"Freezing the framework: {ion} motion")
    a1.grid(alpha=0.3, axis="y")

    c1m = np.array([_val(s.get("C1_mobile")) for s in seeds])
    c1f = np.array([_val(s.get("C1_frozen_ion")) for s in seeds])
    a2.bar(x - w / 2, c1m[:, 0], w, color="C0", label="mobile")
    a2.bar(x + w / 2, c1f[:, 0], w, color="C2", label=f"{ion} frozen")
    for k in range(len(seeds)):
        if hatch[k]:
            a2.bar(x[k] - w / 2, c1m[k, 0], w, color="none", edgecolor="k", hatch="//", lw=0)
    a2.axhline(threshold, color="k", ls="--", lw=1, label=f"rotation threshold {threshold:g}")
    lo = np.nanmin(np.concatenate([c1m[:, 0], c1f[:, 0], [threshold]]))
    bottom = max(0.0, lo - 0.05)
    a2.set_ylim(bottom, 1.0 + 0.25 * (1.0 - bottom))  # headroom above C1 = 1 for the legend
    a2.set_xticks(x, labels)
    a2.set_ylabel("C1 at tau")
    a2.set_title(f"Freezing {ion}: polyanion rotation")
    a2.grid(alpha=0.3, axis="y")

    notes = [f"seed {s['seed']}: {s.get('note') or 'not usable'}" for s in seeds if not s.get("usable")]
    for o in data.get("over_seeds", []):
        r, rs = _val(o.get("tmsd_ratio_frozen_framework_over_mobile"))
        line = f"{o['T_K']:g} K, {o.get('usable_seeds', 0)} of {o.get('seeds', 0)} seeds usable: TMSD ratio frozen/mobile "
        line += (f"{r:.3g} ± {rs:.2g}" if np.isfinite(r) else "n/a")
        line += f"; melted {o.get('melted', 0)} of {o.get('replicas', 0)} replicas"
        notes.append(line)
    a1.legend(fontsize=8, loc="upper right")
    a2.legend(fontsize=8, loc="upper left", ncol=3)
    if notes:
        fig.text(0.5, 0.01, _wrap("; ".join(notes), 150), ha="center", va="bottom", fontsize=8)
    fig.suptitle("Frozen-species controls — " + os.path.basename(os.path.abspath(series_dir)))
    fig.tight_layout(rect=(0, 0.08 if notes else 0, 1, 1))
    return fig


FIGURES = {
    "msd": msd_figure,
    "reorientation": reorientation_figure,
    "vacf": vacf_figure,
    "orientation_density": orientation_density_figure,
    "thermo": thermo_figure,
}


def _replica_dirs(run_dir):
    """The directories that hold one replica's results: run_dir itself, or its subdirectories."""
    def has(d):
        return any(os.path.exists(os.path.join(d, f)) for f in ("summary.json", "analysis.h5", "thermo.csv"))

    if has(run_dir):
        return [run_dir]
    return sorted(os.path.join(run_dir, d) for d in os.listdir(run_dir) if has(os.path.join(run_dir, d)))


def plot_run(run_dir, out_dir=None, formats=("png",), dpi=150, which=None):
    """Writes every figure the run's files allow; returns the list of files written.

    run_dir: a run's output directory (a single replica, or a series whose replicas are subdirectories;
    the Arrhenius plot is drawn when arrhenius.json is there). out_dir: default = each replica's directory.
    formats: any of "png", "pdf", "svg". which: a subset of FIGURES keys plus "arrhenius" and "controls".
    """
    plt = _plt()
    run_dir = os.fspath(run_dir)
    if not os.path.isdir(run_dir):
        raise FileNotFoundError(f"{run_dir}: not a directory")
    reps = _replica_dirs(run_dir)
    has_arr = os.path.exists(os.path.join(run_dir, "arrhenius.json"))
    has_ctl = os.path.exists(os.path.join(run_dir, "controls.json"))
    if not reps and not has_arr and not has_ctl:
        raise FileNotFoundError(f"{run_dir}: no mdrun results (summary.json, analysis.h5, thermo.csv) here or in "
                                "its subdirectories")
    written = []

    def save(fig, directory, stem):
        os.makedirs(directory, exist_ok=True)
        for ext in formats:
            p = os.path.join(directory, f"{stem}.{ext}")
            fig.savefig(p, dpi=dpi)
            written.append(p)
        plt.close(fig)

    for d in reps:
        res = load_results(d)
        target = d if out_dir is None else (out_dir if len(reps) == 1 else os.path.join(out_dir, os.path.basename(d)))
        for name, fn in FIGURES.items():
            if which and name not in which:
                continue
            fig = fn(res)
            if fig is not None:
                save(fig, target, name)
    if has_arr and (not which or "arrhenius" in which):
        fig = arrhenius_figure(run_dir)
        if fig is not None:
            save(fig, out_dir or run_dir, "arrhenius")
    if has_ctl and (not which or "controls" in which):
        fig = controls_figure(run_dir)
        if fig is not None:
            save(fig, out_dir or run_dir, "controls")
    return written


def main(argv=None):
    p = argparse.ArgumentParser(prog="mdrun plot", description=__doc__.split("\n\n")[0] +
                                " Writes msd, reorientation, vacf, orientation_density, thermo, arrhenius and controls figures.")
    p.add_argument("run_dir", help="a run's output directory (one replica, or a series with replica subdirectories)")
    p.add_argument("--out", help="directory for the figures (default: next to each replica's results)")
    p.add_argument("--format", action="append", choices=["png", "pdf", "svg"],
                   help="file format (repeat for several; default png)")
    p.add_argument("--dpi", type=int, default=150)
    p.add_argument("--only", action="append", choices=list(FIGURES) + ["arrhenius", "controls"], help="draw only these figures")
    a = p.parse_args(argv)
    try:
        files = plot_run(a.run_dir, a.out, tuple(a.format or ["png"]), a.dpi, a.only)
    except (FileNotFoundError, ValueError) as e:
        print(f"mdrun plot: error: {e}", file=sys.stderr)
        return 1
    if not files:
        print(f"mdrun plot: {a.run_dir}: nothing to plot", file=sys.stderr)
        return 1
    for f in files:
        print(f)
    return 0


if __name__ == "__main__":
    sys.exit(main())
