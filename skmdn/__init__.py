"""skmdn: Mixture Density Networks for scikit-learn.

The main class is :class:`MDNRegressor`, a scikit-learn regressor that predicts
the whole conditional distribution p(y | x) as a Gaussian mixture.
"""

from ._distribution import MixtureDistribution
from ._regressor import MDNRegressor
from ._version import __version__

__all__ = ["MDNRegressor", "MixtureDistribution", "__version__"]
