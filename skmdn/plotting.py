"""Pictures of fitted mixture density networks (matplotlib).

Every function draws on one :class:`matplotlib.axes.Axes`: pass ``ax`` to
draw on your own, or leave it out to draw on the current Axes
(:func:`matplotlib.pyplot.gca`). Every function returns that Axes.

The functions that take an estimator accept a fitted
:class:`~skmdn.MDNRegressor`, or anything with the same ``predict_dist``,
``score_samples`` and ``sample`` methods (a Pipeline ending in one is not
supported: pass the inputs it would see).
"""

import numpy as np
from sklearn.utils.validation import check_is_fitted

from .pipeline import final_mdn

__all__ = [
    "plot_components",
    "plot_conditional_density",
    "plot_mixture_density",
    "plot_samples",
    "plot_loss_curves",
    "plot_pit_histogram",
    "plot_coverage",
    "plot_error_quiver",
]

_PARAMETERS = ("weight", "mean", "std")


def _get_ax(ax):
    if ax is None:
        import matplotlib.pyplot as plt

        ax = plt.gca()
    return ax


def _component_colors(n_components):
    from matplotlib import colormaps

    cmap = colormaps["tab10" if n_components <= 10 else "tab20"]
    return [cmap(k % cmap.N) for k in range(n_components)]


def _as_column(x, name):
    """A 1-D input grid as (values of shape (n,), X of shape (n, 1))."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 2 and x.shape[1] == 1:
        x = x[:, 0]
    if x.ndim != 1:
        raise ValueError(
            f"{name} must be of shape (n,) or (n, 1) for a model of one input, got {x.shape}."
        )
    return x, x.reshape(-1, 1)


def _check_one_input(estimator, name):
    if getattr(estimator, "n_features_in_", 1) != 1:
        raise ValueError(
            f"{name} draws against a single input feature; this model has "
            f"{estimator.n_features_in_}."
        )


def plot_components(estimator, x, *, parameter="mean", target=0, ax=None):
    """Plot one kind of component parameter against a one-dimensional input.

    Draws, for every component k, the mixture weight ``pi_k(x)``, the mean
    ``mu_k(x)`` with a ribbon of plus and minus one standard deviation, or the
    standard deviation ``sigma_k(x)``. Each component keeps its colour across
    calls, so three calls draw the classic three-panel picture.

    Parameters
    ----------
    estimator : MDNRegressor
        A fitted model with a single input feature.
    x : array-like of shape (n_points,) or (n_points, 1)
        Input values at which to evaluate the components, in increasing order.
    parameter : {"weight", "mean", "std"}, default="mean"
        Which parameter to draw.
    target : int, default=0
        Target coordinate to draw, for a model of a multi-dimensional target.
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
    _check_one_input(estimator, "plot_components")
    ax = _get_ax(ax)
    values, X = _as_column(x, "x")
    dist = estimator.predict_dist(X)
    weights = dist.weights
    means = dist.means[..., target]
    stds = np.sqrt(dist.covariances[..., target, target])
    colors = _component_colors(weights.shape[1])
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
    ax.set_xlabel("x")
    ax.set_ylabel(ylabel)
    return ax


