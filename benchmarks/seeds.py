"""The reference experiments of SEEDS.md, with skmdn's result beside each reported figure.

Every model is ``MDNRegressor`` with its defaults except for what the
experiment fixes (the number of components, the covariance form). Held-out
figures use a test set drawn from an independent seed. NLL is in nats, in the
units of the target.

Run::

    OMP_NUM_THREADS=1 python benchmarks/seeds.py            # every experiment
    OMP_NUM_THREADS=1 python benchmarks/seeds.py --only A B  # a subset
"""

import argparse
import time

import numpy as np

from skmdn import MDNRegressor
from skmdn.datasets import (
    make_bishop_toy,
    make_inverted_sinusoid,
    make_robot_arm,
    robot_arm_forward,
)


def _nll(model, X, y):
    return -float(np.mean(model.score_samples(X, y)))


def _sinusoid(n_train, n_test, n_components):
    X, y = make_inverted_sinusoid(n_train, random_state=0)
    X_test, y_test = make_inverted_sinusoid(n_test, random_state=1)
    model = MDNRegressor(n_components=n_components, random_state=0).fit(X, y)
    return model, _nll(model, X, y), _nll(model, X_test, y_test)


def experiment_a():
    _, train, test = _sinusoid(4000, 36000, 5)
    return [("A", "inverted sinusoid, n=4000, K=5: test NLL",
             "1.29 (train NLL, n=1000, 8000 epochs)", f"{test:.3f} (train {train:.3f})",
             "1.288", test <= 1.300)]


def experiment_b():
    X, y = make_bishop_toy(1000, random_state=0)
    X_test, y_test = make_bishop_toy(20000, random_state=1)
    model = MDNRegressor(n_components=3, random_state=0).fit(X, y)
    test = _nll(model, X_test, y_test)
    return [("B", "Bishop's toy, n=1000, K=3: test NLL", "(none)",
             f"{test:.3f} (train {_nll(model, X, y):.3f})", "-1.282", test <= -1.20)]


def experiment_c():
    _, train, test = _sinusoid(1000, 36000, 20)
    return [("C", "inverted sinusoid, n=1000, K=20: NLL", "1.39 (train loss)",
             f"{test:.3f} (train {train:.3f})", "1.288", train <= 1.39)]


def experiment_d():
    rows = []
    _, train, test = _sinusoid(3000, 36000, 20)
    rows.append(("D", "inverted sinusoid, n=3000, K=20: test NLL", "(none)",
                 f"{test:.3f} (train {train:.3f})", "1.288", None))
    X, y = make_robot_arm(5000, random_state=0)
    X_test, _ = make_robot_arm(5000, random_state=1)
    for cov in ("spherical", "diag", "full"):
        model = MDNRegressor(n_components=2, covariance_type=cov, random_state=0).fit(X, y)
        draws = model.sample(X_test, n_samples=1, random_state=0)[:, 0, :]
        err = float(np.mean(np.sum((robot_arm_forward(draws) - X_test) ** 2, axis=1)))
        rows.append(("D", f"robot arm, n=5000, K=2, {cov}: forward-mapped sq. error",
                     "0.00029 (spherical)" if cov == "spherical" else "(none)",
                     f"{err:.2e} ({model.n_iter_} epochs)", "0", err <= 0.00029))
    return rows


def experiment_e():
    _, train, test = _sinusoid(4000, 36000, 20)
    return [("E", "inverted sinusoid, n=4000, K=20: test NLL", "(curves only)",
             f"{test:.3f} (train {train:.3f})", "1.288", None)]


EXPERIMENTS = {"A": experiment_a, "B": experiment_b, "C": experiment_c,
               "D": experiment_d, "E": experiment_e}


def table(rows):
    """reStructuredText table of the result rows."""
    header = ("seed", "experiment", "reported", "skmdn", "truth", "target met")
    cells = [header] + [
        (a, b, c, d, e, "" if ok is None else ("yes" if ok else "no"))
        for a, b, c, d, e, ok in rows
    ]
    widths = [max(len(str(r[i])) for r in cells) for i in range(len(header))]
    line = " ".join("=" * w for w in widths)
    fmt = lambda r: " ".join(str(c).ljust(w) for c, w in zip(r, widths))  # noqa: E731
    return "\n".join([line, fmt(header), line, *map(fmt, cells[1:]), line])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", nargs="*", default=sorted(EXPERIMENTS))
    args = parser.parse_args(argv)
    rows = []
    for key in args.only:
        start = time.perf_counter()
        new = EXPERIMENTS[key]()
        print(f"{key}: {time.perf_counter() - start:.0f} s", flush=True)
        for row in new:
            print("   ", row, flush=True)
        rows += new
    print(table(rows))


if __name__ == "__main__":
    main()
