"""Checkpoint cases for the analysis state behind the CRCs (used by test_malformed_corpus.py): a run of
fuzz/restore/config.toml (24 atoms of NaAlCl4, every analysis with checkpointed state), then copies of its
checkpoint with one field of the hop detector, the CNA tracker, the polyanion groups or the VACF correlator changed and every CRC32 recomputed
(ckpt_format.join), as a checkpoint edited by hand would be. Each must be a clear error naming the
section and the field (analysis/hop_events.cpp, analysis/cna_correlation.cpp: check_loaded)."""
import math
import os
import shutil
import struct

import ckpt_format as cf

STEPS_AFTER = "160"  # the base run ends at step 150: a restart must have steps left to reach the restore


def _marker(payload, name):
    """Offset just after the BinaryWriter section marker '§name' (u64 length + UTF-8) in a replica payload."""
    tag = ("\u00a7" + name).encode()
    at = payload.index(struct.pack("<Q", len(tag)) + tag)
    return at + 8 + len(tag)


def _vec(payload, at, elem):
    """(count, offset of element 0, offset after the array) of a vec() at `at` with elements of `elem` bytes."""
    (n,) = struct.unpack_from("<Q", payload, at)
    return n, at + 8, at + 8 + n * elem


def hop_fields(p):
    m = _marker(p, "hop_detector")
    f = {"n_rbar": m + 40, "last_centre": m + 48}
    n_raw, f["raw0"], at = _vec(p, m + 56, 24)
    _, _, at = _vec(p, at, 24)  # rbar
    f["n_items"], f["in_run0"], at = _vec(p, at, 1)
    _, f["run_start0"], at = _vec(p, at, 8)
    _, _, at = _vec(p, at, 24)  # run_pre
    f["n_events"], f["event0"], _ = _vec(p, at, 56)  # HopEvent: int + pad, 3 doubles, Vec3
    return f


def cna_fields(p):
    m = _marker(p, "cna_tracker_v2")
    _, _, at = _vec(p, m, 4)  # ions
    _, _, at = _vec(p, at, 4)  # centres
    _, _, at = _vec(p, at, 8)  # r_shell
    f = {"n": at + 16, "spans_opened": at + 24}
    f["n_spans"], f["span0"], at = _vec(p, at + 40, 128)  # Span: 3 ints + pad, 2 longs, 4 Vec3
    f["n_events"], f["event0"], _ = _vec(p, at, 48)  # CnaEvent: 3 ints + pad, 4 doubles
    return f


def group_fields(p):
    """The polyanion groups a restart adopts (analysis/polyanion_groups.cpp save_groups)."""
    m = _marker(p, "polyanion_groups")
    (ns,) = struct.unpack_from("<Q", p, m)
    at = m + 8
    for _ in range(ns):  # centre species names
        (n,) = struct.unpack_from("<Q", p, at)
        at += 8 + n
    f = {}
    f["n_centre"], f["centre0"], at = _vec(p, at, 4)
    f["n_kind"], f["kind0"], at = _vec(p, at, 4)
    _, f["offset0"], at = _vec(p, at, 4)
    f["n_ligand"], f["ligand0"], _ = _vec(p, at, 4)
    return f


def correlator_fields(p):
    """The first linear correlator (the VACF; analysis/linear_correlator.cpp save)."""
    m = _marker(p, "linear_correlator")
    _, _, at = _vec(p, m, 4)  # item groups
    return {"n_groups": at, "n": at + 8}


