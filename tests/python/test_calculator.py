"""mdrun.MTP (ASE calculator) against `mdrun calc-efs` (bit for bit) and MLIP-2 `mlp calc-efs` references."""
import os
import threading

import numpy as np
import pytest
from ase.calculators.calculator import PropertyNotImplementedError

import mdrun
from cfg_reader import atoms_from_cfg, read_cfg

NACL4 = ("mtp/NaAlCl4_tensornet_lev08", ["Na", "Al", "Cl"])
NAO = ("mtp/NaO_lev16", ["Na", "O"])
CASES = [
    (NAO, "input.cfg", "reference_mlp.cfg"),
    (NACL4, "structure_24_b6167.cfg", "structure_24_b6167_reference_mlp.cfg"),
    (NACL4, "supercell_b6167.cfg", "supercell_b6167_reference_mlp.cfg"),
    (NACL4, "ev_scan.cfg", "ev_scan_reference_mlp.cfg"),
]


def _evaluate(calc, atoms):
    atoms.calc = calc
    return atoms.get_potential_energy(), atoms.get_forces(), calc.results["virial"].copy(), atoms.get_potential_energies()


@pytest.mark.parametrize("pot,inp,ref", CASES, ids=[c[1] for c in CASES])
def test_bitwise_equal_to_calc_efs_and_close_to_mlip(tmp_path, data_dir, run_cli, pot, inp, ref):
    folder, elements = pot
    d = os.path.join(data_dir, folder)
    out = tmp_path / "out.cfg"
    run_cli("calc-efs", os.path.join(d, "pot.mtp"), os.path.join(d, inp), out, "--site-energies")
    ours_cli = read_cfg(out)
    mlip = read_cfg(os.path.join(d, ref))
    calc = mdrun.MTP(os.path.join(d, "pot.mtp"), elements)
    assert len(ours_cli) == len(mlip) > 0
    for k, (c, m) in enumerate(zip(ours_cli, mlip)):
        atoms = atoms_from_cfg(c, elements)
        e, f, w, site = _evaluate(calc, atoms)
        # Bit for bit with the command line (its cfg output has 17 significant digits: exact round trip).
        assert e == c["energy"], (k, e, c["energy"])
        assert np.array_equal(f, c["force"]), k
        assert np.array_equal([w[0, 0], w[1, 1], w[2, 2], w[1, 2], w[0, 2], w[0, 1]], c["plus_stress"]), k
        assert np.array_equal(site, c["site_en"]), k
        # MLIP-2 itself: round-off only.
        n = len(atoms)
        assert abs(e - m["energy"]) <= 1e-10 * n, (k, e - m["energy"])
        assert np.max(np.abs(f - m["force"])) <= 1e-10
        assert np.max(np.abs(c["plus_stress"] - m["plus_stress"])) <= 1e-9 * n
        assert abs(site.sum() - e) <= 1e-10 * n


def test_ase_stress_sign_and_units_vs_finite_differences(data_dir):
    folder, elements = NACL4
    d = os.path.join(data_dir, folder)
    c = read_cfg(os.path.join(d, "structure_24_b6167.cfg"))[0]
    atoms = atoms_from_cfg(c, elements)
    atoms.rattle(0.02, seed=3)
    atoms.calc = mdrun.MTP(os.path.join(d, "pot.mtp"), elements)
    s = atoms.get_stress()
    # ASE's own finite-difference stress (positive = tensile, eV/Å^3, Voigt xx yy zz yz xz xy).
    num = atoms.calc.calculate_numerical_stress(atoms, d=1e-5)
    assert np.max(np.abs(s - num)) < 1e-6, (s, num)
    # ...and the reference: ASE stress = -PlusStress / V.
    ref = read_cfg(os.path.join(d, "structure_24_b6167_reference_mlp.cfg"))[0]
    atoms0 = atoms_from_cfg(c, elements)
    atoms0.calc = mdrun.MTP(os.path.join(d, "pot.mtp"), elements)
    assert np.allclose(atoms0.get_stress(), -ref["plus_stress"] / atoms0.get_volume(), rtol=0, atol=1e-12)
    # Forces are -dE/dx (ASE finite differences).
    fnum = atoms.calc.calculate_numerical_forces(atoms, d=1e-5)
    assert np.max(np.abs(atoms.get_forces() - fnum)) < 1e-6


