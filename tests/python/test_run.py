"""mdrun.run in-process: same outputs as the command line, dict configs, Ctrl-C -> checkpoint -> restart."""
import filecmp
import os
import signal
import threading
import time

import numpy as np
import pytest

import mdrun
from mdrun import toml_text
from run_configs import nacl4_config


def _same_outputs(a, b, names):
    for n in names:
        pa, pb = os.path.join(a, n), os.path.join(b, n)
        assert os.path.exists(pa) and os.path.exists(pb), n
        assert filecmp.cmp(pa, pb, shallow=False), f"{n} differs between {a} and {b}"


def _same_h5(a, b):
    """Same groups, datasets (values bit for bit) and attributes (the byte layout of a truncated and
    extended HDF5 file differs from a file written in one go)."""
    import h5py

    def items(f):
        out = {}
        f.visititems(lambda name, obj: out.__setitem__(name, obj))
        return out

    with h5py.File(a, "r") as fa, h5py.File(b, "r") as fb:
        ia, ib = items(fa), items(fb)
        assert sorted(ia) == sorted(ib)
        for name, obj in ia.items():
            if isinstance(obj, h5py.Dataset):
                assert np.array_equal(obj[()], ib[name][()]), name
            assert sorted(obj.attrs) == sorted(ib[name].attrs), name


def test_run_dict_equals_command_line(tmp_path, data_dir, run_cli):
    cfg = nacl4_config(data_dir, tmp_path / "py", steps=100)
    res = mdrun.run(cfg, progress=False)
    assert res.directory == str(tmp_path / "py")
    # The same config as a file, run by the executable.
    cli_cfg = nacl4_config(data_dir, tmp_path / "cli", steps=100)
    (tmp_path / "c.toml").write_text(toml_text.dumps(cli_cfg))
    run_cli(tmp_path / "c.toml", "--quiet")
    _same_outputs(tmp_path / "py", tmp_path / "cli",
                  ["thermo.csv", "trajectory.h5md", "analysis.h5", "msd.csv", "reorientation.csv", "final.extxyz"])
    # The dict's TOML is kept next to the outputs, and it runs from the command line as it is.
    assert (tmp_path / "py" / "config.toml").exists()
    r = res.results()
    assert "Na" in r.msd and r.msd["Na"].lag_ps.size > 3


def test_run_toml_file_and_steps_override(tmp_path, data_dir):
    cfg = nacl4_config(data_dir, tmp_path / "out", steps=1000, analysis=False)
    (tmp_path / "c.toml").write_text(toml_text.dumps(cfg))
    res = mdrun.run(str(tmp_path / "c.toml"), steps=30, progress=False)
    th = np.genfromtxt(tmp_path / "out" / "thermo.csv", delimiter=",", names=True)
    assert th["step"][-1] == 30 and res.steps == 30


def test_run_accepts_ase_atoms(tmp_path, data_dir):
    from cfg_reader import atoms_from_cfg, read_cfg

    d = os.path.join(data_dir, "mtp/NaAlCl4_tensornet_lev08")
    atoms = atoms_from_cfg(read_cfg(os.path.join(d, "supercell_b6167.cfg"))[0], ["Na", "Al", "Cl"])
    cfg = nacl4_config(data_dir, tmp_path / "atoms", steps=20, analysis=False)
    cfg["structure"] = {"atoms": atoms}
    mdrun.run(cfg, progress=False)
    first = mdrun.read_trajectory(tmp_path / "atoms" / "trajectory.h5md", index=0)
    assert np.array_equal(first.positions, atoms.positions)  # written with every digit
    assert first.get_chemical_symbols() == atoms.get_chemical_symbols()


def test_errors_are_mdrun_errors(tmp_path, data_dir):
    cfg = nacl4_config(data_dir, tmp_path / "bad", steps=10)
    cfg["md"]["temprature_K"] = 300.0
    with pytest.raises(mdrun.MdrunError, match="temprature_K"):
        mdrun.run(cfg, progress=False)
    with pytest.raises(FileNotFoundError):
        mdrun.run(str(tmp_path / "nope.toml"))


def test_progress_callback_and_bar(tmp_path, data_dir, capsys):
    cfg = nacl4_config(data_dir, tmp_path / "bar", steps=60, analysis=False)
    mdrun.run(cfg, progress=True)
    err = capsys.readouterr().err
    assert "60/60" in err or "100%" in err, err[-500:]


def test_ctrl_c_writes_checkpoint_and_restart_completes_identically(tmp_path, data_dir):
    steps = 4000
    full = nacl4_config(data_dir, tmp_path / "full", steps=steps, analysis=False)
    mdrun.run(full, progress=False)

    cut = nacl4_config(data_dir, tmp_path / "cut", steps=steps, analysis=False)
    seen = []

    def progress_then_interrupt(step, total):
        seen.append(step)
        if len(seen) == 3:
            os.kill(os.getpid(), signal.SIGINT)  # what Ctrl-C (or Jupyter's interrupt) sends

    from mdrun import _core, runner

    text, out_dir = runner._prepare_dict(cut)
    os.makedirs(out_dir, exist_ok=True)
    (tmp_path / "cut.toml").write_text(text)
    status = _core.run(str(tmp_path / "cut.toml"), "", "", "auto", -1, True, progress_then_interrupt)
    assert status == 128 + signal.SIGINT
    ckpt = tmp_path / "cut" / "checkpoint.mdrun"
    assert ckpt.exists()
    th = np.genfromtxt(tmp_path / "cut" / "thermo.csv", delimiter=",", names=True)
    assert th["step"][-1] < steps
    # Python's own SIGINT handling is back after the run (the engine's C handler is removed again).
    with pytest.raises(KeyboardInterrupt):
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(5)
    mdrun.run(cut, restart=str(ckpt), progress=False)
    _same_outputs(tmp_path / "full", tmp_path / "cut", ["thermo.csv", "final.extxyz"])
    _same_h5(tmp_path / "full" / "trajectory.h5md", tmp_path / "cut" / "trajectory.h5md")


def test_keyboard_interrupt_raised_by_run(tmp_path, data_dir):
    cfg = nacl4_config(data_dir, tmp_path / "kb", steps=100000, analysis=False)
    timer = threading.Timer(1.5, lambda: os.kill(os.getpid(), signal.SIGINT))
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt, match="checkpoint written"):
            mdrun.run(cfg, progress=False)
    finally:
        timer.cancel()
    assert (tmp_path / "kb" / "checkpoint.mdrun").exists()
