"""ASE learns to read mdrun's trajectory.h5md: ``ase.io.read("trajectory.h5md", index=":")``.

ASE >= 3.23 finds the format through the ``ase.ioformats`` entry point of this package (pyproject.toml).
Older ASE (Debian 12 has 3.22) only imports readers from ``ase.io.*``, so `register()` (run on
``import mdrun``) adds this module under that name and defines the format.
"""
import sys

from .trajectory import iread_h5md


def read_h5md(filename, index=None):
    """ASE reader: yields the frames `index` (a slice) of an H5MD file."""
    yield from iread_h5md(filename, index)


def _external_format():
    try:
        from ase.utils.plugins import ExternalIOFormat
    except ImportError:
        return None
    return ExternalIOFormat(desc="H5MD trajectory (mdrun)", code="+S", module="mdrun.ase_io", ext="h5md")


# The entry-point object (ASE >= 3.23); None with older ASE.
h5md_format = _external_format()


def _entry_point_installed():
    """True when this package is installed with its `ase.ioformats` entry point (pip install)."""
    try:
        from importlib.metadata import entry_points

        eps = entry_points()
        group = eps.select(group="ase.ioformats") if hasattr(eps, "select") else eps.get("ase.ioformats", ())
        return any(ep.value.startswith("mdrun.") for ep in group)
    except Exception:
        return False


def register():
    from ase.io import formats

    if "h5md" in formats.ioformats:
        return formats.ioformats["h5md"]
    if hasattr(formats, "define_external_io_format") and _entry_point_installed():
        return None  # ASE >= 3.23 defines it from the entry point (possibly while importing this module)
    sys.modules.setdefault("ase.io.mdrun_h5md", sys.modules[__name__])
    fmt = formats.IOFormat("h5md", "H5MD trajectory (mdrun)", "+S", module_name="ase.io.mdrun_h5md")
    fmt.extensions = ["h5md"]
    formats.ioformats["h5md"] = fmt
    formats.extension2format.setdefault("h5md", fmt)
    return fmt
