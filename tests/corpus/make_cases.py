#!/usr/bin/env python3
"""Writes the malformed-input corpus: tests/corpus/cases/<group>/<name>/ with the input files of one case and
case.json = {"args": [...], "expect": [fragments of the error message], "status": "error" | "usage" | "no-crash"}.

Every case is a small, valid input with one thing broken (a key out of range, a count that lies, a truncated
file, a wrong option), so the expected message is specific. `@BASE@` in any file or argument stands for
tests/corpus/base (a small MTP, one .cfg); `@CASE@` for the case's own (temporary) directory. Checkpoint cases are
made at test time from a fresh checkpoint (the format may change), by tests/integration/test_malformed_corpus.py.

Run: python3 tests/corpus/make_cases.py   (rewrites tests/corpus/cases; the test checks that it is up to date)
"""
import json
import os
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CASES = os.path.join(HERE, "cases")

# NaCl rocksalt, 8 atoms, a = 5.64 Å (replicated 2x2x2 in the base config: 64 atoms).
POSCAR = """NaCl rocksalt
1.0
5.64 0.0 0.0
0.0 5.64 0.0
0.0 0.0 5.64
Na Cl
4 4
Direct
0.0 0.0 0.0
0.0 0.5 0.5
0.5 0.0 0.5
0.5 0.5 0.0
0.5 0.0 0.0
0.5 0.5 0.5
0.0 0.0 0.5
0.0 0.5 0.0
"""
FRAC = [l.split() for l in POSCAR.splitlines()[8:16]]
SYM = ["Na"] * 4 + ["Cl"] * 4
CART = [[float(x) * 5.64 for x in f] for f in FRAC]

EXTXYZ = "8\nLattice=\"5.64 0.0 0.0 0.0 5.64 0.0 0.0 0.0 5.64\" Properties=species:S:1:pos:R:3 pbc=\"T T T\"\n" + "".join(
    f"{s} {x:.4f} {y:.4f} {z:.4f}\n" for s, (x, y, z) in zip(SYM, CART))

LAMMPS = "NaCl\n\n8 atoms\n2 atom types\n\n0.0 5.64 xlo xhi\n0.0 5.64 ylo yhi\n0.0 5.64 zlo zhi\n\nMasses\n\n1 22.99\n2 35.45\n\nAtoms # charge\n\n" + "".join(
    f"{i + 1} {1 if s == 'Na' else 2} {1.0 if s == 'Na' else -1.0} {x:.4f} {y:.4f} {z:.4f}\n" for i, (s, (x, y, z)) in enumerate(zip(SYM, CART)))

CFG = "BEGIN_CFG\n Size\n    8\n Supercell\n    5.64 0.0 0.0\n    0.0 5.64 0.0\n    0.0 0.0 5.64\n AtomData:  id type cartes_x cartes_y cartes_z\n" + "".join(
    f"    {i + 1} {0 if s == 'Na' else 1} {x:.4f} {y:.4f} {z:.4f}\n" for i, (s, (x, y, z)) in enumerate(zip(SYM, CART))) + "END_CFG\n"

PAIRS = """pairs = [ { a = "Na", b = "Na", A = 0.263704, rho = 0.317, sigma = 2.340, C = 1.048573, D = -0.499321 },
          { a = "Na", b = "Cl", A = 0.210963, rho = 0.317, sigma = 2.755, C = 6.990490, D = -8.675698 },
          { a = "Cl", b = "Cl", A = 0.158222, rho = 0.317, sigma = 3.170, C = 72.40150, D = -145.4271 } ]"""

TABLES = {
    "structure": 'file = "nacl.POSCAR"\nreplicate = [2, 2, 2]',
    "potential": 'kind = "born-coul-dsf"\ncutoff = 5.0\nalpha = 0.2\ncharges = { Na = 1.0, Cl = -1.0 }\n' + PAIRS,
    "md": 'ensemble = "nvt"\ntimestep_fs = 1.0\nsteps = 2\ntemperature_K = 300.0\nseed = 1',
    "output": 'directory = "out"\nthermo_every = 1\ntrajectory_every = 0\nwrite_final = false',
}


def config(replace=None, extra="", drop=(), top=""):
    """The base config; `replace` = {table: {key: toml_value_text or None (drop)}}; `extra` appended."""
    out = []
    for t, body in TABLES.items():
        if t in drop:
            continue
        lines = body.split("\n")
        rep = (replace or {}).get(t, {})
        kept, done = [], set()
        dropping = False  # continuation lines (indented) of a replaced multi-line value go with it
        for ln in lines:
            if ln.startswith(" "):
                if not dropping:
                    kept.append(ln)
                continue
            k = ln.split("=")[0].strip() if "=" in ln else None
            dropping = k in rep
            if k in rep:
                done.add(k)
                if rep[k] is not None:
                    kept.append(f"{k} = {rep[k]}")
                continue
            kept.append(ln)
        for k, v in rep.items():
            if k not in done and v is not None:
                kept.append(f"{k} = {v}")
        out.append(f"[{t}]\n" + "\n".join(kept) + "\n")
    return top + "\n".join(out) + extra


cases = {}


def case(group, name, files, args, expect, status="error"):
    key = f"{group}/{name}"
    assert key not in cases, key
    cases[key] = (files, args, expect, status)


def run_case(group, name, cfg_text, expect, structure=("nacl.POSCAR", POSCAR), extra_files=None):
    files = {"config.toml": cfg_text}
    if structure:
        files[structure[0]] = structure[1]
    files.update(extra_files or {})
    case(group, name, files, ["config.toml", "--quiet"], expect)


