"""Run the stress cases of tests/test_stress.py and print the table of docs/guide/robustness.rst.

The cases live in :mod:`skmdn._testing` (``STRESS_CASES``), shared with the test.

Usage::

    OMP_NUM_THREADS=1 PYTHONPATH=. python benchmarks/stress_table.py [--fast]

Every case is fitted once (``random_state=0``); the table gives the outcome
(a finite model, or the error raised), the number of epochs run, the last
training NLL (nats per row, standardized units), the mean log-likelihood of
the training data in the user's units, and the wall time. ``--fast`` skips
the cases that the test suite marks slow.
"""

import argparse
import time
import warnings

import numpy as np

from skmdn import MDNRegressor
from skmdn._testing import STRESS_CASES, STRESS_PARAMS, run_stress_case, smooth_data


def divergence_cases():
    """Training set-ups that blow up on purpose, as (name, data, params)."""
    data = smooth_data(200, dtype=np.float32)
    return [
        (f"learning_rate_init={lr:g}, activation={act}, float32", data,
         {"learning_rate_init": lr, "activation": act})
        for act, lr in (("identity", 1e6), ("tanh", 100.0), ("relu", 1e3))
    ]


def row(name, fit, check=None, error=None):
    start = time.perf_counter()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            mdn, X, y = fit()
        if check is not None:
            check(mdn, X, y)
        outcome = "finite model" + (", checks pass" if check is not None else "")
        figures = (f"{mdn.n_iter_}", f"{mdn.loss_curve_[-1]:.3f}",
                   f"{mdn.score_samples(X, y).mean():.3g}")
    except Exception as exc:  # noqa: BLE001 - the table reports whatever happened
        first = str(exc).split(". ")[0]
        outcome = f"{type(exc).__name__}: {first}"
        if error is not None and not isinstance(exc, error):
            outcome = "UNEXPECTED " + outcome
        figures = ("", "", "")
    seconds = time.perf_counter() - start
    return [name, outcome, *figures, f"{seconds:.1f}"]


def print_table(rows):
    header = ["Case", "Outcome", "Epochs", "Last train NLL", "Mean train log-lik", "Time (s)"]
    print(".. list-table::\n   :header-rows: 1\n   :widths: 30 40 8 10 10 8\n")
    for cells in [header, *rows]:
        print("   * - " + "\n     - ".join(c.replace("|", "/") or " " for c in cells))
    print()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fast", action="store_true", help="skip the slow cases")
    args = parser.parse_args()
    rows = []
    for case in STRESS_CASES:
        if args.fast and case.slow:
            continue
        name = case.name + (" (slow)" if case.slow else "")
        error = case.error[0] if case.error else None
        rows.append(row(name, lambda c=case: run_stress_case(c), case.check, error))
    for name, data, params in divergence_cases():
        def fit(data=data, params=params):
            X, y = data(np.random.default_rng(0))
            return MDNRegressor(**{**STRESS_PARAMS, **params}).fit(X, y), X, y
        rows.append(row(name, fit))
    print_table(rows)


if __name__ == "__main__":
    main()
