"""Runs the notebook example of docs/python.md exactly as written (in a scratch directory where
`inputs/` is the repository's), then checks what it produced."""
import os
import re
import subprocess
import sys


def _example():
    src = os.environ.get("MDRUN_SOURCE_DIR") or os.path.join(os.path.dirname(__file__), "..", "..")
    text = open(os.path.join(src, "docs", "python.md")).read()
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    assert len(blocks) == 1, "docs/python.md must have exactly one ```python example block"
    return src, blocks[0]


def test_docs_example_runs(tmp_path):
    src, code = _example()
    os.symlink(os.path.join(os.path.abspath(src), "inputs"), tmp_path / "inputs")
    (tmp_path / "example.py").write_text(code + "\nprint('FRAMES', len(frames))\n")
    r = subprocess.run([sys.executable, "example.py"], cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "FRAMES 11" in r.stdout, r.stdout
    for f in ("msd.png", "reorientation.png", "runs/notebook/summary.json", "runs/notebook/analysis.h5",
              "runs/notebook/config.toml", "runs/notebook/input_structure.extxyz"):
        assert (tmp_path / f).exists(), f
    assert "C2 at the longest lag" in r.stdout


def test_readme_python_example_runs(tmp_path):
    """The README's notebook example (its ```python block that uses mdrun.MTP), exactly as written."""
    src = os.environ.get("MDRUN_SOURCE_DIR") or os.path.join(os.path.dirname(__file__), "..", "..")
    text = open(os.path.join(src, "README.md")).read()
    blocks = [b for b in re.findall(r"```python\n(.*?)```", text, re.S) if "mdrun.MTP(" in b]
    assert len(blocks) == 1, "README.md must have exactly one ```python block that uses mdrun.MTP"
    os.symlink(os.path.join(os.path.abspath(src), "inputs"), tmp_path / "inputs")
    (tmp_path / "example.py").write_text(blocks[0])
    r = subprocess.run([sys.executable, "example.py"], cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    status, D, c1 = r.stdout.split()[-3:]
    assert status in ("ok", "insufficient") and 0.5 < float(c1) <= 1.0, r.stdout
    assert (tmp_path / "msd.png").stat().st_size > 10000
    assert (tmp_path / "runs/nb/summary.json").exists()
