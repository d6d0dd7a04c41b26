"""MDAnalysis reads mdrun's trajectory.h5md with its topology: ``mda.Universe("trajectory.h5md")``.

MDAnalysis has an H5MD *coordinate* reader but no H5MD topology parser, so on its own it needs a separate
topology file. Importing this module registers one; ``import mdrun`` imports it as soon as MDAnalysis is
imported, in either order. The parser (format "H5MD") takes atom names, types,
elements, masses and ids from /particles/all (species + its `names` attribute, mass, id).
"""
import numpy as np
import h5py
from MDAnalysis.core.topology import Topology
from MDAnalysis.core.topologyattrs import Atomids, Atomnames, Atomtypes, Elements, Masses, Resids, Resnums, Segids
from MDAnalysis.topology.base import TopologyReaderBase


def _decode(x):
    return x.decode() if isinstance(x, bytes) else str(x)


class H5MDParser(TopologyReaderBase):
    """Topology from an H5MD file's /particles/<group>/species (with `names`), mass and id datasets."""

    format = "H5MD"

    def parse(self, **kwargs):
        with h5py.File(self.filename, "r") as f:
            parts = f["particles"]
            g = parts["all"] if "all" in parts else parts[list(parts.keys())[0]]
            n = g["position/value"].shape[1]
            if "species" in g:
                sp = g["species"][()]
                names = [_decode(x) for x in np.atleast_1d(g["species"].attrs.get("names", []))]
                symbols = [names[t] for t in sp] if names else [str(t) for t in sp]
            else:
                symbols = ["X"] * n
            ids = g["id"][()] if "id" in g and g["id"].ndim == 1 else np.arange(1, n + 1)
            masses = g["mass"][()] if "mass" in g and g["mass"].ndim == 1 else None
        symbols = np.array(symbols, dtype=object)
        attrs = [Atomids(np.asarray(ids)), Atomnames(symbols), Atomtypes(symbols.copy()), Elements(symbols.copy()),
                 Resids(np.array([1])), Resnums(np.array([1])), Segids(np.array(["SYSTEM"], dtype=object))]
        if masses is not None:
            attrs.append(Masses(np.asarray(masses, dtype=float)))
        return Topology(n, 1, 1, attrs=attrs)