# ---------------------------------------------------------------- config keys: types and ranges
BAD_NUMBER = {"string": '"abc"', "bool": "true", "array": "[1, 2]", "nan": "nan", "inf": "inf", "neg_inf": "-inf"}
RANGES = [  # table, key, [(label, value)], fragment
    ("md", "timestep_fs", [("zero", "0"), ("negative", "-1.0"), ("huge", "1e6")], "[md].timestep_fs"),
    ("md", "steps", [("negative", "-5"), ("huge", "100000000000000000")], "[md].steps"),
    ("md", "temperature_K", [("negative", "-5.0"), ("huge", "1e9")], "[md].temperature_K"),
    ("md", "tdamp_fs", [("zero", "0"), ("negative", "-100"), ("huge", "1e30"), ("below_timestep", "0.5")], "tdamp_fs"),
    ("md", "chain", [("zero", "0"), ("huge", "1000"), ("int_overflow", "4294967299")], "[md].chain"),
    ("md", "tloop", [("zero", "0"), ("huge", "100000")], "[md].tloop"),
    ("md", "seed", [("negative", "-1"), ("above_2p53", "9007199254740993")], "[md].seed"),
    ("md", "neighbor_skin", [("negative", "-0.1"), ("huge", "100")], "[md].neighbor_skin"),
    ("md", "max_displacement", [("zero", "0"), ("huge", "1e9")], "[md].max_displacement"),
    ("md", "min_distance", [("negative", "-1"), ("huge", "1e6"), ("ten", "10.0")], "[md].min_distance"),
    ("md", "pressure_bar", [("huge", "1e12")], "[md].pressure_bar"),
    ("md", "pdamp_fs", [("zero", "0"), ("huge", "1e30")], "[md].pdamp_fs"),
    ("md", "pchain", [("negative", "-1"), ("huge", "17")], "[md].pchain"),
    ("md", "ploop", [("zero", "0"), ("huge", "5000")], "[md].ploop"),
    ("output", "thermo_every", [("zero", "0"), ("negative", "-1"), ("huge", "10000000000000000")], "[output].thermo_every"),
    ("output", "trajectory_every", [("negative", "-1"), ("huge", "10000000000000000")], "[output].trajectory_every"),
    ("output", "checkpoint_every", [("negative", "-10"), ("huge", "10000000000000000")], "[output].checkpoint_every"),
    ("output", "progress_every_s", [("zero", "0"), ("huge", "1e30")], "[output].progress_every_s"),
    ("output", "max_output_GB", [("zero", "0"), ("negative", "-1")], "[output].max_output_GB"),
    ("potential", "cutoff", [("zero", "0"), ("negative", "-5"), ("huge", "1e4")], "[potential].cutoff"),
    ("potential", "alpha", [("negative", "-0.2"), ("huge", "1e3")], "[potential].alpha"),
]
for table, key, values, frag in RANGES:
    for label, v in values:
        run_case("config_range", f"{table}_{key}_{label}", config({table: {key: v}}), [frag])
NUMERIC = [("md", "timestep_fs"), ("md", "temperature_K"), ("md", "tdamp_fs"), ("md", "neighbor_skin"),
           ("md", "min_distance"), ("md", "max_displacement"), ("output", "progress_every_s"), ("potential", "cutoff"),
           ("potential", "alpha")]
for table, key in NUMERIC:
    for label in ("string", "bool", "nan", "inf"):
        run_case("config_type", f"{table}_{key}_{label}", config({table: {key: BAD_NUMBER[label]}}), [f"[{table}].{key}"])
for table, key in [("md", "steps"), ("md", "chain"), ("md", "seed"), ("output", "thermo_every"),
                   ("output", "trajectory_every"), ("output", "checkpoint_every")]:
    for label, v in (("string", '"10"'), ("fraction", "2.5"), ("bool", "false"), ("float_huge", "1e30")):
        run_case("config_type", f"{table}_{key}_{label}", config({table: {key: v}}), [f"[{table}].{key}"])
for table, key in [("md", "stop_on_close_pairs"), ("md", "mtk"), ("output", "write_final")]:
    run_case("config_type", f"{table}_{key}_int", config({table: {key: "1"}}), [f"[{table}].{key}", "true or false"])
for table, key, v, frag in [
    ("md", "ensemble", '"nvx"', "[md].ensemble must be one of"),
    ("md", "velocities", '"random"', "[md].velocities must be one of"),
    ("md", "barostat", '"isotropic"', "[md].barostat must be one of"),
    ("md", "couple", '"xyzw"', "[md].couple must be one of"),
    ("output", "trajectory_format", '"dcd"', "[output].trajectory_format must be one of"),
    ("structure", "format", '"cif"', "[structure].format must be one of"),
    ("md", "freeze", '"Na"', "[md].freeze must be an array of strings"),
    ("md", "freeze", '["Xx"]', "unknown element 'Xx'"),
    ("md", "freeze", '["Na", "Cl"]', "freezes every atom"),
    ("md", "freeze", '["K"]', "has no K atoms"),
    ("output", "directory", '""', "[output].directory must not be empty"),
    ("md", "temperature_K", None, "temperature_K is required"),
]:
    run_case("config_value", f"{table}_{key}_{v if v is None else ''.join(c for c in v if c.isalnum())[:12]}",
             config({table: {key: v}}), [frag])
# Replicate and remove: integers range-checked before narrowing.
for label, v, frag in [("zero", "[0, 1, 1]", "[structure].replicate"), ("huge", "[1001, 1, 1]", "[structure].replicate"),
                       ("int_overflow", "[4294967297, 1, 1]", "[structure].replicate"),
                       ("two", "[2, 2]", "array of three integers"), ("float", "[2.5, 1, 1]", "[structure].replicate"),
                       ("string", '"2x2x2"', "array of three integers"),
                       ("atoms_overflow", "[1000, 1000, 1000]", "atoms; mdrun supports at most")]:
    run_case("config_structure", f"replicate_{label}", config({"structure": {"replicate": v}}), [frag])
