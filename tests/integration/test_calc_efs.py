"""`mdrun calc-efs` against MLIP-2's `mlp calc-efs` output for every reference pair in
tests/data/mtp/*/ (energy per atom 1e-9 eV, forces 1e-8 eV/Å, PlusStress 1e-8*max(1,|W|) eV),
site energies against reference_site_energies.csv, Feature lines copied, and the 16-digit layout."""
import csv
import glob
import os
import re
import subprocess
import sys
import tempfile


def read_cfg(path):
    """Minimal independent .cfg reader: list of dicts with pos/types/forces/energy/stress/features."""
    out = []
    with open(path) as f:
        lines = f.read().splitlines()
    i = 0
    while i < len(lines):
        if lines[i].strip() != "BEGIN_CFG":
            i += 1
            continue
        c = {"features": [], "forces": None, "energy": None, "stress": None, "site": None}
        i += 1
        while lines[i].strip() != "END_CFG":
            t = lines[i].split()
            if not t:
                i += 1
                continue
            if t[0] == "Size":
                n = int(lines[i + 1]); i += 2
            elif t[0] == "Supercell":
                i += 1
                while len(lines[i].split()) == 3 and not lines[i].split()[0].startswith("AtomData"):
                    i += 1
            elif t[0].startswith("AtomData"):
                cols = lines[i].replace("AtomData:", "").split()
                rows = [lines[i + 1 + a].split() for a in range(n)]
                i += 1 + n
                idx = {name: k for k, name in enumerate(cols)}
                c["types"] = [int(r[idx["type"]]) for r in rows]
                if "fx" in idx:
                    c["forces"] = [[float(r[idx[k]]) for k in ("fx", "fy", "fz")] for r in rows]
                if "site_en" in idx:
                    c["site"] = [float(r[idx["site_en"]]) for r in rows]
            elif t[0] == "Energy":
                c["energy"] = float(lines[i + 1]); i += 2
            elif t[0].startswith("PlusStress"):
                cols = lines[i].replace("PlusStress:", "").split()
                vals = [float(v) for v in lines[i + 1].split()]
                d = dict(zip(cols, vals))
                c["stress"] = [d[k] for k in ("xx", "yy", "zz", "yz", "xz", "xy")]
                i += 2
            elif t[0] == "Feature":
                c["features"].append(lines[i].split(None, 1)[1].split())
                i += 1
            else:
                raise RuntimeError(f"{path}:{i+1}: unexpected {t[0]}")
        c["n"] = n
        out.append(c)
        i += 1
    return out


def pairs(mtp_dir):
    for folder in sorted(glob.glob(os.path.join(mtp_dir, "*"))):
        if not os.path.isfile(os.path.join(folder, "pot.mtp")):
            continue
        for ref in sorted(glob.glob(os.path.join(folder, "*reference_mlp*.cfg"))):
            base = os.path.basename(ref)
            cands = []
            if base == "reference_mlp.cfg":
                cands = ["input.cfg", "test.cfg"]
            elif base.startswith("reference_mlp_"):
                cands = [base[len("reference_mlp_"):]]
            else:
                prefix = base[: -len("_reference_mlp.cfg")]
                cands = [prefix + ".cfg", prefix + "_input.cfg"]
            inp = next((os.path.join(folder, c) for c in cands if os.path.isfile(os.path.join(folder, c))), None)
            if inp is None:
                raise RuntimeError(f"no input found for {ref}")
            yield folder, inp, ref


def main():
    mdrun = os.environ.get("MDRUN_BIN")
    data = os.environ.get("MDRUN_TEST_DATA") or os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data")
    if not mdrun:
        print("MDRUN_BIN not set (run through ctest): skipped")
        return 77
    if not os.path.isdir(os.path.join(data, "mtp")):
        print(f"reference data missing: {data}/mtp")
        return 1
    failures = []
    n_checked = 0
    with tempfile.TemporaryDirectory() as tmp:
        for folder, inp, ref in pairs(os.path.join(data, "mtp")):
            out = os.path.join(tmp, "out.cfg")
            site_csv = os.path.join(folder, "reference_site_energies.csv")
            want_site = os.path.basename(inp) == "input.cfg" and os.path.isfile(site_csv)
            cmd = [mdrun, "calc-efs", os.path.join(folder, "pot.mtp"), inp, out] + (["--site-energies"] if want_site else [])
            p = subprocess.run(cmd, capture_output=True, text=True)
            if p.returncode != 0:
                failures.append(f"{' '.join(cmd)} failed: {p.stderr}")
                continue
            got, want, given = read_cfg(out), read_cfg(ref), read_cfg(inp)
            name = os.path.relpath(ref, data)
            if len(got) != len(want):
                failures.append(f"{name}: {len(got)} configurations, reference has {len(want)}")
                continue
            worst = [0.0, 0.0, 0.0]
            for k, (g, w, q) in enumerate(zip(got, want, given)):
                n = w["n"]
                de = abs(g["energy"] - w["energy"]) / n
                df = max(abs(a - b) for fa, fb in zip(g["forces"], w["forces"]) for a, b in zip(fa, fb))
                dw = max(abs(a - b) / max(1.0, abs(b)) for a, b in zip(g["stress"], w["stress"]))
                worst = [max(worst[0], de), max(worst[1], df), max(worst[2], dw)]
                if de > 1e-9 or df > 1e-8 or dw > 1e-8:
                    failures.append(f"{name} config {k}: |dE|/N={de:.2e} max|dF|={df:.2e} |dW|rel={dw:.2e}")
                if g["features"] != q["features"]:
                    failures.append(f"{name} config {k}: Feature lines {g['features']} != input {q['features']}")
                if g["types"] != w["types"]:
                    failures.append(f"{name} config {k}: types differ from the reference")
                n_checked += 1
            if want_site:
                with open(site_csv) as f:
                    rows = list(csv.DictReader(f))
                for row in rows:
                    k, a = int(row["config"]), int(row["atom_id"]) - 1
                    d = abs(got[k]["site"][a] - float(row["site_energy_eV"]))
                    if d > 1e-9:
                        failures.append(f"{name}: site energy config {k} atom {a+1} differs by {d:.2e} eV")
                        break
            # Number layout: 16 digits after the decimal point like mlp (e.g. -1.1344116401029765e+01).
            with open(out) as f:
                text = f.read().splitlines()
            for k, line in enumerate(text):
                if line.strip() == "Energy" and not re.fullmatch(r"    -?\d\.\d{16}e[+-]\d{2,3}", text[k + 1]):
                    failures.append(f"{name}: energy line not in mlp's 16-digit layout: {text[k + 1]!r}")
                    break
            print(f"{name}: {len(got)} configs, worst |dE|/N={worst[0]:.1e} eV, |dF|={worst[1]:.1e} eV/A, "
                  f"|dW|rel={worst[2]:.1e}" + (", site energies checked" if want_site else ""))
    for f in failures:
        print("FAIL:", f)
    print(f"{n_checked} configurations checked, {len(failures)} failures")
    return 1 if failures or n_checked == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
