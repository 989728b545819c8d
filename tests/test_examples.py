"""Every gallery example runs headless and draws its figures.

How long each takes is measured by ``benchmarks/examples.py`` (on a quiet
machine, figures in the speed docs), not here: a time limit in a test fails
for reasons that are not the example's, such as a busy machine.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples").glob("plot_*.py"))

# Runs one example in a fresh interpreter with the Agg backend, the way the
# docs gallery does (from the example's folder, with no __file__), saves every
# figure it left open (as the gallery captures them).
RUNNER = """
import os, sys
from pathlib import Path
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
example, out = Path(sys.argv[1]), Path(sys.argv[2])
os.chdir(example.parent)
exec(compile(example.read_text(), str(example), "exec"), {"__name__": "__main__"})
for i, num in enumerate(plt.get_fignums()):
    plt.figure(num).savefig(out / f"{example.stem}_{i}.png", dpi=40)
"""


@pytest.mark.slow
@pytest.mark.parametrize("example", EXAMPLES, ids=[e.stem for e in EXAMPLES])
def test_example_runs_and_draws(example, tmp_path):
    # Run a copy, so that examples that write files (the quick start writes the
    # README picture to docs/_static) write into the temporary folder.
    copy = tmp_path / "examples"
    shutil.copytree(ROOT / "examples", copy)
    figures = tmp_path / "figures"
    figures.mkdir()
    env = dict(os.environ, MPLBACKEND="Agg", OMP_NUM_THREADS="1",
               PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    proc = subprocess.run(
        [sys.executable, "-c", RUNNER, str(copy / example.name), str(figures)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    pngs = list(figures.glob("*.png"))
    assert pngs, f"{example.name} drew no figure"
    assert all(p.stat().st_size > 1000 for p in pngs)
    if example.name == "plot_quickstart.py":
        assert (tmp_path / "docs" / "_static" / "inverted_sinusoid.png").is_file()