for label, v, frag in [("count_negative", '{ element = "Na", count = -1 }', "[structure].remove.count"),
                       ("count_too_many", '{ element = "Na", count = 1000 }', "exceeds"),
                       ("element_absent", '{ element = "K", count = 1 }', "[structure].remove.element"),
                       ("no_count", '{ element = "Na" }', "missing key [structure].remove.count"),
                       ("unknown_key", '{ element = "Na", count = 1, sed = 3 }', "did you mean 'seed'"),
                       ("seed_negative", '{ element = "Na", count = 1, seed = -3 }', "[structure].remove.seed")]:
    run_case("config_structure", f"remove_{label}", config({"structure": {"remove": v}}), [frag])
run_case("config_structure", "file_missing", config({"structure": {"file": '"nothere.POSCAR"'}}), ["nothere.POSCAR", "not found"])
run_case("config_structure", "file_is_directory", config({"structure": {"file": '"."'}}), ["[structure]"])
run_case("config_structure", "elements_not_strings", config({"structure": {"elements": "[1, 2]"}}), ["[structure].elements"])
# Unknown keys and tables, missing tables.
for t, k, near in [("md", "temprature_K", "temperature_K"), ("md", "timestep", "timestep_fs"), ("output", "thermo", "thermo_every"),
                   ("potential", "cutof", "cutoff"), ("structure", "fille", "file")]:
    run_case("config_keys", f"unknown_{t}_{k}", config({t: {k: "1"}}), [f"unknown key '[{t}].{k}'", f"did you mean '{near}'"])
run_case("config_keys", "unknown_table", config(extra="[mdd]\nsteps = 1\n"), ["unknown key 'mdd'"])
for t in ("structure", "potential", "md"):
    run_case("config_keys", f"missing_{t}", config(drop=(t,)), [f"missing table [{t}]"])
run_case("config_keys", "missing_steps", config({"md": {"steps": None}}), ["missing key [md].steps"])
run_case("config_keys", "md_not_table", config(drop=("md",), top="md = 3\n"), ["[md]"])
run_case("config_keys", "replica_not_array", config(top="replica = 3\n"), ["[[replica]]"])
run_case("config_keys", "replica_bad_name", config(extra='[[replica]]\nname = "../x"\n'), ["[[replica]] #1.name"])
run_case("config_keys", "replica_dup_name", config(extra='[[replica]]\nname = "a"\n[[replica]]\nname = "a"\n'), ["used by two replicas"])
run_case("config_keys", "replica_bad_override", config(extra='[[replica]]\ntimestep_fs = -1\n'), ["[[replica]] #1.timestep_fs"])
run_case("config_keys", "gpu_unknown_kernel", config(extra='[gpu]\nmtp_kernel = "block"\n'), ["[gpu].mtp_kernel must be one of"])
run_case("config_keys", "stage_steps_zero", config(extra='[[stage]]\nsteps = 0\n'), ["steps"])
run_case("config_keys", "stage_cell_mean_first", config(extra='[[stage]]\nsteps = 1\ncell = "mean"\n'), ["needs a previous stage"])
# TOML syntax.
for label, text in [("unclosed_table", "[md\nsteps = 1\n"), ("unclosed_string", config() + 'x = "abc\n'),
                    ("duplicate_key", config({"md": {"steps": "2\nsteps = 3"}})), ("bare_value", config() + "= 3\n"),
                    ("binary_garbage", "\x00\x01\x02\xff\xfe[md]\n"), ("empty", ""),
                    ("unbalanced_array", config({"md": {"freeze": '["Na"'}})), ("bad_escape", config() + 'x = "\\q"\n'),
                    ("nested_inline", config({"md": {"steps": "{ a = { b = "}})),
                    ("date_as_number", config({"md": {"timestep_fs": "1979-05-27"}}))]:
    expect = {"empty": ["missing table"], "date_as_number": ["[md].timestep_fs"]}.get(label, ["not valid TOML"])
    run_case("config_toml", label, text, expect)
# Potential tables.
PFX = "config_potential"
run_case(PFX, "kind_unknown", config({"potential": {"kind": '"born-coul"'}}), ['is not a known potential', 'known kinds: mtp, born-coul-dsf'])
run_case(PFX, "kind_missing", config({"potential": {"kind": None}}), ["[potential].kind is required"])
run_case(PFX, "pairs_missing", config({"potential": {"pairs": None}}), ["[potential].pairs is required"])
run_case(PFX, "pairs_not_array", config({"potential": {"pairs": "3"}}), ["[potential].pairs must be an array"])
run_case(PFX, "pair_missing_NaCl", config({"potential": {"pairs": '[ { a = "Na", b = "Na", A = 0.26, rho = 0.317 }, { a = "Cl", b = "Cl", A = 0.15, rho = 0.317 } ]'}}), ["no parameters for Na-Cl"])
run_case(PFX, "pair_twice", config({"potential": {"pairs": PAIRS.split("=", 1)[1].strip()[:-1] + ', { a = "Cl", b = "Na", A = 0.2, rho = 0.3 } ]'}}), ["given twice"])
for key, v in [("rho", "0"), ("rho", "-0.3"), ("rho", "1e3"), ("A", "1e20"), ("sigma", "-1"), ("C", "nan"), ("D", "inf")]:
    pairs = PAIRS.replace("rho = 0.317, sigma = 2.340, C = 1.048573, D = -0.499321",
                          {"rho": f"rho = {v}, sigma = 2.340, C = 1.048573, D = -0.499321",
                           "A": "rho = 0.317, sigma = 2.340, C = 1.048573, D = -0.499321"}.get(key, "rho = 0.317, sigma = 2.340, C = 1.048573, D = -0.499321").replace(f"{key} = 2.340" if key == "sigma" else f"{key} = 1.048573" if key == "C" else f"{key} = -0.499321" if key == "D" else "@@", f"{key} = {v}"))
    if key == "A":
        pairs = PAIRS.replace("A = 0.263704", f"A = {v}")
    run_case(PFX, f"pair_{key}_{''.join(c for c in v if c.isalnum())}", config({"potential": {"pairs": pairs.split("=", 1)[1].strip()}}), [f"[potential].pairs[1].{key}"])
