"""Learning curves of default fits, to choose a stopping rule without refitting for each.

A fit with the default rule runs with a callback that, at the end of every
epoch, scores the weights early stopping would keep at that epoch (the
weight average, swapped in for validation) on the test rows. With the
learning-rate schedule left as it is, any stricter stopping rule follows the
same trajectory and stops at an earlier epoch, so its test NLL can be read off
the recorded curves: ``--simulate`` does that for a family of rules.

Run from the repository root::

    OMP_NUM_THREADS=1 python benchmarks/experiments/stopping_curves.py record \\
        ../shared/data/uci --tasks concrete:0-19,bostonHousing:0-19 --out curves.jsonl
    OMP_NUM_THREADS=1 python benchmarks/experiments/stopping_curves.py record \\
        ../shared/data/uci --tasks seed-A:0-4,seed-B:0-4 --out curves.jsonl
    python benchmarks/experiments/stopping_curves.py simulate --out curves.jsonl

``--dtype float32`` fits on float32 inputs; ``--code DIR`` imports skmdn from
DIR (another checkout) instead of the installed one.
"""

import argparse
import json
import math
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent


#: The reference problems: (data maker, training rows, fixed parameters).
SEED_TASKS = {
    "A": ("make_inverted_sinusoid", 4000, {"n_components": 5}),
    "B": ("make_bishop_toy", 1000, {"n_components": 3}),
    "C": ("make_inverted_sinusoid", 1000, {"n_components": 20}),
    "D": ("make_robot_arm", 5000, {"n_components": 2, "covariance_type": "full"}),
    "E": ("make_inverted_sinusoid", 4000, {"n_components": 20}),
}


def _seed_task(name, rs):
    """(X, y, X_test, y_test, params) of a reference experiment, with random_state ``rs``."""
    from skmdn import datasets

    maker, n, params = SEED_TASKS[name]
    X, y = getattr(datasets, maker)(n, random_state=rs)
    X_test, y_test = getattr(datasets, maker)(5000 if name == "D" else 20000,
                                              random_state=1000 + rs)
    return X, y, X_test, y_test, dict(params)


def record(args):
    if args.code:
        sys.path.insert(0, args.code)
    sys.path.insert(0, str(HERE.parent))
    import torch
    from skorch.callbacks import Callback

    from skmdn import MDNRegressor
    from skmdn._validation import standardization
    from uci_data import load_uci, parse_tasks

    class TestCurve(Callback):
        """Mean test NLL (standardized units) of the module at every epoch end."""

        def __init__(self, X, y):
            self.X, self.y = X, y

        def initialize(self):
            self.curve_ = []
            return self

        def on_epoch_end(self, net, **kwargs):
            p = next(net.module_.parameters())
            with torch.no_grad():
                X = torch.as_tensor(self.X, dtype=p.dtype)
                y = torch.as_tensor(self.y, dtype=p.dtype)
                loss = net.get_loss(net.module_(X), y, training=False)
            self.curve_.append(float(loss))

    out = Path(args.out)
    done = set()
    if out.exists():
        done = {(r["task"], r["split"], r["label"]) for r in map(json.loads, out.open())}
    params = json.loads(args.params) if args.params else {}
    dtype = np.float32 if args.dtype == "float32" else np.float64
    for name, split in parse_tasks(args.tasks):
        if (name, split, args.label) in done:
            continue
        if name.startswith("seed-"):
            X, y, Xt, yt, fixed = _seed_task(name[5:], split)
        else:
            X, Xt, y, yt = load_uci(name, split, data_dir=args.data_dir)
            fixed = {}
        y2, yt2 = y.reshape(len(y), -1), yt.reshape(len(yt), -1)
        xm, xs = standardization(X.astype(np.float64))
        ym, ys = standardization(y2.astype(np.float64))
        cb = TestCurve(((Xt - xm) / xs).astype(dtype), (yt2 - ym) / ys)
        model = MDNRegressor(**{**fixed, **params}, random_state=split,
                             callbacks=[("test_curve", cb)])
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.fit(X.astype(dtype), y)
        secs = time.perf_counter() - start
        offset = float(np.sum(np.log(ys)))
        curve = [c + offset for c in dict(model.net_.callbacks_)["test_curve"].curve_]
        rec = dict(task=name, split=split, label=args.label, seconds=secs,
                   n_iter=model.n_iter_, best_epoch=model.best_epoch_,
                   valid=[-v for v in model.validation_scores_],
                   test=curve, test_nll=-float(np.mean(model.score_samples(Xt, yt))),
                   batches_per_epoch=model.net_.history[-1, "train_batch_count"],
                   n_members=getattr(model, "n_members_", 1))
        with out.open("a") as fh:
            fh.write(json.dumps(rec) + "\n")
        print(f"{name} {split} {args.label}: {secs:.1f} s, {rec['n_iter']} epochs, best "
              f"{rec['best_epoch']}, test NLL {rec['test_nll']:.4f}", flush=True)


