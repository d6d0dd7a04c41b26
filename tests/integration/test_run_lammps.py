"""`mdrun config.toml` end to end against the LAMMPS reference runs b (fix nvt) and c (fix nvt, Cl
frozen): temperature, potential energy and conserved energy at every thermo step (every 100 steps, 1000
steps) agree to <= 1e-8 relative; the thermo.csv header is exactly config.md's; frozen Cl never move."""
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


# case b columns: Step Time Temp KinEng PotEng TotEng Press Ecouple Econserve
d = check_case("case_b_nvt_nhc", "nacl216_seed20240501.data", "[]",
               {"temperature_K": 2, "kinetic_eV": 3, "potential_eV": 4, "total_eV": 5, "pressure_bar": 6,
                "conserved_eV": 8})
h.cleanup(d)

# case c columns: Step Time Temp c_Tall KinEng PotEng TotEng Press Ecouple Econserve
d = check_case("case_c_nvt_frozenCl", "nacl216_frozenCl_seed20240502.data", '["Cl"]',
               {"temperature_K": 2, "kinetic_eV": 4, "potential_eV": 5, "total_eV": 6, "conserved_eV": 9})
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
