"""Tiny data: is the default fit ever much worse than an unconditional Gaussian?

For every data set, subsample size n and seed, draw n random rows of the whole
UCI data set, fit ``MDNRegressor`` with its defaults (plus the JSON parameters
given) on them, and score the mean log-likelihood of all the other rows. The
reference is a Gaussian fitted to the same n targets (maximum likelihood),
which knows nothing of x. Prints, per data set and n, the worst and mean gap
``Gaussian NLL - MDN NLL`` over the seeds (nats per row, positive = the MDN is
better) and the MDN's mean NLL. Also scikit-learn's linnerud data (20 rows,
3 targets) by 5-fold cross-validation, where skmdn once scored -561 nats, and
the plain ``cross_val_score`` of the defaults there.

Usage::

    python benchmarks/tiny_data.py path/to/uci [--sizes 20,50] [JSON ...]

The target: no gap below -1 nat per row.
"""

import argparse
import json
import time
import warnings

import numpy as np
from scipy import stats
from sklearn.datasets import load_linnerud
from sklearn.model_selection import KFold, cross_val_score

from skmdn import MDNRegressor
from skmdn.metrics import log_likelihood_scorer
from uci_data import UCI_DATASETS

SIZES = (20, 50)
SEEDS = (0, 1, 2)
DATASETS = ("bostonHousing", "concrete", "energy", "wine-quality-red", "yacht",
            "power-plant", "kin8nm")


def load_all(name, data_dir):
    from pathlib import Path

    folder = Path(data_dir) / name
    data = np.loadtxt(folder / "data.txt")
    features = np.loadtxt(folder / "index_features.txt", dtype=int, ndmin=1)
    target = int(np.loadtxt(folder / "index_target.txt"))
    return data[:, features], data[:, target]


def gaussian_nll(y_train, y_test):
    """Mean NLL of ``y_test`` under the maximum-likelihood (multivariate) Gaussian of ``y_train``."""
    y_train = y_train.reshape(len(y_train), -1)
    y_test = y_test.reshape(len(y_test), -1)
    mean = y_train.mean(axis=0)
    cov = np.cov(y_train, rowvar=False, bias=True).reshape(mean.size, mean.size)
    return -stats.multivariate_normal(mean, cov, allow_singular=True).logpdf(y_test).mean()


def mdn_nll(params, X, y, X_test, y_test, seed):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = MDNRegressor(**{"random_state": seed, **params}).fit(X, y)
    return -model.score_samples(X_test, y_test).mean()


def run(params, data_dir, sizes=SIZES):
    rows = []
    for name in DATASETS:
        X_all, y_all = load_all(name, data_dir)
        for n in sizes:
            gaps, nlls = [], []
            for seed in SEEDS:
                rng = np.random.default_rng(seed)
                idx = rng.permutation(len(y_all))
                train, test = idx[:n], idx[n:]
                ref = gaussian_nll(y_all[train], y_all[test])
                nll = mdn_nll(params, X_all[train], y_all[train], X_all[test], y_all[test], seed)
                gaps.append(ref - nll)
                nlls.append(nll)
            rows.append((name, n, min(gaps), float(np.mean(gaps)), float(np.mean(nlls))))
    X, Y = load_linnerud(return_X_y=True)
    gaps, nlls = [], []
    for fold, (train, test) in enumerate(KFold(5, shuffle=True, random_state=0).split(X)):
        ref = gaussian_nll(Y[train], Y[test])
        nll = mdn_nll(params, X[train], Y[train], X[test], Y[test], fold)
        gaps.append(ref - nll)
        nlls.append(nll)
    rows.append(("linnerud (5-fold)", 16, min(gaps), float(np.mean(gaps)), float(np.mean(nlls))))
    return rows


def linnerud_cross_val(params):
    """scikit-learn's plain 5-fold ``cross_val_score`` on linnerud: MDN and Gaussian.

    Returns the mean log-likelihood per row (higher is better) of the MDN
    (``random_state=0``) and of the unconditional Gaussian of the training folds.
    """
    X, Y = load_linnerud(return_X_y=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = MDNRegressor(**{"random_state": 0, **params})
        mdn = cross_val_score(model, X, Y, cv=5, scoring=log_likelihood_scorer).mean()
    gauss = np.mean([-gaussian_nll(Y[train], Y[test]) for train, test in KFold(5).split(X)])
    return float(mdn), float(gauss)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("data_dir", help="folder holding the UCI data set folders")
    parser.add_argument("params", nargs="*", default=["{}"],
                        help="JSON dicts of MDNRegressor parameters ('{}': the defaults)")
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)),
                        help="comma-separated subsample sizes (default: %(default)s)")
    args = parser.parse_intermixed_args(argv)
    sizes = tuple(int(n) for n in args.sizes.split(","))
    assert set(DATASETS) <= set(UCI_DATASETS)
    for text in args.params or ["{}"]:
        params = json.loads(text)
        start = time.perf_counter()
        rows = run(params, args.data_dir, sizes)
        print(f"\n{params} ({time.perf_counter() - start:.0f} s)")
        print(f"{'data set':<20} {'n':>4} {'worst gap':>10} {'mean gap':>10} {'MDN NLL':>10}")
        for name, n, worst, mean, nll in rows:
            print(f"{name:<20} {n:>4} {worst:>10.3f} {mean:>10.3f} {nll:>10.3f}")
        mdn, gauss = linnerud_cross_val(params)
        print(f"linnerud cross_val_score (5-fold, log_likelihood_scorer): MDN {mdn:.3f}, "
              f"unconditional Gaussian {gauss:.3f} mean log-likelihood per row")
        worst = min(r[2] for r in rows)
        print(f"worst gap overall {worst:.3f} nats per row "
              f"({'meets' if worst >= -1 else 'misses'} the -1 target)", flush=True)


if __name__ == "__main__":
    main()
