"""
The predictive distribution: intervals, calibration and biased sampling
=======================================================================

An :class:`~skmdn.MDNRegressor` predicts a whole Gaussian mixture for every input.
This example reads that mixture three ways on the inverted sinusoid (reference experiment A):
central prediction intervals from exact quantiles, a calibration check by the
probability integral transform (PIT), and biased sampling after Graves (2013),
where ``pi_bias`` sharpens the mixture weights and ``std_bias`` shrinks every
component until only the component means are left.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np

from skmdn import MDNRegressor
from skmdn.datasets import make_inverted_sinusoid
from skmdn.metrics import interval_coverage, pit_ks_statistic, pit_values

X, y = make_inverted_sinusoid(4000, random_state=0)
X_test, y_test = make_inverted_sinusoid(8000, random_state=1)
mdn = MDNRegressor(n_components=5, random_state=0).fit(X, y)

# %%
# Quantiles and central intervals
# -------------------------------
# ``predict_quantiles`` inverts the mixture CDF by root finding (no sampling), so
# the 5 %, 25 %, 75 % and 95 % quantiles below are exact. On a multimodal target a
# central interval is wide: it has to span every branch.
grid = np.linspace(X.min(), X.max(), 300).reshape(-1, 1)
q = mdn.predict_quantiles(grid, [0.05, 0.25, 0.5, 0.75, 0.95])

fig, axes = plt.subplots(1, 2, figsize=(10, 4))
ax = axes[0]
ax.scatter(X[:, 0], y, s=2, c="0.7")
ax.fill_between(grid[:, 0], q[:, 0], q[:, 4], alpha=0.25, label="90 % interval")
ax.fill_between(grid[:, 0], q[:, 1], q[:, 3], alpha=0.35, label="50 % interval")
ax.plot(grid[:, 0], q[:, 2], c="k", lw=1, label="median")
ax.set(xlabel="input s", ylabel="target t", title="Central intervals")
ax.legend(loc="upper left", fontsize=8)

# %%
# Calibration
# -----------
# If the model is calibrated, ``F(y | x)`` evaluated at held-out targets is uniform.
pit = pit_values(mdn, X_test, y_test)
axes[1].hist(pit, bins=20, range=(0, 1), density=True, color="tab:blue", alpha=0.7)
axes[1].axhline(1, c="k", lw=1)
axes[1].set(xlabel="PIT value F(y | x)", ylabel="density", title="PIT histogram")
fig.tight_layout()
for c in (0.5, 0.8, 0.95):
    print(f"{c:.0%} interval: empirical coverage "
          f"{interval_coverage(mdn, X_test, y_test, coverage=c):.1%}")
print(f"PIT KS statistic: {pit_ks_statistic(mdn, X_test, y_test):.4f}")

# %%
# Biased sampling
# ---------------
# Plain samples scatter like the data. A moderate bias gives "cleaned" samples that
# stay close to the likeliest branches; ``std_bias=np.inf`` collapses every
# component onto its mean, so the draws are exactly the component means (a large
# ``pi_bias`` would in addition keep only the most probable one).
settings = [
    ("plain", {}),
    ("cleaned: pi_bias=2, std_bias=1.5", {"pi_bias": 2.0, "std_bias": 1.5}),
    ("limit: std_bias=inf", {"std_bias": np.inf}),
]
fig, axes = plt.subplots(1, 3, figsize=(12, 3.8), sharey=True)
for ax, (title, bias) in zip(axes, settings):
    draws = mdn.sample(grid, n_samples=10, random_state=0, **bias)
    ax.scatter(np.repeat(grid[:, 0], 10), draws.ravel(), s=1, alpha=0.5)
    ax.set(title=title, xlabel="input s")
axes[0].set_ylabel("sampled target t")
fig.tight_layout()

limit = mdn.sample(grid, n_samples=10, random_state=0, std_bias=np.inf)
means = mdn.predict_dist(grid).means[..., 0]
print("limit draws are component means:",
      bool((limit[:, :, None] == means[:, None, :]).any(-1).all()))
plt.show()
