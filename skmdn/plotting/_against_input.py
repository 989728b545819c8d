"""Plots against one input feature: component parameters, the density heat map, samples."""

import numpy as np

from ._common import (
    as_model_input,
    component_colors,
    feature_index,
    feature_label,
    fitted_model,
    get_ax,
    grid_inputs,
)

_PARAMETERS = ("weight", "mean", "std")


def _data_column(X, j):
    """Column ``j`` of observed inputs given as an array or a DataFrame."""
    X = np.asarray(X, dtype=np.float64)
    return X.reshape(len(X), -1)[:, j]


def plot_components(estimator, x, *, parameter="mean", target=0, feature=None, reference=None,
                    ax=None):
    """Plot one kind of component parameter against one input feature.

    Draws, for every component k, the mixture weight ``pi_k(x)``, the mean
    ``mu_k(x)`` with a ribbon of plus and minus one standard deviation, or the
    standard deviation ``sigma_k(x)``. Each component keeps its colour across
    calls, so three calls draw the classic three-panel picture. For a model
    of several features the others are held at a reference row, in the
    manner of partial dependence.

    Parameters
    ----------
    estimator : MDNRegressor
        A fitted model, or a Pipeline ending in one (then ``x``, ``feature``
        and ``reference`` are in the model's own inputs, after the pipeline's
        transforms).
    x : array-like of shape (n_points,) or (n_points, 1)
        Values of the feature at which to evaluate the components, in
        increasing order.
    parameter : {"weight", "mean", "std"}, default="mean"
        Which parameter to draw.
    target : int, default=0
        Target coordinate to draw, for a model of a multi-dimensional target.
    feature : int or str, default=None
        The input feature to draw against, by index or by name
        (``feature_names_in_``); needed when the model has several.
    reference : array-like of shape (n_features,), default=None
        The values at which the other features are held; by default the
        training medians (``x_median_``).
    ax : matplotlib.axes.Axes, default=None
        Axes to draw on; the current Axes if None.

    Returns
    -------
    ax : matplotlib.axes.Axes
        The Axes drawn on.

    See Also
    --------
    plot_conditional_density : The whole density p(y | x) as a heat map.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import numpy as np
    >>> from skmdn import MDNRegressor
    >>> from skmdn.datasets import make_inverted_sinusoid
    >>> from skmdn.plotting import plot_components
    >>> X, y = make_inverted_sinusoid(300, random_state=0)
    >>> mdn = MDNRegressor(n_components=3, max_iter=5, random_state=0).fit(X, y)
    >>> fig, axes = plt.subplots(1, 3)
    >>> grid = np.linspace(-12, 12, 50)
    >>> for axis, param in zip(axes, ["weight", "mean", "std"]):
    ...     _ = plot_components(mdn, grid, parameter=param, ax=axis)
    >>> len(axes[1].lines)
    3
    """
    if parameter not in _PARAMETERS:
        raise ValueError(f"parameter must be one of {_PARAMETERS}, got {parameter!r}.")
    model = fitted_model(estimator)
    values, X, j = grid_inputs(model, x, feature, reference, "plot_components")
    ax = get_ax(ax)
    dist = model.predict_dist(X)
    weights = dist.weights
    means = dist.means[..., target]
    stds = np.sqrt(dist.covariances[..., target, target])
    colors = component_colors(weights.shape[1])
    for k, color in enumerate(colors):
        if parameter == "weight":
            ax.plot(values, weights[:, k], color=color, label=f"k={k}")
        elif parameter == "std":
            ax.plot(values, stds[:, k], color=color, label=f"k={k}")
        else:
            ax.plot(values, means[:, k], color=color, label=f"k={k}")
            ax.fill_between(values, means[:, k] - stds[:, k], means[:, k] + stds[:, k],
                            color=color, alpha=0.2, linewidth=0)
    ylabel = {"weight": r"$\pi_k(x)$", "mean": r"$\mu_k(x) \pm \sigma_k(x)$",
              "std": r"$\sigma_k(x)$"}[parameter]
    ax.set_xlabel(feature_label(model, j))
    ax.set_ylabel(ylabel)
    ax.legend(fontsize="small")
    return ax


