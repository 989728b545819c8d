"""The predicted mixtures as a numpy-facing object."""

import numpy as np
import torch

from . import _mixture
from ._utils import seed_from


class MixtureDistribution:
    """A batch of n Gaussian mixtures over a d-dimensional target.

    Returned by :meth:`skmdn.MDNRegressor.predict_dist`. Parameters are held
    as torch tensors in the estimator's standardized target space together
    with the affine map back to the user's units, so every computation runs in
    well-scaled float32 and only the final conversion is done in float64.

    Parameters
    ----------
    logits : Tensor of shape (n, K)
        Unnormalised log mixture weights.
    means : Tensor of shape (n, K, d)
        Component means in standardized units.
    scales : Tensor of shape (n, K, d) or (n, K, d, d)
        Component standard deviations, or lower Cholesky factors for full
        covariances, in standardized units.
    loc : ndarray of shape (d,)
        Target offset: ``y = loc + scale * y_standardized``.
    scale : ndarray of shape (d,)
        Target scale.
    univariate : bool, default=False
        If True (the estimator was fitted on a 1-D ``y``), per-row results are
        returned without the trailing target axis.

    Notes
    -----
    For 1-D targets ``cdf``, ``ppf``, ``interval``, ``median`` and ``crps`` are
    exact (quantiles by root finding to a stated tolerance, no sampling); for
    d > 1 they act on every marginal (see :meth:`marginal`).

    Examples
    --------
    >>> import numpy as np
    >>> from skmdn import MDNRegressor
    >>> X = np.linspace(-1, 1, 60).reshape(-1, 1)
    >>> y = np.sin(3 * X).ravel()
    >>> dist = MDNRegressor(n_components=2, max_iter=5, random_state=0).fit(X, y).predict_dist(X[:4])
    >>> len(dist), dist.mean().shape, dist.weights.shape
    (4, (4,), (4, 2))
    """

    def __init__(self, logits, means, scales, loc, scale, univariate=False):
        self._logits = logits
        self._means = means
        self._scales = scales
        self._loc = np.asarray(loc, dtype=np.float64)
        self._scale = np.asarray(scale, dtype=np.float64)
        self.univariate = univariate

    # -- shape and indexing -------------------------------------------------
    def __len__(self):
        return self._logits.shape[0]

    def __getitem__(self, index):
        if isinstance(index, (int, np.integer)):
            index = slice(index, index + 1 if index != -1 else None)
        elif not isinstance(index, slice):
            index = torch.as_tensor(np.asarray(index), device=self._logits.device)
        return MixtureDistribution(
            self._logits[index],
            self._means[index],
            self._scales[index],
            self._loc,
            self._scale,
            self.univariate,
        )

    @property
    def n_components(self):
        """Number of mixture components K."""
        return self._logits.shape[-1]

    @property
    def n_targets(self):
        """Target dimension d."""
        return self._means.shape[-1]

    @property
    def covariance_form(self):
        """``"full"`` if the scales are Cholesky factors, else ``"diag"``."""
        return "full" if _mixture.is_full(self._means, self._scales) else "diag"

    def __repr__(self):
        return (
            f"MixtureDistribution(n={len(self)}, n_components={self.n_components}, "
            f"n_targets={self.n_targets}, covariance={self.covariance_form!r})"
        )

    # -- conversions --------------------------------------------------------
    @staticmethod
    def _np(t):
        return t.detach().to("cpu", torch.float64).numpy()

    def _to_user(self, y_std):
        """Map standardized points (..., d) to user units."""
        return self._finish(self._np(y_std) * self._scale + self._loc)

    def _to_std(self, y, dtype=None):
        y = np.asarray(y, dtype=np.float64)
        if y.ndim == 1 and self.n_targets == 1 and y.shape[0] == len(self):
            y = y[:, None]
        if y.ndim == 1 and y.shape[0] == self.n_targets:
            y = y[None, :]
        y_std = (y - self._loc) / self._scale
        dtype = self._means.dtype if dtype is None else dtype
        return torch.as_tensor(y_std, dtype=dtype, device=self._means.device)

    def _finish(self, a):
        """Drop the target axis for a univariate model."""
        return a[..., 0] if self.univariate else a

    # -- parameters in user units ------------------------------------------
    @property
    def weights(self):
        """Mixture weights, ndarray of shape (n, K)."""
        return self._np(torch.softmax(self._logits, dim=-1))

    @property
    def means(self):
        """Component means in user units, ndarray of shape (n, K, d)."""
        return self._np(self._means) * self._scale + self._loc

    @property
    def covariances(self):
        """Component covariance matrices in user units, ndarray of shape (n, K, d, d)."""
        cov = self._np(_mixture.component_covariance(self._means, self._scales))
        return cov * np.outer(self._scale, self._scale)

    # -- summaries ----------------------------------------------------------
    def mean(self):
        """Mixture mean.

        Returns
        -------
        ndarray of shape (n,) for a 1-D target, else (n, d)
        """
        return self._to_user(_mixture.mean(self._logits, self._means))

    def covariance(self):
        """Mixture covariance (law of total variance).

        Returns
        -------
        ndarray of shape (n, d, d)
        """
        cov = self._np(_mixture.covariance(self._logits, self._means, self._scales))
        return cov * np.outer(self._scale, self._scale)

    def var(self):
        """Marginal variances.

        Returns
        -------
        ndarray of shape (n,) for a 1-D target, else (n, d)
        """
        v = self._np(_mixture.variance(self._logits, self._means, self._scales))
        return self._finish(v * self._scale**2)

    def std(self):
        """Marginal standard deviations.

        Returns
        -------
        ndarray of shape (n,) for a 1-D target, else (n, d)
        """
        return np.sqrt(self.var())

    def mode(self, max_iter=100, tol=1e-6):
        """Highest mode of each mixture, found by mean-shift from every component mean.

        Parameters
        ----------
        max_iter : int, default=100
            Maximum number of mean-shift steps.
        tol : float, default=1e-6
            Stop when no point moves by more than this, in standardized units.

        Returns
        -------
        ndarray of shape (n,) for a 1-D target, else (n, d)
        """
        return self._to_user(
            _mixture.mode(self._logits, self._means, self._scales, max_iter=max_iter, tol=tol)
        )

    def log_prob(self, y):
        """Log-density of ``y`` in user units, one value per mixture.

        Parameters
        ----------
        y : array-like of shape (n,) or (n, d)

        Returns
        -------
        ndarray of shape (n,)
        """
        lp = self._np(_mixture.log_prob(self._logits, self._means, self._scales, self._to_std(y)))
        return lp - np.log(self._scale).sum()

    def sample(self, n_samples=1, random_state=None, *, pi_bias=0.0, std_bias=0.0):
        """Draw from every mixture, optionally biased towards its likelier parts.

        Parameters
        ----------
        n_samples : int, default=1
        random_state : int, RandomState instance or None, default=None
            Seeds a private ``torch.Generator``; global random state is not used.
        pi_bias : float, default=0.0
            Sharpens the mixture weights: they become
            ``softmax((1 + pi_bias) * logits)`` (Graves, 2013). 0 leaves them
            unchanged; large values pick the most probable component;
            ``-1`` makes the weights equal.
        std_bias : float, default=0.0
            Shrinks every component: standard deviations (or Cholesky factors)
            are multiplied by ``exp(-std_bias)``. A moderate value gives
            "cleaned" samples; ``np.inf`` returns the component means exactly.

        Returns
        -------
        ndarray of shape (n, n_samples) for a 1-D target, else (n, n_samples, d)

        Examples
        --------
        >>> import numpy as np
        >>> from skmdn import MDNRegressor
        >>> X = np.linspace(-1, 1, 60).reshape(-1, 1); y = np.abs(X.ravel())
        >>> dist = MDNRegressor(n_components=3, max_iter=5, random_state=0).fit(X, y).predict_dist(X[:2])
        >>> draws = dist.sample(4, random_state=0, std_bias=np.inf)
        >>> bool(np.isin(draws[0], dist.means[0, :, 0]).all())
        True
        """
        logits, scales = self._biased(pi_bias, std_bias)
        gen = torch.Generator(device=self._means.device)
        gen.manual_seed(seed_from(random_state))
        draws = _mixture.sample(logits, self._means, scales, n_samples, gen)
        return self._to_user(draws)

    def _biased(self, pi_bias, std_bias):
        pi_bias, std_bias = float(pi_bias), float(std_bias)
        if not (np.isfinite(pi_bias) and pi_bias >= -1):
            raise ValueError(f"pi_bias must be a finite number >= -1, got {pi_bias!r}.")
        if np.isnan(std_bias) or std_bias == -np.inf:
            raise ValueError(f"std_bias must be a number or +inf, got {std_bias!r}.")
        if pi_bias == 0 and std_bias == 0:
            return self._logits, self._scales
        return _mixture.bias(self._logits, self._scales, pi_bias, std_bias)

    # -- marginals, CDF and quantiles ----------------------------------------
    def marginal(self, j):
        """The 1-D mixture of target ``j``.

        Parameters
        ----------
        j : int
            Target index, ``0 <= j < d`` (negative values count from the end).

        Returns
        -------
        MixtureDistribution
            The n univariate mixtures, with the same weights.

        Examples
        --------
        >>> import numpy as np
        >>> from skmdn import MDNRegressor
        >>> X = np.linspace(-1, 1, 60).reshape(-1, 1); Y = np.hstack([X, X ** 2])
        >>> dist = MDNRegressor(n_components=2, max_iter=5, random_state=0).fit(X, Y).predict_dist(X[:3])
        >>> m = dist.marginal(1)
        >>> m.mean().shape, bool(np.allclose(m.mean(), dist.mean()[:, 1]))
        ((3,), True)
        """
        j = range(self.n_targets)[j]
        sds = _mixture.marginal_scales(self._means, self._scales)
        return MixtureDistribution(
            self._logits,
            self._means[..., j : j + 1],
            sds[..., j : j + 1],
            self._loc[j : j + 1],
            self._scale[j : j + 1],
            univariate=True,
        )

    def _univariate64(self):
        """Float64 logits (n, 1, K), means and sds (n, d, K) of every marginal."""
        f64 = torch.float64
        sds = _mixture.marginal_scales(self._means, self._scales)
        return (
            self._logits.to(f64).unsqueeze(-2),
            self._means.to(f64).transpose(-1, -2),
            sds.to(f64).transpose(-1, -2),
        )

    def _marginal_eval(self, fn, y):
        """``fn(logits, means, sds, y_std)`` per marginal, float64, y of shape (n, [m,] d)."""
        y = np.asarray(y, dtype=np.float64)
        if self.univariate or (self.n_targets == 1 and y.ndim == 1):
            y = y[..., None]
        if y.ndim not in (2, 3) or y.shape[0] != len(self) or y.shape[-1] != self.n_targets:
            raise ValueError(
                f"y must have shape ({len(self)},{' d' if not self.univariate else ''}) "
                f"or with a middle axis of values per row; got {np.shape(y)}."
            )
        params = self._univariate64()
        if y.ndim == 3:
            params = [t.unsqueeze(1) for t in params]
        y_std = torch.as_tensor((y - self._loc) / self._scale, device=self._means.device)
        # Bound the (rows, ..., K, K) temporaries of the CRPS to a few million entries.
        step = max(1, 2**22 // (max(y[0:1].size, 1) * self.n_components**2))
        parts = [
            fn(*(t[i : i + step] for t in params), y_std[i : i + step])
            for i in range(0, max(len(y_std), 1), step)
        ]
        return self._finish(self._np(torch.cat(parts)))

    def cdf(self, y):
        """Cumulative distribution function, exact up to float64 rounding.

        For d > 1 it is evaluated for every marginal separately (not the
        joint CDF).

        Parameters
        ----------
        y : array-like of shape (n,), (n, m), (n, d) or (n, m, d)
            One value, or ``m`` values, per mixture (and per target for d > 1).

        Returns
        -------
        ndarray of the shape of y

        Examples
        --------
        >>> import numpy as np
        >>> from skmdn import MDNRegressor
        >>> X = np.linspace(-1, 1, 60).reshape(-1, 1); y = X.ravel() ** 3
        >>> dist = MDNRegressor(n_components=2, max_iter=5, random_state=0).fit(X, y).predict_dist(X[:3])
        >>> bool(np.allclose(dist.cdf(dist.ppf(0.3)), 0.3))
        True
        """
        return self._marginal_eval(_mixture.cdf, y)

    def ppf(self, q, tol=1e-10):
        """Quantile function (inverse CDF), by safeguarded Newton iteration.

        For d > 1 it acts on every marginal separately. The result is exact up
        to ``tol`` times the target scale (see :func:`skmdn._mixture.ppf`).

        Parameters
        ----------
        q : float, array-like of shape (m,) or of shape (n, m)
            Probability levels in [0, 1]: one level for every mixture, ``m``
            levels shared by all mixtures, or ``m`` levels per mixture.
        tol : float, default=1e-10
            Tolerance in units of the standardized target (the target's
            training standard deviation).

        Returns
        -------
        ndarray of shape (n,), (n, m), (n, d) or (n, m, d)
            The target axis is dropped for a 1-D target.

        Examples
        --------
        >>> import numpy as np
        >>> from skmdn import MDNRegressor
        >>> X = np.linspace(-1, 1, 60).reshape(-1, 1); y = X.ravel() ** 3
        >>> dist = MDNRegressor(n_components=2, max_iter=5, random_state=0).fit(X, y).predict_dist(X[:3])
        >>> quantiles = dist.ppf([0.1, 0.5, 0.9])
        >>> quantiles.shape, bool(np.all(np.diff(quantiles, axis=1) > 0))
        ((3, 3), True)
        """
        q = np.asarray(q, dtype=np.float64)
        if q.ndim > 2 or (q.ndim == 2 and q.shape[0] != len(self)):
            raise ValueError(
                f"q must be a number, a 1-D array of levels, or an array of shape "
                f"({len(self)}, m); got shape {q.shape}."
            )
        if not np.all((q >= 0) & (q <= 1)):
            raise ValueError("Every probability level in q must lie in [0, 1].")
        logits, means, sds = self._univariate64()
        if q.ndim >= 1:  # a level axis before the target axis
            logits, means, sds = (t.unsqueeze(1) for t in (logits, means, sds))
        qt = torch.as_tensor(q, device=means.device)[..., None]
        x = _mixture.ppf(logits, means, sds, qt, tol=tol)
        return self._finish(self._np(x) * self._scale + self._loc)

    def median(self):
        """Median of every marginal, ``ppf(0.5)``.

        Returns
        -------
        ndarray of shape (n,) for a 1-D target, else (n, d)

        Examples
        --------
        >>> import numpy as np
        >>> from skmdn import MDNRegressor
        >>> X = np.linspace(-1, 1, 60).reshape(-1, 1); y = X.ravel() ** 3
        >>> dist = MDNRegressor(n_components=2, max_iter=5, random_state=0).fit(X, y).predict_dist(X[:3])
        >>> bool(np.allclose(dist.cdf(dist.median()), 0.5))
        True
        """
        return self.ppf(0.5)

    def interval(self, coverage=0.9):
        """Central interval holding probability ``coverage`` of every marginal.

        Parameters
        ----------
        coverage : float, default=0.9
            In (0, 1).

        Returns
        -------
        lower, upper : ndarrays of shape (n,) or (n, d)
            The ``(1 - coverage) / 2`` and ``(1 + coverage) / 2`` quantiles.

        Examples
        --------
        >>> import numpy as np
        >>> from skmdn import MDNRegressor
        >>> X = np.linspace(-1, 1, 60).reshape(-1, 1); y = X.ravel() ** 3
        >>> dist = MDNRegressor(n_components=2, max_iter=5, random_state=0).fit(X, y).predict_dist(X[:3])
        >>> lower, upper = dist.interval(0.8)
        >>> bool(np.all(lower < upper))
        True
        """
        if not 0 < coverage < 1:
            raise ValueError(f"coverage must lie in (0, 1), got {coverage!r}.")
        bounds = self.ppf([(1 - coverage) / 2, (1 + coverage) / 2])
        return bounds[:, 0], bounds[:, 1]

    def crps(self, y):
        """Continuous ranked probability score of ``y``, in closed form.

        For d > 1 the score of every marginal is returned.

        Parameters
        ----------
        y : array-like of shape (n,), (n, m), (n, d) or (n, m, d)

        Returns
        -------
        ndarray of the shape of y
            In the units of y; lower is better.

        Examples
        --------
        >>> import numpy as np
        >>> from skmdn import MDNRegressor
        >>> X = np.linspace(-1, 1, 60).reshape(-1, 1); y = X.ravel() ** 3
        >>> dist = MDNRegressor(n_components=2, max_iter=5, random_state=0).fit(X, y).predict_dist(X[:3])
        >>> dist.crps(y[:3]).shape
        (3,)
        """
        return self._marginal_eval(_mixture.crps, y) * self._finish(self._scale)
