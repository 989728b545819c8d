"""What the plots share: the Axes, colours, and inputs built around one feature."""

import numpy as np
from sklearn.utils.validation import check_is_fitted

from ..pipeline import final_mdn


def get_ax(ax):
    """``ax``, or the current Axes when it is None."""
    if ax is None:
        import matplotlib.pyplot as plt

        ax = plt.gca()
    return ax


def component_colors(n_components):
    """One colour per component, stable across calls."""
    from matplotlib import colormaps

    cmap = colormaps["tab10" if n_components <= 10 else "tab20"]
    return [cmap(k % cmap.N) for k in range(n_components)]


def fitted_model(estimator):
    """The fitted MDNRegressor of ``estimator`` (itself, or a Pipeline's last step)."""
    model, _ = final_mdn(estimator)
    check_is_fitted(model)
    return model


def feature_index(model, feature, name):
    """The column index of ``feature`` (an index or a name), or ValueError."""
    p = model.n_features_in_
    names = list(getattr(model, "feature_names_in_", []))
    if feature is None:
        if p == 1:
            return 0
        raise ValueError(
            f"{name} draws against one input feature and this model has {p}; pass "
            "feature= (a column index" + (" or name" if names else "") + "). The other "
            "features are held at a reference row (see reference=)."
        )
    if isinstance(feature, str):
        if feature not in names:
            raise ValueError(f"feature={feature!r} is not one of the model's features {names}.")
        return names.index(feature)
    j = int(feature)
    if not -p <= j < p:
        raise ValueError(f"feature={feature!r} is out of range for a model of {p} features.")
    return j % p


def feature_label(model, j):
    """The axis label of input column ``j``: its name, or x / x[j]."""
    names = getattr(model, "feature_names_in_", None)
    if names is not None:
        return str(names[j])
    return "x" if model.n_features_in_ == 1 else f"x[{j}]"


def as_model_input(model, X):
    """X as the model was fitted: a DataFrame with its column names when it had them.

    Then a plain array passed to a plot of a model fitted on a DataFrame raises
    no warning about feature names.
    """
    names = getattr(model, "feature_names_in_", None)
    if names is None or not isinstance(X, np.ndarray):
        return X
    import pandas as pd

    return pd.DataFrame(X, columns=names)


def column(x, name):
    """A 1-D grid of values of shape (n,) from (n,) or (n, 1)."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 2 and x.shape[1] == 1:
        x = x[:, 0]
    if x.ndim != 1:
        raise ValueError(f"{name} must be of shape (n,) or (n, 1), got {x.shape}.")
    return x


def grid_inputs(model, x, feature, reference, name):
    """Inputs that sweep one feature over ``x`` with the others held at a reference row.

    Parameters
    ----------
    model : MDNRegressor
    x : array-like of shape (n,) or (n, 1)
    feature : int, str or None
    reference : array-like of shape (n_features,) or None
        Defaults to the median of the training inputs (``x_median_``).
    name : str
        The calling function, for error messages.

    Returns
    -------
    values : ndarray of shape (n,)
    X : ndarray or DataFrame of shape (n, n_features)
    j : int
    """
    j = feature_index(model, feature, name)
    values = column(x, "x")
    if reference is None:
        reference = model.x_median_
    row = np.asarray(reference, dtype=np.float64).ravel()
    if row.shape != (model.n_features_in_,):
        raise ValueError(
            f"reference must hold one value per feature ({model.n_features_in_}), got "
            f"shape {np.shape(reference)}."
        )
    X = np.tile(row, (values.size, 1))
    X[:, j] = values
    return values, as_model_input(model, X), j


def central_range(dist, mass=0.99, margin=0.1):
    """A target range that holds the central ``mass`` of every predicted 1-D density."""
    lo, hi = dist.ppf([(1 - mass) / 2, (1 + mass) / 2]).T
    lo, hi = float(np.min(lo)), float(np.max(hi))
    pad = margin * (hi - lo) if hi > lo else 1.0
    return lo - pad, hi + pad
