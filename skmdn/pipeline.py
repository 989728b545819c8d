"""Pipelines that end in an :class:`~skmdn.MDNRegressor`.

:func:`final_mdn` is the one helper through which every skmdn function that
takes an estimator (the metrics and the plots) accepts either a fitted
:class:`~skmdn.MDNRegressor` or a scikit-learn :class:`~sklearn.pipeline.Pipeline`
ending in one.
"""

from sklearn.pipeline import Pipeline

from ._regressor import MDNRegressor

__all__ = ["final_mdn"]


def final_mdn(estimator, X=None):
    """The MDNRegressor at the end of ``estimator``, and X as it reaches it.

    Parameters
    ----------
    estimator : MDNRegressor or Pipeline ending in one
        Pipelines may be nested; the steps before the last transform X.
    X : array-like of shape (n_samples, n_features), default=None
        Input to transform; None to unwrap the estimator only.

    Returns
    -------
    mdn : MDNRegressor
    Xt : array-like of shape (n_samples, n_features_out) or None
        X after the preceding steps (X itself for a bare MDNRegressor).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skmdn import MDNRegressor
    >>> from skmdn.pipeline import final_mdn
    >>> X = np.linspace(0, 10, 40).reshape(-1, 1); y = X.ravel()
    >>> pipe = make_pipeline(StandardScaler(), MDNRegressor(max_iter=2, random_state=0)).fit(X, y)
    >>> mdn, Xt = final_mdn(pipe, X)
    >>> type(mdn).__name__, bool(abs(Xt.mean()) < 1e-12)
    ('MDNRegressor', True)
    """
    model = estimator
    while isinstance(model, Pipeline):
        if X is not None and len(model.steps) > 1:
            X = model[:-1].transform(X)
        model = model[-1]
    if not isinstance(model, MDNRegressor):
        raise TypeError(
            "Expected an MDNRegressor or a Pipeline whose last step is one, got "
            f"{type(estimator).__name__}"
            + (f" ending in {type(model).__name__}" if model is not estimator else "") + "."
        )
    return model, X
