"""Metrics and scorers for conditional density estimates."""

import numpy as np
from sklearn.pipeline import Pipeline

__all__ = ["mean_log_likelihood", "log_likelihood_scorer"]


def _final_step(estimator, X):
    """Unwrap pipelines: the last step, and X transformed by the steps before it."""
    while isinstance(estimator, Pipeline):
        if len(estimator.steps) > 1:
            X = estimator[:-1].transform(X)
        estimator = estimator[-1]
    return estimator, X


def mean_log_likelihood(estimator, X, y):
    """Mean conditional log-likelihood ``mean_i log p(y_i | x_i)`` of a fitted model.

    Parameters
    ----------
    estimator : MDNRegressor or Pipeline ending in one
        A fitted estimator with ``score_samples(X, y)``.
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,) or (n_samples, n_targets)

    Returns
    -------
    float
        In nats, in the units of y; higher is better. The negative is the mean NLL.

    Examples
    --------
    >>> import numpy as np
    >>> from skmdn import MDNRegressor
    >>> from skmdn.metrics import mean_log_likelihood
    >>> X = np.linspace(0, 1, 50).reshape(-1, 1); y = 2 * X.ravel()
    >>> mdn = MDNRegressor(n_components=1, max_iter=5, random_state=0).fit(X, y)
    >>> isinstance(mean_log_likelihood(mdn, X, y), float)
    True
    """
    final, Xt = _final_step(estimator, X)
    return float(np.mean(final.score_samples(Xt, y)))


def log_likelihood_scorer(estimator, X, y):
    """Scorer for model selection by held-out log-likelihood (greater is better).

    Pass it as ``scoring=`` to :class:`~sklearn.model_selection.GridSearchCV` or
    :func:`~sklearn.model_selection.cross_val_score`. Works on an
    :class:`MDNRegressor` and on a Pipeline that ends in one (the preceding
    steps transform X; the target is scored in its own units).

    Parameters
    ----------
    estimator : MDNRegressor or Pipeline ending in one
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,) or (n_samples, n_targets)

    Returns
    -------
    float
        Mean log p(y | x) in nats.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.model_selection import cross_val_score
    >>> from skmdn import MDNRegressor
    >>> from skmdn.metrics import log_likelihood_scorer
    >>> X = np.linspace(0, 1, 60).reshape(-1, 1); y = X.ravel() ** 2
    >>> scores = cross_val_score(MDNRegressor(n_components=1, max_iter=5, random_state=0),
    ...                          X, y, cv=2, scoring=log_likelihood_scorer)
    >>> scores.shape
    (2,)
    """
    return mean_log_likelihood(estimator, X, y)
