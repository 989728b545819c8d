"""Default fits, timed: against an earlier checkout, against CatBoost, and under the thread rule.

Run through ``benchmarks/speed.py`` on a quiet machine::

    python benchmarks/speed.py --only defaults --uci PATH/TO/uci --baseline PATH/TO/other/checkout
    python benchmarks/speed.py --only catboost --uci PATH/TO/uci
    python benchmarks/speed.py --only threads --uci PATH/TO/uci

Every fit runs in a fresh interpreter (``--worker``), which imports skmdn from
the checkout it is given, fits once on a few rows to load its libraries, and
then times one default fit. The candidates run in turns, task after task, so a
change in the machine's load falls on all of them alike. ``threads`` also runs
every pair once more with a busy neighbour: a second process spinning a pure
Python loop on the machine. ``predict`` times inference with a two-epoch
default model of concrete's shape: the mean on 200,000 rows and the mode on
20,000.
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

#: The UCI sets below 2,000 rows, where the default is an ensemble.
SMALL_UCI = ("bostonHousing", "concrete", "energy", "wine-quality-red", "yacht")


def _data(task, uci):
    """(X, y, X_test, y_test, params) of a task: ``uci:NAME:SPLIT``, ``demo:SEED``, ``big:SEED``."""
    kind, *rest = task.split(":")
    if kind == "predict":  # a model of concrete's shape for inference
        kind, rest = "uci", ["concrete", "0"]
    if kind == "uci":
        sys.path.insert(0, str(HERE))
        from uci_data import load_uci

        X, X_test, y, y_test = load_uci(rest[0], int(rest[1]), uci)
        return X, y, X_test, y_test, {}
    if kind == "demo":  # the quick start's fit: the inverted sinusoid, 4000 rows, K = 5
        from skmdn.datasets import make_inverted_sinusoid

        X, y = make_inverted_sinusoid(4000, random_state=int(rest[0]))
        X_test, y_test = make_inverted_sinusoid(20000, random_state=1000 + int(rest[0]))
        return X, y, X_test, y_test, {"n_components": 5}
    if kind == "big":  # where threads should help: 3 x 256 ReLU, batch 4096, 100k rows
        rng = np.random.default_rng(int(rest[0]))
        X = rng.normal(size=(100_000, 16))
        y = np.sin(X[:, 0]) + X[:, 1] * X[:, 2] + 0.3 * rng.normal(size=len(X))
        params = {"hidden_layer_sizes": (256, 256, 256), "activation": "relu",
                  "batch_size": 4096, "max_iter": 5, "early_stopping": False, "n_members": 1}
        return X, y, X[:1000], y[:1000], params
    raise ValueError(task)


def worker(code, task, uci, extra):
    """In a fresh process: time one fit of ``task`` with skmdn from ``code`` (or CatBoost)."""
    if code != "catboost":
        sys.path.insert(0, code)
    import warnings

    warnings.simplefilter("ignore")
    X, y, X_test, y_test, params = _data(task, uci)
    params.update(extra)
    if code == "catboost":
        from catboost import CatBoostRegressor

        def make():
            return CatBoostRegressor(loss_function="RMSEWithUncertainty", verbose=False,
                                     random_seed=0, allow_writing_files=False)
    else:
        from skmdn import MDNRegressor

        def make():
            return MDNRegressor(random_state=0, **params)
    threads_used = [0]
    if code != "catboost":  # record the intra-op threads of skmdn's training and inference
        import importlib

        for name in ("skmdn._training._run", "skmdn._inference"):
            try:  # an earlier checkout may have neither
                module = importlib.import_module(name)
                _limited = module.limited_threads
            except (ImportError, AttributeError):
                continue

            def limited(count, device=None, _limited=_limited):
                threads_used.append(count)
                return _limited(count, device)
            module.limited_threads = limited
    warm = make().set_params(**({"iterations": 5} if code == "catboost" else {"max_iter": 2}))
    warm.fit(X[:300], y[:300])  # load the libraries
    if task.startswith("predict"):  # inference on 200,000 rows (mean, then mode)
        big = np.resize(X_test, (200_000, X.shape[1]))
        warm.predict(big[:1000])
        threads_used[:] = [0]
        start = time.perf_counter()
        warm.predict(big)
        warm.set_params(point_estimate="mode").predict(big[:20_000])
        print("RESULT " + json.dumps({"seconds": time.perf_counter() - start,
                                      "threads": max(threads_used)}))
        return
    threads_used[:] = [0]
    start = time.perf_counter()
    model = make().fit(X, y)
    seconds = time.perf_counter() - start
    out = {"seconds": seconds, "threads": max(threads_used)}
    if code != "catboost":
        out.update(n_iter=model.n_iter_, best_epoch=model.best_epoch_,
                   nll=-float(np.mean(model.score_samples(X_test, y_test))))
    print("RESULT " + json.dumps(out))


def run(code, task, uci, extra=None):
    """One worker; its result dict."""
    proc = subprocess.run(
        [sys.executable, __file__, "--worker", str(code), task, str(uci), json.dumps(extra or {})],
        capture_output=True, text=True, cwd=ROOT)
    if proc.returncode:
        raise RuntimeError(proc.stderr[-3000:])
    return json.loads(proc.stdout.rsplit("RESULT ", 1)[1])


def _row(label, results):
    s = [r["seconds"] for r in results]
    return f"   {label:<34s} {np.mean(s):7.2f} s"


def defaults_table(uci, baseline, splits=5):
    """Default fit time of this checkout against ``baseline``, in turns, with the epochs and NLL."""
    tasks = ([f"uci:{name}:{s}" for name in ("concrete", "bostonHousing") for s in range(splits)]
             + [f"demo:{s}" for s in range(splits)])
    print(f"\n== Default fits: this checkout against {baseline} (in turns, fresh processes)")
    print(f"   {'task':<22s} {'before s':>8s} {'now s':>7s} {'ratio':>6s} {'epochs':>10s} "
          f"{'NLL before':>10s} {'NLL now':>8s}")
    ratios = {}
    for task in tasks:
        old, new = run(baseline, task, uci), run(ROOT, task, uci)
        ratio = new["seconds"] / old["seconds"]
        ratios.setdefault(task.rsplit(":", 1)[0], []).append((old["seconds"], new["seconds"]))
        print(f"   {task:<22s} {old['seconds']:8.2f} {new['seconds']:7.2f} {ratio:6.2f} "
              f"{old['n_iter']:>4d}->{new['n_iter']:<4d} {old['nll']:10.3f} {new['nll']:8.3f}",
              flush=True)
    for group, pairs in ratios.items():
        old, new = np.array(pairs).T
        print(f"   {group:<22s} mean time now / before: {new.sum() / old.sum():.2f} "
              f"(per task {np.min(new / old):.2f} to {np.max(new / old):.2f})")


def _paired_seconds(uci, name, splits, first, second):
    """Fit seconds of two candidates on splits 0 to ``splits`` - 1 of ``name``, in turns.

    ``first`` and ``second`` are ``(code, extra parameters)`` pairs for :func:`run`.
    """
    pairs = []
    for s in range(splits):
        task = f"uci:{name}:{s}"
        pairs.append([run(code, task, uci, extra)["seconds"] for code, extra in (first, second)])
    return np.array(pairs).T


def catboost_table(uci, splits=1):
    """Default fit of this checkout against CatBoost's uncertainty mode, both at their defaults."""
    print("\n== Default fit against CatBoost(loss_function='RMSEWithUncertainty'), both at their "
          "defaults (in turns, fresh processes)")
    for name in SMALL_UCI:
        cat, mdn = _paired_seconds(uci, name, splits, ("catboost", None), (ROOT, None))
        print(f"   {name:<22s} skmdn {mdn.mean():6.2f} s  CatBoost {cat.mean():6.2f} s  "
              f"ratio {mdn.sum() / cat.sum():5.2f}", flush=True)


