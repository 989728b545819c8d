"""What the ensemble trunk costs: fit time, compute dtype and ``predict`` speed.

For each UCI data set given (split 0 of the standard splits), fit in turns,
side by side in one run:

- ``one net``: ``MDNRegressor(n_members=1)``, one network: the default before
  ``n_members="auto"`` (its learning rate and patience are those of one net);
- ``default``: ``MDNRegressor()``, whose ``n_members="auto"`` is an ensemble of
  6 on data of 2 or more features and 100 to 1999 rows (one network above);
- ``default f32``: the same on float32 inputs (the network computes in X's dtype),

and print the fit's wall time, its ratio to ``one net``'s, the members, the
epochs run and the test NLL. Then time ``predict`` with
``point_estimate="mode"`` and ``"mean"`` on 200,000 rows of the last data set
for ``one net`` and ``default``. Take timings only on a quiet machine.

Usage::

    OMP_NUM_THREADS=2 python benchmarks/ensemble_cost.py PATH/TO/uci \\
        [--datasets concrete,bostonHousing] [--repeats 1] \\
        [--configs '{"one net": {"n_members": 1}, "k=4": {"n_members": 4}}']
"""

import argparse
import json
import time
import warnings

import numpy as np

from skmdn import MDNRegressor
from uci_data import load_uci

CONFIGS = {
    "one net": ({"n_members": 1}, np.float64),
    "default": ({}, np.float64),
    "default f32": ({}, np.float32),
}



def fit_timed(params, X, y, dtype):
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = MDNRegressor(random_state=0, **params).fit(X.astype(dtype), y)
    return model, time.perf_counter() - start


def predict_rate(model, X, point_estimate, n_rows=200_000):
    """Rows per second of ``predict`` on ``n_rows`` rows tiled from ``X`` (best of 2)."""
    big = np.resize(X, (n_rows, X.shape[1]))
    model.set_params(point_estimate=point_estimate)
    best = np.inf
    for _ in range(2):
        start = time.perf_counter()
        model.predict(big)
        best = min(best, time.perf_counter() - start)
    return n_rows / best


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("data_dir")
    parser.add_argument("--datasets",
                        default="yacht,bostonHousing,energy,concrete,wine-quality-red")
    parser.add_argument("--repeats", type=int, default=1,
                        help="fits per configuration; the fastest is kept")
    parser.add_argument("--configs", default=None,
                        help='JSON {label: parameters} fitted on float64 instead of the '
                             'three configurations above; the first is the base of the ratios')
    args = parser.parse_args(argv)
    configs = CONFIGS
    if args.configs:
        configs = {label: (params, np.float64)
                   for label, params in json.loads(args.configs).items()}
    print(f"{'data set':<16} {'config':<11} {'fit s':>7} {'ratio':>6} {'k':>2} {'epochs':>6} "
          f"{'test NLL':>9}")
    models = {}
    for name in args.datasets.split(","):
        X, X_test, y, y_test = load_uci(name, 0, args.data_dir)
        base = None
        for label, (params, dtype) in configs.items():
            runs = [fit_timed(params, X, y, dtype) for _ in range(args.repeats)]
            model, seconds = min(runs, key=lambda run: run[1])
            base = seconds if base is None else base
            nll = -model.score_samples(X_test.astype(dtype), y_test).mean()
            print(f"{name:<16} {label:<11} {seconds:>7.1f} {seconds / base:>6.2f} "
                  f"{model.n_members_:>2d} {model.n_iter_:>6d} {nll:>9.3f}", flush=True)
            models[label] = (model, X_test)
    print(f"\npredict on 200,000 rows ({name}, rows per second)")
    for label in list(models)[:2]:
        model, X_test = models[label]
        for point in ("mean", "mode"):
            rate = predict_rate(model, X_test, point)
            print(f"{label:<9} {point:<5} {rate:>12,.0f}", flush=True)


if __name__ == "__main__":
    main()
