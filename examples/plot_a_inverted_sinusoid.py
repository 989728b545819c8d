"""
A. The inverted sinusoid: one input, up to five answers
=======================================================

Reference experiment A (the Flux/Julia write-up, also done in PyTorch and
Edward/Keras). The forward problem
``s = 7 sin(0.75 t) + 0.5 t + noise`` with ``t ~ U(-10.5, 10.5)`` is an easy
regression. Its inverse, predicting ``t`` from ``s``, has up to five valid
answers for one input.

Setup of the write-up, kept here: n = 1000 points, one hidden layer of 20 tanh
units, K = 5 Gaussians, Adam at its default learning rate, 8000 full-batch
epochs. The write-up reports the training NLL 2.47 after 1000 epochs, 1.60
after 3000 and 1.29 after 8000. The best possible expected NLL of this
problem (its conditional entropy, by numerical integration) is 1.288 nats.

skmdn standardizes inputs and targets before training, while the write-up
trained on the raw values, so the two optimisations are not step-for-step the
same; the NLLs below are in the units of ``t`` in both cases.
"""

# %%
# The least-squares warm-up, and its failure on the inverse problem
# -----------------------------------------------------------------
# The write-up first fits the forward problem with the same small network by
# least squares (reported MSE about 1.09, the noise variance being 1), then
# the inverse problem (reported MSE about 33). It used RMSProp; scikit-learn's
# :class:`~sklearn.neural_network.MLPRegressor` offers Adam, which we use at
# the same learning rate of 0.01, full batch, for the same 3000 epochs.
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPRegressor

from skmdn import MDNRegressor
from skmdn.datasets import make_inverted_sinusoid
from skmdn.plotting import plot_components, plot_samples

X, y = make_inverted_sinusoid(1000, random_state=0)  # X is s, y is t
X_test, y_test = make_inverted_sinusoid(20000, random_state=1)


def least_squares(inputs, targets):
    net = MLPRegressor(hidden_layer_sizes=(20,), activation="tanh", solver="adam",
                       learning_rate_init=0.01, batch_size=len(inputs), max_iter=3000,
                       n_iter_no_change=3000, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return net.fit(inputs, targets)


forward = least_squares(y.reshape(-1, 1), X.ravel())
inverse = least_squares(X, y)
mse_forward = np.mean((forward.predict(y.reshape(-1, 1)) - X.ravel()) ** 2)
mse_inverse = np.mean((inverse.predict(X) - y) ** 2)
print(f"forward MSE (training): {mse_forward:.2f}   (write-up: about 1.09)")
print(f"inverse MSE (training): {mse_inverse:.2f}   (write-up: about 33)")

# %%
# The mixture density network
# ---------------------------
# ``n_iter_no_change`` is set to the number of epochs so that all 8000 run, as
# in the write-up.
mdn = MDNRegressor(n_components=5, hidden_layer_sizes=(20,), activation="tanh",
                   batch_size=len(X), max_iter=8000, n_iter_no_change=8000, early_stopping=False,
                   lr_schedule="constant", random_state=0)
mdn.fit(X, y)

# ``loss_curve_`` is in standardized units; adding log(y_scale_) gives nats in
# the units of t.
train_nll = np.asarray(mdn.loss_curve_) + np.log(mdn.y_scale_).sum()
for epoch, reported in [(1000, 2.47), (3000, 1.60), (8000, 1.29)]:
    print(f"training NLL after {epoch:4d} epochs: {train_nll[epoch - 1]:.3f}   "
          f"(write-up: {reported})")
test_nll = -mdn.score_samples(X_test, y_test).mean()
print(f"held-out NLL on 20000 fresh points: {test_nll:.3f}   (ground truth: 1.288)")

# %%
# The component parameters against the input
# ------------------------------------------
# Mixture weights, standard deviations, and means with their plus and minus
# one standard deviation ribbons over the data.
grid = np.linspace(X.min(), X.max(), 300)
fig, axes = plt.subplots(1, 3, figsize=(12, 3.8))
plot_components(mdn, grid, parameter="weight", ax=axes[0])
plot_components(mdn, grid, parameter="std", ax=axes[1])
axes[2].scatter(X[:, 0], y, s=2, c="0.6")
plot_components(mdn, grid, parameter="mean", ax=axes[2])
for ax in axes:
    ax.set_xlabel("input s")
axes[0].legend(fontsize=7)
fig.tight_layout()

# %%
# Samples against least squares
# -----------------------------
# Samples from the MDN fill every branch; the least-squares network follows
# the conditional mean, which lies between the branches.
fig, axes = plt.subplots(1, 2, figsize=(10, 4), sharey=True)
plot_samples(mdn, X_test[:2000], data=(X, y), random_state=0, ax=axes[0])
axes[0].set_title("MDN: one sample per test input")
axes[1].scatter(X[:, 0], y, s=2, c="0.6", label="data")
axes[1].plot(grid, inverse.predict(grid.reshape(-1, 1)), c="tab:red", lw=2,
             label=f"least squares (MSE {mse_inverse:.1f})")
axes[1].plot(grid, mdn.set_params(point_estimate="mode").predict(grid.reshape(-1, 1)), ".",
             c="tab:blue", ms=3, label="MDN mode")
axes[1].legend(fontsize=8, markerscale=3)
axes[1].set_title("least squares averages the branches")
for ax in axes:
    ax.set_xlabel("input s")
axes[0].set_ylabel("target t")
fig.tight_layout()
