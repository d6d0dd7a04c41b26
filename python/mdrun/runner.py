"""mdrun.run: `mdrun config.toml` in this process (same outputs), with a progress bar."""
import os
import sys
import time

from . import _core
from . import toml_text


class RunResult:
    """What a finished run left: its output directory (``load_results(result.directory)``) and checkpoint."""

    def __init__(self, directory, config_path, steps, wall_s):
        self.directory = directory
        self.checkpoint = os.path.join(directory, "checkpoint.mdrun")
        self.config_path = config_path
        self.steps = steps
        self.wall_s = wall_s

    def results(self, replica=None):
        """The run's analysis results (mdrun.load_results), of one replica when the run has several."""
        from .results import load_results

        d = self.directory
        if replica is not None:
            d = os.path.join(d, replica)
        return load_results(d)

    def __repr__(self):
        return f"RunResult(directory={self.directory!r}, steps={self.steps}, wall_s={self.wall_s:.1f})"


class _Bar:
    """A progress bar: tqdm when it is installed (it also draws in Jupyter), else one redrawn text line."""

    def __init__(self, enabled, start_step=None):
        self.enabled = enabled
        self.tqdm = None
        self.last = 0.0
        self.t0 = time.monotonic()
        self.first = None

    def __call__(self, step, total):
        if not self.enabled:
            return
        try:
            if self.first is None:
                self.first = step
                try:
                    from tqdm.auto import tqdm

                    self.tqdm = tqdm(total=total, initial=0, unit="step", desc="mdrun", dynamic_ncols=True)
                except Exception:
                    self.tqdm = None
            if self.tqdm is not None:
                self.tqdm.n = step
                self.tqdm.refresh()
                return
            now = time.monotonic()
            if now - self.last < 0.5 and step < total:
                return
            self.last = now
            frac = step / total if total else 1.0
            rate = (step - self.first) / max(now - self.t0, 1e-9)
            eta = (total - step) / rate if rate > 0 else float("nan")
            bar = "#" * int(30 * frac)
            sys.stderr.write(f"\rmdrun [{bar:<30}] {100 * frac:5.1f}% step {step}/{total}  ETA {eta:6.0f} s")
            sys.stderr.flush()
        except Exception:  # a broken display must not stop the run
            self.enabled = False

    def close(self):
        if self.tqdm is not None:
            self.tqdm.close()
        elif self.enabled and self.first is not None:
            sys.stderr.write("\n")


def write_extxyz_exact(path, atoms):
    """One extended-XYZ frame with every digit (ASE's writer keeps 8 decimals): species, positions, masses and,
    when set, velocities in ASE units (what mdrun's reader expects under `velocities`)."""
    pbc = [bool(p) for p in atoms.pbc]
    cell = atoms.cell.array
    v = atoms.get_velocities() if atoms.has("momenta") else None
    props = "species:S:1:pos:R:3:masses:R:1" + (":velocities:R:3" if v is not None else "")
    head = []
    if any(pbc):
        head.append('Lattice="' + " ".join(repr(float(x)) for x in cell.reshape(-1)) + '"')
    head.append(f"Properties={props}")
    head.append('pbc="' + " ".join("T" if p else "F" for p in pbc) + '"')
    lines = [str(len(atoms)), " ".join(head)]
    m = atoms.get_masses()
    for i, (sym, x) in enumerate(zip(atoms.get_chemical_symbols(), atoms.positions)):
        row = [sym] + [repr(float(c)) for c in x] + [repr(float(m[i]))]
        if v is not None:
            row += [repr(float(c)) for c in v[i]]
        lines.append(" ".join(row))
    tmp = path + ".tmp"
    with open(tmp, "w") as fh:
        fh.write("\n".join(lines) + "\n")
    os.replace(tmp, path)


def _absolute_paths(config):
    """Copies of the tables with relative `file`/`directory` values made absolute (against the current
    directory), so the config means the same wherever its TOML is saved."""
    def fix(table):
        out = {}
        for k, v in table.items():
            if isinstance(v, dict):
                v = fix(v)
            elif isinstance(v, (list, tuple)) and v and all(isinstance(x, dict) for x in v):
                v = [fix(x) for x in v]
            elif k in ("file", "directory") and isinstance(v, (str, os.PathLike)):
                v = os.path.abspath(os.fspath(v))
            out[k] = v
        return out

    return fix(config)


