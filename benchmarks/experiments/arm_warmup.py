"""Full-covariance robot arm with and without the diagonal warm-up.

    python benchmarks/experiments/arm_warmup.py WARMUP_EPOCHS [COVARIANCE]

Patches the warm-up length (the default is min(20, max_iter // 4) epochs);
0 reproduces the behaviour before the fix.
"""
import sys
import time
import warnings

import numpy as np

from skmdn import MDNRegressor, _regressor
from skmdn.datasets import make_robot_arm, robot_arm_forward

warnings.simplefilter("ignore")
warm = int(sys.argv[1])
cov = sys.argv[2] if len(sys.argv) > 2 else "full"
original = _regressor.DiagonalWarmup.__init__
_regressor.DiagonalWarmup.__init__ = lambda self, epochs: original(self, warm)
X, y = make_robot_arm(5000, random_state=0)
X_test, y_test = make_robot_arm(5000, random_state=1)
start = time.time()
m = MDNRegressor(n_components=2, covariance_type=cov, max_iter=200, random_state=0).fit(X, y)
draws = m.sample(X_test, 1, random_state=0)[:, 0]
err = np.sum((robot_arm_forward(draws) - X_test) ** 2, axis=1)
top = m.predict_dist(X_test).weights.max(axis=1)
print(f"{cov} warm-up {warm}: sq. error {err.mean():.2e} (median {np.median(err):.1e}), "
      f"test NLL {-m.score_samples(X_test, y_test).mean():.3f}, epochs {m.n_iter_}, "
      f"median top weight {np.median(top):.3f}, {time.time() - start:.0f} s")
