"""ASE workflows with mdrun.MTP: a relaxation (atoms, and atoms + cell) and a few steps of ASE MD compared
with the same steps run by mdrun's own integrator."""
import os

import numpy as np
import pytest
from ase.optimize import BFGS

import mdrun
from cfg_reader import atoms_from_cfg, read_cfg

NACL4 = ["Na", "Al", "Cl"]


def _nacl4(data_dir, name="structure_24_b6167.cfg"):
    d = os.path.join(data_dir, "mtp/NaAlCl4_tensornet_lev08")
    return atoms_from_cfg(read_cfg(os.path.join(d, name))[0], NACL4), os.path.join(d, "pot.mtp")


def test_bfgs_relaxation_converges_and_calc_efs_agrees(tmp_path, data_dir, run_cli):
    atoms, pot = _nacl4(data_dir)
    atoms.rattle(0.05, seed=1)
    calc = mdrun.MTP(pot, NACL4)
    atoms.calc = calc
    e0 = atoms.get_potential_energy()
    opt = BFGS(atoms, logfile=None)
    assert opt.run(fmax=0.005, steps=300)
    assert atoms.get_potential_energy() < e0
    assert calc.neighbor_list_builds < opt.nsteps  # the list is kept across most steps
    # The command line, on the relaxed positions, sees the same forces.
    cfg = tmp_path / "relaxed.cfg"
    with open(cfg, "w") as fh:
        fh.write(f"BEGIN_CFG\n Size\n    {len(atoms)}\n Supercell\n")
        for r in atoms.cell.array:
            fh.write(f"    {r[0]!r} {r[1]!r} {r[2]!r}\n")
        fh.write(" AtomData:  id type cartes_x cartes_y cartes_z\n")
        for i, (s, x) in enumerate(zip(atoms.get_chemical_symbols(), atoms.positions)):
            fh.write(f"    {i + 1} {NACL4.index(s)} {x[0]!r} {x[1]!r} {x[2]!r}\n")
        fh.write("END_CFG\n")
    run_cli("calc-efs", pot, cfg, tmp_path / "out.cfg")
    ref = read_cfg(tmp_path / "out.cfg")[0]
    assert np.array_equal(ref["force"], atoms.get_forces())
    assert np.max(np.linalg.norm(ref["force"], axis=1)) < 0.005


def test_cell_relaxation_reaches_zero_stress(data_dir):
    """Na2O 3-atom primitive cell with the NaO MTP: atoms and cell relaxed together (ExpCellFilter uses the
    stress; a wrong sign or unit would not converge to zero stress)."""
    try:
        from ase.filters import ExpCellFilter
    except ImportError:
        from ase.constraints import ExpCellFilter
    d = os.path.join(data_dir, "mtp/NaO_lev16")
    atoms = atoms_from_cfg(read_cfg(os.path.join(d, "input.cfg"))[1], ["Na", "O"])  # rattled, triclinic
    atoms.calc = mdrun.MTP(os.path.join(d, "pot.mtp"), ["Na", "O"])
    v0, e0 = atoms.get_volume(), atoms.get_potential_energy()
    opt = BFGS(ExpCellFilter(atoms), logfile=None)
    assert opt.run(fmax=1e-3, steps=400)
    s = atoms.get_stress()
    assert np.max(np.abs(s)) < 1e-3 / atoms.get_volume() ** (1 / 3) * 10  # eV/Å^3: near zero
    assert atoms.get_potential_energy() < e0 and abs(atoms.get_volume() - v0) > 1e-3


def test_ase_md_matches_mdrun_nve(tmp_path, data_dir):
    """20 steps of ASE's VelocityVerlet with mdrun.MTP and 20 steps of `mdrun` NVE from the same state."""
    from ase.md.velocitydistribution import MaxwellBoltzmannDistribution
    from ase.md.verlet import VelocityVerlet
    from ase.units import fs

    atoms, pot = _nacl4(data_dir, "supercell_b6167.cfg")
    MaxwellBoltzmannDistribution(atoms, temperature_K=300, rng=np.random.default_rng(4))
    start = atoms.copy()
    atoms.calc = mdrun.MTP(pot, NACL4)
    e0 = atoms.get_total_energy()
    dyn = VelocityVerlet(atoms, timestep=1.0 * fs, logfile=None)
    dyn.run(20)
    assert abs(atoms.get_total_energy() - e0) < 1e-3  # NVE: energy kept

    cfg = {
        "structure": {"atoms": start},
        "potential": {"kind": "mtp", "file": pot, "elements": NACL4},
        "md": {"ensemble": "nve", "timestep_fs": 1.0, "steps": 20, "velocities": "file"},
        "output": {"directory": str(tmp_path / "nve"), "thermo_every": 10, "trajectory_every": 20,
                   "checkpoint_every": 0},
    }
    mdrun.run(cfg, progress=False)
    last = mdrun.read_trajectory(tmp_path / "nve" / "trajectory.h5md", index=-1)
    assert last.info["step"] == 20
    assert np.max(np.abs(last.positions - atoms.positions)) < 1e-8
    assert np.max(np.abs(last.get_velocities() - atoms.get_velocities())) < 1e-8
