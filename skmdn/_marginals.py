"""The 1-D marginals of a batch of mixtures: CDF, quantiles, intervals, median, CRPS.

:class:`MarginalMethods` is a base of :class:`~skmdn.MixtureDistribution`;
its methods act on every target dimension separately, through the exact 1-D
mathematics of :mod:`skmdn._mixture_1d`, in float64.
"""

import numpy as np
import torch

from . import _mixture, _mixture_1d


class MarginalMethods:
    """Per-target (marginal) methods of :class:`~skmdn.MixtureDistribution`.

    Relies on the host class for ``_logits``, ``_means``, ``_scales``,
    ``_loc``, ``_scale``, ``univariate``, ``n_targets`` and ``_finish``.
    """

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
        return type(self)(
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
        return self._marginal_eval(_mixture_1d.cdf, y)

    def ppf(self, q, tol=1e-10):
        """Quantile function (inverse CDF), by safeguarded Newton iteration.

        For d > 1 it acts on every marginal separately. The result is exact up
        to ``tol`` times the target scale (see :func:`skmdn._mixture_1d.ppf`).

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
        x = _mixture_1d.ppf(logits, means, sds, qt, tol=tol)
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
        return self._marginal_eval(_mixture_1d.crps, y) * self._finish(self._scale)
