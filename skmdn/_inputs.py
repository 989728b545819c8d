"""The input side: from the user's X to the network's inputs, in one function.

:func:`network_inputs` is the one path from X to the network, for fit and
every predictive method: the input transform, the standardization and the
point regressor's columns (:mod:`skmdn._point`).

The input transform: a quantile-normal map of each continuous feature, or none.

``input_transform="quantile"`` maps every feature with at least
:data:`MIN_DISTINCT` distinct training values through scikit-learn's
:class:`~sklearn.preprocessing.QuantileTransformer` onto a standard normal,
which tames skewed features and outliers; features with fewer distinct values
(binary flags, small counts, one-hot columns) are left as they are, because a
quantile map would turn their few values into arbitrary steps. Standardization
follows in either case. The map acts on X only, so no Jacobian enters the
likelihood of y.
"""

import numpy as np
from sklearn.preprocessing import QuantileTransformer

from ._point import predict_columns
from ._validation import standardization

#: Features with fewer distinct training values than this keep their values.
MIN_DISTINCT = 20


class InputMap:
    """A quantile-normal map of the continuous columns of X, fitted once.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        Training inputs.

    Attributes
    ----------
    columns_ : ndarray of shape (n_mapped,)
        Indices of the mapped columns.
    transformer_ : QuantileTransformer or None
        Fitted on those columns; None when no column qualifies.

    Examples
    --------
    >>> import numpy as np
    >>> from skmdn._inputs import InputMap
    >>> X = np.column_stack([np.exp(np.linspace(0, 5, 200)), np.arange(200) % 2])
    >>> m = InputMap(X)
    >>> m.columns_.tolist(), bool(abs(m.transform(X)[:, 0].mean()) < 0.1)
    ([0], True)
    """

    def __init__(self, X):
        X = np.asarray(X, dtype=np.float64)
        distinct = np.array([np.unique(col).size for col in X.T])
        self.columns_ = np.flatnonzero(distinct >= MIN_DISTINCT)
        self.transformer_ = None
        if self.columns_.size:
            self.transformer_ = QuantileTransformer(
                n_quantiles=min(1000, X.shape[0]), output_distribution="normal",
                subsample=None, random_state=0,
            ).fit(X[:, self.columns_])

    def transform(self, X):
        """``X`` with its mapped columns replaced, as float64.

        Parameters
        ----------
        X : ndarray of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_features)
        """
        X = np.array(X, dtype=np.float64)
        if self.transformer_ is not None and X.shape[0]:
            X[:, self.columns_] = self.transformer_.transform(X[:, self.columns_])
        return X


def map_inputs(input_map, X):
    """X through ``input_map`` (None: unchanged), keeping X's floating dtype."""
    if input_map is None:
        return X
    return input_map.transform(X).astype(X.dtype, copy=False)


def fit_input_map(estimator, X, sample_weight):
    """Fit the input map and scaling: ``x_median_``, ``input_map_``, ``x_mean_``, ``x_scale_``.

    Parameters
    ----------
    estimator : MDNRegressor
    X : ndarray of shape (n_samples, n_features)
        Validated training inputs.
    sample_weight : ndarray of shape (n_samples,) or None
    """
    estimator.x_median_ = np.median(X, axis=0).astype(np.float64)
    estimator.input_map_ = InputMap(X) if estimator.input_transform == "quantile" else None
    mapped = map_inputs(estimator.input_map_, X).astype(np.float64)
    estimator.x_mean_, estimator.x_scale_ = standardization(mapped, sample_weight)


def network_inputs(estimator, X, point=None):
    """The network's inputs for the user's X: every method of a fitted model goes through here.

    X is mapped (``input_map_``) and standardized (``x_mean_``, ``x_scale_``)
    in float64, before any cast to the network's dtype, so that a feature
    such as 1e6 +- 1e-3 keeps its variation. With a point model
    (``point_regressor_``), its predictions, standardized by
    ``point_mean_`` and ``point_scale_``, follow as ``n_outputs_`` more columns.

    Parameters
    ----------
    estimator : MDNRegressor
        With its input side fitted.
    X : ndarray of shape (n_samples, n_features)
        Validated.
    point : ndarray of shape (n_samples, n_outputs_), default=None
        The point columns of training rows (out-of-fold predictions); None:
        the fitted point model predicts them.

    Returns
    -------
    ndarray of shape (n_samples, n_features) or (n_samples, n_features + n_outputs_), float64
    """
    mapped = map_inputs(getattr(estimator, "input_map_", None), X)
    inputs = (np.asarray(mapped, dtype=np.float64) - estimator.x_mean_) / estimator.x_scale_
    model = getattr(estimator, "point_regressor_", None)
    if model is None:
        return inputs
    if point is None:
        point = predict_columns(model, X, estimator.n_outputs_,
                                getattr(estimator, "n_threads", None))
    return np.hstack([inputs, (point - estimator.point_mean_) / estimator.point_scale_])
