"""skmdn._module: the MDNModule head and its outputs, and MixtureNLLLoss."""

import numpy as np
import pytest
import torch

from skmdn import _mixture
from skmdn._module import MDNModule, MixtureNLLLoss, n_scale_params


def test_head_initialisation_spreads_the_components():
    module = MDNModule(3, 1, 5, "diag", (16,), "tanh")
    bias = module.head.bias.detach()
    logit_bias, mean_bias, scale_bias = bias.split(module._splits)
    assert torch.all(logit_bias == 0)
    assert torch.all(mean_bias.diff() > 0.2)  # sorted normal quantiles
    scale_at_bias = torch.nn.functional.softplus(scale_bias) + module.min_scale
    torch.testing.assert_close(scale_at_bias, torch.ones_like(scale_at_bias))
    _, means, _ = module(torch.zeros(64, 3))
    # The spread survives the (damped) input dependence of the mean outputs.
    assert torch.all(means.mean(0).squeeze(-1).diff() > 0)
    full = MDNModule(3, 2, 4, "full", (16,), "tanh")
    _, _, chol = full(torch.randn(7, 3))
    # Correlations start at exactly zero.
    assert torch.all(chol[..., 1, 0] == 0)


@pytest.mark.parametrize("covariance_type, scale_shape", [
    ("spherical", (7, 4, 3)),
    ("diag", (7, 4, 3)),
    ("full", (7, 4, 3, 3)),
])
def test_forward_returns_the_documented_shapes(covariance_type, scale_shape):
    module = MDNModule(5, 3, 4, covariance_type, (16, 8), "relu")
    assert module.head.out_features == 4 + 4 * 3 + n_scale_params(4, 3, covariance_type)
    logits, means, scales = module(torch.randn(7, 5))
    assert logits.shape == (7, 4)
    assert means.shape == (7, 4, 3)
    assert scales.shape == scale_shape
    if covariance_type == "spherical":
        # One standard deviation per component, expanded over the targets.
        torch.testing.assert_close(scales, scales[..., :1].expand_as(scales))


def test_one_target_uses_the_diagonal_form_for_every_covariance_type():
    for covariance_type in ("spherical", "diag", "full"):
        module = MDNModule(2, 1, 3, covariance_type, (), "identity")
        assert module.covariance_type == "diag"
        assert module(torch.randn(6, 2))[2].shape == (6, 3, 1)


def test_full_scales_are_lower_triangular_with_a_positive_diagonal():
    with torch.random.fork_rng():
        torch.manual_seed(0)
        module = MDNModule(4, 3, 2, "full", (8,), "tanh").double()
        with torch.no_grad():  # away from the initialisation, whose correlations are zero
            torch.nn.init.normal_(module.head.weight, std=3.0)
            torch.nn.init.normal_(module.head.bias, std=3.0)
        _, _, chol = module(torch.randn(50, 4, dtype=torch.float64))
    upper = torch.triu(torch.ones(3, 3, dtype=torch.bool), diagonal=1)
    lower = torch.tril(torch.ones(3, 3, dtype=torch.bool), diagonal=-1)
    assert torch.all(chol[..., upper] == 0)
    assert torch.all(chol[..., lower] != 0)
    diagonal = torch.diagonal(chol, dim1=-2, dim2=-1)
    assert torch.all(diagonal >= module.min_scale)
    # A valid Cholesky factor: the covariance it makes factors back to it.
    cov = chol @ chol.transpose(-1, -2)
    torch.testing.assert_close(torch.linalg.cholesky(cov), chol)


def test_seed_makes_the_initial_spread_reproducible():
    with torch.random.fork_rng():
        torch.manual_seed(0)
        a = MDNModule(3, 2, 5, "full", (16,), "tanh", seed=3)
        torch.manual_seed(1)
        b = MDNModule(3, 2, 5, "full", (16,), "tanh", seed=3)
        c = MDNModule(3, 2, 5, "full", (16,), "tanh", seed=4)
    assert torch.equal(a.head.bias, b.head.bias)
    assert not torch.equal(a.head.bias, c.head.bias)
    # The rest of the initialisation follows torch's global generator.
    assert not torch.equal(a.head.weight, b.head.weight)


def test_weighted_loss_equals_the_loss_on_repeated_rows():
    rng = np.random.default_rng(0)
    n, k, d = 40, 3, 2
    logits = torch.as_tensor(rng.normal(size=(n, k)))
    means = torch.as_tensor(rng.normal(size=(n, k, d)))
    scales = torch.as_tensor(rng.uniform(0.5, 2, size=(n, k, d)))
    y = torch.as_tensor(rng.normal(size=(n, d)))
    counts = rng.integers(0, 4, size=n)
    weight = torch.as_tensor(counts / counts.mean())
    repeat = torch.as_tensor(np.repeat(np.arange(n), counts))
    loss = MixtureNLLLoss()
    weighted = loss((logits, means, scales), (y, weight))
    repeated = loss((logits[repeat], means[repeat], scales[repeat]), y[repeat])
    assert weighted.item() == pytest.approx(repeated.item(), rel=1e-12)


def test_weighted_loss_is_the_mean_of_the_weighted_row_nlls():
    rng = np.random.default_rng(1)
    n, k, d = 30, 4, 3
    logits = torch.as_tensor(rng.normal(size=(n, k)))
    means = torch.as_tensor(rng.normal(size=(n, k, d)))
    a = rng.normal(size=(n, k, d, d))
    scales = torch.linalg.cholesky(torch.as_tensor(a @ np.swapaxes(a, -1, -2) + np.eye(d)))
    y = torch.as_tensor(rng.normal(size=(n, d)))
    weight = torch.as_tensor(rng.uniform(0, 3, size=n))
    weight = weight / weight.mean()  # as the estimator rescales them
    nll = -_mixture.log_prob(logits, means, scales, y)
    loss = MixtureNLLLoss()
    weighted = loss((logits, means, scales), (y, weight)).item()
    assert weighted == pytest.approx((weight * nll).mean().item(), rel=1e-12)
    assert weighted == pytest.approx(np.average(nll.numpy(), weights=weight.numpy()), rel=1e-12)
    assert loss((logits, means, scales), y).item() == pytest.approx(nll.mean().item(), rel=1e-12)