def _edits():
    """name -> (function(replica payload) -> payload, expected message fragments)."""
    def hop(key, fmt, value, plus=0):
        def fn(p):
            f = hop_fields(p)
            assert key != "event0" or f["n_events"] > 0, "the base run has no hop event to edit"
            v = value(p, f) if callable(value) else value
            return cf.patch(p, f[key] + plus, fmt, v)
        return fn

    def cna(key, fmt, value, plus=0):
        def fn(p):
            f = cna_fields(p)
            assert key != "span0" or f["n_spans"] > 0, "the base run has no open CNA span to edit"
            assert key != "event0" or f["n_events"] > 0, "the base run has no CNA event to edit"
            v = value(p, f) if callable(value) else value
            return cf.patch(p, f[key] + plus, fmt, v)
        return fn

    def groups(key, value):
        def fn(p):
            f = group_fields(p)
            assert f["n_centre"] > 0 and f["n_ligand"] > 0, "the base run has no polyanion group to edit"
            return cf.patch(p, f[key], "<i", value)
        return fn

    def corr(key, fmt, value):
        return lambda p: cf.patch(p, correlator_fields(p)[key], fmt, value)

    q = lambda at: (lambda p, f: struct.unpack_from("<q", p, f[at])[0])
    hs = "checkpoint hop state"
    cs = "checkpoint cna_correlation state"
    gs = "checkpoint polyanion groups"
    return {
        "hop_rbar_count_off": (hop("n_rbar", "<q", lambda p, f: q("n_rbar")(p, f) + 3), [hs, "averaged-position count"]),
        "hop_last_centre_off": (hop("last_centre", "<q", lambda p, f: q("last_centre")(p, f) - 1), [hs, "last evaluated centre"]),
        "hop_run_flag_2": (hop("in_run0", "<B", 2), [hs, "run flag of atom 0 is 2"]),
        "hop_run_start_2e40": (hop("run_start0", "<q", 1 << 40), [hs, "run start 1099511627776 of atom 0"]),
        "hop_ring_nan": (hop("raw0", "<d", math.nan), [hs, "position ring entry 0 is not finite"]),
        "hop_event_atom_1000": (hop("event0", "<i", 1000), [hs, "event 0: atom 1000 out of range"]),
        "hop_event_time_inf": (hop("event0", "<d", math.inf, 8), [hs, "event 0: times or vector"]),
        # Found by fuzz_restore: an out-of-range kind wrote outside the rho(theta, phi) counts in sample().
        "groups_kind_99": (groups("kind0", 99), [gs, "kind of group 0 out of range"]),
        "groups_centre_negative": (groups("centre0", -1), [gs, "centre of group 0 out of range"]),
        "groups_ligand_1000": (groups("ligand0", 1000), [gs, "ligand 0 out of range"]),
        # Found by fuzz_restore: a correlator's arrays were taken at whatever size the checkpoint gave them.
        "vacf_samples_negative": (corr("n", "<q", -1), ["checkpoint is corrupt (correlator sample count or array sizes)"]),
        "vacf_groups_zero": (corr("n_groups", "<i", 0), ["checkpoint is corrupt (correlator group count)"]),
        "cna_samples_negative": (cna("n", "<q", -5), [cs, "sample count -5"]),
        "cna_spans_opened_negative": (cna("spans_opened", "<q", -1), [cs, "spans opened -1"]),
        "cna_span_ion_1000": (cna("span0", "<i", 1000), [cs, "open span 0: ion 1000 out of range"]),
        "cna_span_centre_negative": (cna("span0", "<i", -1, 4), [cs, "open span 0: centre -1 out of range"]),
        "cna_span_ligand_wrong": (cna("span0", "<i", 0, 8), [cs, "open span 0: atom 0 is not a ligand"]),
        "cna_span_last_future": (cna("span0", "<q", 1 << 40, 24), [cs, "open span 0: samples"]),
        "cna_span_direction_2": (cna("span0", "<d", 2.0, 32), [cs, "open span 0: a bond direction is not a unit vector"]),
        "cna_event_ligand_wrong": (cna("event0", "<i", 0, 8), [cs, "event 0: atom 0 is not a ligand"]),
        "cna_event_angle_4": (cna("event0", "<d", 4.0, 32), [cs, "event 0: an angle outside [0, pi]"]),
    }


def cases(tmp_root, source, run_mdrun):
    """([(name, failure)] for a base run that failed, [(name, dir, expected fragments, steps)])."""
    base = os.path.join(tmp_root, "analysis_checkpoint_base")
    os.makedirs(base)
    text = open(os.path.join(source, "fuzz", "restore", "config.toml")).read()
    text = text.replace('"../../tests/data/', '"' + os.path.join(source, "tests", "data") + "/")
    with open(os.path.join(base, "config.toml"), "w") as f:
        f.write(text)
    rc, out = run_mdrun(["config.toml", "--quiet"], base)
    ckpt = os.path.join(base, "out", "checkpoint.mdrun")
    if rc != 0 or not os.path.exists(ckpt):
        return [("checkpoint/analysis_base", f"checkpoint/analysis_base: the good config failed (exit {rc}):\n{out[-2000:]}")], []
    header, sections = cf.split(open(ckpt, "rb").read())
    k = [n for n, _ in sections].index("replica")
    jobs = []
    for name, (fn, expect) in _edits().items():
        d = os.path.join(tmp_root, "checkpoint__" + name)
        shutil.copytree(base, d)
        secs = list(sections)
        secs[k] = ("replica", fn(sections[k][1]))
        with open(os.path.join(d, "damaged.mdrun"), "wb") as f:
            f.write(cf.join(header, secs))
        jobs.append((f"checkpoint/{name}", d, ["section 'replica' #1 (analysis state)"] + expect, STEPS_AFTER))
    return [], jobs