run_case(PFX, "pair_unknown_element", config({"potential": {"pairs": '[ { a = "Xx", b = "Na", A = 1, rho = 0.3 } ]'}}), ["unknown element 'Xx'"])
run_case(PFX, "charges_missing_Cl", config({"potential": {"charges": "{ Na = 1.0 }"}}), ["no charge for Cl"])
run_case(PFX, "charges_huge", config({"potential": {"charges": "{ Na = 1e6, Cl = -1.0 }"}}), ["[potential].charges.Na"])
run_case(PFX, "charges_not_table", config({"potential": {"charges": "1.0"}}), ["[potential].charges must be a table"])
run_case(PFX, "alpha_missing", config({"potential": {"alpha": None}}), ["[potential].alpha (1/Å) is required"])
run_case(PFX, "mtp_file_missing", config({"potential": {"kind": '"mtp"', "file": '"none.mtp"', "elements": '["Na", "Cl"]',
                                             "cutoff": None, "alpha": None, "charges": None, "pairs": None}}), ["none.mtp", "cannot open"])
run_case(PFX, "mtp_elements_count", config({"potential": {"kind": '"mtp"', "file": '"@BASE@/pot.mtp"', "elements": '["Na"]',
                                               "cutoff": None, "alpha": None, "charges": None, "pairs": None}}), ["species_count = 2"])
run_case(PFX, "mtp_element_lacking", config({"potential": {"kind": '"mtp"', "file": '"@BASE@/pot.mtp"', "elements": '["Na", "O"]',
                                               "cutoff": None, "alpha": None, "charges": None, "pairs": None}}), ["the structure contains Cl"])
run_case(PFX, "mtp_extra_key", config({"potential": {"kind": '"mtp"', "file": '"@BASE@/pot.mtp"', "elements": '["Na", "Cl"]',
                                         "alpha": None, "charges": None, "pairs": None}}), ["unknown key '[potential].cutoff'"])
# [analysis] and [extrapolation].
AFX = "config_analysis"
for label, body, frag in [
    ("sample_every_zero", "sample_every = 0", "[analysis].sample_every"),
    ("sample_every_huge", "sample_every = 100000000000000000", "[analysis].sample_every"),
    ("start_ps_negative", "start_ps = -1", "[analysis].start_ps"),
    ("start_ps_nan", "start_ps = nan", "[analysis].start_ps"),
    ("drift_bad", 'drift = "all"', "[analysis].drift"),
    ("msd_block_one", "msd = { block = 1 }", "[analysis].msd.block"),
    ("msd_block_huge", "msd = { block = 100000 }", "[analysis].msd.block"),
    ("msd_block_int_overflow", "msd = { block = 4294967312 }", "[analysis].msd.block"),
    ("msd_ratio_above_block", "msd = { block = 8, ratio = 9 }", "[analysis].msd.ratio"),
    ("msd_ratio_int_overflow", "msd = { ratio = 4294967298 }", "[analysis].msd.ratio"),
    ("msd_not_table", "msd = true", "[analysis].msd must be a table"),
    ("msd_haven_blocks_two", "msd = { haven_blocks = 2 }", "[analysis].msd.haven_blocks"),
    ("msd_haven_blocks_huge", "msd = { haven_blocks = 4294967299 }", "[analysis].msd.haven_blocks"),
    ("msd_unknown_key", "msd = { blocks = 8 }", "did you mean 'block'"),
    ("bins_huge", 'orientation_density = { centers = ["Na"], bins = [10000, 10000] }', ".bins"),
    ("bins_int_overflow", 'orientation_density = { centers = ["Na"], bins = [4294967386, 180] }', ".bins"),
    ("bins_zero", 'orientation_density = { centers = ["Na"], bins = [0, 180] }', ".bins"),
    ("bins_three", 'orientation_density = { centers = ["Na"], bins = [9, 9, 9] }', ".bins"),
    ("vacf_lag_zero", "vacf = { max_lag_fs = 0 }", "[analysis].vacf.max_lag_fs"),
    ("vacf_lag_huge", "vacf = { max_lag_fs = 1e30 }", "[analysis].vacf.max_lag_fs"),
    ("hops_ta_below_window", "hops = { window_ps = 1.0, ta_ps = 0.5 }", "ta_ps must be larger than window_ps"),
    ("hops_a_huge", "hops = { a_A = 1e5 }", "[analysis].hops.a_A"),
    ("hops_tau_negative", "hops = { tau_v_ps = -1 }", "[analysis].hops.tau_v_ps"),
    ("reorientation_no_centers", "reorientation = { ligands = [\"Cl\"] }", "centers must list at least one"),
    ("reorientation_cutoff_huge", 'reorientation = { centers = ["Na"], bond_cutoff_A = 1e4 }', "bond_cutoff_A"),
    ("cna_shell_negative", 'cna_correlation = { centers = ["Na"], r_shell_A = -1 }', "r_shell_A"),
    ("cna_tau_nan", 'cna_correlation = { centers = ["Na"], tau_min_ps = nan }', "tau_min_ps"),
    ("fit_tmsd_zero", "fit_min_tmsd_A2 = 0", "fit_min_tmsd_A2"),
    ("site_distance_huge", "site_distance_A = 1e9", "site_distance_A"),
    ("tau_cls_inf", "tau_cls_ps = inf", "tau_cls_ps"),
    ("oxidation_huge", "oxidation_states = { Na = 1e9 }", "oxidation_states.Na"),
    ("oxidation_not_table", "oxidation_states = 1", "oxidation_states must be a table"),
    ("unknown_key", "sample_evry = 10", "did you mean 'sample_every'"),
    ("needs_centers", "angular_vacf = { max_lag_fs = 100 }", "need centers"),
]:
    run_case(AFX, label, config(extra="[analysis]\n" + body + "\n"), [frag])
