"""mdrun.MTP: an ASE calculator evaluating a Moment Tensor Potential with mdrun's C++ engine."""
import warnings

import numpy as np
from ase.calculators.calculator import Calculator, PropertyNotImplementedError, all_changes

from . import _core


class MTP(Calculator):
    """ASE calculator for an MLIP-2 Moment Tensor Potential (``.mtp`` file), evaluated by mdrun's engine.

    Parameters
    ----------
    potential : str or path
        The ``.mtp`` file (MLIP-2 text format, as written by ``mlp train``).
    elements : sequence of str
        Element of each MTP species index, in order (species 0, 1, ...): the same list as
        ``[potential].elements`` in an mdrun config. Atoms of other elements are an error.
    skin : float
        Neighbour-list skin (Å). The list is reused while no atom moved more than skin/2 and the cell is
        unchanged; results are bit-identical to a fresh evaluation either way (``mdrun calc-efs``).
    arithmetic : str
        ``"fma"`` (default; fused multiply-add where the CPU has AVX2+FMA, as ``mdrun calc-efs``) or
        ``"exact"`` (no contraction, bitwise reproducible); they differ by round-off below 1e-10 relative.

    Results: ``energy`` and ``free_energy`` (eV), ``forces`` (eV/Å), ``stress`` (eV/Å³, ASE sign:
    positive = tensile; Voigt order xx yy zz yz xz xy; only for cells periodic in all three directions),
    ``energies`` (per-atom site energies, eV; they sum to the energy), and ``virial`` (the 3x3 virial
    W = -dE/dε in eV, MLIP's PlusStress). ``close_pairs`` counts pairs closer than the potential's
    min_dist, where an MTP extrapolates; a warning is issued when there are any.

    The engine's evaluation runs without the GIL and with OpenMP threads (OMP_NUM_THREADS).
    """

    implemented_properties = ["energy", "free_energy", "forces", "stress", "energies"]
    default_parameters = {}
    nolabel = True

    def __init__(self, potential, elements, skin=1.0, warn_close_pairs=True, arithmetic="fma", **kwargs):
        super().__init__(**kwargs)
        self.potential = str(potential)
        self.elements = [str(e) for e in elements]
        if len(set(self.elements)) != len(self.elements):
            raise ValueError(f"elements lists an element twice: {self.elements}")
        self._type_of = {e: k for k, e in enumerate(self.elements)}
        self._eval = _core.MtpEvaluator(self.potential, len(self.elements), float(skin), str(arithmetic))
        self.warn_close_pairs = warn_close_pairs

    @property
    def cutoff(self):
        """Interaction range of the potential (Å, MTP max_dist)."""
        return self._eval.cutoff

    @property
    def min_dist(self):
        """Shortest distance the potential was fitted for (Å, MTP min_dist)."""
        return self._eval.min_dist

    @property
    def neighbor_list_builds(self):
        """How many times the neighbour list was built (a measure of reuse)."""
        return self._eval.neighbor_list_builds

    def _types(self, atoms):
        symbols = atoms.get_chemical_symbols()
        try:
            return np.fromiter((self._type_of[s] for s in symbols), dtype=np.int32, count=len(symbols))
        except KeyError as e:
            raise ValueError(
                f"the structure contains {e.args[0]}, which the potential {self.potential} lacks "
                f"(elements = {self.elements})") from None

    def calculate(self, atoms=None, properties=("energy",), system_changes=all_changes):
        super().calculate(atoms, properties, system_changes)
        atoms = self.atoms
        pbc = [bool(p) for p in atoms.pbc]
        want_site = "energies" in properties
        r = self._eval.compute(np.ascontiguousarray(atoms.positions, dtype=float), self._types(atoms),
                               np.ascontiguousarray(atoms.cell.array, dtype=float), pbc, True)
        W = r["virial"]
        self.results["energy"] = r["energy"]
        self.results["free_energy"] = r["energy"]
        self.results["forces"] = r["forces"]
        self.results["energies"] = r["energies"]
        self.results["virial"] = W
        self.results["close_pairs"] = r["close_pairs"]
        if all(pbc):
            vol = abs(np.linalg.det(atoms.cell.array))
            self.results["stress"] = -np.array([W[0, 0], W[1, 1], W[2, 2], W[1, 2], W[0, 2], W[0, 1]]) / vol
        elif "stress" in properties:
            raise PropertyNotImplementedError("stress needs a cell that is periodic in all three directions")
        if r["close_pairs"] > 0 and self.warn_close_pairs:
            warnings.warn(
                f"mdrun.MTP: {r['close_pairs']} ordered pair(s) closer than the potential's min_dist "
                f"{self.min_dist:g} Å (closest {r['close_r']:.4g} Å, atoms {r['close_i']} and {r['close_j']}): "
                "the potential extrapolates there", RuntimeWarning, stacklevel=2)
        del want_site  # site energies cost almost nothing extra: always computed
