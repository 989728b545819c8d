"""Metrics and scorers for conditional density estimates."""

from functools import partial

import numpy as np
from scipy import stats
from sklearn.utils import _safe_indexing, gen_batches
from sklearn.utils.validation import _num_samples, check_is_fitted

from ._inference import INFERENCE_BATCH_SIZE, check_targets
from .pipeline import final_mdn

__all__ = [
    "mean_log_likelihood",
    "log_likelihood_scorer",
    "mean_nll",
    "mean_crps",
    "crps_scorer",
    "interval_coverage",
    "interval_width",
    "coverage_error_scorer",
    "interval_width_scorer",
    "pit_values",
    "pit_ks_statistic",
    "pit_ks_scorer",
]


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
    final, Xt = final_mdn(estimator, X)
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


def _per_row(estimator, X, y, fn):
    """``fn(dist, y_rows)`` over batches of the final MDN's predicted mixtures."""
    final, Xt = final_mdn(estimator, X)
    check_is_fitted(final)
    n = _num_samples(Xt)
    y = check_targets(final, n, y)
    parts = [
        fn(final.predict_dist(_safe_indexing(Xt, rows)), y[rows])
        for rows in gen_batches(n, INFERENCE_BATCH_SIZE)
    ]
    return np.concatenate(parts)


def mean_nll(estimator, X, y):
    """Mean negative log-likelihood ``-mean_i log p(y_i | x_i)`` (lower is better).

    Parameters
    ----------
    estimator : MDNRegressor or Pipeline ending in one
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,) or (n_samples, n_targets)

    Returns
    -------
    float
        In nats, in the units of y. Its scorer is :func:`log_likelihood_scorer`.

    Examples
    --------
    >>> import numpy as np
    >>> from skmdn import MDNRegressor
    >>> from skmdn.metrics import mean_nll
    >>> X = np.linspace(0, 1, 50).reshape(-1, 1); y = 2 * X.ravel()
    >>> mdn = MDNRegressor(n_components=1, max_iter=5, random_state=0).fit(X, y)
    >>> bool(np.isclose(mean_nll(mdn, X, y), -mdn.score_samples(X, y).mean()))
    True
    """
    return -mean_log_likelihood(estimator, X, y)


def mean_crps(estimator, X, y):
    """Mean continuous ranked probability score, in closed form (lower is better).

    Uses the exact CRPS of a Gaussian mixture (Grimit et al., 2006); for a
    d-dimensional target, the CRPS of every marginal averaged over targets.

    Parameters
    ----------
    estimator : MDNRegressor or Pipeline ending in one
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,) or (n_samples, n_targets)

    Returns
    -------
    float
        In the units of y.

    Examples
    --------
    >>> import numpy as np
    >>> from skmdn import MDNRegressor
    >>> from skmdn.metrics import mean_crps
    >>> X = np.linspace(0, 1, 50).reshape(-1, 1); y = 2 * X.ravel()
    >>> mdn = MDNRegressor(n_components=1, max_iter=5, random_state=0).fit(X, y)
    >>> mean_crps(mdn, X, y) > 0
    True
    """
    return float(np.mean(_per_row(estimator, X, y, lambda d, yb: d.crps(yb))))


def crps_scorer(estimator, X, y):
    """Scorer: the negative mean CRPS (greater is better), for ``scoring=``.

    Parameters
    ----------
    estimator : MDNRegressor or Pipeline ending in one
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,) or (n_samples, n_targets)

    Returns
    -------
    float

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.model_selection import cross_val_score
    >>> from skmdn import MDNRegressor
    >>> from skmdn.metrics import crps_scorer
    >>> X = np.linspace(0, 1, 60).reshape(-1, 1); y = X.ravel() ** 2
    >>> cross_val_score(MDNRegressor(n_components=1, max_iter=5, random_state=0),
    ...                 X, y, cv=2, scoring=crps_scorer).shape
    (2,)
    """
    return -mean_crps(estimator, X, y)


def _inside(dist, y, coverage):
    lower, upper = dist.interval(coverage)
    y = y.reshape(lower.shape)
    return (lower <= y) & (y <= upper)


def interval_coverage(estimator, X, y, coverage=0.9):
    """Share of targets inside their predicted central ``coverage`` interval.

    A calibrated model gives about ``coverage``. For d > 1, every marginal
    interval counts separately.

    Parameters
    ----------
    estimator : MDNRegressor or Pipeline ending in one
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,) or (n_samples, n_targets)
    coverage : float, default=0.9
        Nominal probability of the central interval, in (0, 1).

    Returns
    -------
    float
        In [0, 1].

    Examples
    --------
    >>> import numpy as np
    >>> from skmdn import MDNRegressor
    >>> from skmdn.metrics import interval_coverage
    >>> X = np.linspace(0, 1, 50).reshape(-1, 1); y = 2 * X.ravel()
    >>> mdn = MDNRegressor(n_components=1, max_iter=5, random_state=0).fit(X, y)
    >>> 0 <= interval_coverage(mdn, X, y, coverage=0.8) <= 1
    True
    """
    return float(np.mean(_per_row(estimator, X, y, partial(_inside, coverage=coverage))))