def _prepare_dict(config):
    """A config dict -> (TOML text, output directory). An ase.Atoms as [structure].atoms (or .file) is
    written as extended XYZ into the output directory first (the run reads it like any structure file)."""
    config = dict(config)
    output = dict(config.get("output", {}) or {})
    output.setdefault("directory", "runs/out")
    config["output"] = output
    structure = dict(config.get("structure", {}) or {})
    atoms = structure.pop("atoms", None)
    f = structure.get("file")
    if atoms is None and f is not None and not isinstance(f, (str, os.PathLike)):
        atoms = f
    config["structure"] = structure
    config = _absolute_paths({k: v for k, v in config.items()})
    out_dir = config["output"]["directory"]
    if atoms is not None:
        os.makedirs(out_dir, exist_ok=True)
        path = os.path.join(out_dir, "input_structure.extxyz")
        write_extxyz_exact(path, atoms)
        config["structure"]["file"] = path
    return toml_text.dumps(config), out_dir


def run(config, restart=None, device="auto", steps=None, progress=True, quiet=True):
    """Run MD like ``mdrun CONFIG.toml``, in this process, with the same outputs.

    Parameters
    ----------
    config : str, path or dict
        A config.toml file, or the same content as a dict (``{"structure": {...}, "potential": {...},
        "md": {...}, "output": {...}, "analysis": {...}}``; ``[[replica]]`` as a list of dicts). In a dict,
        ``structure["file"]`` (or ``structure["atoms"]``) may be an ``ase.Atoms``; relative paths resolve
        against the current directory. The dict is saved as ``<output.directory>/config.toml`` (paths made
        absolute) and run from there, so ``mdrun <dir>/config.toml`` repeats or continues it.
    restart : str, optional
        A checkpoint to continue from (``<output.directory>/checkpoint.mdrun``); bit-identical to an
        uninterrupted run.
    device : "auto", "cpu" or "cuda"
    steps : int, optional
        Final step of the run (overrides ``[md].steps``; with ``restart`` this extends a run).
    progress : bool
        Show a progress bar (tqdm when installed, also in Jupyter).
    quiet : bool
        Suppress the engine's own progress lines on stderr (default; the bar replaces them).

    Returns a RunResult. Ctrl-C (or SIGTERM) finishes the current chunk of steps, writes a checkpoint and
    raises KeyboardInterrupt naming it; ``run(config, restart=...)`` continues. Errors raise mdrun.MdrunError
    with the engine's message (file, key and what was expected).
    """
    t0 = time.monotonic()
    if isinstance(config, dict):
        text, out_dir = _prepare_dict(config)
        os.makedirs(out_dir, exist_ok=True)
        # Saved next to the outputs (all paths in it absolute): `mdrun <dir>/config.toml` repeats the run,
        # and the engine's messages and restart hint name this file.
        path = os.path.join(out_dir, "config.toml")
        tmp = path + ".tmp"
        with open(tmp, "w") as fh:
            fh.write("# written by mdrun.run() from a dict\n" + text)
        os.replace(tmp, path)
        text = ""
    else:
        path = os.fspath(config)
        text = ""
        if not os.path.exists(path):
            raise FileNotFoundError(f"config file not found: {path}")
    bar = _Bar(progress)
    try:
        status = _core.run(path, text, os.fspath(restart) if restart else "", device,
                           -1 if steps is None else int(steps), quiet, bar)
    finally:
        bar.close()
    directory = _output_directory(path, text)
    if status != 0:
        ckpt = os.path.join(directory, "checkpoint.mdrun")
        raise KeyboardInterrupt(f"mdrun run interrupted (status {status}); checkpoint written: {ckpt}; "
                                f"continue with mdrun.run(config, restart={ckpt!r})")
    cfg = _parse_toml(path, text)
    n = steps if steps is not None else cfg.get("md", {}).get("steps")
    return RunResult(directory, path, n, time.monotonic() - t0)


def _parse_toml(path, text):
    try:
        import tomllib  # Python >= 3.11
    except ImportError:  # pragma: no cover
        import tomli as tomllib
    return tomllib.loads(text) if text else tomllib.load(open(path, "rb"))


def _output_directory(path, text):
    cfg = _parse_toml(path, text)
    d = cfg.get("output", {}).get("directory", "runs/out")
    return os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(path)), d))