def plot_conditional_density(estimator, x, y, *, data=None, log=False, cmap="viridis",
                             ax=None):
    """Plot the predicted conditional density p(y | x) as a heat map over (x, y).

    Parameters
    ----------
    estimator : MDNRegressor
        A fitted model with one input feature and a one-dimensional target.
    x : array-like of shape (n_x,) or (n_x, 1)
        Input grid (the horizontal axis).
    y : array-like of shape (n_y,)
        Target grid (the vertical axis).
    data : tuple of (array-like of shape (n_samples, 1), array-like of shape (n_samples,)), \
default=None
        Observations ``(X, y)`` to scatter on top of the heat map.
    log : bool, default=False
        If True, colour by log p(y | x) instead of p(y | x).
    cmap : str or matplotlib.colors.Colormap, default="viridis"
        Colour map of the heat map.
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
    _check_one_input(estimator, "plot_conditional_density")
    if getattr(estimator, "n_outputs_", 1) != 1:
        raise ValueError("plot_conditional_density needs a model of a one-dimensional target.")
    ax = _get_ax(ax)
    xs, _ = _as_column(x, "x")
    ys = np.asarray(y, dtype=np.float64).ravel()
    Xq = np.repeat(xs, ys.size).reshape(-1, 1)
    yq = np.tile(ys, xs.size)
    log_density = estimator.score_samples(Xq, yq).reshape(xs.size, ys.size).T
    values = log_density if log else np.exp(log_density)
    mesh = ax.pcolormesh(xs, ys, values, shading="nearest", cmap=cmap)
    if data is not None:
        X_data, y_data = data
        ax.scatter(np.ravel(X_data), np.ravel(y_data), s=3, c="white", alpha=0.5,
                   edgecolors="none", label="data")
    ax.set_xlim(xs.min(), xs.max())
    ax.set_ylim(ys.min(), ys.max())
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.figure.colorbar(mesh, ax=ax, label="log p(y | x)" if log else "p(y | x)")
    return ax


def plot_mixture_density(estimator, X, y_true=None, *, y=None, components=False, ax=None):
    """Plot the predicted density p(y | x) for a few individual inputs.

    Parameters
    ----------
    estimator : MDNRegressor
        A fitted model of a one-dimensional target.
    X : array-like of shape (n_inputs, n_features)
        The inputs; one curve is drawn per row, so keep ``n_inputs`` small.
    y_true : array-like of shape (n_inputs,), default=None
        True targets, marked as dashed vertical lines in the colour of their curve.
    y : array-like of shape (n_points,), default=None
        Target grid to evaluate the densities on. By default it spans every
        component mean plus and minus four standard deviations.
    components : bool, default=False
        If True, also draw each weighted component ``pi_k N(y; mu_k, sigma_k^2)``
        as a thin line.
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
    >>> from skmdn.plotting import plot_mixture_density
    >>> X, y = make_inverted_sinusoid(300, random_state=0)
    >>> mdn = MDNRegressor(n_components=3, max_iter=5, random_state=0).fit(X, y)
    >>> fig, ax = plt.subplots()
    >>> ax = plot_mixture_density(mdn, X[:3], y[:3], ax=ax)
    >>> len(ax.lines)
    6
    """
    if getattr(estimator, "n_outputs_", 1) != 1:
        raise ValueError("plot_mixture_density needs a model of a one-dimensional target.")
    ax = _get_ax(ax)
    X = np.asarray(X, dtype=np.float64)
    if X.ndim == 1:
        X = X.reshape(-1, 1)
    dist = estimator.predict_dist(X)
    means = dist.means[..., 0]
    stds = np.sqrt(dist.covariances[..., 0, 0])
    if y is None:
        y = np.linspace((means - 4 * stds).min(), (means + 4 * stds).max(), 400)
    ys = np.asarray(y, dtype=np.float64).ravel()
    density = np.exp(
        estimator.score_samples(np.repeat(X, ys.size, axis=0), np.tile(ys, len(X)))
    ).reshape(len(X), ys.size)
    colors = _component_colors(len(X))
    for i, color in enumerate(colors):
        ax.plot(ys, density[i], color=color, label=f"input {i}")
        if components:
            z = (ys[None, :] - means[i][:, None]) / stds[i][:, None]
            parts = dist.weights[i][:, None] * np.exp(-0.5 * z**2) / (
                np.sqrt(2 * np.pi) * stds[i][:, None]
            )
            ax.plot(ys, parts.T, color=color, lw=0.6, alpha=0.6)
        if y_true is not None:
            ax.axvline(np.ravel(y_true)[i], color=color, ls="--", lw=1)
    ax.set_xlabel("y")
    ax.set_ylabel("p(y | x)")
    return ax


def plot_samples(estimator, X, *, n_samples=1, data=None, kind="scatter", random_state=None,
                 ax=None):
    """Plot draws from p(y | x), over the data.

    With one input feature and a one-dimensional target the draws are shown
    in the (x, y) plane, each at its own input. With a two-dimensional target
    they are shown in the target plane.

    Parameters
    ----------
    estimator : MDNRegressor
        A fitted model.
    X : array-like of shape (n_inputs, n_features)
        Inputs to sample at.
    n_samples : int, default=1
        Draws per input.
    data : tuple of (array-like of shape (n_data, n_features), array-like of shape \
(n_data,) or (n_data, 2)), default=None
        Observations ``(X, y)`` drawn in grey beneath the samples.
    kind : {"scatter", "hexbin"}, default="scatter"
        Draw the samples as points or as a hexagonal-bin histogram.
    random_state : int, RandomState instance or None, default=None
        Seeds the draws.
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
    n_outputs = getattr(estimator, "n_outputs_", 1)
    X = np.asarray(X, dtype=np.float64)
    if X.ndim == 1:
        X = X.reshape(-1, 1)
    if n_outputs == 1:
        if X.shape[1] != 1:
            raise ValueError("plot_samples draws a 1-D target against a single input feature.")
        draws = estimator.sample(X, n_samples=n_samples, random_state=random_state)
        h = np.repeat(X[:, 0], n_samples)
        v = np.ravel(draws)
        xlabel, ylabel = "x", "y"
    elif n_outputs == 2:
        draws = estimator.sample(X, n_samples=n_samples, random_state=random_state)
        h, v = draws[..., 0].ravel(), draws[..., 1].ravel()
        xlabel, ylabel = "$y_1$", "$y_2$"
    else:
        raise ValueError(f"plot_samples draws 1-D or 2-D targets, not {n_outputs}-D ones.")
    ax = _get_ax(ax)
    if data is not None:
        X_data, y_data = (np.asarray(a, dtype=np.float64) for a in data)
        if n_outputs == 1:
            ax.scatter(X_data.ravel(), y_data.ravel(), s=4, c="0.7", edgecolors="none",
                       label="data")
        else:
            ax.scatter(y_data[:, 0], y_data[:, 1], s=4, c="0.7", edgecolors="none",
                       label="data")
    if kind == "hexbin":
        ax.hexbin(h, v, gridsize=60, mincnt=1, cmap="Blues")
    else:
        ax.scatter(h, v, s=3, c="tab:blue", alpha=0.5, edgecolors="none", label="samples")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    return ax


