"""`mdrun config.toml` end to end against the LAMMPS reference runs: a1 (NVE, born) and a2 (NVE,
born/coul/dsf) thermo at every step and H5MD positions/velocities (written every step) vs traj.dump at the
13 frames kept in the repository, steps 0, 1, 2, 10, ..., 100 (<= 1e-9 relative); b (fix nvt) and c (fix nvt, Cl frozen): temperature, potential energy and conserved energy
(also KE, total, pressure) at every thermo step (every 100 steps, 1000 steps) agree to <= 1e-8 relative;
the thermo.csv header is exactly config.md's; frozen Cl never move."""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
import run_helpers as h  # noqa: E402

h.require_env()

COLUMNS = ["step", "time_ps", "temperature_K", "kinetic_eV", "potential_eV", "total_eV", "conserved_eV",
           "pressure_bar"]


def check_case(case, data, freeze, ref_cols):
    d = h.tempdir()
    try:
        md = f"""ensemble = "nvt"
timestep_fs = 1.0
steps = 1000
temperature_K = 600.0
tdamp_fs = 100.0
chain = 3
tloop = 1
velocities = "file"
neighbor_skin = 2.0
freeze = {freeze}"""
        cfg = h.nacl_config(os.path.join(h.LAMMPS, "data", data), md,
                            "thermo_every = 100\ntrajectory_every = 0\ncheckpoint_every = 0")
        h.run(d, cfg)
        header, got = h.read_thermo(os.path.join(d, "out", "thermo.csv"))
        assert header[:8] == COLUMNS, header
        ref = np.loadtxt(os.path.join(h.LAMMPS, case, "thermo.dat"))
        ref = {int(r[0]): r for r in ref}
        assert [int(s) for s in got[:, 0]] == list(range(0, 1001, 100)), got[:, 0]
        worst = 0.0
        for row in got:
            r = ref[int(row[0])]
            assert abs(row[1] - r[1]) < 1e-15
            for col, rc in ref_cols.items():
                rel = abs(row[header.index(col)] - r[rc]) / abs(r[rc])
                worst = max(worst, rel)
                assert rel <= 1e-8, (case, int(row[0]), col, row[header.index(col)], r[rc], rel)
        print(f"{case}: worst relative deviation from LAMMPS {worst:.3g}")
        return d
    except BaseException:
        h.cleanup(d)
        raise


def read_dump(path):
    """traj.dump frames: {step: array (N, 12) sorted by id}."""
    frames, lines, i = {}, open(path).read().split("\n"), 0
    while i < len(lines) and lines[i].startswith("ITEM: TIMESTEP"):
        step, n = int(lines[i + 1]), int(lines[i + 3])
        frames[step] = np.array([[float(x) for x in l.split()] for l in lines[i + 9:i + 9 + n]])
        i += 9 + n
    return frames


def check_nve(case, coulomb):
    import h5py
    d = h.tempdir()
    try:
        md = 'ensemble = "nve"\ntimestep_fs = 1.0\nsteps = 100\nvelocities = "file"\nneighbor_skin = 2.0'
        cfg = h.nacl_config(os.path.join(h.LAMMPS, "data", "nacl216_seed20240501.data"), md,
                            "thermo_every = 1\ntrajectory_every = 1\ncheckpoint_every = 0")
        if not coulomb:
            cfg = cfg.replace("alpha = 0.2\ncoulomb = true", "coulomb = false")
        h.run(d, cfg)
        header, got = h.read_thermo(os.path.join(d, "out", "thermo.csv"))
        ref = np.loadtxt(os.path.join(h.LAMMPS, case, "thermo.dat"))  # Step Time Temp KinEng PotEng E_vdwl E_coul TotEng Press
        assert got.shape[0] == 101 and np.array_equal(got[:, 0], ref[:, 0])
        worst = 0.0
        for col, rc in {"temperature_K": 2, "kinetic_eV": 3, "potential_eV": 4, "total_eV": 7, "pressure_bar": 8}.items():
            rel = np.abs(got[:, header.index(col)] - ref[:, rc]) / np.abs(ref[:, rc])
            worst = max(worst, rel.max())
            assert rel.max() <= 1e-9, (case, col, rel.max())
        dump = read_dump(os.path.join(h.LAMMPS, case, "traj.dump"))
        with h5py.File(os.path.join(d, "out", "trajectory.h5md"), "r") as f:
            steps = f["particles/all/position/step"][()]
            pos = f["particles/all/position/value"][()]
            vel = f["particles/all/velocity/value"][()]
        assert list(steps) == list(range(101))
        assert sorted(dump) == [0, 1, 2] + list(range(10, 101, 10)), sorted(dump)
        for k, s in enumerate(steps):
            if int(s) not in dump:
                continue
            r = dump[int(s)]
            dp = np.abs(pos[k] - r[:, 2:5]).max() / np.abs(r[:, 2:5]).max()
            dv = np.abs(vel[k] - r[:, 5:8]).max() / np.abs(r[:, 5:8]).max()
            worst = max(worst, dp, dv)
            assert dp <= 1e-9 and dv <= 1e-9, (case, s, dp, dv)
        print(f"{case}: thermo at all 101 steps, positions/velocities at {len(dump)} steps, worst relative deviation {worst:.3g}")
    finally:
        h.cleanup(d)


check_nve("case_a1_nve_born", coulomb=False)
check_nve("case_a2_nve_born_dsf", coulomb=True)

# case b columns: Step Time Temp KinEng PotEng TotEng Press Ecouple Econserve
d = check_case("case_b_nvt_nhc", "nacl216_seed20240501.data", "[]",
               {"temperature_K": 2, "kinetic_eV": 3, "potential_eV": 4, "total_eV": 5, "pressure_bar": 6,
                "conserved_eV": 8})
h.cleanup(d)

# case c columns: Step Time Temp c_Tall KinEng PotEng TotEng Press Ecouple Econserve
d = check_case("case_c_nvt_frozenCl", "nacl216_frozenCl_seed20240502.data", '["Cl"]',
               {"temperature_K": 2, "kinetic_eV": 4, "potential_eV": 5, "total_eV": 6, "pressure_bar": 7,
                "conserved_eV": 9})
try:
    # Frozen Cl positions never change: the final structure has them bit-identical to the data file
    # (written wrapped, and the input positions are inside the box).
    import ase.io
    final = ase.io.read(os.path.join(d, "out", "final.extxyz"))
    lines = open(os.path.join(h.LAMMPS, "data", "nacl216_frozenCl_seed20240502.data")).read().split("\n")
    start = next(i for i, l in enumerate(lines) if l.startswith("Atoms"))
    atoms = []
    for l in lines[start + 2:]:
        if not l.strip():
            break
        atoms.append([float(x) for x in l.split()[:6]])
    atoms = np.array(sorted(atoms, key=lambda a: a[0]))
    cl = atoms[:, 1] == 2
    assert np.array_equal(final.get_atomic_numbers()[cl], np.full(cl.sum(), 17))
    dev = np.abs(final.positions[cl] - atoms[cl, 3:6]).max()
    assert dev < 1e-12, dev
    print(f"frozen Cl: max position change {dev:.3g} Å")
finally:
    h.cleanup(d)
print("OK")