def test_nonperiodic_cluster_matches_calc_efs(tmp_path, data_dir, run_cli):
    """A cluster (no Supercell in the cfg, pbc=False in ASE) and a slab (pbc in x, y only)."""
    folder, elements = NACL4
    d = os.path.join(data_dir, folder)
    c = read_cfg(os.path.join(d, "structure_24_b6167.cfg"))[0]
    cluster = tmp_path / "cluster.cfg"
    with open(cluster, "w") as fh:
        fh.write(f"BEGIN_CFG\n Size\n    {len(c['type'])}\n AtomData:  id type cartes_x cartes_y cartes_z\n")
        for i, (t, x) in enumerate(zip(c["type"], c["pos"])):
            fh.write(f"    {i + 1} {t} {x[0]:.16e} {x[1]:.16e} {x[2]:.16e}\n")
        fh.write("END_CFG\n")
    out = tmp_path / "cluster_out.cfg"
    run_cli("calc-efs", os.path.join(d, "pot.mtp"), cluster, out)
    ref = read_cfg(out)[0]
    atoms = atoms_from_cfg(c, elements)
    atoms.pbc = False  # the cell is kept by ASE but no direction is periodic
    calc = mdrun.MTP(os.path.join(d, "pot.mtp"), elements)
    atoms.calc = calc
    assert atoms.get_potential_energy() == ref["energy"]
    assert np.array_equal(atoms.get_forces(), ref["force"])
    with pytest.raises(PropertyNotImplementedError):
        atoms.get_stress()
    # Slab: periodic in a and b only; equal to calc-efs with a zero third Supercell row.
    slab = atoms.copy()
    slab.pbc = [True, True, False]
    lat = c["lattice"].copy()
    lat[2] = 0.0
    slab_cfg = tmp_path / "slab.cfg"
    with open(slab_cfg, "w") as fh:
        fh.write(f"BEGIN_CFG\n Size\n    {len(slab)}\n Supercell\n")
        for r in lat:
            fh.write(f"    {r[0]:.16e} {r[1]:.16e} {r[2]:.16e}\n")
        fh.write(" AtomData:  id type cartes_x cartes_y cartes_z\n")
        for i, (t, x) in enumerate(zip(c["type"], c["pos"])):
            fh.write(f"    {i + 1} {t} {x[0]:.16e} {x[1]:.16e} {x[2]:.16e}\n")
        fh.write("END_CFG\n")
    run_cli("calc-efs", os.path.join(d, "pot.mtp"), slab_cfg, out)
    ref = read_cfg(out)[0]
    slab.calc = calc
    assert slab.get_potential_energy() == ref["energy"]
    assert np.array_equal(slab.get_forces(), ref["force"])
    assert slab.get_potential_energy() != atoms.get_potential_energy()


