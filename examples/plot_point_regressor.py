"""
A mixture around a point model: gradient-boosted trees under the density
========================================================================

On tabular data, gradient-boosted trees often predict the mean better than a
small network: they find feature interactions from a few thousand rows. A
mixture density network gives the whole conditional distribution. With
``point_regressor=`` you get both: the trees' predictions become extra inputs
of the network, and the mixture learns the spread, skew and modes around them.

On the training rows those predictions are cross-fitted: each row is predicted
by a model fitted without it (5 folds), so the network learns how far to trust
the trees on data they have not seen. A final model fitted on every row
predicts afterwards (``point_regressor_``). So a fit costs six fits of the
point model besides the network's.

This example uses LightGBM, CatBoost or XGBoost when one is installed, and
scikit-learn's ``HistGradientBoostingRegressor`` otherwise. The data are
made up: ten features, of which four enter the target through thresholds and
interactions (which trees find easily and a small network does not), and one
sets the size of a skewed noise.
"""

# %%
import importlib.util

import matplotlib.pyplot as plt
import numpy as np
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.model_selection import train_test_split

from skmdn import MDNRegressor
from skmdn.metrics import mean_crps, mean_nll


def point_model():
    """The first gradient-boosting library installed, quiet and on one thread."""
    if importlib.util.find_spec("lightgbm"):
        from lightgbm import LGBMRegressor

        return LGBMRegressor(n_estimators=300, learning_rate=0.05, n_jobs=1, verbose=-1)
    if importlib.util.find_spec("catboost"):
        from catboost import CatBoostRegressor

        return CatBoostRegressor(iterations=300, thread_count=1, verbose=False,
                                 allow_writing_files=False)
    if importlib.util.find_spec("xgboost"):
        from xgboost import XGBRegressor

        return XGBRegressor(n_estimators=300, learning_rate=0.05, n_jobs=1)
    return HistGradientBoostingRegressor()


rng = np.random.default_rng(0)
X = rng.uniform(0, 1, size=(3000, 10))
signal = (4 * (X[:, 0] > 0.5) * (X[:, 1] > 0.3) + 3 * np.floor(4 * X[:, 2]) * (X[:, 3] > 0.6)
          + 2 * np.sin(6 * X[:, 1]))
# Skewed noise that grows with the fifth feature: a mean is not the whole story.
noise = (0.1 + 0.6 * X[:, 4]) * (rng.gamma(2.0, 1.0, size=len(signal)) - 2.0)
y = signal + noise
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.4, random_state=0)

trees = point_model()
plain = MDNRegressor(random_state=0).fit(X_train, y_train)
stacked = MDNRegressor(point_regressor=trees, random_state=0).fit(X_train, y_train)
alone = point_model().fit(X_train, y_train)


def rmse(pred):
    return float(np.sqrt(np.mean((pred - y_test) ** 2)))


print(f"point model: {type(trees).__name__}")
print(f"{'model':34s} {'NLL':>7s} {'CRPS':>7s} {'RMSE':>7s}")
for name, model in (("MDNRegressor", plain), ("MDNRegressor(point_regressor=...)", stacked)):
    print(f"{name:34s} {mean_nll(model, X_test, y_test):7.3f} "
          f"{mean_crps(model, X_test, y_test):7.3f} {rmse(model.predict(X_test)):7.3f}")
print(f"{type(trees).__name__ + ' alone':34s} {'':>7s} {'':>7s} {rmse(alone.predict(X_test)):7.3f}")

# %%
# Intervals that follow the noise
# -------------------------------
# The 80 % central intervals of the model with the point regressor, on 60 test
# rows sorted by the fifth feature: they widen where the noise does, and sit
# above the mean where the skewed noise has its long tail. The right panel
# compares the held-out errors of the two networks' means.
order = np.argsort(X_test[:60, 4])
band = stacked.predict_interval(X_test[:60][order], coverage=0.8)
fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
ax = axes[0]
ax.vlines(X_test[:60, 4][order], band[:, 0], band[:, 1], color="tab:blue", alpha=0.5,
          label="80 % interval")
ax.scatter(X_test[:60, 4][order], y_test[:60][order], s=10, color="k", label="test y")
ax.set_xlabel("feature 5 (sets the noise)")
ax.set_ylabel("y")
ax.legend(fontsize="small")
axes[1].scatter(np.abs(plain.predict(X_test) - y_test), np.abs(stacked.predict(X_test) - y_test),
                s=4, alpha=0.4)
top = float(np.abs(y_test - y_test.mean()).max())
axes[1].plot([0, top], [0, top], color="grey", lw=1)
axes[1].set_xlabel("|error|, MDNRegressor")
axes[1].set_ylabel("|error|, with the point regressor")
fig.tight_layout()
plt.show()
