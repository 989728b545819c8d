"""1-D Gaussian mixtures in pure torch: distribution function, quantiles, CRPS.

The companion of :mod:`skmdn._mixture` for one target dimension: ``logits``
of shape (..., K), and ``means`` and standard deviations ``sds`` of shape
(..., K). The CDF and CRPS are closed forms; quantiles come from a
safeguarded Newton search, exact to a stated tolerance. This module imports
nothing but torch and math.
"""

import math

import torch

__all__ = ["cdf", "ppf", "crps"]

_LOG_2PI = math.log(2.0 * math.pi)


def _ndtr_parts(logits, means, sds, y):
    """Log-weights and standardized residuals of a 1-D mixture at ``y``."""
    log_w = torch.log_softmax(logits, dim=-1)
    z = (y.unsqueeze(-1) - means) / sds
    return log_w, z


def cdf(logits, means, sds, y):
    """Distribution function of 1-D Gaussian mixtures, ``sum_k pi_k Phi((y - mu_k) / s_k)``.

    Parameters
    ----------
    logits : Tensor of shape (..., K)
    means : Tensor of shape (..., K)
    sds : Tensor of shape (..., K)
        Component standard deviations.
    y : Tensor of shape (...)
        Broadcast against the batch dimensions.

    Returns
    -------
    Tensor of shape (...)
    """
    log_w, z = _ndtr_parts(logits, means, sds, y)
    return (log_w.exp() * torch.special.ndtr(z)).sum(-1)


def _pdf(log_w, z, sds):
    return torch.exp(log_w - 0.5 * z.square() - 0.5 * _LOG_2PI - sds.log()).sum(-1)


def ppf(logits, means, sds, q, tol=1e-10, max_iter=100):
    """Quantile function of 1-D Gaussian mixtures, by safeguarded Newton on the CDF.

    The root of ``F(y) = q`` is bracketed exactly: every component CDF is at
    most ``q`` below ``min_k (mu_k + s_k z_q)`` and at least ``q`` above
    ``max_k (mu_k + s_k z_q)``, where ``z_q`` is the standard normal
    quantile, so the mixture CDF crosses ``q`` in between. Newton steps are
    taken inside the bracket, with a bisection step whenever Newton would
    leave it or would not at least halve the previous step. Above the median the equivalent
    equation ``1 - F(y) = 1 - q`` is solved instead, with the survival
    function computed directly, so upper-tail quantiles keep full relative
    precision. No sampling is involved.

    Parameters
    ----------
    logits : Tensor of shape (..., K)
    means : Tensor of shape (..., K)
    sds : Tensor of shape (..., K)
    q : Tensor of shape (...)
        Probability levels in [0, 1], broadcast against the batch dimensions.
        0 and 1 give -inf and +inf.
    tol : float, default=1e-10
        Absolute tolerance on the quantile, in the units of ``means``: the
        iteration stops once the bracket is narrower than ``tol`` or the
        Newton step is smaller than ``tol / 2``.
    max_iter : int, default=100
        Iteration cap (bisection alone needs about 40 iterations to shrink a
        bracket of 10 standard deviations below 1e-10).

    Returns
    -------
    Tensor of shape (...)
    """
    shape = torch.broadcast_shapes(q.shape, *(t.shape[:-1] for t in (logits, means, sds)))
    k = logits.shape[-1]
    q = q.expand(shape).reshape(-1)
    log_w, means, sds = (
        t.expand(*shape, k).reshape(-1, k)
        for t in (torch.log_softmax(logits, dim=-1), means, sds)
    )
    w = log_w.exp()
    upper = q > 0.5
    # Solve g(y) = target with g increasing: F(y) - q below the median, and
    # (1 - q) - S(y) above it, with the survival function S summed directly.
    target = torch.where(upper, q - 1.0, q)
    finite = (q > 0) & (q < 1)
    zq = torch.special.ndtri(torch.where(finite, q, 0.5)).unsqueeze(-1)
    ends = means + sds * zq
    lo, hi = ends.amin(-1), ends.amax(-1)
    x = 0.5 * (lo + hi)
    last_step = hi - lo
    # Iterate on the unfinished entries only.
    active = torch.nonzero(finite & (hi - lo > tol)).squeeze(-1)
    for _ in range(max_iter):
        if active.numel() == 0:
            break
        xa, lo_a, hi_a, wa, ma, sa = (
            t[active] for t in (x, lo, hi, w, means, sds)
        )
        z = (xa.unsqueeze(-1) - ma) / sa
        g = torch.where(
            upper[active],
            -(wa * torch.special.ndtr(-z)).sum(-1),
            (wa * torch.special.ndtr(z)).sum(-1),
        ) - target[active]
        dens = _pdf(log_w[active], z, sa)
        lo_a = torch.where(g < 0, xa, lo_a)
        hi_a = torch.where(g > 0, xa, hi_a)
        step = g / dens
        newton = xa - step
        use_newton = (newton > lo_a) & (newton < hi_a) & torch.isfinite(newton)
        use_newton &= step.abs() <= 0.5 * last_step[active]
        x_new = torch.where(g == 0, xa, torch.where(use_newton, newton, 0.5 * (lo_a + hi_a)))
        converged = (g == 0) | (hi_a - lo_a <= tol) | (use_newton & (step.abs() <= 0.5 * tol))
        last_step[active] = (x_new - xa).abs()
        x[active], lo[active], hi[active] = x_new, lo_a, hi_a
        active = active[~converged]
    inf = torch.full_like(x, math.inf)
    x = torch.where(q <= 0, -inf, torch.where(q >= 1, inf, x))
    return x.reshape(shape)


def _crps_kernel(m, var):
    """``E|X|`` for ``X ~ N(m, var)``: ``2 s phi(m / s) + m (2 Phi(m / s) - 1)``."""
    s = var.sqrt()
    u = m / s
    phi = torch.exp(-0.5 * u.square() - 0.5 * _LOG_2PI)
    return 2.0 * s * phi + m * (2.0 * torch.special.ndtr(u) - 1.0)


def crps(logits, means, sds, y):
    """Continuous ranked probability score of 1-D Gaussian mixtures, in closed form.

    ``CRPS(F, y) = E|X - y| - E|X - X'| / 2`` with X, X' independent draws
    from F; for a Gaussian mixture both expectations are sums of folded-normal
    means (Grimit et al., 2006):
    ``sum_k pi_k A(y - mu_k, s_k^2) - 1/2 sum_kl pi_k pi_l A(mu_k - mu_l, s_k^2 + s_l^2)``
    with ``A(m, v) = E|N(m, v)|``.

    Parameters
    ----------
    logits : Tensor of shape (..., K)
    means : Tensor of shape (..., K)
    sds : Tensor of shape (..., K)
    y : Tensor of shape (...)

    Returns
    -------
    Tensor of shape (...)
        In the units of ``means``; lower is better.
    """
    w = torch.softmax(logits, dim=-1)
    var = sds.square()
    spread = _crps_kernel(y.unsqueeze(-1) - means, var)
    pair = _crps_kernel(
        means.unsqueeze(-1) - means.unsqueeze(-2), var.unsqueeze(-1) + var.unsqueeze(-2)
    )
    ww = w.unsqueeze(-1) * w.unsqueeze(-2)
    return (w * spread).sum(-1) - 0.5 * (ww * pair).sum((-1, -2))