def plot_loss_curves(estimator, *, extra=None, ax=None):
    """Plot the training and validation loss per epoch from the fit history.

    The losses are mean negative log-likelihoods in nats in the units of y,
    as ``loss_curve_`` and ``validation_scores_`` hold them, comparable with
    ``-score_samples(X, y).mean()``.

    Parameters
    ----------
    estimator : MDNRegressor
        A fitted model (or a Pipeline ending in one): its ``loss_curve_``
        and, with a validation split, ``validation_scores_`` are drawn, and a
        dotted line marks ``best_epoch_``, the epoch whose weights were kept.
        With ``ema_decay`` set (the default), the validation curve is that of
        the averaged weights and the training curve that of the raw weights
        being optimized.
    extra : dict of str to tuple of (array-like of shape (m,), array-like of shape (m,)), \
default=None
        More curves to draw, as ``{label: (epochs, nll)}``, for example a test
        NLL measured every few epochs. Give them in the units of y.
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
    >>> from skmdn.plotting import plot_loss_curves
    >>> X, y = make_inverted_sinusoid(300, random_state=0)
    >>> mdn = MDNRegressor(max_iter=8, early_stopping=True, random_state=0).fit(X, y)
    >>> fig, ax = plt.subplots()
    >>> ax = plot_loss_curves(mdn, ax=ax)
    >>> [line.get_label() for line in ax.lines]
    ['training', 'validation', 'kept (epoch 8)']
    """
    ax = _get_ax(ax)
    model, _ = final_mdn(estimator)
    check_is_fitted(model)
    epochs = np.arange(1, len(model.loss_curve_) + 1)
    ax.plot(epochs, model.loss_curve_, label="training")
    if model.validation_scores_ is not None:
        ax.plot(epochs, -np.asarray(model.validation_scores_), label="validation")
    for label, (ep, nll) in (extra or {}).items():
        ax.plot(np.ravel(ep), np.ravel(nll), label=label)
    ax.axvline(model.best_epoch_, color="0.5", linestyle=":", linewidth=1,
               label=f"kept (epoch {model.best_epoch_})")
    ax.set_xlabel("epoch")
    ax.set_ylabel("mean NLL (nats, units of y)")
    ax.legend()
    return ax


