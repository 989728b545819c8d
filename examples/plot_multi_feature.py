"""
Tabular data with several features: plots against one feature at a time
========================================================================

Real regression data have many input features. The plotting helpers that draw
against an input take ``feature=`` (a column index or name) and hold the other
features at a reference row: the training medians by default, or a row you
pass as ``reference=``, as in a partial-dependence plot. Axes carry the
feature's name when the model was fitted on a DataFrame.

The data are scikit-learn's diabetes set (442 patients, disease progression a
year later), with three of its ten features.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_diabetes
from sklearn.model_selection import train_test_split

from skmdn import MDNRegressor
from skmdn.plotting import (
    plot_components,
    plot_conditional_density,
    plot_loss_curves,
    plot_mixture_density,
    plot_samples,
)

X, y = load_diabetes(return_X_y=True, as_frame=True)
X = X[["bmi", "bp", "s5"]]
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=0)
# One network (``n_members=1``), so that the plots below show its three
# components; on data of this size the default pools an ensemble of 6
# networks, 18 components in all.
mdn = MDNRegressor(n_components=3, n_members=1, random_state=0).fit(X_train, y_train)
print(f"held-out NLL: {-mdn.score_samples(X_test, y_test).mean():.3f} nats; "
      f"kept epoch {mdn.best_epoch_} of {mdn.n_iter_}")

# %%
# The mixture against body-mass index
# -----------------------------------
# Weights, means (with a band of one standard deviation) and standard
# deviations of the three components as ``bmi`` sweeps its range, with blood
# pressure and ``s5`` at their training medians.
grid = np.linspace(X["bmi"].min(), X["bmi"].max(), 100)
fig, axes = plt.subplots(1, 3, figsize=(12, 3.5))
for ax, parameter in zip(axes, ["weight", "mean", "std"]):
    plot_components(mdn, grid, parameter=parameter, feature="bmi", ax=ax)
fig.tight_layout()

# %%
# Density, samples and a reference row of your own
# ------------------------------------------------
# The heat map is p(y | bmi) at the median patient; the samples are drawn at
# every test patient's own row and shown against that patient's ``bmi``. The
# last panel holds the other features at a high-risk row instead.
fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
plot_conditional_density(mdn, grid, np.linspace(0, 350, 150), feature="bmi",
                         data=(X_train, y_train), ax=axes[0])
plot_samples(mdn, X_test, n_samples=3, feature="bmi", data=(X_test, y_test), random_state=0,
             ax=axes[1])
high = X_train.quantile(0.9).to_numpy()
plot_components(mdn, grid, feature="bmi", reference=high, ax=axes[2])
axes[2].set_title("bp and s5 at their 90th percentiles", fontsize="small")
fig.tight_layout()

# %%
# Predicted densities of three patients, and the learning curves
# ---------------------------------------------------------------
# The default target range holds the central 99 % of each density. The loss
# curves are in nats in the units of y; the dotted line marks the epoch whose
# weights early stopping kept.
fig, axes = plt.subplots(1, 2, figsize=(10, 3.5))
plot_mixture_density(mdn, X_test.iloc[:3], y_test.iloc[:3], ax=axes[0])
plot_loss_curves(mdn, ax=axes[1])
fig.tight_layout()
plt.show()
