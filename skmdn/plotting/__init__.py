"""Pictures of fitted mixture density networks (matplotlib).

Every function draws on one :class:`matplotlib.axes.Axes`: pass ``ax`` to
draw on your own, or leave it out to draw on the current Axes
(:func:`matplotlib.pyplot.gca`). Every function returns that Axes.

The functions that take an estimator accept a fitted
:class:`~skmdn.MDNRegressor` or a Pipeline ending in one; inputs are then
given as the model sees them, after the pipeline's transforms. The functions
that draw against an input take ``feature=`` (an index or a name from
``feature_names_in_``) for a model of several features; the other features
are held at a reference row, the training medians unless ``reference=`` says
otherwise, in the manner of partial dependence. Axes are labelled with the
feature's name when the model has names.
"""

from ._against_input import plot_components, plot_conditional_density, plot_samples
from ._calibration import plot_coverage, plot_error_quiver, plot_pit_histogram
from ._model import plot_loss_curves, plot_mixture_density

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