for label, body, frag in [
    ("no_state", "every = 10", "[extrapolation].state is required"),
    ("every_zero", 'state = "s.als"\nevery = 0', "[extrapolation].every"),
    ("every_huge", 'state = "s.als"\nevery = 100000000000000000', "[extrapolation].every"),
    ("save_negative", 'state = "s.als"\nsave_above = -1', "[extrapolation].save_above"),
    ("stop_below_save", 'state = "s.als"\nsave_above = 5\nstop_above = 2', "[extrapolation].stop_above"),
    ("file_path", 'state = "s.als"\nfile = "../x.cfg"', "[extrapolation].file must be a plain file name"),
]:
    run_case("config_extrapolation", label, config(extra="[extrapolation]\n" + body + "\n"), [frag])
# Resource estimates: outputs and memory that cannot fit are refused before step 0 naming the key.
run_case("config_resources", "output_over_limit", config({"md": {"steps": "1000000"}, "output": {"trajectory_every": "1", "max_output_GB": "0.01"}}),
         ["[output].max_output_GB"])
run_case("config_resources", "trajectory_petabytes", config({"md": {"steps": "100000000000"}, "output": {"trajectory_every": "1"}}),
         ["of output", "[output].max_output_GB"])
run_case("config_resources", "vacf_memory", config({"md": {"steps": "10", "timestep_fs": "0.001"}}, extra="[analysis]\nsample_every = 1\nvacf = { max_lag_fs = 1e7 }\n"),
         ["[analysis]", "memory"])

# ---------------------------------------------------------------- structure files
def structure_case(group, name, fname, text, fmt, expect, elements=None):
    body = {"file": f'"{fname}"', "format": f'"{fmt}"', "replicate": None}
    if elements:
        body["elements"] = elements
    run_case(group, name, config({"structure": body}), [fname] + expect, structure=(fname, text))


P = POSCAR.split("\n")


def poscar_with(i, line):
    q = list(P)
    q[i] = line
    return "\n".join(q)


for label, text, frag in [
    ("empty", "", []), ("one_line", "NaCl\n", []), ("scale_text", poscar_with(1, "abc"), ["expected"]),
    ("scale_zero", poscar_with(1, "0.0"), []), ("scale_nan", poscar_with(1, "nan"), []),
    ("lattice_short", poscar_with(2, "5.64 0.0"), []), ("lattice_text", poscar_with(3, "0.0 x 0.0"), ["expected"]),
    ("lattice_singular", poscar_with(4, "0.0 5.64 0.0"), []), ("lattice_inf", poscar_with(2, "inf 0 0"), []),
    ("left_handed", poscar_with(4, "0.0 0.0 -5.64"), ["right-handed"]),
    ("counts_negative", poscar_with(6, "-4 4"), ["atom counts must be >= 0"]),
    ("counts_huge", poscar_with(6, "4000000000 4"), ["needs"]),
    ("counts_sum_overflow", poscar_with(6, "9223372036854775807 9223372036854775807"), ["atom count"]),
    ("counts_above_long", poscar_with(6, "99999999999999999999 4"), ["expected"]),
    ("counts_mismatch", poscar_with(6, "4 4 4"), ["atom counts"]), ("counts_zero", poscar_with(6, "0 0"), ["no atoms"]),
    ("counts_more_than_lines", poscar_with(6, "40 40"), ["needs"]), ("vasp4", "\n".join(P[:5] + P[6:]), ["element symbols"]),
    ("unknown_element", poscar_with(5, "Na Xx"), ["Xx"]), ("mode_bad", poscar_with(7, "Fractional"), ["'Direct' or 'Cartesian'"]),
    ("position_text", poscar_with(9, "0.0 abc 0.5"), ["expected"]), ("position_short", poscar_with(9, "0.0 0.5"), []),
    ("position_nan", poscar_with(9, "nan 0.5 0.5"), []), ("truncated", "\n".join(P[:12]), []),
    ("duplicate_atom", poscar_with(9, "0.0 0.0 0.0"), ["apart"]), ("binary", "\x00\xff\x10" * 50, []),
]:
    structure_case("poscar", label, "s.POSCAR", text, "poscar", frag)

X = EXTXYZ.split("\n")


def xyz_with(i, line):
    q = list(X)
    q[i] = line
    return "\n".join(q)


for label, text, frag in [
    ("empty", "", []), ("count_text", xyz_with(0, "eight"), ["number of atoms"]), ("count_zero", xyz_with(0, "0"), ["must be > 0"]),
    ("count_negative", xyz_with(0, "-8"), ["must be > 0"]), ("count_huge", xyz_with(0, "2500000000"), ["needs"]),
    ("count_above_long", xyz_with(0, "99999999999999999999"), []), ("count_more_than_lines", xyz_with(0, "9"), []),
    ("lattice_short", xyz_with(1, 'Lattice="5.64 0 0 0 5.64 0" Properties=species:S:1:pos:R:3'), ["Lattice must hold 9 numbers"]),
    ("lattice_text", xyz_with(1, 'Lattice="5.64 0 0 0 x 0 0 0 5.64" Properties=species:S:1:pos:R:3'), []),
    ("lattice_unclosed_quote", xyz_with(1, 'Lattice="5.64 0 0 0 5.64 0 0 0 5.64 Properties=species:S:1:pos:R:3'), []),
    ("properties_not_triples", xyz_with(1, 'Lattice="5.64 0 0 0 5.64 0 0 0 5.64" Properties=species:S:1:pos:R'), ["name:type:ncols"]),
    ("properties_bad_type", xyz_with(1, 'Lattice="5.64 0 0 0 5.64 0 0 0 5.64" Properties=species:S:1:pos:Q:3'), ["S, R, I or L"]),
    ("properties_zero_cols", xyz_with(1, 'Lattice="5.64 0 0 0 5.64 0 0 0 5.64" Properties=species:S:1:pos:R:0'), ["positive integer"]),
    ("properties_huge_cols", xyz_with(1, 'Lattice="5.64 0 0 0 5.64 0 0 0 5.64" Properties=species:S:1:pos:R:3:junk:R:2147483647'), ["junk"]),
    ("properties_no_pos", xyz_with(1, 'Lattice="5.64 0 0 0 5.64 0 0 0 5.64" Properties=species:S:1:x:R:3'), ["no pos:R:3"]),
    ("properties_no_species", xyz_with(1, 'Lattice="5.64 0 0 0 5.64 0 0 0 5.64" Properties=pos:R:3'), ["neither species"]),
    ("pos_wrong_width", xyz_with(1, 'Lattice="5.64 0 0 0 5.64 0 0 0 5.64" Properties=species:S:1:pos:R:2'), ["pos must be R:3"]),
    ("pbc_bad", xyz_with(1, 'Lattice="5.64 0 0 0 5.64 0 0 0 5.64" Properties=species:S:1:pos:R:3 pbc="T X T"'), ["pbc flags"]),
    ("pbc_no_lattice", xyz_with(1, 'Properties=species:S:1:pos:R:3 pbc="T T T"'), ["no Lattice"]),
    ("atom_short", xyz_with(3, "Na 0.0 0.0"), []), ("atom_text", xyz_with(3, "Na 0.0 zero 0.0"), []),
    ("atom_unknown_element", xyz_with(3, "Qq 0.0 0.0 0.0"), ["Qq"]), ("atom_inf", xyz_with(3, "Na inf 0.0 0.0"), []),
    ("truncated", "\n".join(X[:6]), []), ("binary", "8\n\x00\x01\x02\x03\n" + "\xff" * 64, []),
]:
    structure_case("extxyz", label, "s.extxyz", text, "extxyz", frag)