def test_neighbor_list_reuse_is_bitwise_equal_to_fresh_lists(data_dir):
    folder, elements = NACL4
    d = os.path.join(data_dir, folder)
    c = read_cfg(os.path.join(d, "supercell_b6167.cfg"))[0]
    atoms = atoms_from_cfg(c, elements)
    reuse = mdrun.MTP(os.path.join(d, "pot.mtp"), elements, skin=1.0)
    rng = np.random.default_rng(11)
    for step in range(12):
        atoms.positions += rng.normal(0, 0.01, atoms.positions.shape)  # small moves: list kept
        if step == 6:
            atoms.positions[0] += atoms.cell[0] * 1.0 + [0.0, 0.0, 0.01]  # an atom crosses the cell boundary
        e1, f1, w1, _ = _evaluate(reuse, atoms)
        fresh = mdrun.MTP(os.path.join(d, "pot.mtp"), elements, skin=0.0)
        e2, f2, w2, _ = _evaluate(fresh, atoms.copy())
        assert e1 == e2 and np.array_equal(f1, f2) and np.array_equal(w1, w2), step
    assert reuse.neighbor_list_builds < 12, reuse.neighbor_list_builds
    # A changed cell forces a rebuild (and still agrees).
    before = reuse.neighbor_list_builds
    atoms.set_cell(atoms.cell * 1.01, scale_atoms=True)
    e1, f1, _, _ = _evaluate(reuse, atoms)
    assert reuse.neighbor_list_builds == before + 1
    fresh = mdrun.MTP(os.path.join(d, "pot.mtp"), elements, skin=0.0)
    assert _evaluate(fresh, atoms.copy())[0] == e1


def test_calculator_in_threads_gives_identical_results(data_dir):
    """The evaluation releases the GIL; evaluators in several Python threads at once agree with a serial one."""
    folder, elements = NACL4
    d = os.path.join(data_dir, folder)
    frames = [atoms_from_cfg(c, elements) for c in read_cfg(os.path.join(d, "ev_scan.cfg"))]
    serial = [mdrun.MTP(os.path.join(d, "pot.mtp"), elements).get_potential_energy(a.copy()) for a in frames]
    got = [None] * len(frames)

    def work(k):
        got[k] = mdrun.MTP(os.path.join(d, "pot.mtp"), elements).get_potential_energy(frames[k].copy())

    threads = [threading.Thread(target=work, args=(k,)) for k in range(len(frames))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert got == serial


def test_evaluation_lets_other_python_threads_run(data_dir):
    """The GIL is released during the C++ evaluation: another Python thread makes progress inside the call.

    With a switch interval of 100 s the interpreter never preempts the evaluating thread on its own, so the
    counter of the main thread can only move between the two reads around the call if the call released
    the GIL. (No timing is asserted: a held GIL gives exactly zero increments, a released one many.)"""
    import sys
    import time
    folder, elements = NACL4
    d = os.path.join(data_dir, folder)
    atoms = atoms_from_cfg(read_cfg(os.path.join(d, "supercell_b6167.cfg"))[0], elements).repeat((3, 3, 3))
    calc = mdrun.MTP(os.path.join(d, "pot.mtp"), elements)
    counter = [0]
    seen = {}
    done = threading.Event()

    def evaluate():
        atoms.calc = calc
        seen["before"] = counter[0]
        atoms.get_potential_energy()
        seen["after"] = counter[0]
        done.set()

    old = sys.getswitchinterval()
    sys.setswitchinterval(100.0)
    try:
        t = threading.Thread(target=evaluate)
        t.start()
        while not done.is_set():
            counter[0] += 1
            time.sleep(0.0005)  # sleeping releases the GIL, so the evaluating thread can take it back
        t.join()
    finally:
        sys.setswitchinterval(old)
    assert seen["after"] - seen["before"] > 0, "the main thread never ran during the evaluation: GIL held"


def test_clear_errors(data_dir, tmp_path):
    folder, elements = NACL4
    d = os.path.join(data_dir, folder)
    with pytest.raises(mdrun.MdrunError, match="3 species but 2 elements"):
        mdrun.MTP(os.path.join(d, "pot.mtp"), ["Na", "Cl"])
    with pytest.raises(mdrun.MdrunError, match="no_such.mtp"):
        mdrun.MTP(str(tmp_path / "no_such.mtp"), elements)
    from ase import Atoms

    calc = mdrun.MTP(os.path.join(d, "pot.mtp"), elements)
    with pytest.raises(ValueError, match="contains Br"):
        Atoms("NaBr", positions=[[0, 0, 0], [2.5, 0, 0]], calculator=calc).get_potential_energy()
