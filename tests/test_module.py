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


# ------------------------------------------------------------ ensembles (TabM)
def test_one_member_is_the_plain_module():
    with torch.random.fork_rng():
        torch.manual_seed(0)
        plain = MDNModule(3, 2, 4, "full", (16, 8), "tanh", seed=1)
        torch.manual_seed(0)
        one = MDNModule(3, 2, 4, "full", (16, 8), "tanh", seed=1, n_members=1)
    assert list(one.state_dict()) == [
        "trunk.0.weight", "trunk.0.bias", "trunk.2.weight", "trunk.2.bias",
        "head.weight", "head.bias",
    ]
    assert type(one.head) is torch.nn.Linear
    for a, b in zip(plain.state_dict().values(), one.state_dict().values()):
        assert torch.equal(a, b)
    X = torch.randn(5, 3)
    for a, b in zip(plain(X), one(X)):
        assert torch.equal(a, b)


def test_importing_skmdn_does_not_import_tabm():
    import subprocess
    import sys

    code = "import sys, skmdn; assert 'tabm' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def _ensemble(covariance_type="full", d=2, k=3, n_components=4, hidden=(16, 8), seed=0):
    with torch.random.fork_rng():
        torch.manual_seed(0)
        return MDNModule(5, d, n_components, covariance_type, hidden, "relu", seed=seed,
                         n_members=k).double()


@pytest.mark.parametrize("covariance_type", ["full", "diag", "spherical"])
@pytest.mark.parametrize("d", [1, 2])
def test_ensemble_pools_the_members_into_one_mixture(covariance_type, d):
    module = _ensemble(covariance_type, d)
    logits, means, scales = module(torch.randn(7, 5, dtype=torch.float64))
    assert logits.shape == (7, 12)
    assert means.shape == (7, 12, d)
    full = covariance_type == "full" and d > 1
    assert scales.shape == ((7, 12, d, d) if full else (7, 12, d))
    weights = logits.exp()
    torch.testing.assert_close(weights.sum(-1), torch.ones(7, dtype=torch.float64))
    torch.testing.assert_close(weights.reshape(7, 3, 4).sum(-1),
                               torch.full((7, 3), 1 / 3, dtype=torch.float64))


def test_ensemble_layers_follow_tabm():
    import tabm

    module = _ensemble()
    view, first, _, second, _ = module.trunk
    assert isinstance(view, tabm.EnsembleView) and view.k == 3
    assert isinstance(first, tabm.LinearBatchEnsemble)
    assert isinstance(second, tabm.LinearBatchEnsemble)
    assert isinstance(module.head, tabm.LinearEnsemble) and module.head.k == 3
    # TabM's initialisation: random signs on the first input scaling, ones elsewhere.
    assert torch.all(first.r.abs() == 1) and not torch.all(first.r == 1)
    for scaling in (first.s, second.r, second.s):
        assert torch.all(scaling == 1)
    # No hidden layer: the members differ by their heads only.
    linear = _ensemble(hidden=())
    assert len(linear.trunk) == 1
    assert linear(torch.randn(4, 5, dtype=torch.float64))[0].shape == (4, 12)


def test_every_member_head_starts_like_a_lone_head():
    module = _ensemble(d=2, seed=3)
    weight, bias = module.head.weight.transpose(1, 2), module.head.bias  # (k, out, in)
    n_logits, n_means, _ = module._splits
    raw_one = np.log(np.expm1(1.0 - module.min_scale))
    on_diag = (module._tril_rows == module._tril_cols).repeat(4)
    spreads = []
    for w, b in zip(weight, bias):
        assert torch.all(b[:n_logits] == 0)
        scale_bias = b[n_logits + n_means:]
        assert torch.allclose(scale_bias[on_diag], torch.tensor(raw_one, dtype=b.dtype))
        assert torch.all(scale_bias[~on_diag] == 0)
        assert torch.all(w[n_logits + n_means:][~on_diag] == 0)  # no correlation at first
        spreads.append(b[n_logits:n_logits + n_means])
    assert not torch.equal(spreads[0], spreads[1])
    # The first member draws the spread of a lone module with the same seed.
    lone = MDNModule(5, 2, 4, "full", (16, 8), "relu", seed=3)
    torch.testing.assert_close(spreads[0].float(), lone.head.bias[n_logits:n_logits + n_means])
    torch.testing.assert_close(_ensemble(d=2, seed=3).head.bias, module.head.bias)


def _member_log_probs(module, X, y):
    """Each member's own log-density of y, from its head outputs directly: (n, k)."""
    k, K, d = module.n_members, module.n_components, module.n_targets
    logits, means, scales = module(X)
    out = module.head(module.trunk(X))  # (n, k, out)
    member_logits = out[..., :K]
    torch.testing.assert_close(  # the pooled block is the member's up to a constant
        torch.log_softmax(member_logits, -1), logits.reshape(-1, k, K) + np.log(k))
    n = len(X)
    shape = scales.shape[2:]
    return _mixture.log_prob(member_logits, means.reshape(n, k, K, d),
                             scales.reshape(n, k, K, *shape), y.unsqueeze(1))


