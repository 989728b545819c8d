"""Inference in batches, and the public methods built on it.

:func:`iter_dists` runs a fitted :class:`~skmdn.MDNRegressor`'s network over
X in batches of :data:`INFERENCE_BATCH_SIZE` rows and yields the predicted
:class:`~skmdn.MixtureDistribution` of each; memory is bounded by the batch,
whatever the number of rows. :class:`DistributionPredictions` is the
estimator's base class that turns those batches into predictions, densities,
samples, quantiles and intervals in the user's units.
"""

from numbers import Integral, Real

import numpy as np
import torch
from sklearn.utils.validation import _num_samples, check_is_fitted, validate_data

from ._distribution import MixtureDistribution
from ._inputs import network_inputs
from ._threads import limited_threads, thread_count
from ._utils import seed_from

#: Rows per forward pass at inference; memory is bounded by this, not by n.
INFERENCE_BATCH_SIZE = 65536
#: Rows per call of the network within an inference batch (cache-sized activations).
FORWARD_CHUNK_SIZE = 4096


def check_targets(estimator, n_rows, y):
    """``y`` as float64, or ValueError if its rows or targets do not fit the model.

    Parameters
    ----------
    estimator : MDNRegressor
        Fitted.
    n_rows : int
        Rows of the X that goes with ``y``.
    y : array-like of shape (n_rows,) or (n_rows, n_targets)

    Returns
    -------
    ndarray of shape (n_rows,) or (n_rows, n_targets)
    """
    y = np.asarray(y, dtype=np.float64)
    if y.shape[0] != n_rows:
        raise ValueError(f"X has {n_rows} rows but y has {y.shape[0]}; they must match.")
    n_targets = y.reshape(len(y), -1).shape[1]
    if n_targets != estimator.n_outputs_:
        raise ValueError(
            f"y has {n_targets} targets, but MDNRegressor was fitted with "
            f"{estimator.n_outputs_}."
        )
    return y


def iter_dists(estimator, X, y=None):
    """Yield ``(rows, MixtureDistribution)`` for consecutive batches of X.

    Each batch holds ``INFERENCE_BATCH_SIZE`` rows; the network runs on them
    in chunks of ``FORWARD_CHUNK_SIZE`` rows, so its activations stay in
    cache.

    Parameters
    ----------
    estimator : MDNRegressor
        Fitted.
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,) or (n_samples, n_targets), default=None
        Only checked against X and the fitted target dimension.

    Yields
    ------
    rows : slice
        The rows of X in this batch.
    dist : MixtureDistribution
        Their predicted mixtures, on the training device.
    """
    check_is_fitted(estimator)
    X = validate_data(estimator, X, reset=False, dtype=[np.float64, np.float32])
    if y is not None:
        check_targets(estimator, X.shape[0], y)
    module = estimator.net_.module_
    device, dtype = estimator.device_, estimator.dtype_
    was_training = module.training
    module.eval()
    try:
        with torch.no_grad():
            for start in range(0, X.shape[0], INFERENCE_BATCH_SIZE):
                rows = slice(start, start + INFERENCE_BATCH_SIZE)
                # Standardized in float64 (a fresh array), then cast.
                xb = torch.as_tensor(network_inputs(estimator, X[rows]), device=device,
                                     dtype=dtype)
                chunks = [module(c) for c in xb.split(FORWARD_CHUNK_SIZE)]
                logits, means, scales = (torch.cat(t) for t in zip(*chunks))
                yield rows, MixtureDistribution(
                    logits, means, scales, estimator.y_mean_, estimator.y_scale_,
                    estimator._y_1d,
                )
    finally:
        module.train(was_training)


def inference_threads(estimator, X):
    """The thread limit of an inference call on X (see :mod:`skmdn._threads`)."""
    check_is_fitted(estimator)
    rows = min(_num_samples(X), FORWARD_CHUNK_SIZE)
    count = thread_count(getattr(estimator, "n_threads", None), estimator.net_.module_, rows,
                         training=False)
    return limited_threads(count, estimator.device_)


def collect(estimator, X, fn, y=None):
    """Apply ``fn(dist, rows)`` batch by batch (see :func:`iter_dists`) into one array.

    Parameters
    ----------
    estimator : MDNRegressor
    X : array-like of shape (n_samples, n_features)
    fn : callable
        ``fn(dist, rows)`` returns an array whose first axis has ``len(dist)`` rows.
    y : array-like, default=None
        Checked as in :func:`iter_dists`.

    Returns
    -------
    ndarray of shape (n_samples, ...)
    """
    out = None
    with inference_threads(estimator, X):
        for rows, dist in iter_dists(estimator, X, y):
            part = fn(dist, rows)
            if out is None:
                out = np.empty((_num_samples(X),) + part.shape[1:], dtype=part.dtype)
            out[rows] = part
    return out


