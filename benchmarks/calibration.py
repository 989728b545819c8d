"""Calibration of MDNRegressor's predictive distribution on the inverted sinusoid.

Fits the default ``MDNRegressor(n_components=5)`` on 4000 points of the inverted
sinusoid (SEEDS.md A/E; ``random_state=0``) and scores 36000 fresh test points
(another seed): held-out NLL, CRPS, the empirical coverage and mean width of the
50 %, 80 % and 95 % central intervals, and the PIT values with their
Kolmogorov-Smirnov distance from uniform and a 10-bin histogram.

Run from the repository root::

    OMP_NUM_THREADS=1 python benchmarks/calibration.py [--n-train 4000] [--n-test 36000]

``--max-iter`` and ``--n-iter-no-change`` override the estimator defaults, to
see how calibration follows the quality of the fit.
"""

import argparse
import subprocess
import time

import numpy as np
from scipy import stats
from scipy.integrate import cumulative_trapezoid

from skmdn import MDNRegressor
from skmdn.datasets import make_inverted_sinusoid
from skmdn.metrics import (
    interval_coverage,
    interval_width,
    mean_crps,
    mean_nll,
    pit_ks_statistic,
    pit_values,
)

COVERAGES = (0.5, 0.8, 0.95)


def true_pit(s, t, grid_size=8001, chunk=2000):
    """PIT values under the true p(t | s) of the inverted sinusoid (noise sd 1).

    p(t | s) is proportional to N(s; 7 sin(0.75 t) + 0.5 t, 1) on
    t in [-10.5, 10.5]; its CDF is integrated by the trapezoid rule on a grid.
    """
    grid = np.linspace(-10.5, 10.5, grid_size)
    forward = 7 * np.sin(0.75 * grid) + 0.5 * grid
    out = np.empty(len(s))
    for i in range(0, len(s), chunk):
        dens = stats.norm.pdf(s[i : i + chunk, None] - forward)
        cdf = cumulative_trapezoid(dens, grid, axis=1, initial=0)
        cdf /= cdf[:, -1:]
        out[i : i + chunk] = [np.interp(v, grid, c) for v, c in zip(t[i : i + chunk], cdf)]
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-train", type=int, default=4000)
    parser.add_argument("--n-test", type=int, default=36000)
    parser.add_argument("--test-seed", type=int, default=1)
    parser.add_argument("--n-components", type=int, default=5)
    parser.add_argument("--max-iter", type=int, default=None,
                        help="override the default max_iter")
    parser.add_argument("--n-iter-no-change", type=int, default=None,
                        help="override the default n_iter_no_change")
    args = parser.parse_args(argv)
    overrides = {
        name: value
        for name, value in [("max_iter", args.max_iter), ("n_iter_no_change", args.n_iter_no_change)]
        if value is not None
    }

    X, y = make_inverted_sinusoid(args.n_train, random_state=0)
    X_test, y_test = make_inverted_sinusoid(args.n_test, random_state=args.test_seed)
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True
        ).stdout.strip()
    except OSError:
        commit = "unknown"
    mdn = MDNRegressor(n_components=args.n_components, random_state=0, **overrides)
    print(f"commit {commit}; {mdn!r}")
    start = time.perf_counter()
    mdn.fit(X, y)
    print(f"fit: n={args.n_train}, {mdn.n_iter_} epochs, {time.perf_counter() - start:.1f} s")

    print(f"held-out NLL  {mean_nll(mdn, X_test, y_test):.4f} nats  (truth: 1.288)")
    print(f"held-out CRPS {mean_crps(mdn, X_test, y_test):.4f}")
    print("central interval coverage on", args.n_test, "test points:")
    for c in COVERAGES:
        emp = interval_coverage(mdn, X_test, y_test, coverage=c)
        width = interval_width(mdn, X_test, coverage=c)
        flag = "ok" if abs(emp - c) <= 0.02 else "OUTSIDE 2 points"
        print(f"  nominal {c:.0%}: empirical {emp:.2%} ({100 * (emp - c):+.2f} points, "
              f"{flag}), mean width {width:.3f}")
    ks = pit_ks_statistic(mdn, X_test, y_test)
    print(f"PIT KS statistic {ks:.4f} ({'below' if ks < 0.02 else 'NOT below'} 0.02; "
          f"a perfectly calibrated model gives about {0.87 / np.sqrt(args.n_test):.4f})")
    hist, _ = np.histogram(pit_values(mdn, X_test, y_test), bins=10, range=(0, 1))
    print("PIT histogram (10 bins, share per bin; flat = 0.100):")
    print("  " + " ".join(f"{h / args.n_test:.3f}" for h in hist))

    # References: the same figures for the true conditional distribution, and
    # for targets drawn from the fitted model itself (both should be calibrated).
    for name, pit in [
        ("true p(y|x)", true_pit(X_test.ravel(), y_test)),
        ("model's own draws", pit_values(mdn, X_test, mdn.sample(X_test, random_state=1)[:, 0])),
    ]:
        cover = " ".join(f"{c:.0%}: {np.mean(np.abs(pit - 0.5) <= c / 2):.2%}" for c in COVERAGES)
        print(f"reference, {name}: coverage {cover}; "
              f"PIT KS {stats.kstest(pit, 'uniform').statistic:.4f}")


if __name__ == "__main__":
    main()
