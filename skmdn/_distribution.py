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

    def _to_std(self, y):
        y = np.asarray(y, dtype=np.float64)
        if y.ndim == 1 and self.n_targets == 1 and y.shape[0] == len(self):
            y = y[:, None]
        if y.ndim == 1 and y.shape[0] == self.n_targets:
            y = y[None, :]
        y_std = (y - self._loc) / self._scale
        return torch.as_tensor(y_std, dtype=self._means.dtype, device=self._means.device)

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
        """Mixture mean, ndarray of shape (n,) for a 1-D target, else (n, d)."""
        return self._to_user(_mixture.mean(self._logits, self._means))

    def covariance(self):
        """Mixture covariance (law of total variance), ndarray of shape (n, d, d)."""
        cov = self._np(_mixture.covariance(self._logits, self._means, self._scales))
        return cov * np.outer(self._scale, self._scale)

    def var(self):
        """Marginal variances, ndarray of shape (n,) for a 1-D target, else (n, d)."""
        v = self._np(_mixture.variance(self._logits, self._means, self._scales))
        return self._finish(v * self._scale**2)

    def std(self):
        """Marginal standard deviations, shaped like :meth:`var`."""
        return np.sqrt(self.var())

    def mode(self, max_iter=100, tol=1e-6):
        """Highest mode of each mixture, found by mean-shift from every component mean.

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

    def sample(self, n_samples=1, random_state=None):
        """Draw from every mixture.

        Parameters
        ----------
        n_samples : int, default=1
        random_state : int, RandomState instance or None, default=None
            Seeds a private ``torch.Generator``; global random state is not used.

        Returns
        -------
        ndarray of shape (n, n_samples) for a 1-D target, else (n, n_samples, d)
        """
        gen = torch.Generator(device=self._means.device)
        gen.manual_seed(seed_from(random_state))
        draws = _mixture.sample(self._logits, self._means, self._scales, n_samples, gen)
        return self._to_user(draws)
