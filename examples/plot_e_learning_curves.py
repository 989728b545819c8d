"""
E. Learning curves, densities for single inputs, and calibration
================================================================

Reference experiment E (a blog post using Edward, Keras
and TensorFlow). Data: the inverted sinusoid with 40000 points, 10 % (4000)
for training and 90 % (36000) for testing. Network: two hidden layers of 15
ReLU units, K = 20, maximum likelihood with Adam, 1000 full-batch epochs. The
post shows per-epoch training and test log-likelihood curves (converged after
about 400 steps), the predicted density for individual test points with the
true value marked, and a joint hexbin plot of samples drawn for every test
input. The best possible expected NLL is 1.288 nats.

To record a test curve, the model is trained in chunks of 25 epochs with
``warm_start=True``: each ``fit`` continues from the current weights and
optimizer state, and the test NLL is measured between chunks.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np

from skmdn import MDNRegressor
from skmdn.datasets import make_inverted_sinusoid
from skmdn.metrics import pit_values
from skmdn.plotting import (
    plot_coverage,
    plot_loss_curves,
    plot_mixture_density,
    plot_pit_histogram,
    plot_samples,
)

X_all, y_all = make_inverted_sinusoid(40000, random_state=0)
X, y = X_all[:4000], y_all[:4000]
X_test, y_test = X_all[4000:], y_all[4000:]

chunk = 25
mdn = MDNRegressor(n_components=20, hidden_layer_sizes=(15, 15), activation="relu",
                   batch_size=len(X), max_iter=chunk, n_iter_no_change=chunk,
                   warm_start=True, early_stopping=False, lr_schedule="constant", random_state=0)
epochs, test_nll = [], []
for _ in range(1000 // chunk):
    mdn.fit(X, y)
    epochs.append(mdn.n_iter_)
    test_nll.append(-mdn.score_samples(X_test, y_test).mean())
print(f"epochs: {mdn.n_iter_}")
print(f"training NLL: {-mdn.score_samples(X, y).mean():.3f}")
print(f"test NLL on 36000 points: {test_nll[-1]:.3f}   (ground truth: 1.288)")
best = int(np.argmin(test_nll))
print(f"lowest test NLL {test_nll[best]:.3f} after {epochs[best]} epochs")

# %%
# Training and test NLL per epoch
# -------------------------------
fig, ax = plt.subplots(figsize=(6, 4))
plot_loss_curves(mdn, extra={"test (every 25 epochs)": (epochs, test_nll)}, ax=ax)
ax.axhline(1.288, color="k", lw=0.8, ls=":", label="ground truth")
ax.set_ylim(1.0, 3.0)
ax.legend()
fig.tight_layout()

# %%
# The predicted density for single test inputs
# --------------------------------------------
# Each curve is p(t | s) for one test input; the dashed line of the same
# colour is the true t. Several peaks are the branches of the inverse.
fig, ax = plt.subplots(figsize=(7, 4))
plot_mixture_density(mdn, X_test[:4], y_test[:4], y=np.linspace(-12, 12, 600), ax=ax)
ax.set_xlabel("target t")
ax.set_ylabel("p(t | s)")
fig.tight_layout()

# %%
# Samples for every test input
# ----------------------------
# One draw per test input, binned, beside the test data binned the same way.
fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharex=True, sharey=True)
plot_samples(mdn, X_test, kind="hexbin", random_state=0, ax=axes[0])
axes[0].set_title("samples, one per test input")
axes[1].hexbin(X_test[:, 0], y_test, gridsize=60, mincnt=1, cmap="Blues")
axes[1].set_title("test data")
for ax in axes:
    ax.set_xlabel("input s")
axes[0].set_ylabel("target t")
fig.tight_layout()

# %%
# Calibration
# -----------
# The probability integral transform ``F(t | s)`` of every test point, from
# :func:`skmdn.metrics.pit_values` (the exact mixture CDF). A central interval
# of level ``c`` holds ``t`` exactly when the PIT value lies in
# ``[(1 - c) / 2, (1 + c) / 2]``, which gives the observed coverage.
pit = pit_values(mdn, X_test, y_test)
levels = np.array([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95])
observed = np.array([np.mean(np.abs(pit - 0.5) <= c / 2) for c in levels])
for c, o in zip(levels[[4, 8, 9]], observed[[4, 8, 9]]):
    print(f"central {c:.0%} intervals hold {o:.1%} of the test points")

fig, axes = plt.subplots(1, 2, figsize=(10, 4))
plot_pit_histogram(pit, bins=20, ax=axes[0])
plot_coverage(levels, observed, label="MDN", ax=axes[1])
axes[1].legend()
fig.tight_layout()
