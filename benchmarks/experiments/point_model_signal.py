"""Can the training rows tell where a point model helps the mixture? Cross-validated errors of cheap models.

For every UCI data set and split given, 5-fold cross-validated RMSE on the
split's **training** rows (the test rows are never read) of the point model
of ``point_regressor="auto"`` and of cheap smooth models: a kernel ridge on
random Fourier features of the standardized inputs, and k nearest neighbours.
The ratio of the point model's error to the smooth model's says whether the
trees find structure a smooth function does not. The report prints the mean
ratio per data set, to set beside the benchmark's paired NLL changes.

Run from the repository root::

    OMP_NUM_THREADS=1 python benchmarks/experiments/point_model_signal.py ../shared/data/uci \\
        --splits 0-2
"""

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.kernel_approximation import RBFSampler
from sklearn.linear_model import RidgeCV
from sklearn.model_selection import KFold, cross_val_predict
from sklearn.neighbors import KNeighborsRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from uci_data import UCI_DATASETS, load_uci  # noqa: E402

from skmdn._point import auto_point_model  # noqa: E402

SMOOTH = {
    "rff ridge": lambda d: make_pipeline(
        StandardScaler(), RBFSampler(gamma=1.0 / d, n_components=500, random_state=0),
        RidgeCV(alphas=np.logspace(-4, 2, 7))),
    "knn 10": lambda d: make_pipeline(StandardScaler(), KNeighborsRegressor(10)),
}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("data_dir")
    p.add_argument("--datasets", default=",".join(UCI_DATASETS))
    p.add_argument("--splits", default="0-2")
    args = p.parse_args(argv)
    lo, _, hi = args.splits.partition("-")
    splits = range(int(lo), int(hi or lo) + 1)
    print(f"{'data set':<28s} {'point R2':>8s} " + " ".join(
        f"{'point / ' + name:>18s}" for name in SMOOTH) + f" {'s':>6s}")
    for name in args.datasets.split(","):
        r2, ratios, start = [], {k: [] for k in SMOOTH}, time.perf_counter()
        for split in splits:
            X, _, y, _ = load_uci(name, split, args.data_dir)
            folds = KFold(5, shuffle=True, random_state=split)

            def rmse(model):
                return np.sqrt(np.mean((cross_val_predict(model, X, y, cv=folds) - y) ** 2))

            point = rmse(auto_point_model())
            r2.append(1 - point**2 / np.var(y))
            for key, make in SMOOTH.items():
                ratios[key].append(point / rmse(make(X.shape[1])))
        print(f"{name:<28s} {np.mean(r2):8.3f} " + " ".join(
            f"{np.mean(v):18.3f}" for v in ratios.values())
            + f" {time.perf_counter() - start:6.1f}", flush=True)


if __name__ == "__main__":
    main()
