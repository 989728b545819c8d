"""
Quick start: one input, several right answers
=============================================

The inverted sinusoid (reference experiment A) asks for ``t`` given ``s = 7 sin(0.75 t) + 0.5 t
+ noise``: for most ``s`` there are three or five valid ``t``. A least-squares
regressor predicts their average, which is none of them. An :class:`~skmdn.MDNRegressor`
predicts the whole conditional density: its mode lands on a branch, and its
samples cover every branch.
"""

# %%
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from skmdn import MDNRegressor
from skmdn.datasets import make_inverted_sinusoid

X, y = make_inverted_sinusoid(4000, random_state=0)
X_test, y_test = make_inverted_sinusoid(36000, random_state=1)

mdn = MDNRegressor(n_components=5, random_state=0).fit(X, y)
print(f"held-out NLL: {-mdn.score_samples(X_test, y_test).mean():.3f} nats "
      "(ground truth 1.288)")

# %%
# The mean, the mode and samples of the predicted density.
grid = np.linspace(X.min(), X.max(), 400).reshape(-1, 1)
mean = mdn.predict(grid)
mode = mdn.set_params(point_estimate="mode").predict(grid)
draws = mdn.sample(grid, n_samples=10, random_state=0)

fig, ax = plt.subplots(figsize=(7, 4.5))
ax.scatter(X[:, 0], y, s=2, c="0.75", label="training data")
ax.scatter(np.repeat(grid[:, 0], 10), draws.ravel(), s=1, c="tab:green", alpha=0.4,
           label="samples from p(t | s)")
ax.plot(grid[:, 0], mean, c="tab:red", lw=2, label="conditional mean")
ax.plot(grid[:, 0], mode, ".", c="tab:blue", ms=3, label="conditional mode")
ax.set_xlabel("input s")
ax.set_ylabel("target t")
ax.set_title("Inverted sinusoid: the mean is no answer, the mode is one")
ax.legend(loc="upper left", markerscale=4, fontsize=8)
fig.tight_layout()

try:
    examples_dir = Path(__file__).resolve().parent
except NameError:  # the docs gallery runs examples in their folder, without __file__
    examples_dir = Path.cwd()
out = examples_dir.parent / "docs" / "_static" / "inverted_sinusoid.png"
out.parent.mkdir(parents=True, exist_ok=True)
fig.savefig(out, dpi=110)
print(f"wrote {out}")