def point_table(uci, splits=5):
    """The default fit with ``point_regressor="auto"`` against the default, on the small UCI sets."""
    print("\n== point_regressor='auto' against the default (None), UCI sets under 2,000 rows "
          "(in turns, fresh processes)")
    for name in SMALL_UCI:
        plain, auto = _paired_seconds(uci, name, splits, (ROOT, None),
                                      (ROOT, {"point_regressor": "auto"}))
        print(f"   {name:<22s} default {plain.mean():6.2f} s  'auto' {auto.mean():6.2f} s  "
              f"ratio {auto.sum() / plain.sum():5.2f} (per split {np.min(auto / plain):.2f} to "
              f"{np.max(auto / plain):.2f})", flush=True)


def _spin():
    while True:
        pass


def threads_table(uci, repeats=4):
    """The thread rule against one thread, quiet and beside a busy process; a large network.

    Each pair runs ``repeats`` times in turns, the two taking turns to go
    first; the table gives the median of each and the most intra-op threads the default set during the timed call
    (1: the rule chose one thread, so both run the same computation and their
    difference is the machine's noise).
    """
    import multiprocessing

    import torch

    print(f"\n== Threads: the default (n_threads=None, torch at {torch.get_num_threads()} "
          f"threads) against n_threads=1 (in turns, fresh processes, median of {repeats})")
    tasks = ["uci:concrete:0", "uci:bostonHousing:0", "demo:0", "predict", "big:0"]
    for busy in (False, True):
        spinner = None
        if busy:
            spinner = multiprocessing.Process(target=_spin, daemon=True)
            spinner.start()
        for task in tasks:
            if busy and task == "big:0":
                continue
            ones, defaults = [], []
            for r in range(1 if task == "big:0" else repeats):
                if r % 2:  # alternate which of the two runs first
                    defaults.append(run(ROOT, task, uci))
                    ones.append(run(ROOT, task, uci, {"n_threads": 1}))
                else:
                    ones.append(run(ROOT, task, uci, {"n_threads": 1}))
                    defaults.append(run(ROOT, task, uci))
            one = np.median([r["seconds"] for r in ones])
            default = np.median([r["seconds"] for r in defaults])
            used = max(r["threads"] for r in defaults)
            print(f"   {'busy' if busy else 'quiet':5s} {task:<22s} one thread {one:7.2f} s  "
                  f"default ({used} thread{'s' if used > 1 else ''}) {default:7.2f} s  "
                  f"default / one {default / one:5.2f}", flush=True)
        if spinner is not None:
            spinner.terminate()
    two = run(ROOT, "big:0", uci, {"n_threads": 2})
    print(f"   quiet big:0 with n_threads=2: {two['seconds']:.2f} s")


if __name__ == "__main__" and len(sys.argv) > 1 and sys.argv[1] == "--worker":
    worker(sys.argv[2], sys.argv[3], sys.argv[4], json.loads(sys.argv[5]))
elif __name__ == "__main__":
    print(__doc__)
    print(os.getloadavg())
