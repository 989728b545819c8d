"""The pure-torch mixture math (``_mixture``, ``_mixture_1d``) against scipy.stats."""

import numpy as np
import pytest
import torch
from scipy import stats

from skmdn import _mixture, _mixture_1d
from skmdn._testing import (
    crps_case,
    sample_crps,
    stratified_mixture_draws,
    univariate_mixtures,
)


def random_mixture(rng, n, k, d, form):
    logits = torch.as_tensor(rng.normal(size=(n, k)) * 2)
    means = torch.as_tensor(rng.normal(size=(n, k, d)) * 3)
    if form == "spherical":
        scales = torch.as_tensor(rng.uniform(0.2, 2.0, size=(n, k, 1))).expand(n, k, d)
    elif form == "diag":
        scales = torch.as_tensor(rng.uniform(0.2, 2.0, size=(n, k, d)))
    else:
        a = rng.normal(size=(n, k, d, d))
        cov = a @ np.swapaxes(a, -1, -2) + 0.5 * np.eye(d)
        scales = torch.as_tensor(np.linalg.cholesky(cov))
    return logits, means, scales


def dense_covariances(means, scales):
    return _mixture.component_covariance(means, scales).numpy()


FORMS = ["spherical", "diag", "full"]


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("d", [1, 3])
def test_log_prob_matches_scipy(form, d):
    rng = np.random.default_rng(0)
    n, k = 7, 4
    logits, means, scales = random_mixture(rng, n, k, d, form)
    y = rng.normal(size=(n, d)) * 3
    got = _mixture.log_prob(logits, means, scales, torch.as_tensor(y)).numpy()
    w = torch.softmax(logits, -1).numpy()
    covs = dense_covariances(means, scales)
    for i in range(n):
        dens = sum(
            w[i, j] * stats.multivariate_normal(means[i, j].numpy(), covs[i, j]).pdf(y[i])
            for j in range(k)
        )
        assert got[i] == pytest.approx(np.log(dens), rel=1e-10)


