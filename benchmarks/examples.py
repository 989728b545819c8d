"""Wall time of every gallery example, each in a fresh interpreter, as a user runs it.

Run from the repository root, on a quiet machine::

    python benchmarks/examples.py               # every example, once
    python benchmarks/examples.py --repeats 2   # the best of two runs each

Each example runs as ``python examples/plot_*.py`` would (from the examples
folder, the Agg backend, torch at its default threads), with its figures drawn
but not shown. The table gives the wall-clock seconds and the CPU seconds of
the process, the load average before each run, and whether the example ran
under a minute. The README's "each under a minute on a 2-core CPU" rests on
this table (docs/benchmarks/speed.rst).
"""

import argparse
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

RUNNER = """
import os, sys
from pathlib import Path
import matplotlib
matplotlib.use("Agg")
example = Path(sys.argv[1])
os.chdir(example.parent)
exec(compile(example.read_text(), str(example), "exec"), {"__name__": "__main__"})
"""

#: The README's promise, in wall-clock seconds.
BUDGET_S = 60.0


def run_example(path):
    """Wall and CPU seconds of one example in a fresh interpreter."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    env = dict(os.environ, MPLBACKEND="Agg",
               PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    proc = subprocess.run([sys.executable, "-c", RUNNER, str(path)], env=env,
                          capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode:
        raise RuntimeError(f"{path.name} failed:\n{proc.stderr[-3000:]}")
    return wall, cpu


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--only", nargs="*", help="example file names (default: all)")
    args = parser.parse_args(argv)
    examples = sorted((ROOT / "examples").glob("plot_*.py"))
    if args.only:
        examples = [e for e in examples if e.name in args.only]
    print(f"{os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.2f} at start")
    print(f"{'example':38s} {'wall s':>7s} {'CPU s':>7s} {'load':>5s}  under {BUDGET_S:.0f} s")
    worst = 0.0
    for path in examples:
        best = (float("inf"), float("inf"))
        load = os.getloadavg()[0]
        for _ in range(args.repeats):
            wall, cpu = run_example(path)
            best = min(best, (wall, cpu))
        worst = max(worst, best[0])
        print(f"{path.name:38s} {best[0]:7.1f} {best[1]:7.1f} {load:5.2f}  "
              f"{'yes' if best[0] < BUDGET_S else 'NO'}", flush=True)
    print(f"slowest: {worst:.1f} s wall; load average {os.getloadavg()[0]:.2f} at the end")


if __name__ == "__main__":
    main()
