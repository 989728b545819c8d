"""Settings of the point model of ``point_regressor="auto"``, chosen on training folds only.

For every UCI data set and split given, each candidate setting of
``HistGradientBoostingRegressor`` is scored by 5-fold cross-validated RMSE on
the split's **training** rows (the test rows are never read), and its fit
time is recorded. The report ranks the candidates per data set and averages
the ranks and the RMSE relative to the defaults.

Run from the repository root::

    OMP_NUM_THREADS=1 python benchmarks/experiments/point_model_cv.py ../shared/data/uci \\
        --splits 0-2
"""

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.model_selection import KFold, cross_val_predict

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from uci_data import UCI_DATASETS, load_uci  # noqa: E402

CANDIDATES = {
    "defaults": {},
    "lr .05, 300": {"learning_rate": 0.05, "max_iter": 300},
    "lr .05, 300, leaf 10": {"learning_rate": 0.05, "max_iter": 300, "min_samples_leaf": 10},
    "lr .05, 500, early": {"learning_rate": 0.05, "max_iter": 500, "early_stopping": True},
    "lr .1, leaf 10": {"min_samples_leaf": 10},
    "lr .05, 300, l2 1": {"learning_rate": 0.05, "max_iter": 300, "l2_regularization": 1.0},
    "leaf 5": {"min_samples_leaf": 5},
    "leaf 10, 15 leaves": {"min_samples_leaf": 10, "max_leaf_nodes": 15},
    "leaf 10, 15 leaves, 200": {"min_samples_leaf": 10, "max_leaf_nodes": 15, "max_iter": 200},
}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("data_dir")
    p.add_argument("--datasets", default=",".join(UCI_DATASETS))
    p.add_argument("--splits", default="0-2")
    p.add_argument("--candidates", default=None, help="names separated by | (default: all)")
    args = p.parse_args(argv)
    lo, _, hi = args.splits.partition("-")
    splits = range(int(lo), int(hi or lo) + 1)
    names = args.datasets.split(",")
    if args.candidates:
        for c in set(CANDIDATES) - set(args.candidates.split("|")) - {"defaults"}:
            del CANDIDATES[c]
    rel, ranks, secs = ({c: [] for c in CANDIDATES} for _ in range(3))
    print(f"{'data set':<28s} " + " ".join(f"{c:>20s}" for c in CANDIDATES))
    for name in names:
        scores = {c: [] for c in CANDIDATES}
        for split in splits:
            X, _, y, _ = load_uci(name, split, args.data_dir)
            folds = KFold(5, shuffle=True, random_state=split)
            for c, params in CANDIDATES.items():
                start = time.perf_counter()
                pred = cross_val_predict(HistGradientBoostingRegressor(random_state=0, **params),
                                         X, y, cv=folds)
                secs[c].append((time.perf_counter() - start) / 5)
                scores[c].append(np.sqrt(np.mean((pred - y) ** 2)))
        mean = {c: np.mean(v) for c, v in scores.items()}
        order = sorted(mean, key=mean.get)
        for c in CANDIDATES:
            rel[c].append(mean[c] / mean["defaults"])
            ranks[c].append(order.index(c) + 1)
        print(f"{name:<28s} " + " ".join(f"{mean[c]:20.4g}" for c in CANDIDATES), flush=True)
    print(f"{'RMSE / defaults':<28s} " + " ".join(f"{np.mean(rel[c]):20.3f}" for c in CANDIDATES))
    print(f"{'mean rank':<28s} " + " ".join(f"{np.mean(ranks[c]):20.2f}" for c in CANDIDATES))
    print(f"{'s per fit':<28s} " + " ".join(f"{np.mean(secs[c]):20.2f}" for c in CANDIDATES))


if __name__ == "__main__":
    main()