@pytest.mark.parametrize("form", FORMS)
def test_mean_and_covariance_match_moments(form):
    rng = np.random.default_rng(1)
    n, k, d = 5, 3, 2
    logits, means, scales = random_mixture(rng, n, k, d, form)
    w = torch.softmax(logits, -1).numpy()
    mu = means.numpy()
    covs = dense_covariances(means, scales)
    m = np.einsum("nk,nkd->nd", w, mu)
    second = np.einsum("nk,nkde->nde", w, covs + mu[..., :, None] * mu[..., None, :])
    expected = second - m[:, :, None] * m[:, None, :]
    np.testing.assert_allclose(_mixture.mean(logits, means).numpy(), m, rtol=1e-12)
    np.testing.assert_allclose(_mixture.covariance(logits, means, scales).numpy(), expected,
                               rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(
        _mixture.variance(logits, means, scales).numpy(),
        np.diagonal(expected, axis1=1, axis2=2), rtol=1e-10,
    )


def test_log_prob_stable_far_from_every_component():
    logits = torch.zeros(1, 100, dtype=torch.float64)
    means = torch.linspace(-1, 1, 100, dtype=torch.float64).reshape(1, 100, 1)
    scales = torch.full((1, 100, 1), 1e-3, dtype=torch.float64)
    lp = _mixture.log_prob(logits, means, scales, torch.tensor([[1e4]], dtype=torch.float64))
    expected = stats.norm(1.0, 1e-3).logpdf(1e4) - np.log(100)
    assert np.isfinite(lp.item())
    assert lp.item() == pytest.approx(expected, rel=1e-6)


def test_mode_of_bimodal_mixture_is_the_higher_peak():
    # Two components: a tall narrow one at 2 and a wide heavier one at -1.
    logits = torch.log(torch.tensor([[0.3, 0.7]], dtype=torch.float64))
    means = torch.tensor([[[2.0], [-1.0]]], dtype=torch.float64)
    scales = torch.tensor([[[0.1], [1.0]]], dtype=torch.float64)
    got = _mixture.mode(logits, means, scales).item()
    grid = np.linspace(-5, 5, 200001)
    pdf = 0.3 * stats.norm(2, 0.1).pdf(grid) + 0.7 * stats.norm(-1, 1).pdf(grid)
    assert got == pytest.approx(grid[pdf.argmax()], abs=1e-4)


@pytest.mark.parametrize("form", FORMS)
def test_mode_is_a_stationary_maximum(form):
    rng = np.random.default_rng(3)
    logits, means, scales = random_mixture(rng, 6, 3, 2, form)
    mode = _mixture.mode(logits, means, scales)
    best = _mixture.log_prob(logits, means, scales, mode)
    # No component mean, and no small step away from the mode, is denser.
    at_means = _mixture.log_prob(logits.unsqueeze(1), means.unsqueeze(1),
                                 scales.unsqueeze(1), means)
    assert torch.all(best[:, None] >= at_means - 1e-9)
    for step in ([1e-3, 0], [0, 1e-3], [-1e-3, 0], [0, -1e-3]):
        moved = _mixture.log_prob(logits, means, scales, mode + torch.tensor(step).double())
        assert torch.all(moved <= best + 1e-9)


@pytest.mark.parametrize("form", FORMS)
def test_sample_moments_and_seed(form):
    rng = np.random.default_rng(4)
    logits, means, scales = random_mixture(rng, 2, 3, 2, form)
    gen = torch.Generator().manual_seed(0)
    draws = _mixture.sample(logits, means, scales, 100_000, gen)
    assert draws.shape == (2, 100_000, 2)
    cov = _mixture.covariance(logits, means, scales)
    sd = torch.sqrt(torch.diagonal(cov, dim1=-2, dim2=-1))
    err = (draws.mean(1) - _mixture.mean(logits, means)).abs() / sd
    assert torch.all(err < 0.02)
    again = _mixture.sample(logits, means, scales, 100_000, torch.Generator().manual_seed(0))
    assert torch.equal(draws, again)


# ------------------------------------------------- the mode search (1-D Newton)
def _random_1d_mixtures(n, k, seed):
    rng = np.random.default_rng(seed)
    logits = torch.tensor(rng.normal(size=(n, k)))
    means = torch.tensor(rng.normal(scale=1.5, size=(n, k, 1)))
    scales = torch.tensor(rng.uniform(0.05, 1.0, size=(n, k, 1)))
    # Two nearly merged components: a flat, slowly converging top.
    means[0, :2, 0] = torch.tensor([0.0, 0.9])
    scales[0, :2, 0] = 0.5
    logits[0, :2] = 5.0
    return logits, means, scales


def test_mode_1d_is_the_highest_point_of_a_fine_grid():
    logits, means, scales = _random_1d_mixtures(20, 5, seed=0)
    mode = _mixture.mode(logits, means, scales)[:, 0].numpy()
    grid = np.linspace(-6, 6, 120001)
    w = torch.softmax(logits, -1).numpy()
    pdf = (w[:, :, None] * stats.norm.pdf(grid, means.numpy(), scales.numpy())).sum(1)
    on_grid = grid[pdf.argmax(1)]
    np.testing.assert_allclose(mode, on_grid, atol=1e-4)
    best = _mixture.log_prob(logits, means, scales, torch.tensor(mode)[:, None]).numpy()
    assert np.all(best >= np.log(pdf.max(1)) - 1e-9)


def test_mode_without_newton_agrees_for_several_dimensions():
    # The multivariate path (mean-shift on active starts) against the 1-D
    # Newton path on a 1-D mixture written with Cholesky factors.
    logits, means, scales = _random_1d_mixtures(30, 4, seed=1)
    newton = _mixture.mode(logits, means, scales)
    shift = _mixture.mode(logits, means, scales.unsqueeze(-1), max_iter=5000, tol=1e-12)
    np.testing.assert_allclose(newton.numpy(), shift.numpy(), atol=1e-5)


# -------------------------------------------------- _mixture_1d: cdf, ppf, crps
@pytest.mark.parametrize("k", range(1, 21))
def test_closed_form_crps_matches_monte_carlo(k):
    rng, _, w, means, sds, y, closed = crps_case(k)
    for i in range(3):
        mc = sample_crps(stratified_mixture_draws(rng, w[i], means[i], sds[i], 100_000), y[i])
        assert abs(mc - closed[i]) <= 0.01 * closed[i]


def test_crps_of_one_gaussian_is_the_textbook_formula():
    z = np.linspace(-4, 4, 9)
    sd = 1.7
    expected = sd * (z * (2 * stats.norm.cdf(z) - 1) + 2 * stats.norm.pdf(z) - 1 / np.sqrt(np.pi))
    got = _mixture_1d.crps(
        torch.zeros(9, 1), torch.zeros(9, 1), torch.full((9, 1), sd, dtype=torch.float64),
        torch.as_tensor(z * sd),
    )
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-12, atol=1e-14)