class DistributionPredictions:
    """The predictive methods of :class:`~skmdn.MDNRegressor`, by batch inference.

    A base class of the estimator; it needs the fitted attributes that
    :func:`iter_dists` reads.
    """

    def predict(self, X):
        """Point prediction: the conditional mean, mode or median (``point_estimate``).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_targets)
            Shaped like the ``y`` given to fit.
        """
        point = self.point_estimate
        return collect(self, X, lambda dist, rows: getattr(dist, point)())

    def score_samples(self, X, y=None):
        """Conditional log-density log p(y | x) of each row, in the units of y.

        With a ``point_regressor``, every row's point column comes from the
        point model fitted on all training rows. On the training rows
        themselves those predictions are in-sample, better than the
        cross-fitted ones the network trained on, so score held-out rows.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_targets), default=None
            Targets. If None, the log-density is evaluated at the point
            prediction ``predict(X)``; with ``point_estimate="mode"`` that is
            the height of the highest peak of each predicted density.

        Returns
        -------
        log_density : ndarray of shape (n_samples,)
            Joint over the targets; includes the Jacobian of the internal
            target scaling, so it is comparable across models and libraries.
        """
        if y is None:
            point = self.point_estimate
            return collect(self, X, lambda d, rows: d.log_prob(getattr(d, point)()))
        y = np.asarray(y)
        return collect(self, X, lambda dist, rows: dist.log_prob(y[rows]), y=y)

    def sample(self, X, n_samples=1, random_state=None, *, pi_bias=0.0, std_bias=0.0):
        """Draw targets from p(y | x) for every row of X.

        Parameters
        ----------
        X : array-like of shape (n_samples_X, n_features)
        n_samples : int, default=1
            Draws per row.
        random_state : int, RandomState instance or None, default=None
            Seeds a private ``torch.Generator``; the same value gives the same
            draws, and global random state is untouched.
        pi_bias : float, default=0.0
            Biased sampling (Graves, 2013): the mixture logits are multiplied
            by ``1 + pi_bias``, which sharpens the weights towards the most
            probable component. Must be >= -1.
        std_bias : float, default=0.0
            Biased sampling: every component's standard deviations (or
            Cholesky factor) are multiplied by ``exp(-std_bias)``. A moderate
            value gives "cleaned" samples; ``np.inf`` returns component means
            exactly. See :meth:`MixtureDistribution.sample`.

        Returns
        -------
        samples : ndarray of shape (n_samples_X, n_samples) or (n_samples_X, n_samples, n_targets)
        """
        if not isinstance(n_samples, Integral) or n_samples < 1:
            raise ValueError(f"n_samples must be a positive integer, got {n_samples!r}.")
        rng = np.random.RandomState(seed_from(random_state))
        return collect(
            self,
            X,
            lambda dist, rows: dist.sample(n_samples, rng, pi_bias=pi_bias, std_bias=std_bias),
        )

    def predict_dist(self, X):
        """The predicted mixtures for every row of X.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        dist : MixtureDistribution
            Holds ``n_samples`` mixtures, with ``weights`` (n, K), ``means``
            (n, K, d) and ``covariances`` (n, K, d, d) in the units of y, and
            methods ``mean()``, ``covariance()``, ``var()``, ``std()``,
            ``mode()``, ``median()``, ``log_prob(y)``, ``cdf(y)``, ``ppf(q)``,
            ``interval(coverage)``, ``crps(y)``, ``marginal(j)`` and
            ``sample(n_samples, random_state, pi_bias=, std_bias=)``.
        """
        with inference_threads(self, X):
            return MixtureDistribution.concat(dist.to("cpu") for _, dist in iter_dists(self, X))

    # --------------------------------------------- distribution summaries
    # One convention, skpro's: separate predict_quantiles / predict_interval /
    # predict_var methods; predict itself takes no return_std.
    def predict_quantiles(self, X, quantiles):
        """Conditional quantiles of every target, exact up to 1e-10 target scales.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        quantiles : float or array-like of shape (n_quantiles,)
            Probability levels in [0, 1].

        Returns
        -------
        ndarray of shape (n_samples, n_quantiles) or (n_samples, n_quantiles, n_targets)
            Marginal quantiles; non-decreasing along the quantile axis when
            ``quantiles`` is sorted.

        Examples
        --------
        >>> import numpy as np
        >>> from skmdn import MDNRegressor
        >>> X = np.linspace(-1, 1, 80).reshape(-1, 1); y = X.ravel() ** 2
        >>> mdn = MDNRegressor(n_components=2, max_iter=5, random_state=0).fit(X, y)
        >>> mdn.predict_quantiles(X[:4], [0.05, 0.5, 0.95]).shape
        (4, 3)
        """
        levels = np.atleast_1d(np.asarray(quantiles, dtype=np.float64))
        if levels.ndim != 1:
            raise ValueError("quantiles must be a number or a 1-D array of levels.")
        return collect(self, X, lambda dist, rows: dist.ppf(levels))

    def predict_interval(self, X, coverage=0.9):
        """Central prediction interval of every target.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        coverage : float, default=0.9
            Probability the interval holds, in (0, 1).

        Returns
        -------
        ndarray of shape (n_samples, 2) or (n_samples, 2, n_targets)
            Lower and upper ends: the ``(1 - coverage) / 2`` and
            ``(1 + coverage) / 2`` conditional quantiles.

        Examples
        --------
        >>> import numpy as np
        >>> from skmdn import MDNRegressor
        >>> X = np.linspace(-1, 1, 80).reshape(-1, 1); y = X.ravel() ** 2
        >>> mdn = MDNRegressor(n_components=2, max_iter=5, random_state=0).fit(X, y)
        >>> mdn.predict_interval(X[:4], coverage=0.8).shape
        (4, 2)
        """
        if not isinstance(coverage, Real) or not 0 < coverage < 1:
            raise ValueError(f"coverage must be a number in (0, 1), got {coverage!r}.")
        return self.predict_quantiles(X, [(1 - coverage) / 2, (1 + coverage) / 2])

    def predict_var(self, X):
        """Conditional variance of every target (law of total variance).

        For the full conditional covariance matrix of a multi-output model use
        ``predict_dist(X).covariance()``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,) or (n_samples, n_targets)

        Examples
        --------
        >>> import numpy as np
        >>> from skmdn import MDNRegressor
        >>> X = np.linspace(-1, 1, 80).reshape(-1, 1); y = X.ravel() ** 2
        >>> mdn = MDNRegressor(n_components=2, max_iter=5, random_state=0).fit(X, y)
        >>> bool((mdn.predict_var(X[:4]) > 0).all())
        True
        """
        return collect(self, X, lambda dist, rows: dist.var())