Lm = LAMMPS.split("\n")


def lmp_sub(old, new):
    assert old in LAMMPS, old
    return LAMMPS.replace(old, new, 1)


for label, text, frag in [
    ("empty", "", []), ("no_atoms_line", lmp_sub("8 atoms\n", ""), ["'N atoms'"]), ("atoms_zero", lmp_sub("8 atoms", "0 atoms"), ["'N atoms'"]),
    ("atoms_huge", lmp_sub("8 atoms", "3000000000 atoms"), ["atoms"]), ("atoms_text", lmp_sub("8 atoms", "eight atoms"), []),
    ("atoms_mismatch", lmp_sub("8 atoms", "9 atoms"), ["header says 9 atoms"]), ("types_zero", lmp_sub("2 atom types", "0 atom types"), ["atom types"]),
    ("types_huge", lmp_sub("2 atom types", "2000000000 atom types"), ["atom types"]),
    ("types_above_long", lmp_sub("2 atom types", "99999999999999999999 atom types"), []),
    ("bounds_inverted", lmp_sub("0.0 5.64 xlo xhi", "5.64 0.0 xlo xhi"), ["upper bound"]),
    ("bounds_missing", lmp_sub("0.0 5.64 zlo zhi\n", ""), ["zlo zhi"]), ("bounds_text", lmp_sub("0.0 5.64 ylo yhi", "0.0 y ylo yhi"), []),
    ("tilt_huge", lmp_sub("0.0 5.64 zlo zhi\n", "0.0 5.64 zlo zhi\n1e10 0.0 0.0 xy xz yz\n"), ["tilt factor xy"]),
    ("tilt_nan", lmp_sub("0.0 5.64 zlo zhi\n", "0.0 5.64 zlo zhi\nnan 0.0 0.0 xy xz yz\n"), []),
    ("type_out_of_range", lmp_sub("\n1 1 1.0", "\n1 3 1.0"), ["out of range"]), ("type_zero", lmp_sub("\n1 1 1.0", "\n1 0 1.0"), ["out of range"]),
    ("mass_zero", lmp_sub("1 22.99", "1 0.0"), ["masses must be > 0"]), ("mass_type_bad", lmp_sub("2 35.45", "7 35.45"), ["out of range"]),
    ("style_unknown", lmp_sub("Atoms # charge", "Atoms # full"), ["not supported"]), ("columns_wrong", lmp_sub("\n1 1 1.0 ", "\n1 1 "), []),
    ("duplicate_id", lmp_sub("\n2 1 1.0", "\n1 1 1.0"), ["duplicate atom id"]), ("no_atoms_section", LAMMPS.split("Atoms")[0], ["no Atoms section"]),
    ("garbage_section", lmp_sub("Masses", "Massesx"), ["no mass in Masses"]), ("coordinate_text", lmp_sub(" 0.0000 0.0000 0.0000", " 0.0000 abc 0.0000"), []),
    ("image_flag_text", lmp_sub(" 0.0000 0.0000 0.0000", " 0.0000 0.0000 0.0000 0 x 0"), []),
    ("binary", "\x00" * 40 + "atoms\n", []),
]:
    structure_case("lammps_data", label, "s.data", text, "lammps-data", frag)

C = CFG


def cfg_sub(old, new):
    assert old in C, old
    return C.replace(old, new, 1)