@pytest.mark.parametrize("covariance_type", ["full", "diag"])
def test_pooled_density_is_the_mean_of_the_member_densities(covariance_type):
    module = _ensemble(covariance_type)
    X, y = torch.randn(9, 5, dtype=torch.float64), torch.randn(9, 2, dtype=torch.float64)
    members = _member_log_probs(module, X, y)
    pooled = _mixture.log_prob(*module(X), y)
    torch.testing.assert_close(pooled, torch.logsumexp(members, -1) - np.log(3))


def test_ensemble_trains_on_the_member_nlls_and_validates_on_the_pooled_one():
    from skmdn._training import GuardedNet

    module = _ensemble()
    X, y = torch.randn(9, 5, dtype=torch.float64), torch.randn(9, 2, dtype=torch.float64)
    weight = torch.rand(9, dtype=torch.float64) * 2
    y_pred = module(X)
    member_nll = -(_member_log_probs(module, X, y).mean(-1) * weight).mean()
    pooled_nll = -(_mixture.log_prob(*y_pred, y) * weight).mean()
    assert member_nll > pooled_nll  # Jensen: the pooled mixture fits better
    loss = MixtureNLLLoss(n_members=3)
    torch.testing.assert_close(loss(y_pred, (y, weight), pooled=False), member_nll)
    torch.testing.assert_close(loss(y_pred, (y, weight), pooled=True), pooled_nll)
    torch.testing.assert_close(loss.train()(y_pred, (y, weight)), member_nll)
    torch.testing.assert_close(loss.eval()(y_pred, (y, weight)), pooled_nll)
    # skmdn's net tells the criterion which of the two it wants.
    net = GuardedNet(MDNModule, module__n_features=5, module__n_targets=2,
                     module__n_components=4, module__covariance_type="full",
                     module__hidden_layer_sizes=(16, 8), module__activation="relu",
                     module__n_members=3, criterion=MixtureNLLLoss,
                     criterion__n_members=3).initialize()
    torch.testing.assert_close(net.get_loss(y_pred, (y, weight), training=True), member_nll)
    torch.testing.assert_close(net.get_loss(y_pred, (y, weight), training=False), pooled_nll)
    # member_loss=False trains the pooled mixture on its own NLL.
    pooled_loss = MixtureNLLLoss(n_members=3, member_loss=False)
    torch.testing.assert_close(pooled_loss(y_pred, (y, weight), pooled=False), pooled_nll)
    # One member: the two losses are the same.
    lone = MDNModule(5, 2, 4, "full", (16,), "relu").double()
    torch.testing.assert_close(MixtureNLLLoss()(lone(X), y, pooled=False),
                               MixtureNLLLoss()(lone(X), y, pooled=True))


@pytest.mark.parametrize("covariance_type", ["full", "diag"])
def test_members_on_rows_of_their_own_are_each_scored_on_their_own_rows(covariance_type):
    module = _ensemble(covariance_type)
    gen = torch.Generator().manual_seed(0)
    X = torch.randn(9, 3, 5, dtype=torch.float64, generator=gen)  # (n, k, p): rows per member
    y = torch.randn(9, 3, 2, dtype=torch.float64, generator=gen)
    weight = torch.rand(9, 3, dtype=torch.float64, generator=gen)
    # Member j's NLL on its rows X[:, j], y[:, j], from a forward pass of those rows alone.
    expected = torch.stack([
        -_member_log_probs(module, X[:, j], y[:, j])[:, j] for j in range(3)
    ], dim=1)
    loss = MixtureNLLLoss(n_members=3)
    torch.testing.assert_close(loss(module(X), (y, weight), pooled=False),
                               (expected * weight).mean())
    torch.testing.assert_close(loss(module(X), y[:, :1].expand(9, 3, 2).contiguous()),
                               -_member_log_probs(module, X, y[:, 0]).mean())


def test_periodic_input_embedding_feeds_the_trunk_for_one_network_and_an_ensemble():
    X = torch.randn(6, 5)
    lone = MDNModule(5, 2, 4, "full", (16,), "relu", input_embedding="periodic")
    assert lone.trunk[0].in_features == 5 * 16
    logits, means, scales = lone(X)
    assert logits.shape == (6, 4) and means.shape == (6, 4, 2) and scales.shape == (6, 4, 2, 2)
    ensemble = MDNModule(5, 2, 4, "diag", (16,), "relu", n_members=3,
                         input_embedding="periodic")
    assert ensemble(X)[1].shape == (6, 12, 2)
    own_rows = torch.randn(6, 3, 5)  # members on rows of their own
    assert ensemble(own_rows)[1].shape == (6, 12, 2)
    assert MDNModule(5, 2, 4, "diag", (16,), "relu").embed is None
    with pytest.raises(ValueError, match="input_embedding must be None or 'periodic'"):
        MDNModule(5, 2, 4, "diag", (16,), "relu", input_embedding="fourier")
