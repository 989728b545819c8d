"""CDF, quantiles, CRPS, marginals and biased sampling of Gaussian mixtures."""

import numpy as np
import pytest
import torch
from scipy import stats

from skmdn import MDNRegressor, MixtureDistribution, _mixture_1d


def univariate_mixtures(rng, n, k):
    """Random 1-D mixtures on the standardized scale, and one draw from each."""
    logits = rng.normal(size=(n, k)) * 2
    means = rng.normal(size=(n, k))
    sds = np.exp(rng.uniform(np.log(0.01), 0.0, size=(n, k)))
    w = np.exp(logits - logits.max(-1, keepdims=True))
    w /= w.sum(-1, keepdims=True)
    comp = (w.cumsum(-1) < rng.random((n, 1))).sum(-1).clip(max=k - 1)
    rows = np.arange(n)
    y = means[rows, comp] + sds[rows, comp] * rng.normal(size=n)
    return logits, means, sds, w, y


def stratified_mixture_draws(rng, w, means, sds, n):
    """n draws from one 1-D mixture, stratified over components and normal quantiles."""
    counts = np.floor(w * n).astype(int)
    rest = np.argsort(counts - w * n)[: n - counts.sum()]
    counts[rest] += 1
    parts = [
        m + s * stats.norm.ppf((np.arange(c) + rng.random(c)) / c)
        for m, s, c in zip(means, sds, counts)
    ]
    return np.concatenate(parts)


def sample_crps(draws, y):
    """CRPS of the empirical distribution of ``draws`` at ``y``."""
    x = np.sort(draws)
    n = len(x)
    return np.abs(x - y).mean() - (2 * np.arange(1, n + 1) - n - 1) @ x / n**2


def crps_case(k):
    """Three random 1-D mixtures with k components, a target for each, and their
    closed-form CRPS. Returns (rng, logits, weights, means, sds, y, closed)."""
    rng = np.random.default_rng(k)
    logits = rng.normal(size=(3, k)) * 2
    means = rng.normal(size=(3, k)) * 3
    sds = rng.uniform(0.2, 2.0, size=(3, k))
    w = np.exp(logits - logits.max(-1, keepdims=True))
    w /= w.sum(-1, keepdims=True)
    y = np.array([means[0, 0], means[1].mean() + 2.0, rng.normal() * 3])
    closed = _mixture_1d.crps(*map(torch.as_tensor, (logits, means, sds, y))).numpy()
    return rng, logits, w, means, sds, y, closed


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


def _dist(form, rng, n=5, k=3, d=2, loc=(10.0, -3.0), scale=(100.0, 0.01)):
    logits = torch.as_tensor(rng.normal(size=(n, k)))
    means = torch.as_tensor(rng.normal(size=(n, k, d)))
    if form == "full":
        a = rng.normal(size=(n, k, d, d))
        scales = torch.linalg.cholesky(torch.as_tensor(a @ np.swapaxes(a, -1, -2) + np.eye(d)))
    else:
        scales = torch.as_tensor(rng.uniform(0.1, 1.0, size=(n, k, d)))
    return MixtureDistribution(logits, means, scales, np.array(loc[:d]), np.array(scale[:d]))


@pytest.mark.parametrize("form", ["diag", "full"])
def test_distribution_round_trip_relative_to_the_target_scale(form):
    dist = _dist(form, np.random.default_rng(2))
    y = dist.sample(200, random_state=0)  # (n, 200, d)
    for j in range(2):
        m = dist.marginal(j)
        back = m.ppf(m.cdf(y[:, :, j]))  # levels per row: (n, 200)
        np.testing.assert_allclose((back - y[:, :, j]) / dist._scale[j], 0, atol=1e-6)