for label, text, frag in [
    ("empty", "", []), ("no_begin", C.replace("BEGIN_CFG\n", ""), []), ("no_end", C.replace("END_CFG\n", ""), ["END_CFG"]),
    ("size_text", cfg_sub("    8\n", "    eight\n"), ["Size"]), ("size_negative", cfg_sub("    8\n", "    -8\n"), ["Size"]),
    ("size_huge", cfg_sub("    8\n", "    99999999\n"), ["expected 99999999 atom lines"]), ("size_above_limit", cfg_sub("    8\n", "    3000000000\n"), ["Size"]),
    ("size_small", cfg_sub("    8\n", "    4\n"), []), ("lattice_short", cfg_sub("    5.64 0.0 0.0\n", "    5.64 0.0\n"), []),
    ("type_huge", cfg_sub("    1 0 ", "    1 5000000 "), ["atom type"]), ("type_negative", cfg_sub("    1 0 ", "    1 -1 "), ["atom type"]),
    ("type_text", cfg_sub("    1 0 ", "    1 x "), ["expected an integer"]), ("coord_text", cfg_sub("    1 0 0.0000", "    1 0 abc"), ["expected a number"]),
    ("coord_nan", cfg_sub("    1 0 0.0000", "    1 0 nan"), ["expected a number"]), ("missing_type_column", cfg_sub("id type cartes_x", "id cartes_x"), []),
    ("direct_without_supercell", "BEGIN_CFG\n Size\n 1\n AtomData: id type direct_x direct_y direct_z\n 1 0 0 0 0\nEND_CFG\n", ["Supercell"]),
    ("second_atomdata", cfg_sub("END_CFG", " AtomData:  id type cartes_x cartes_y cartes_z\nEND_CFG"), []),
    ("nested_begin", cfg_sub("END_CFG", "BEGIN_CFG\nEND_CFG"), ["BEGIN_CFG inside"]), ("binary", "BEGIN_CFG\n\x00\xff\x01\n", []),
]:
    structure_case("cfg", label, "s.cfg", text, "cfg", frag, elements='["Na", "Cl"]')

# ---------------------------------------------------------------- .mtp through calc-efs (the .cfg is valid)
MTP = open(os.path.join(HERE, "base", "pot.mtp")).read()


def mtp_case(name, text, expect):
    case("mtp", name, {"p.mtp": text}, ["calc-efs", "p.mtp", "@BASE@/one.cfg", "out.cfg"], ["p.mtp"] + expect)


def mtp_sub(old, new):
    assert old in MTP, old
    return MTP.replace(old, new, 1)


