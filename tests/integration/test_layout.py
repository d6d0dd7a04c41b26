"""The source layout stays legible: engine/ holds its code only in its five subfolders, and includes
between them go one way (core <- io <- md <- run <- mpi <- cli), so e.g. a file reader never depends on the run
loop. Also: no source file names the old flat engine/ paths. docs/development.md describes the layers."""
import os
import pathlib
import re
import sys

src = pathlib.Path(os.environ.get("MDRUN_SOURCE_DIR", pathlib.Path(__file__).resolve().parents[2]))
layers = ["core", "io", "md", "run", "mpi", "cli"]  # mpi: the MPI runner over run (MDRUN_MPI builds)
rank = {name: i for i, name in enumerate(layers)}
include = re.compile(r'#include\s+"engine/([^"/]+)(/[^"]*)?"')
problems = []

top = [p.name for p in (src / "engine").iterdir() if p.is_file()]
if top:
    problems.append(f"files directly in engine/ (put each in one of {layers}): {sorted(top)}")
for sub in (src / "engine").iterdir():
    if sub.is_dir() and sub.name not in rank:
        problems.append(f"engine/{sub.name}/ is not one of the layers {layers} (docs/development.md)")

code = [p for d in ("engine", "potentials", "analysis", "kernels", "tests", "benchmarks", "python")
        for p in (src / d).rglob("*") if p.suffix in (".cpp", ".hpp", ".cu", ".cuh", ".h")]
for f in code:
    text = f.read_text(errors="replace")
    rel = f.relative_to(src)
    for m in include.finditer(text):
        target, rest = m.group(1), m.group(2)
        if target not in rank:
            problems.append(f"{rel}: includes engine/{target}{rest or ''}, which is not in an engine layer")
            continue
        if rel.parts[0] == "engine" and rel.parts[1] in rank and rank[target] > rank[rel.parts[1]]:
            problems.append(f"{rel}: engine/{rel.parts[1]} must not include engine/{target} (layers go {' <- '.join(layers)})")

if problems:
    print("\n".join(problems))
    sys.exit(1)
print(f"layout ok: {len(code)} source files, engine layers {' <- '.join(layers)}")
