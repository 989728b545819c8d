"""Mathematics of a batch of Gaussian mixtures, in pure torch.

A batch of mixtures is described by three tensors:

``logits`` : (..., K)
    Unnormalised log mixture weights; the weights are ``softmax(logits)``.
``means`` : (..., K, d)
    Component means.
``scales`` : (..., K, d) or (..., K, d, d)
    Either per-dimension standard deviations (a diagonal covariance; a
    spherical covariance is the same with equal entries), or a
    lower-triangular Cholesky factor ``L`` with positive diagonal, so that
    the component covariance is ``L @ L.T`` ("full").

The form of ``scales`` is told apart by its number of dimensions. Everything
is computed in log space (``log_softmax``, ``logsumexp``, triangular solves),
so no function here under- or overflows for valid parameters. This module
imports nothing but torch and math.
"""

import math

import torch

__all__ = [
    "is_full",
    "component_log_prob",
    "log_prob",
    "mean",
    "component_covariance",
    "covariance",
    "variance",
    "mode",
    "sample",
]

_LOG_2PI = math.log(2.0 * math.pi)


def is_full(means, scales):
    """Whether ``scales`` holds Cholesky factors rather than standard deviations."""
    return scales.dim() == means.dim() + 1


def component_log_prob(means, scales, y):
    """Log-density of ``y`` under every component.

    Parameters
    ----------
    means : Tensor of shape (..., K, d)
    scales : Tensor of shape (..., K, d) or (..., K, d, d)
    y : Tensor of shape (..., d)
        Broadcast against the batch dimensions of ``means``.

    Returns
    -------
    Tensor of shape (..., K)
    """
    diff = y.unsqueeze(-2) - means
    d = means.shape[-1]
    if is_full(means, scales):
        scales = scales.expand(*diff.shape[:-1], d, d)
        z = torch.linalg.solve_triangular(scales, diff.unsqueeze(-1), upper=False)
        maha = z.squeeze(-1).square().sum(-1)
        log_det = torch.diagonal(scales, dim1=-2, dim2=-1).log().sum(-1)
    else:
        maha = (diff / scales).square().sum(-1)
        log_det = scales.log().sum(-1)
    return -0.5 * (maha + d * _LOG_2PI) - log_det


def log_prob(logits, means, scales, y):
    """Log-density of ``y`` under the mixture.

    Parameters
    ----------
    logits : Tensor of shape (..., K)
    means : Tensor of shape (..., K, d)
    scales : Tensor of shape (..., K, d) or (..., K, d, d)
    y : Tensor of shape (..., d)

    Returns
    -------
    Tensor of shape (...)
    """
    log_w = torch.log_softmax(logits, dim=-1)
    return torch.logsumexp(log_w + component_log_prob(means, scales, y), dim=-1)


def mean(logits, means):
    """Mixture mean ``sum_k pi_k mu_k``, shape (..., d)."""
    w = torch.softmax(logits, dim=-1)
    return (w.unsqueeze(-1) * means).sum(-2)


def component_covariance(means, scales):
    """Covariance matrix of every component, shape (..., K, d, d)."""
    if is_full(means, scales):
        return scales @ scales.transpose(-1, -2)
    return torch.diag_embed(scales.square())


def covariance(logits, means, scales):
    """Mixture covariance by the law of total variance, shape (..., d, d).

    ``sum_k pi_k (Sigma_k + (mu_k - m)(mu_k - m)^T)`` with ``m`` the mixture mean.
    """
    w = torch.softmax(logits, dim=-1)
    centred = means - mean(logits, means).unsqueeze(-2)
    within = component_covariance(means, scales)
    between = centred.unsqueeze(-1) * centred.unsqueeze(-2)
    return (w[..., None, None] * (within + between)).sum(-3)


def variance(logits, means, scales):
    """Marginal variances of the mixture (the diagonal of :func:`covariance`), shape (..., d)."""
    w = torch.softmax(logits, dim=-1)
    centred = means - mean(logits, means).unsqueeze(-2)
    if is_full(means, scales):
        within = scales.square().sum(-1)
    else:
        within = scales.square()
    return (w.unsqueeze(-1) * (within + centred.square())).sum(-2)


