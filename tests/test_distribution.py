"""MixtureDistribution: marginals, quantiles, intervals, covariances and biased sampling."""

import numpy as np
import pytest
import torch

from skmdn import MixtureDistribution
from skmdn._testing import two_target_covariance_errors


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


def test_two_target_covariance_matches_one_hundred_thousand_draws():
    _, errors = two_target_covariance_errors()
    assert np.all(errors < 0.02)