def test_cdf_matches_scipy():
    rng = np.random.default_rng(0)
    logits, means, sds, w, y = univariate_mixtures(rng, 200, 4)
    expected = (w * stats.norm.cdf(y[:, None], means, sds)).sum(-1)
    got = _mixture_1d.cdf(*map(torch.as_tensor, (logits, means, sds, y))).numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("k", [1, 2, 5, 20])
def test_ppf_inverts_cdf(k):
    rng = np.random.default_rng(k)
    logits, means, sds, _, y = univariate_mixtures(rng, 3000, k)
    params = [torch.as_tensor(a) for a in (logits, means, sds)]
    q = _mixture_1d.cdf(*params, torch.as_tensor(y))
    back = _mixture_1d.ppf(*params, q).numpy()
    np.testing.assert_allclose(back, y, rtol=0, atol=1e-6)


def test_ppf_of_one_gaussian_matches_scipy_far_in_both_tails():
    q = np.array([1e-300, 1e-12, 1e-3, 0.2, 0.5, 0.8, 1 - 1e-3, 1 - 1e-12])
    got = _mixture_1d.ppf(
        torch.zeros(1), torch.full((1,), 2.0, dtype=torch.float64),
        torch.full((1,), 3.0, dtype=torch.float64), torch.as_tensor(q),
    ).numpy()
    np.testing.assert_allclose(got, stats.norm.ppf(q, 2.0, 3.0), rtol=1e-9)


def test_quantiles_are_monotone_and_end_at_infinity():
    rng = np.random.default_rng(1)
    logits, means, sds, _, _ = univariate_mixtures(rng, 300, 6)
    q = torch.linspace(0, 1, 201, dtype=torch.float64)
    params = [torch.as_tensor(a)[:, None] for a in (logits, means, sds)]
    x = _mixture_1d.ppf(*params, q).numpy()
    assert np.all(np.diff(x, axis=1) > 0)
    assert np.all(x[:, 0] == -np.inf) and np.all(x[:, -1] == np.inf)


@pytest.mark.parametrize("d", [1, 2])
def test_mode_of_many_components_climbs_from_the_densest_means_to_the_same_peak(d, monkeypatch):
    # 40 components in 8 tight groups, as an ensemble of 8 members pools them,
    # plus a lone narrow component that holds the highest peak in some rows.
    gen = torch.Generator().manual_seed(0)
    n, groups = 300, 5
    centers = torch.randn(n, groups, 1, d, generator=gen, dtype=torch.float64) * 3
    means = (centers + 0.05 * torch.randn(n, groups, 8, d, generator=gen,
                                           dtype=torch.float64)).reshape(n, 40, d)
    scales = torch.rand(n, 40, d, generator=gen, dtype=torch.float64) * 0.5 + 0.5
    scales[:, 7] = 0.02  # narrow and light: its peak is the highest where it lies alone
    logits = torch.randn(n, 40, generator=gen, dtype=torch.float64)
    assert _mixture.MODE_STARTS < 40  # so the default screens the starts
    screened = _mixture.mode(logits, means, scales)
    monkeypatch.setattr(_mixture, "MODE_STARTS", 40)
    every = _mixture.mode(logits, means, scales)
    lp = lambda x: _mixture.log_prob(logits, means, scales, x)  # noqa: E731
    assert torch.all(lp(screened) >= lp(every) - 1e-9)
    torch.testing.assert_close(screened, every)
