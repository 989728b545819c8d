"""
Model selection by held-out log-likelihood
==========================================

``MDNRegressor.score`` is R² of the point prediction, as for every
scikit-learn regressor, and says nothing about the density. To choose the
number of components or the covariance type, score by the held-out
log-likelihood instead: pass :func:`skmdn.metrics.log_likelihood_scorer` as
``scoring`` to :class:`~sklearn.model_selection.GridSearchCV`.

The data are the robot arm of the reference experiments page D: a two-dimensional target (the
joint angles) that takes two values for most inputs (elbow up or down), so
both ``n_components`` and ``covariance_type`` matter. To keep the example
under a minute, it uses 1500 points, 45 epochs per fit and 3-fold
cross-validation.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skmdn import MDNRegressor
from skmdn.datasets import make_robot_arm
from skmdn.metrics import log_likelihood_scorer

X, y = make_robot_arm(1500, random_state=0)
X_test, y_test = make_robot_arm(5000, random_state=1)

# One network per fit (``n_members=1``) keeps the 27 fits of the search quick.
pipe = make_pipeline(StandardScaler(), MDNRegressor(max_iter=45, n_members=1, random_state=0))
grid = {
    "mdnregressor__n_components": [1, 2, 4],
    "mdnregressor__covariance_type": ["spherical", "diag", "full"],
}
search = GridSearchCV(pipe, grid, scoring=log_likelihood_scorer,
                      cv=KFold(3, shuffle=True, random_state=0))
search.fit(X, y)
print("best parameters:", search.best_params_)
print(f"best cross-validated log-likelihood: {search.best_score_:.3f} nats")
print(f"its held-out log-likelihood on 5000 fresh points: "
      f"{log_likelihood_scorer(search.best_estimator_, X_test, y_test):.3f} nats")

# %%
# The cross-validation scores
# ---------------------------
results = pd.DataFrame(search.cv_results_)
fig, ax = plt.subplots(figsize=(6, 4))
for cov, group in results.groupby("param_mdnregressor__covariance_type"):
    group = group.sort_values("param_mdnregressor__n_components")
    ax.errorbar(group["param_mdnregressor__n_components"].astype(int),
                group["mean_test_score"], yerr=group["std_test_score"], marker="o",
                capsize=3, label=cov)
ax.set_xlabel("n_components")
ax.set_ylabel("mean held-out log-likelihood (nats)")
ax.set_title("3-fold cross-validation on the robot arm")
ax.legend(title="covariance_type")
fig.tight_layout()

# %%
# One component cannot describe two elbow positions, whatever its covariance.
# From two components on, the mixture can put one component on each branch.
print(results.pivot_table(index="param_mdnregressor__n_components",
                          columns="param_mdnregressor__covariance_type",
                          values="mean_test_score").round(3))
