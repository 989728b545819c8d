"""AdamW's step through torch's fused kernel directly, against ``optimizer.step()``.

Fits one network and the default 6-member ensemble for 40 epochs (early
stopping off) on 824 rows of 8 features, in turns, with skmdn's direct call to
the fused kernel and with it turned off (so that ``optimizer.step()`` runs);
prints the best time of four of each. The two give the same fit to the bit
(tests/test_training.py). Run on a quiet machine::

    OMP_NUM_THREADS=1 python benchmarks/experiments/fused_step.py
"""

import time
import warnings
from unittest import mock

import numpy as np

from skmdn import MDNRegressor
from skmdn._training import _net


def main(repeats=4):
    warnings.simplefilter("ignore")
    rng = np.random.default_rng(0)
    X = rng.normal(size=(824, 8))
    y = X @ rng.normal(size=8) + rng.normal(size=824)

    def fit(members):
        start = time.perf_counter()
        MDNRegressor(max_iter=40, early_stopping=False, n_members=members,
                     random_state=0).fit(X, y)
        return time.perf_counter() - start

    fit(1)  # load the libraries
    for members in (1, 6):
        direct, ordinary = [], []
        for _ in range(repeats):
            direct.append(fit(members))
            with mock.patch.object(_net, "fused_adamw_step", lambda optimizer: False):
                ordinary.append(fit(members))
        print(f"n_members={members}: direct {min(direct):.3f} s, optimizer.step() "
              f"{min(ordinary):.3f} s, ratio {min(direct) / min(ordinary):.3f}")


if __name__ == "__main__":
    main()
