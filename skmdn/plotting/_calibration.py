"""Calibration and error pictures that need no model: PIT histogram, coverage, error arrows."""

import numpy as np

from ._common import get_ax


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
    ax = get_ax(ax)
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
    ax = get_ax(ax)
    ax.plot([0, 1], [0, 1], color="k", lw=1, ls="--", label="ideal")
    ax.plot(np.ravel(nominal), np.ravel(observed), "o-", label=label)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_aspect("equal")
    ax.set_xlabel("nominal coverage")
    ax.set_ylabel("observed coverage")
    ax.legend(fontsize="small")
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
    ax = get_ax(ax)
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
