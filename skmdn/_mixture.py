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
imports nothing but torch and math. The distribution function, quantiles and
CRPS of 1-D mixtures live beside it, in :mod:`skmdn._mixture_1d`.
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
    "marginal_scales",
    "bias",
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


#: Upper bound on the elements of one (starts, K) working array in :func:`mode`;
#: rows are processed in chunks so memory stays bounded for large K.
_MODE_CHUNK_ELEMENTS = 1 << 22

#: A mixture of more components than this (an ensemble's pooled mixture)
#: climbs only from the MODE_STARTS component means where the mixture is
#: densest; one of K components or fewer climbs from every mean.
MODE_STARTS = 8


def mode(logits, means, scales, max_iter=100, tol=1e-6):
    """Highest mode of each mixture, by hill climbing from every component mean.

    From every component mean, iterate the stationarity condition of the
    mixture density (mean-shift),
    ``x <- (sum_k r_k(x) P_k)^{-1} sum_k r_k(x) P_k mu_k``,
    where ``P_k`` is the precision of component k and ``r_k(x)`` its
    responsibility at ``x``. Every step raises the density, so each start
    climbs to a local mode; the one with the highest density is returned.
    For a 1-D target the climb takes Newton steps on ``log p`` wherever the
    density is log-concave and a Newton step raises the density, and falls
    back to mean-shift otherwise: same modes, far fewer iterations.

    Each start stops on its own once its step is at most ``tol``; only the
    starts still moving are iterated, so a few slow rows do not hold up the
    batch. A mixture of more than ``MODE_STARTS`` components (the pooled
    mixture of an ensemble) climbs only from the ``MODE_STARTS`` component
    means at which the mixture density is highest: the members' components
    crowd around the same modes, and climbing from all k * K of them would
    cost (k * K)^2 per row and step.

    Parameters
    ----------
    logits : Tensor of shape (..., K)
    means : Tensor of shape (..., K, d)
    scales : Tensor of shape (..., K, d) or (..., K, d, d)
    max_iter : int, default=100
        Iteration cap per start.
    tol : float, default=1e-6
        A start stops once its step is at most ``tol`` (largest coordinate,
        in the units of ``means``).

    Returns
    -------
    Tensor of shape (..., d)
    """
    full = is_full(means, scales)
    batch, (k, d) = logits.shape[:-1], means.shape[-2:]
    log_w = torch.log_softmax(logits, dim=-1).reshape(-1, k)
    means = means.reshape(-1, k, d)
    scales = scales.reshape(-1, k, d, d) if full else scales.reshape(-1, k, d)
    rows = max(1, _MODE_CHUNK_ELEMENTS // (k * k))
    out = [
        _mode_rows(log_w[i : i + rows], means[i : i + rows], scales[i : i + rows],
                   full, max_iter, tol)
        for i in range(0, log_w.shape[0], rows)
    ]
    result = torch.cat(out) if out else means.new_zeros(0, d)
    return result.reshape(*batch, d)


def _mode_rows(log_w, means, scales, full, max_iter, tol):
    """:func:`mode` for flat inputs (n, K), (n, K, d), (n, K, d[, d]) -> (n, d)."""
    n, k, d = means.shape
    x0 = means
    if k > MODE_STARTS:  # keep the starts where the mixture is densest
        at_means = torch.logsumexp(log_w.unsqueeze(1) + component_log_prob(
            means.unsqueeze(1), scales.unsqueeze(1), means), dim=-1)  # (n, k)
        top = at_means.topk(MODE_STARTS, dim=-1).indices
        x0 = means.gather(1, top.unsqueeze(-1).expand(n, MODE_STARTS, d))
    m = x0.shape[1]
    x0 = x0.reshape(n * m, d)

    # One start per (row, start); each start carries its row's mixture.
    def per_start(t):
        return t.unsqueeze(1).expand(n, m, *t.shape[1:]).reshape(n * m, *t.shape[1:])

    s_log_w, s_means, s_scales = per_start(log_w), per_start(means), per_start(scales)
    if d == 1 and not full:
        sd = s_scales[..., 0]
        x, lp = _climb_1d(x0[:, 0], s_log_w - sd.log(), s_means[..., 0], sd.reciprocal(),
                          max_iter, tol)
        x = x.unsqueeze(-1)
    else:
        x, lp = _climb_mean_shift(x0, s_log_w, s_means, s_scales, full, max_iter, tol)
    best = lp.reshape(n, m).argmax(-1)
    return x.reshape(n, m, d)[torch.arange(n, device=x.device), best]


def _climb_1d(x, c, mu, inv_sd, max_iter, tol):
    """Safeguarded Newton ascent of a 1-D mixture log-density from every start.

    ``x`` (A,) holds the starts; ``c = log w - log sd``, ``mu`` and
    ``inv_sd`` (A, K) their mixtures. A Newton step is taken where the
    log-density is concave; if the next point turns out less dense, the
    start goes back to the mean-shift point (which never loses density).
    Returns the end points (A,) and their log-densities up to a constant.
    """
    out, out_lp = x.clone(), torch.empty_like(x)
    idx = torch.arange(x.shape[0], device=x.device)
    prec = inv_sd.square()
    lp_prev = torch.full_like(x, -math.inf)
    fallback = x.clone()
    last_newton = torch.zeros_like(x, dtype=torch.bool)  # x was reached by a Newton step
    for _ in range(max_iter):
        if idx.numel() == 0:
            break
        z = (x.unsqueeze(-1) - mu) * inv_sd
        lw = c - 0.5 * z.square()
        lp = torch.logsumexp(lw, dim=-1)
        r = torch.exp(lw - lp.unsqueeze(-1))
        grad_k = -z * inv_sd  # d/dx log N_k(x)
        rg = r * grad_k
        g = rg.sum(-1)
        a = (r * prec).sum(-1)
        h = (rg * grad_k).sum(-1) - g.square() - a  # d2/dx2 log p(x)
        worse = last_newton & (lp < lp_prev)  # that Newton step lost density: undo it
        shift = x + g / a
        use_newton = ~worse & (h < 0)
        step = torch.where(use_newton, x - g / torch.where(use_newton, h, -a), shift)
        step = torch.where(worse, fallback, step)
        done = ~worse & ((step - x).abs() <= tol)
        out[idx], out_lp[idx] = step, lp
        lp_prev = torch.where(worse, lp_prev, lp)
        fallback = torch.where(worse, fallback, shift)
        last_newton = use_newton
        keep = (~done).nonzero().squeeze(-1)
        idx, x, c, mu, inv_sd, prec = (t[keep] for t in (idx, step, c, mu, inv_sd, prec))
        lp_prev, fallback, last_newton = (t[keep] for t in (lp_prev, fallback, last_newton))
    return out, out_lp


def _climb_mean_shift(x, log_w, means, scales, full, max_iter, tol):
    """Mean-shift from every start ``x`` (A, d) on its mixture (A, K, ...).

    Returns the end points (A, d) and their log-densities (A,).
    """
    out, out_lp = x.clone(), x.new_empty(x.shape[0])
    idx = torch.arange(x.shape[0], device=x.device)
    if full:
        precision = torch.cholesky_inverse(scales)  # (A, K, d, d)
        p_mu = (precision @ means.unsqueeze(-1)).squeeze(-1)
    else:
        precision = scales.square().reciprocal()
        p_mu = precision * means
    for _ in range(max_iter):
        if idx.numel() == 0:
            break
        lw = log_w + component_log_prob(means, scales, x)
        lp = torch.logsumexp(lw, dim=-1)
        r = torch.exp(lw - lp.unsqueeze(-1)).unsqueeze(-1)  # (A, K, 1)
        if full:
            a = (r.unsqueeze(-1) * precision).sum(-3)
            x_new = torch.linalg.solve(a, (r * p_mu).sum(-2))
        else:
            x_new = (r * p_mu).sum(-2) / (r * precision).sum(-2)
        done = (x_new - x).abs().amax(-1) <= tol
        out[idx], out_lp[idx] = x_new, lp
        keep = (~done).nonzero().squeeze(-1)
        idx, x, log_w, means, scales, precision, p_mu = (
            t[keep] for t in (idx, x_new, log_w, means, scales, precision, p_mu)
        )
    return out, out_lp


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


def marginal_scales(means, scales):
    """Standard deviation of every component along every target axis.

    The marginal of a Gaussian mixture along target ``j`` is the 1-D mixture
    with the same weights, means ``means[..., j]`` and these standard
    deviations ``[..., j]``: the row norms of a Cholesky factor (full), or the
    scales themselves (diag).

    Parameters
    ----------
    means : Tensor of shape (..., K, d)
    scales : Tensor of shape (..., K, d) or (..., K, d, d)

    Returns
    -------
    Tensor of shape (..., K, d)
    """
    if is_full(means, scales):
        return scales.square().sum(-1).sqrt()
    return scales


def bias(logits, scales, pi_bias=0.0, std_bias=0.0):
    """Sharpen a mixture for biased sampling (Graves, 2013).

    The weights become ``softmax((1 + pi_bias) * logits)`` and every scale
    (standard deviation or Cholesky factor) is multiplied by
    ``exp(-std_bias)``, i.e. ``log sigma - std_bias``. ``pi_bias = 0`` and
    ``std_bias = 0`` leave the mixture unchanged; ``std_bias = inf`` makes
    every component a point mass at its mean.

    Parameters
    ----------
    logits : Tensor of shape (..., K)
    scales : Tensor of shape (..., K, d) or (..., K, d, d)
    pi_bias : float, default=0.0
        Greater than or equal to -1 (-1 gives equal weights).
    std_bias : float, default=0.0

    Returns
    -------
    logits, scales : Tensors of the input shapes
    """
    return logits * (1.0 + pi_bias), scales * math.exp(-std_bias)
