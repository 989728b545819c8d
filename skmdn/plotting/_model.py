"""Plots of one fitted model: densities for chosen inputs, and its learning curves."""

import numpy as np

from ._common import as_model_input, central_range, component_colors, fitted_model, get_ax


def plot_mixture_density(estimator, X, y_true=None, *, y=None, components=False, ax=None):
    """Plot the predicted density p(y | x) for a few individual inputs.

    Parameters
    ----------
    estimator : MDNRegressor
        A fitted model of a one-dimensional target, or a Pipeline ending in
        one (then X is in the model's own inputs).
    X : array-like of shape (n_inputs, n_features)
        The inputs; one curve is drawn per row, so keep ``n_inputs`` small.
    y_true : array-like of shape (n_inputs,), default=None
        True targets, marked as dashed vertical lines in the colour of their curve.
    y : array-like of shape (n_points,), default=None
        Target grid to evaluate the densities on. By default it spans the
        central 99 % of every drawn density, with a tenth of that range
        added on each side.
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
    model = fitted_model(estimator)
    if model.n_outputs_ != 1:
        raise ValueError("plot_mixture_density needs a model of a one-dimensional target.")
    ax = get_ax(ax)
    X = np.asarray(X, dtype=np.float64)
    if X.ndim == 1:
        X = X.reshape(-1, 1)
    dist = model.predict_dist(as_model_input(model, X))
    means = dist.means[..., 0]
    stds = np.sqrt(dist.covariances[..., 0, 0])
    if y is None:
        y = np.linspace(*central_range(dist), 400)
    ys = np.asarray(y, dtype=np.float64).ravel()
    density = np.exp(model.score_samples(
        as_model_input(model, np.repeat(X, ys.size, axis=0)), np.tile(ys, len(X))
    )).reshape(len(X), ys.size)
    colors = component_colors(len(X))
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
    ax.legend(fontsize="small")
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
    ax = get_ax(ax)
    model = fitted_model(estimator)
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