@pytest.mark.parametrize("form", ["diag", "full"])
def test_marginals_agree_with_the_joint(form):
    dist = _dist(form, np.random.default_rng(3))
    for j in range(2):
        m = dist.marginal(j)
        assert m.univariate and m.n_targets == 1
        np.testing.assert_allclose(m.mean(), dist.mean()[:, j])
        np.testing.assert_allclose(m.var(), dist.var()[:, j])
        np.testing.assert_allclose(m.var(), dist.covariance()[:, j, j])
        np.testing.assert_allclose(m.ppf([0.1, 0.7]), dist.ppf([0.1, 0.7])[..., j])
    lower, upper = dist.interval(0.8)
    np.testing.assert_allclose(dist.cdf(upper) - dist.cdf(lower), 0.8, atol=1e-9)
    np.testing.assert_allclose(dist.median(), dist.ppf(0.5))


def test_bad_levels_are_rejected():
    dist = _dist("diag", np.random.default_rng(4))
    with pytest.raises(ValueError, match="q"):
        dist.ppf(1.5)
    with pytest.raises(ValueError, match="coverage"):
        dist.interval(1.0)
    with pytest.raises(ValueError, match="pi_bias"):
        dist.sample(1, pi_bias=-2)


@pytest.mark.parametrize("form", ["diag", "full"])
def test_infinite_std_bias_returns_component_means_exactly(form):
    dist = _dist(form, np.random.default_rng(5))
    draws = dist.sample(50, random_state=0, std_bias=np.inf)  # (n, 50, d)
    means = dist.means  # (n, K, d)
    hit = (draws[:, :, None, :] == means[:, None, :, :]).all(-1).any(-1)
    assert hit.all()
    # A large pi_bias then leaves only the most probable component.
    top = dist.sample(20, random_state=0, pi_bias=1e6, std_bias=np.inf)
    best = means[np.arange(len(dist)), dist.weights.argmax(1)]
    np.testing.assert_array_equal(top, np.repeat(best[:, None], 20, axis=1))


def test_bias_shrinks_the_spread_and_zero_bias_changes_nothing():
    dist = _dist("full", np.random.default_rng(6), n=2, k=1)
    plain = dist.sample(20000, random_state=0)
    np.testing.assert_array_equal(plain, dist.sample(20000, random_state=0, pi_bias=0.0))
    cleaned = dist.sample(20000, random_state=0, std_bias=np.log(2))
    # One component: the covariance shrinks by exactly exp(-2 std_bias) = 1/4.
    ratio = cleaned.var(axis=1) / plain.var(axis=1)
    np.testing.assert_allclose(ratio, 0.25, rtol=1e-6)


def test_estimator_biased_sampling_limit():
    rng = np.random.default_rng(7)
    X = rng.uniform(-1, 1, size=(200, 1))
    y = np.where(rng.random(200) < 0.5, 1.0, -1.0) * X.ravel()
    mdn = MDNRegressor(n_components=3, max_iter=5, random_state=0).fit(X, y)
    draws = mdn.sample(X[:10], n_samples=30, random_state=0, std_bias=np.inf)
    means = mdn.predict_dist(X[:10]).means[..., 0]
    assert (draws[:, :, None] == means[:, None, :]).any(-1).all()


def two_target_covariance_errors():
    """Fit a 2-D full-covariance model; return it, its predicted mixtures, and for each
    mixture the largest |sample cov - covariance()| / (sd_i sd_j) over 1e5 draws."""
    rng = np.random.default_rng(8)
    X = rng.uniform(-1, 1, size=(300, 2))
    Y = np.column_stack([X[:, 0] + 0.3 * rng.normal(size=300),
                         np.where(rng.random(300) < 0.5, 1, -1) * X[:, 1] + 0.1 * X[:, 0]])
    Y = Y * [5.0, 0.2] + [100.0, 0.0]
    mdn = MDNRegressor(n_components=3, covariance_type="full", max_iter=20, random_state=0)
    dist = mdn.fit(X, Y).predict_dist(X[:4])
    draws = dist.sample(100_000, random_state=1)
    cov = dist.covariance()
    sd = np.sqrt(np.diagonal(cov, axis1=1, axis2=2))
    errors = np.array([
        np.abs((np.cov(draws[i], rowvar=False) - cov[i]) / np.outer(sd[i], sd[i])).max()
        for i in range(len(dist))
    ])
    return dist, errors


def test_two_target_covariance_matches_one_hundred_thousand_draws():
    _, errors = two_target_covariance_errors()
    assert np.all(errors < 0.02)