def plot_pit_histogram(pit, *, bins=20, ax=None):
    """Plot a histogram of probability integral transform (PIT) values.

    For a calibrated model the PIT values ``F(y_i | x_i)`` are uniform on
    [0, 1]: the histogram is flat at density 1. A U shape means the predicted
    densities are too narrow, a hump means they are too wide, a slope means
    they are biased. The grey band is where 95 % of the bin heights of truly
    uniform values fall (a binomial approximation).

    Parameters
    ----------
    pit : array-like of shape (n_samples,)
        PIT values in [0, 1], one per observation.
    bins : int, default=20
        Number of equal-width bins.
    ax : matplotlib.axes.Axes, default=None
        Axes to draw on; the current Axes if None.

    Returns
    -------
    ax : matplotlib.axes.Axes
        The Axes drawn on.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import numpy as np
    >>> from skmdn.plotting import plot_pit_histogram
    >>> fig, ax = plt.subplots()
    >>> pit = np.random.default_rng(0).uniform(size=500)
    >>> ax = plot_pit_histogram(pit, bins=10, ax=ax)
    >>> ax.get_xlabel()
    'PIT value'
    """
    ax = _get_ax(ax)
    pit = np.asarray(pit, dtype=np.float64).ravel()
    n = pit.size
    p = 1.0 / bins
    half_width = 1.96 * np.sqrt(n * p * (1 - p)) / (n * p)
    ax.axhspan(1 - half_width, 1 + half_width, color="0.85", zorder=0)
    ax.hist(pit, bins=bins, range=(0, 1), density=True, color="tab:blue", alpha=0.8)
    ax.axhline(1.0, color="k", lw=1, ls="--")
    ax.set_xlim(0, 1)
    ax.set_xlabel("PIT value")
    ax.set_ylabel("density")
    return ax


def plot_coverage(nominal, observed, *, label=None, ax=None):
    """Plot the observed coverage of central intervals against their nominal level.

    Points on the diagonal mean calibrated intervals; below it, the intervals
    are too narrow (over-confident), above it too wide.

    Parameters
    ----------
    nominal : array-like of shape (n_levels,)
        Nominal coverages of the intervals, in (0, 1).
    observed : array-like of shape (n_levels,)
        Share of observations inside each interval.
    label : str, default=None
        Legend label of the curve.
    ax : matplotlib.axes.Axes, default=None
        Axes to draw on; the current Axes if None.

    Returns
    -------
    ax : matplotlib.axes.Axes
        The Axes drawn on.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from skmdn.plotting import plot_coverage
    >>> fig, ax = plt.subplots()
    >>> ax = plot_coverage([0.5, 0.8, 0.9], [0.48, 0.81, 0.92], label="model", ax=ax)
    >>> ax.lines[-1].get_label()
    'model'
    """
    ax = _get_ax(ax)
    ax.plot([0, 1], [0, 1], color="k", lw=1, ls="--", label="ideal")
    ax.plot(np.ravel(nominal), np.ravel(observed), "o-", label=label)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_aspect("equal")
    ax.set_xlabel("nominal coverage")
    ax.set_ylabel("observed coverage")
    return ax


def plot_error_quiver(targets, reached, *, magnify=1.0, max_arrows=None, ax=None):
    """Plot 2-D errors as arrows from each target to the point actually reached.

    Used for inverse problems such as the robot arm: sample an answer from the
    model, map it forward, and draw where it lands relative to where it
    should have landed.

    Parameters
    ----------
    targets : array-like of shape (n_samples, 2)
        Points the model was asked to reach.
    reached : array-like of shape (n_samples, 2)
        Points reached.
    magnify : float, default=1.0
        Factor by which the arrows are lengthened, to make small errors visible.
    max_arrows : int, default=None
        Draw at most this many arrows (the first ones); all if None.
    ax : matplotlib.axes.Axes, default=None
        Axes to draw on; the current Axes if None.

    Returns
    -------
    ax : matplotlib.axes.Axes
        The Axes drawn on.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import numpy as np
    >>> from skmdn.plotting import plot_error_quiver
    >>> targets = np.array([[0.0, 0.0], [1.0, 1.0]])
    >>> fig, ax = plt.subplots()
    >>> ax = plot_error_quiver(targets, targets + 0.01, magnify=10, ax=ax)
    >>> ax.collections[0].U.shape
    (2,)
    """
    ax = _get_ax(ax)
    targets = np.asarray(targets, dtype=np.float64)
    reached = np.asarray(reached, dtype=np.float64)
    if targets.shape != reached.shape or targets.ndim != 2 or targets.shape[1] != 2:
        raise ValueError(
            "targets and reached must both be of shape (n_samples, 2), got "
            f"{targets.shape} and {reached.shape}."
        )
    if max_arrows is not None:
        targets, reached = targets[:max_arrows], reached[:max_arrows]
    err = (reached - targets) * magnify
    ax.quiver(targets[:, 0], targets[:, 1], err[:, 0], err[:, 1], angles="xy",
              scale_units="xy", scale=1, width=0.003, color="tab:red")
    ax.scatter(targets[:, 0], targets[:, 1], s=2, c="k")
    ax.set_aspect("equal")
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    return ax