def plot_conditional_density(estimator, x, y, *, data=None, log=False, cmap="viridis",
                             feature=None, reference=None, ax=None):
    """Plot the predicted conditional density p(y | x) as a heat map over (x, y).

    For a model of several features, x is one of them and the others are
    held at a reference row.

    Parameters
    ----------
    estimator : MDNRegressor
        A fitted model of a one-dimensional target, or a Pipeline ending in
        one (then ``x`` and ``data`` are in the model's own inputs).
    x : array-like of shape (n_x,) or (n_x, 1)
        Grid of the feature's values (the horizontal axis).
    y : array-like of shape (n_y,)
        Target grid (the vertical axis).
    data : tuple of (array-like of shape (n_samples, 1), array-like of shape (n_samples,)), \
default=None
        Observations ``(X, y)`` to scatter on top of the heat map.
    log : bool, default=False
        If True, colour by log p(y | x) instead of p(y | x).
    cmap : str or matplotlib.colors.Colormap, default="viridis"
        Colour map of the heat map.
    feature : int or str, default=None
        The input feature on the horizontal axis, by index or name; needed
        when the model has several.
    reference : array-like of shape (n_features,), default=None
        The values at which the other features are held; by default the
        training medians (``x_median_``).
    ax : matplotlib.axes.Axes, default=None
        Axes to draw on; the current Axes if None.

    Returns
    -------
    ax : matplotlib.axes.Axes
        The Axes drawn on; the heat map is ``ax.collections[0]``.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import numpy as np
    >>> from skmdn import MDNRegressor
    >>> from skmdn.datasets import make_bishop_toy
    >>> from skmdn.plotting import plot_conditional_density
    >>> X, y = make_bishop_toy(200, random_state=0)
    >>> mdn = MDNRegressor(n_components=3, max_iter=5, random_state=0).fit(X, y)
    >>> fig, ax = plt.subplots()
    >>> ax = plot_conditional_density(mdn, np.linspace(-0.1, 1.1, 40),
    ...                               np.linspace(-0.1, 1.1, 30), data=(X, y), ax=ax)
    >>> ax.collections[0].get_array().shape
    (30, 40)
    """
    model = fitted_model(estimator)
    if model.n_outputs_ != 1:
        raise ValueError("plot_conditional_density needs a model of a one-dimensional target.")
    xs, Xq, j = grid_inputs(model, x, feature, reference, "plot_conditional_density")
    ax = get_ax(ax)
    ys = np.asarray(y, dtype=np.float64).ravel()
    Xq = as_model_input(model, np.repeat(np.asarray(Xq, dtype=np.float64), ys.size, axis=0))
    yq = np.tile(ys, xs.size)
    log_density = model.score_samples(Xq, yq).reshape(xs.size, ys.size).T
    values = log_density if log else np.exp(log_density)
    mesh = ax.pcolormesh(xs, ys, values, shading="nearest", cmap=cmap)
    if data is not None:
        X_data, y_data = data
        ax.scatter(_data_column(X_data, j), np.ravel(y_data), s=3, c="white", alpha=0.5,
                   edgecolors="none", label="data")
    ax.set_xlim(xs.min(), xs.max())
    ax.set_ylim(ys.min(), ys.max())
    ax.set_xlabel(feature_label(model, j))
    ax.set_ylabel("y")
    ax.figure.colorbar(mesh, ax=ax, label="log p(y | x)" if log else "p(y | x)")
    return ax


def plot_samples(estimator, X, *, n_samples=1, data=None, kind="scatter", random_state=None,
                 feature=None, ax=None):
    """Plot draws from p(y | x), over the data.

    With a one-dimensional target the draws are shown in the (x, y) plane,
    each at its own input's value of ``feature``. With a two-dimensional
    target they are shown in the target plane.

    Parameters
    ----------
    estimator : MDNRegressor
        A fitted model, or a Pipeline ending in one (then X and ``data`` are
        in the model's own inputs).
    X : array-like of shape (n_inputs, n_features)
        Inputs to sample at (whole rows).
    n_samples : int, default=1
        Draws per input.
    data : tuple of (array-like of shape (n_data, n_features), array-like of shape \
(n_data,) or (n_data, 2)), default=None
        Observations ``(X, y)`` drawn in grey beneath the samples.
    kind : {"scatter", "hexbin"}, default="scatter"
        Draw the samples as points or as a hexagonal-bin histogram.
    random_state : int, RandomState instance or None, default=None
        Seeds the draws.
    feature : int or str, default=None
        For a one-dimensional target: the input feature on the horizontal
        axis, by index or name; needed when the model has several.
    ax : matplotlib.axes.Axes, default=None
        Axes to draw on; the current Axes if None.

    Returns
    -------
    ax : matplotlib.axes.Axes
        The Axes drawn on.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from skmdn import MDNRegressor
    >>> from skmdn.datasets import make_inverted_sinusoid
    >>> from skmdn.plotting import plot_samples
    >>> X, y = make_inverted_sinusoid(300, random_state=0)
    >>> mdn = MDNRegressor(n_components=3, max_iter=5, random_state=0).fit(X, y)
    >>> fig, ax = plt.subplots()
    >>> ax = plot_samples(mdn, X, n_samples=2, data=(X, y), random_state=0, ax=ax)
    >>> ax.collections[1].get_offsets().shape
    (600, 2)
    """
    if kind not in ("scatter", "hexbin"):
        raise ValueError(f"kind must be 'scatter' or 'hexbin', got {kind!r}.")
    model = fitted_model(estimator)
    n_outputs = model.n_outputs_
    X = np.asarray(X, dtype=np.float64)
    if X.ndim == 1:
        X = X.reshape(-1, 1)
    if n_outputs == 1:
        j = feature_index(model, feature, "plot_samples")
        draws = model.sample(as_model_input(model, X), n_samples=n_samples,
                             random_state=random_state)
        h = np.repeat(X[:, j], n_samples)
        v = np.ravel(draws)
        xlabel, ylabel = feature_label(model, j), "y"
    elif n_outputs == 2:
        draws = model.sample(as_model_input(model, X), n_samples=n_samples,
                             random_state=random_state)
        h, v = draws[..., 0].ravel(), draws[..., 1].ravel()
        xlabel, ylabel = "$y_1$", "$y_2$"
    else:
        raise ValueError(f"plot_samples draws 1-D or 2-D targets, not {n_outputs}-D ones.")
    ax = get_ax(ax)
    if data is not None:
        X_data, y_data = (np.asarray(a, dtype=np.float64) for a in data)
        if n_outputs == 1:
            ax.scatter(_data_column(X_data, j), y_data.ravel(), s=6, c="0.45",
                       edgecolors="none", label="data")
        else:
            ax.scatter(y_data[:, 0], y_data[:, 1], s=4, c="0.7", edgecolors="none",
                       label="data")
    if kind == "hexbin":
        ax.hexbin(h, v, gridsize=60, mincnt=1, cmap="Blues", label="samples")
    else:
        ax.scatter(h, v, s=3, c="tab:blue", alpha=0.5, edgecolors="none", label="samples")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend(fontsize="small", markerscale=3)
    return ax