for label, text, frag in [
    ("empty", "", ["expected 'MTP'"]), ("not_mtp", "hello\n", ["expected 'MTP'"]), ("version", mtp_sub("1.1.0", "2.0.0"), ["unsupported MTP version"]),
    ("species_zero", mtp_sub("species_count = 2", "species_count = 0"), ["species_count"]),
    ("species_huge", mtp_sub("species_count = 2", "species_count = 1000"), ["radial_coeffs"]),
    ("species_overflow", mtp_sub("species_count = 2", "species_count = 99999999999999999999"), ["species_count"]),
    ("rb_unknown", mtp_sub("RBChebyshev", "RBFoo"), ["unknown radial basis"]),
    ("min_above_max", mtp_sub("min_dist = 1.350000000000000e+00", "min_dist = 7.0"), ["min_dist < max_dist"]),
    ("max_dist_huge", mtp_sub("max_dist = 6.000000000000000e+00", "max_dist = 1e4"), ["max_dist"]),
    ("max_dist_nan", mtp_sub("max_dist = 6.000000000000000e+00", "max_dist = nan"), ["max_dist"]),
    ("rb_size_zero", mtp_sub("radial_basis_size = 8", "radial_basis_size = 0"), ["radial_basis_size"]),
    ("rb_size_huge", mtp_sub("radial_basis_size = 8", "radial_basis_size = 100000"), ["radial_basis_size"]),
    ("rb_size_small", mtp_sub("radial_basis_size = 8", "radial_basis_size = 7"), ["expected 7 values"]),
    ("funcs_huge", mtp_sub("radial_funcs_count = 4", "radial_funcs_count = 1000"), ["radial_coeffs"]),
    ("funcs_zero", mtp_sub("radial_funcs_count = 4", "radial_funcs_count = 0"), ["radial_funcs_count"]),
    ("alpha_count_huge", mtp_sub("alpha_moments_count = 350", "alpha_moments_count = 100000000"), ["alpha_moments_count"]),
    ("alpha_count_zero", mtp_sub("alpha_moments_count = 350", "alpha_moments_count = 0"), ["alpha_moments_count"]),
    ("basic_count_above", mtp_sub("alpha_index_basic_count = 130", "alpha_index_basic_count = 351"), ["alpha_index_basic_count"]),
    ("basic_count_small", mtp_sub("alpha_index_basic_count = 130", "alpha_index_basic_count = 129"), ["alpha_index_basic"]),
    ("times_count_huge", mtp_sub("alpha_index_times_count = 969", "alpha_index_times_count = 999999999"), ["alpha_index_times_count"]),
    ("times_count_small", mtp_sub("alpha_index_times_count = 969", "alpha_index_times_count = 968"), ["alpha_index_times"]),
    ("scalar_above", mtp_sub("alpha_scalar_moments = 92", "alpha_scalar_moments = 351"), ["alpha_scalar_moments"]),
    ("scalar_small", mtp_sub("alpha_scalar_moments = 92", "alpha_scalar_moments = 91"), ["alpha_moment_mapping"]),
    ("truncated_half", MTP[: len(MTP) // 2], ["expected"]), ("truncated_end", MTP[:-40], []),
    ("coeff_text", mtp_sub("radial_coeffs\n", "radial_coeffs\n0-0\n{abc,").replace("0-0\n{abc,\t\t0-0", "0-0\n{abc,", 1) if False else MTP.replace("{", "{abc,", 1), ["expected a number"]),
    ("coeff_nan", MTP.replace("{", "{nan,", 1), ["expected a number"]), ("binary", "MTP\n\x00\xff" * 30, []),
]:
    mtp_case(label, text, frag)
# Index entries out of range: the first basic entry.
i0 = MTP.index("alpha_index_basic = {") + len("alpha_index_basic = {")
j0 = MTP.index("}", i0) + 1
for label, entry, frag in [("basic_mu_big", "{9, 0, 0, 0}", ["alpha_index_basic entry 0"]), ("basic_power_big", "{0, 99, 0, 0}", ["alpha_index_basic entry 0"]),
                           ("basic_int_overflow", "{4294967296, 0, 0, 0}", ["out of range"]), ("basic_five", "{0, 0, 0, 0, 0}", ["expected 4 integers"])]:
    mtp_case(label, MTP[:i0] + entry + MTP[j0:], frag)
i1 = MTP.index("alpha_moment_mapping = {") + len("alpha_moment_mapping = {")
j1 = MTP.index(",", i1)
for label, entry, frag in [("mapping_big", "350", ["alpha_moment_mapping entry 0"]), ("mapping_negative", "-1", ["alpha_moment_mapping entry 0"]),
                           ("mapping_int_overflow", "4294967296", ["out of range"])]:
    mtp_case(label, MTP[:i1] + entry + MTP[j1:], frag)

# .cfg through calc-efs (the potential is valid).
ONE = open(os.path.join(HERE, "base", "one.cfg")).read()


def efs_cfg(name, text, expect):
    case("calc_efs_cfg", name, {"in.cfg": text}, ["calc-efs", "@BASE@/pot.mtp", "in.cfg", "out.cfg"], ["in.cfg"] + expect)


for label, old, new, frag in [
    ("type_beyond_species", "    1 1  0.0", "    1 2  0.0", ["has type 2"]), ("size_huge", "    3\n", "    100000000\n", []),
    ("size_text", "    3\n", "    x\n", ["Size"]), ("coord_text", "1.3875000000000000e+00", "1.38x5", ["expected a number"]),
    ("no_end", "END_CFG", "", ["END_CFG"]), ("energy_text", "END_CFG", " Energy\n abc\nEND_CFG", ["Energy"]),
]:
    efs_cfg(label, ONE.replace(old, new, 1), frag)

# ---------------------------------------------------------------- command line
GOOD = {"config.toml": config(), "nacl.POSCAR": POSCAR}
for label, args, frag, status in [
    ("no_args", [], [], "usage"),
    ("unknown_option", ["config.toml", "--bogus"], ["--bogus"], "usage"),
    ("steps_negative", ["config.toml", "--steps", "-1"], ["--steps"], "any"),
    ("steps_text", ["config.toml", "--steps", "ten"], ["--steps"], "any"),
    ("steps_huge", ["config.toml", "--steps", "99999999999999999999"], ["--steps"], "any"),
    ("device_bad", ["config.toml", "--device", "tpu"], ["cpu, cuda or auto"], "any"),
    ("restart_missing", ["config.toml", "--restart", "nothere.mdrun"], ["nothere.mdrun"], "any"),
    ("restart_directory", ["config.toml", "--restart", "."], ["."], "any"),
    ("config_missing", ["nothere.toml"], ["nothere.toml"], "any"),
    ("config_directory", ["run", "."], ["."], "any"),
    ("subcommand_typo", ["calc-efz"], ["did you mean"], "usage"),
    ("run_no_config", ["run"], [], "any"),
    ("calc_efs_two_args", ["calc-efs", "@BASE@/pot.mtp", "@BASE@/one.cfg"], ["expected 3 file arguments"], "usage"),
    ("calc_efs_typo_option", ["calc-efs", "@BASE@/pot.mtp", "@BASE@/one.cfg", "o.cfg", "--site-energie"], ["did you mean"], "usage"),
    ("calc_efs_out_dir_missing", ["calc-efs", "@BASE@/pot.mtp", "@BASE@/one.cfg", "no/such/dir/o.cfg"], ["no/such/dir"], "any"),
    ("calc_grade_no_args", ["calc-grade"], [], "any"),
    ("select_no_args", ["select"], [], "any"),
    ("analyze_missing", ["analyze", "nothere.mdrun"], ["nothere.mdrun"], "any"),
    ("convert_no_args", ["convert"], [], "any"),
    ("convert_missing_input", ["convert", "nothere.POSCAR", "o.extxyz"], ["nothere.POSCAR"], "any"),
    ("convert_replicate_zero", ["convert", "nacl.POSCAR", "o.extxyz", "--replicate", "0,1,1"], ["--replicate"], "usage"),
    ("convert_replicate_huge", ["convert", "nacl.POSCAR", "o.extxyz", "--replicate", "1001,1,1"], ["--replicate"], "usage"),
    ("convert_replicate_int_overflow", ["convert", "nacl.POSCAR", "o.extxyz", "--replicate", "4294967298,1,1"], ["--replicate"], "usage"),
    ("convert_replicate_two", ["convert", "nacl.POSCAR", "o.extxyz", "--replicate", "2,2"], ["--replicate"], "usage"),
    ("convert_replicate_atoms", ["convert", "nacl.POSCAR", "o.extxyz", "--replicate", "1000,1000,1000"], ["mdrun supports at most"], "any"),
    ("convert_remove_bad", ["convert", "nacl.POSCAR", "o.extxyz", "--remove", "Na:x:1"], ["--remove"], "usage"),
    ("convert_remove_too_many", ["convert", "nacl.POSCAR", "o.extxyz", "--remove", "Na:99:1"], ["exceeds"], "any"),
    ("convert_frame_out_of_range", ["convert", "nacl.POSCAR", "o.extxyz", "--frame", "5"], ["out of range"], "any"),
    ("convert_unknown_format", ["convert", "nacl.POSCAR", "o.xyzw"], ["o.xyzw"], "any"),
    ("collect_no_args", ["collect"], [], "any"),
]:
    case("cli", label, GOOD, args, frag, status)


def main():
    if "--list" in sys.argv:  # the case names, for the test's up-to-date check
        print("\n".join(sorted(cases)))
        return 0
    if os.path.isdir(CASES):
        shutil.rmtree(CASES)
    for key, (files, args, expect, status) in sorted(cases.items()):
        d = os.path.join(CASES, key)
        os.makedirs(d)
        for fname, text in files.items():
            with open(os.path.join(d, fname), "w", encoding="utf-8", errors="surrogateescape", newline="") as f:
                f.write(text)
        with open(os.path.join(d, "case.json"), "w") as f:
            json.dump({"args": args, "expect": expect, "status": status}, f, indent=1)
            f.write("\n")
    print(f"{len(cases)} cases written to {CASES}")


if __name__ == "__main__":
    sys.exit(main())