# ------------------------------------------------------------------ simulate
def kept_epoch(valid, patience_fn, tol=1e-4, keep="threshold"):
    """(stop epoch, kept epoch), 1-based, of an early-stopping rule run on a validation curve.

    ``patience_fn(best_epoch)`` gives the patience while ``best_epoch`` is the
    best so far (by improvements of more than ``tol``, as skorch's
    ``EarlyStopping``); the run stops after that many epochs without one, or
    at the end of the recorded curve. ``keep="threshold"`` keeps that best
    epoch (skorch's ``load_best``); ``keep="lowest"`` the lowest validation
    loss seen up to the stop.
    """
    best, best_epoch, since = math.inf, 0, 0
    stop = len(valid)
    for epoch, loss in enumerate(valid, 1):
        if loss < best - tol:
            best, best_epoch, since = loss, epoch, 0
        else:
            since += 1
        if since >= patience_fn(best_epoch):
            stop = epoch
            break
    if keep == "lowest":
        best_epoch = int(np.argmin(valid[:stop])) + 1
    return stop, best_epoch


#: Rules simulated: name -> (patience as a function of (best epoch, today's patience), tol, keep).
RULES = {
    "today": (lambda b, p: p, 1e-4, "threshold"),
    "P=min(p,60)": (lambda b, p: min(p, 60), 1e-4, "threshold"),
    "P=min(p,60,max(20,1.5b))": (lambda b, p: min(p, 60, max(20, math.ceil(1.5 * b))), 1e-4,
                                 "threshold"),
    "P=min(p,40+0.15b) (kept)": (lambda b, p: min(p, 40 + math.ceil(0.15 * b)), 1e-4,
                                 "threshold"),
    "tol=1e-3,lowest": (lambda b, p: p, 1e-3, "lowest"),
    # Candidates for a shorter tail (concrete), on top of the kept patience.
    "kept,tol=3e-3,lowest": (lambda b, p: min(p, 40 + math.ceil(0.15 * b)), 3e-3, "lowest"),
    "kept,tol=1e-2,lowest": (lambda b, p: min(p, 40 + math.ceil(0.15 * b)), 1e-2, "lowest"),
    "P=min(p,20+0.1b),tol=1e-3,lowest": (lambda b, p: min(p, 20 + math.ceil(0.1 * b)), 1e-3,
                                          "lowest"),
}


def simulate(args):
    recs = [json.loads(line) for line in Path(args.out).open()]
    recs = [r for r in recs if r["label"] == args.label]
    groups = sorted({r["task"] for r in recs})
    width = 18
    print(f"{'rule':28s} " + " ".join(f"{g[:width]:>{width}s}" for g in groups)
          + "   epochs run / today's, all")
    for rule, (patience, tol, keep) in RULES.items():
        cells, run, ran = [], 0, 0
        for g in groups:
            d_nll, frac = [], []
            for r in (r for r in recs if r["task"] == g):
                # The patience it ran with (unknown, and unused, in a fit that ran out of epochs).
                today = len(r["valid"]) - r["best_epoch"] if r["n_iter"] < 1000 else 200
                stop, kept = kept_epoch(r["valid"], lambda b: patience(b, today), tol, keep)
                kept = min(kept, len(r["test"]))  # the stopping epoch itself is not recorded
                d_nll.append(r["test"][kept - 1] - r["test"][r["best_epoch"] - 1])
                frac.append(stop / len(r["valid"]))
                run += stop
                ran += len(r["valid"])
            d = np.asarray(d_nll)
            se = d.std(ddof=1) / np.sqrt(len(d)) if len(d) > 1 else float("nan")
            cells.append(f"{d.mean():+.3f}±{se:.3f} {np.mean(frac):.2f}")
        print(f"{rule:28s} " + " ".join(f"{c:>{width}s}" for c in cells) + f"   {run / ran:.2f}")
    print("Each cell: mean paired change of the test NLL against today's rule (± its standard "
          "error) and the mean share of today's epochs run.")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("mode", choices=["record", "simulate"])
    p.add_argument("data_dir", nargs="?")
    p.add_argument("--tasks", default="concrete:0-4")
    p.add_argument("--out", required=True)
    p.add_argument("--label", default="default")
    p.add_argument("--params", default=None, help="JSON of MDNRegressor parameters")
    p.add_argument("--dtype", choices=["float32", "float64"], default="float64")
    p.add_argument("--code", default=None)
    args = p.parse_args(argv)
    os.environ.setdefault("PYTHONWARNINGS", "ignore")
    (record if args.mode == "record" else simulate)(args)


if __name__ == "__main__":
    main()
