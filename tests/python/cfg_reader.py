"""A small independent reader of MLIP .cfg files (for comparing against MLIP-2 reference outputs)."""
import numpy as np


def read_cfg(path):
    out = []
    lines = open(path).read().splitlines()
    i = 0
    while i < len(lines):
        if lines[i].strip() != "BEGIN_CFG":
            i += 1
            continue
        c = {"lattice": None}
        i += 1
        while lines[i].strip() != "END_CFG":
            t = lines[i].strip()
            if t == "Size":
                n = int(lines[i + 1])
                i += 2
                continue
            if t == "Supercell":
                rows = []
                i += 1
                while len(lines[i].split()) == 3 and not lines[i].strip().startswith("AtomData"):
                    rows.append([float(x) for x in lines[i].split()])
                    i += 1
                c["lattice"] = np.array(rows)
                continue
            if t.startswith("AtomData:"):
                cols = t.split()[1:]
                rows = [lines[i + 1 + k].split() for k in range(n)]
                a = np.array(rows, dtype=float)
                c["type"] = a[:, cols.index("type")].astype(int)
                c["pos"] = a[:, [cols.index(x) for x in ("cartes_x", "cartes_y", "cartes_z")]]
                if "fx" in cols:
                    c["force"] = a[:, [cols.index(x) for x in ("fx", "fy", "fz")]]
                if "site_en" in cols:
                    c["site_en"] = a[:, cols.index("site_en")]
                i += n + 1
                continue
            if t == "Energy":
                c["energy"] = float(lines[i + 1])
                i += 2
                continue
            if t.startswith("PlusStress"):
                c["plus_stress"] = np.array([float(x) for x in lines[i + 1].split()])
                i += 2
                continue
            i += 1
        out.append(c)
        i += 1
    return out


def atoms_from_cfg(c, elements):
    from ase import Atoms

    lat = c["lattice"]
    if lat is None:
        return Atoms([elements[t] for t in c["type"]], positions=c["pos"], pbc=False)
    return Atoms([elements[t] for t in c["type"]], positions=c["pos"], cell=lat, pbc=True)
