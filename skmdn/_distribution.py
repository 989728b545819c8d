"""The predicted mixtures as a numpy-facing object."""

import numpy as np
import torch

from . import _mixture
from ._marginals import MarginalMethods
from ._utils import seed_from


class MixtureDistribution(MarginalMethods):
    """A batch of n Gaussian mixtures over a d-dimensional target.

    Returned by :meth:`skmdn.MDNRegressor.predict_dist`. Parameters are held
    as torch tensors in the estimator's standardized target space together
    with the affine map back to the user's units: computations run on
    well-scaled numbers in the network's dtype (that of the ``X`` it was fitted
    on), and the conversion to the user's units is done in float64.

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

    @classmethod
    def concat(cls, dists):
        """Join mixtures of the same model, batch after batch, into one.

        Parameters
        ----------
        dists : sequence of MixtureDistribution
            Non-empty; all with the same number of components and targets,
            target scaling and device.

        Returns
        -------
        MixtureDistribution
            ``sum(len(d) for d in dists)`` mixtures, in order.

        Examples
        --------
        >>> import torch
        >>> from skmdn import MixtureDistribution
        >>> d = MixtureDistribution(torch.zeros(3, 2), torch.zeros(3, 2, 1), torch.ones(3, 2, 1),
        ...                         loc=[0.0], scale=[1.0], univariate=True)
        >>> len(MixtureDistribution.concat([d, d[:1]]))
        4
        """
        dists = list(dists)
        if not dists:
            raise ValueError("concat needs at least one MixtureDistribution.")
        first = dists[0]
        for other in dists[1:]:
            if (other.n_components, other.n_targets) != (first.n_components, first.n_targets) \
                    or not (np.array_equal(other._loc, first._loc)
                            and np.array_equal(other._scale, first._scale)):
                raise ValueError(
                    "concat joins mixtures of one model: the number of components and "
                    "targets and the target scaling must agree."
                )
        return cls(
            torch.cat([d._logits for d in dists]),
            torch.cat([d._means for d in dists]),
            torch.cat([d._scales for d in dists]),
            first._loc,
            first._scale,
            first.univariate,
        )

    @property
    def device(self):
        """The ``torch.device`` that holds the parameters and computes."""
        return self._logits.device

    def to(self, device):
        """The same mixtures with their parameters on ``device`` (for example ``"cpu"``).

        Parameters
        ----------
        device : str or torch.device

        Returns
        -------
        MixtureDistribution
            ``self`` when the parameters are already there.
        """
        device = torch.device(device)
        if device == self.device:
            return self
        return MixtureDistribution(
            self._logits.to(device),
            self._means.to(device),
            self._scales.to(device),
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
