#!/usr/bin/env python3
"""Every verified crystal in tests/data/structures, read by mdrun and checked against the independent
pymatgen verification (verification.json): atom count, cell lengths and angles, volume, density (with mdrun's
built-in atomic weights), shortest interatomic distance; POSCAR and the ASE-written extxyz of each give the
same structure; `--replicate` of the unit cell gives the published supercell. mdrun's output (extxyz) is read
with ASE. Exit 77 when ASE/numpy are missing."""
import json
import os
import subprocess
import sys
import tempfile

try:
    import numpy as np
    import ase.io
    from ase.geometry import get_distances
except ImportError as e:  # pragma: no cover
    print(f"skipping: {e}")
    sys.exit(77)

MDRUN = os.environ["MDRUN_BIN"]
DIR = os.path.join(os.environ.get("MDRUN_TEST_DATA") or os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data"),
                   "structures")
AMU_PER_A3_TO_G_CM3 = 1.66053906660


def convert(src, dst, *opts):
    r = subprocess.run([MDRUN, "convert", src, dst, *opts], capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"mdrun convert {src} failed:\n{r.stderr}")
    return ase.io.read(dst)


def check(cond, msg):
    if not cond:
        raise SystemExit("FAIL " + msg)


def same_structure(a, b, tol, what):
    check(sorted(a.get_chemical_symbols()) == sorted(b.get_chemical_symbols()), f"{what}: composition")
    check(np.allclose(a.cell[:], b.cell[:], atol=tol, rtol=0), f"{what}: cell")
    fb = b.get_scaled_positions()
    worst = 0.0
    for s, x in zip(a.get_chemical_symbols(), a.get_scaled_positions()):
        d = fb[[t == s for t in b.get_chemical_symbols()]] - x
        d -= np.round(d)
        worst = max(worst, np.min(np.linalg.norm(d @ b.cell[:], axis=1)))
    check(worst < tol, f"{what}: an atom is {worst:.2e} Å from its counterpart")
    return worst


def main():
    ver = json.load(open(os.path.join(DIR, "verification.json")))
    tmp = tempfile.mkdtemp(prefix="mdrun_structures_")
    for name, v in ver.items():
        base = os.path.join(DIR, name)
        a = convert(base + ".POSCAR", os.path.join(tmp, name + ".extxyz"))
        check(len(a) == v["natoms"], f"{name}: {len(a)} atoms, expected {v['natoms']}")
        par = a.cell.cellpar()
        check(np.allclose(par[:3], v["abc"], atol=1e-4), f"{name}: cell lengths {par[:3]} vs {v['abc']}")
        check(np.allclose(par[3:], v["angles"], atol=1e-2), f"{name}: angles {par[3:]} vs {v['angles']}")
        vol = a.get_volume()
        check(abs(vol - v["volume"]) < 1e-2, f"{name}: volume {vol} vs {v['volume']}")
        rho = a.get_masses().sum() / vol * AMU_PER_A3_TO_G_CM3
        check(abs(rho - v["density_g_cm3"]) < 5e-4 * v["density_g_cm3"], f"{name}: density {rho} vs {v['density_g_cm3']}")
        _, dist = get_distances(a.positions, cell=a.cell, pbc=True)
        dist[np.diag_indices_from(dist)] = np.inf
        check(abs(dist.min() - v["min_dist"]) < 1e-3, f"{name}: shortest distance {dist.min()} vs {v['min_dist']}")
        # The same crystal from the ASE-written extxyz.
        x = convert(base + ".extxyz", os.path.join(tmp, name + "_x.extxyz"))
        same_structure(a, x, 1e-6, f"{name}: POSCAR vs extxyz")
        # replicate = the published supercell.
        sc = v["supercell"]
        if sc != [1, 1, 1]:
            tag = "".join(str(k) for k in sc)
            r = convert(base + ".POSCAR", os.path.join(tmp, name + "_rep.extxyz"), "--replicate", ",".join(map(str, sc)))
            ref = ase.io.read(f"{base}_sc{tag}.POSCAR", format="vasp")
            check(len(r) == v["supercell_natoms"], f"{name}: supercell atom count")
            w = same_structure(ref, r, 1e-8, f"{name}: replicate {sc} vs {name}_sc{tag}.POSCAR")
            print(f"ok   {name}: replicate {sc} = published supercell (worst {w:.1e} Å)")
        print(f"ok   {name}: {len(a)} atoms, V = {vol:.3f} Å³, rho = {rho:.4f} g/cm³, d_min = {dist.min():.4f} Å")
    print("OK")


if __name__ == "__main__":
    main()