def mode(logits, means, scales, max_iter=100, tol=1e-6):
    """Highest mode of each mixture, by fixed-point (mean-shift) iteration.

    From every component mean, iterate the stationarity condition of the
    mixture density,
    ``x <- (sum_k r_k(x) P_k)^{-1} sum_k r_k(x) P_k mu_k``,
    where ``P_k`` is the precision of component k and ``r_k(x)`` its
    responsibility at ``x``. Each start climbs to a local mode; the one
    with the highest density is returned.

    Parameters
    ----------
    logits : Tensor of shape (..., K)
    means : Tensor of shape (..., K, d)
    scales : Tensor of shape (..., K, d) or (..., K, d, d)
    max_iter : int, default=100
        Iteration cap.
    tol : float, default=1e-6
        Stop once no start moves more than ``tol`` (in the units of ``means``).

    Returns
    -------
    Tensor of shape (..., d)
    """
    full = is_full(means, scales)
    # Starts along a new axis S (= K) in front of the component axis.
    x = means.clone()
    means_s = means.unsqueeze(-3)  # (..., 1, K, d)
    scales_s = scales.unsqueeze(-4 if full else -3)
    log_w = torch.log_softmax(logits, dim=-1).unsqueeze(-2)  # (..., 1, K)
    if full:
        precision = torch.cholesky_inverse(scales)  # (..., K, d, d)
        p_mu = (precision @ means.unsqueeze(-1)).squeeze(-1)  # (..., K, d)
    else:
        precision = scales.square().reciprocal()  # (..., K, d)
        p_mu = precision * means
    for _ in range(max_iter):
        r = torch.softmax(log_w + component_log_prob(means_s, scales_s, x), dim=-1)
        r = r.unsqueeze(-1)  # (..., S, K, 1)
        if full:
            a = (r.unsqueeze(-1) * precision.unsqueeze(-4)).sum(-3)
            b = (r * p_mu.unsqueeze(-3)).sum(-2)
            x_new = torch.linalg.solve(a, b.unsqueeze(-1)).squeeze(-1)
        else:
            x_new = (r * p_mu.unsqueeze(-3)).sum(-2) / (r * precision.unsqueeze(-3)).sum(-2)
        step = (x_new - x).abs().amax() if x.numel() else x.new_zeros(())
        x = x_new
        if step <= tol:
            break
    best = log_prob(logits.unsqueeze(-2), means_s, scales_s, x).argmax(-1)  # (...)
    index = best[..., None, None].expand(*best.shape, 1, x.shape[-1])
    return torch.gather(x, -2, index).squeeze(-2)


def sample(logits, means, scales, n_samples, generator=None):
    """Draw from each mixture: a component by its weight, then a Gaussian draw.

    Parameters
    ----------
    logits : Tensor of shape (n, K)
    means : Tensor of shape (n, K, d)
    scales : Tensor of shape (n, K, d) or (n, K, d, d)
    n_samples : int
    generator : torch.Generator, optional
        Source of randomness; it must live on the device of the tensors.
        The global generator is used when None.

    Returns
    -------
    Tensor of shape (n, n_samples, d)
    """
    n, k, d = means.shape
    w = torch.softmax(logits, dim=-1)
    comp = torch.multinomial(w, n_samples, replacement=True, generator=generator)
    mu = torch.gather(means, 1, comp[..., None].expand(n, n_samples, d))
    eps = torch.randn(
        (n, n_samples, d), generator=generator, device=means.device, dtype=means.dtype
    )
    if is_full(means, scales):
        chol = torch.gather(scales, 1, comp[..., None, None].expand(n, n_samples, d, d))
        return mu + (chol @ eps.unsqueeze(-1)).squeeze(-1)
    sd = torch.gather(scales, 1, comp[..., None].expand(n, n_samples, d))
    return mu + sd * eps
