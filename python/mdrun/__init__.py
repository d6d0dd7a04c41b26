"""mdrun from Python: the C++ engine as an ASE calculator and an in-process MD runner, run results and
trajectories as numpy/ASE objects, and the standard figures.

    import mdrun
    calc = mdrun.MTP("pot.mtp", elements=["Na", "Al", "Cl"])   # ASE calculator (energy, forces, stress)
    mdrun.run("config.toml")                                   # or a dict; same outputs as `mdrun config.toml`
    res = mdrun.load_results("runs/out")                       # MSD, D, sigma, C(t), VACF, spectra, ...
    frames = mdrun.read_trajectory("runs/out/trajectory.h5md") # list of ase.Atoms
    mdrun.plot.plot_run("runs/out")                            # PNG figures

The compiled part (mdrun._core) is loaded on first use of MTP or run, so results loading and plotting
work with only numpy/h5py/matplotlib. See docs/python.md.
"""
from importlib import import_module as _import_module

__all__ = ["MTP", "run", "load_results", "read_trajectory", "plot", "MdrunError", "core_version"]

_LAZY = {
    "MTP": ("mdrun.calculator", "MTP"),
    "run": ("mdrun.runner", "run"),
    "load_results": ("mdrun.results", "load_results"),
    "load_arrhenius": ("mdrun.results", "load_arrhenius"),
    "read_trajectory": ("mdrun.trajectory", "read_trajectory"),
    "iread_trajectory": ("mdrun.trajectory", "iread_trajectory"),
}


def __getattr__(name):  # PEP 562: import the parts only when used
    if name in _LAZY:
        mod, attr = _LAZY[name]
        value = getattr(_import_module(mod), attr)
        globals()[name] = value
        return value
    if name == "plot":
        value = _import_module("mdrun.plot")
        globals()[name] = value
        return value
    if name == "MdrunError":
        value = _import_module("mdrun._core").MdrunError
        globals()[name] = value
        return value
    raise AttributeError(f"module 'mdrun' has no attribute {name!r}")


def core_version():
    """Version of the compiled engine (mdrun._core)."""
    return _import_module("mdrun._core").version


# Readers for other tools: ASE learns the H5MD trajectory format when this package is imported
# (ase.io.read("trajectory.h5md") then works); MDAnalysis gets an H5MD topology parser as soon as both
# mdrun and MDAnalysis are imported, in either order, so `mda.Universe("trajectory.h5md")` needs no
# topology file. Both are cheap when the tool is not installed.
try:
    from . import ase_io as _ase_io

    _ase_io.register()
except Exception:  # pragma: no cover - ASE missing or an incompatible version: the rest still works
    pass
import sys as _sys


def _register_mdanalysis():
    try:
        from . import mdanalysis as _mda  # noqa: F401  (registers the parser on import)
    except Exception:  # pragma: no cover - MDAnalysis missing or an incompatible version
        pass


class _AfterMDAnalysisImport:
    """A meta-path finder that lets the normal machinery import MDAnalysis, then registers our parser.

    MDAnalysis has no plugin entry points: a topology parser exists once its class is defined, so it must
    be imported after MDAnalysis. Importing MDAnalysis eagerly from here would cost every `import mdrun`
    about a second; this hook costs nothing until MDAnalysis is imported."""

    def find_spec(self, name, path=None, target=None):
        if name != "MDAnalysis":
            return None
        import importlib.util

        _sys.meta_path.remove(self)  # once, and not to find ourselves again below
        spec = importlib.util.find_spec(name)
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        real_exec = spec.loader.exec_module

        def exec_module(module):
            real_exec(module)
            _register_mdanalysis()

        spec.loader.exec_module = exec_module
        return spec


if "MDAnalysis" in _sys.modules:
    _register_mdanalysis()
elif not any(isinstance(f, _AfterMDAnalysisImport) for f in _sys.meta_path):
    _sys.meta_path.insert(0, _AfterMDAnalysisImport())