def interval_width(estimator, X, y=None, coverage=0.9):
    """Mean width of the predicted central ``coverage`` intervals.

    Parameters
    ----------
    estimator : MDNRegressor or Pipeline ending in one
    X : array-like of shape (n_samples, n_features)
    y : ignored
        Present so the function has the scorer signature.
    coverage : float, default=0.9

    Returns
    -------
    float
        In the units of y (averaged over targets for d > 1).

    Examples
    --------
    >>> import numpy as np
    >>> from skmdn import MDNRegressor
    >>> from skmdn.metrics import interval_width
    >>> X = np.linspace(0, 1, 50).reshape(-1, 1); y = 2 * X.ravel()
    >>> mdn = MDNRegressor(n_components=1, max_iter=5, random_state=0).fit(X, y)
    >>> interval_width(mdn, X, coverage=0.5) < interval_width(mdn, X, coverage=0.9)
    True
    """
    final, Xt = final_mdn(estimator, X)
    return float(np.mean(np.diff(final.predict_interval(Xt, coverage), axis=1)))


def coverage_error_scorer(estimator, X, y, coverage=0.9):
    """Scorer: ``-|interval_coverage - coverage|`` (greater is better, 0 is best).

    Use ``functools.partial(coverage_error_scorer, coverage=0.5)`` for another level.

    Parameters
    ----------
    estimator : MDNRegressor or Pipeline ending in one
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,) or (n_samples, n_targets)
    coverage : float, default=0.9

    Returns
    -------
    float

    Examples
    --------
    >>> import numpy as np
    >>> from skmdn import MDNRegressor
    >>> from skmdn.metrics import coverage_error_scorer
    >>> X = np.linspace(0, 1, 50).reshape(-1, 1); y = 2 * X.ravel()
    >>> mdn = MDNRegressor(n_components=1, max_iter=5, random_state=0).fit(X, y)
    >>> coverage_error_scorer(mdn, X, y) <= 0
    True
    """
    return -abs(interval_coverage(estimator, X, y, coverage) - coverage)


def interval_width_scorer(estimator, X, y, coverage=0.9):
    """Scorer: the negative mean interval width (greater is better).

    Sharpness only: pair it with :func:`coverage_error_scorer`, since a
    narrow but miscalibrated interval also scores well here.

    Parameters
    ----------
    estimator : MDNRegressor or Pipeline ending in one
    X : array-like of shape (n_samples, n_features)
    y : ignored
    coverage : float, default=0.9

    Returns
    -------
    float

    Examples
    --------
    >>> import numpy as np
    >>> from skmdn import MDNRegressor
    >>> from skmdn.metrics import interval_width_scorer
    >>> X = np.linspace(0, 1, 50).reshape(-1, 1); y = 2 * X.ravel()
    >>> mdn = MDNRegressor(n_components=1, max_iter=5, random_state=0).fit(X, y)
    >>> interval_width_scorer(mdn, X, y) < 0
    True
    """
    return -interval_width(estimator, X, y, coverage)


def pit_values(estimator, X, y):
    """Probability integral transform ``F(y_i | x_i)`` of every target.

    If the model is calibrated these are uniform on [0, 1]; a U-shaped
    histogram means intervals too narrow, a hump means too wide.

    Parameters
    ----------
    estimator : MDNRegressor or Pipeline ending in one
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,) or (n_samples, n_targets)

    Returns
    -------
    ndarray of shape (n_samples,) or (n_samples, n_targets)
        Marginal PIT values for d > 1.

    Examples
    --------
    >>> import numpy as np
    >>> from skmdn import MDNRegressor
    >>> from skmdn.metrics import pit_values
    >>> X = np.linspace(0, 1, 50).reshape(-1, 1); y = 2 * X.ravel()
    >>> mdn = MDNRegressor(n_components=1, max_iter=5, random_state=0).fit(X, y)
    >>> pit = pit_values(mdn, X, y)
    >>> pit.shape, bool(((0 <= pit) & (pit <= 1)).all())
    ((50,), True)
    """
    return _per_row(estimator, X, y, lambda d, yb: d.cdf(yb))


def pit_ks_statistic(estimator, X, y):
    """Calibration summary: Kolmogorov-Smirnov distance of the PIT values from uniform.

    ``sup_u |ECDF_PIT(u) - u|``: 0 for perfect calibration; for n truly
    uniform values it is typically about ``0.87 / sqrt(n)``. For d > 1 the
    marginal PIT values of all targets are pooled.

    Parameters
    ----------
    estimator : MDNRegressor or Pipeline ending in one
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,) or (n_samples, n_targets)

    Returns
    -------
    float
        In [0, 1]; lower is better.

    Examples
    --------
    >>> import numpy as np
    >>> from skmdn import MDNRegressor
    >>> from skmdn.metrics import pit_ks_statistic
    >>> X = np.linspace(0, 1, 50).reshape(-1, 1); y = 2 * X.ravel()
    >>> mdn = MDNRegressor(n_components=1, max_iter=5, random_state=0).fit(X, y)
    >>> 0 <= pit_ks_statistic(mdn, X, y) <= 1
    True
    """
    pit = np.ravel(pit_values(estimator, X, y))
    return float(stats.kstest(pit, "uniform").statistic)


def pit_ks_scorer(estimator, X, y):
    """Scorer: the negative PIT KS statistic (greater is better, 0 is best).

    Parameters
    ----------
    estimator : MDNRegressor or Pipeline ending in one
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,) or (n_samples, n_targets)

    Returns
    -------
    float

    Examples
    --------
    >>> import numpy as np
    >>> from skmdn import MDNRegressor
    >>> from skmdn.metrics import pit_ks_scorer
    >>> X = np.linspace(0, 1, 50).reshape(-1, 1); y = 2 * X.ravel()
    >>> mdn = MDNRegressor(n_components=1, max_iter=5, random_state=0).fit(X, y)
    >>> pit_ks_scorer(mdn, X, y) <= 0
    True
    """
    return -pit_ks_statistic(estimator, X, y)
