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


def register():
    from ase.io import formats

    if "h5md" in formats.ioformats:
        return formats.ioformats["h5md"]
    sys.modules.setdefault("ase.io.mdrun_h5md", sys.modules[__name__])
    fmt = formats.IOFormat("h5md", "H5MD trajectory (mdrun)", "+S", module_name="ase.io.mdrun_h5md")
    fmt.extensions = ["h5md"]
    formats.ioformats["h5md"] = fmt
    formats.extension2format.setdefault("h5md", fmt)
    return fmt
