"""The mixture density network as a ``torch.nn.Module``, and its loss.

The module maps standardized inputs to the parameters of a Gaussian mixture
over standardized targets, in the layout of :mod:`skmdn._mixture`. It returns
a tuple of plain tensors, which skorch can concatenate across batches.
"""

import math

import torch
from torch import nn
from torch.nn import functional as F

from . import _ensemble, _mixture

ACTIVATIONS = {
    "relu": nn.ReLU,
    "tanh": nn.Tanh,
    "logistic": nn.Sigmoid,
    "identity": nn.Identity,
}

COVARIANCE_TYPES = ("full", "diag", "spherical")


def n_scale_params(n_components, n_targets, covariance_type):
    """Number of raw scale outputs the head emits for a covariance type."""
    per_component = {
        "spherical": 1,
        "diag": n_targets,
        "full": n_targets * (n_targets + 1) // 2,
    }[covariance_type]
    return n_components * per_component


def input_embedding_layer(kind, n_features):
    """An embedding of each standardized feature, from ``rtdl_num_embeddings``.

    ``"periodic"``: ``PeriodicEmbeddings`` (Gorishniy et al. 2022, "On
    Embeddings for Numerical Features in Tabular Deep Learning"), 16
    dimensions per feature, frequencies initialised at scale 0.1. Maps
    (n, p) to (n, p, 16).
    """
    import rtdl_num_embeddings

    if kind != "periodic":
        raise ValueError(f"input_embedding must be None or 'periodic', got {kind!r}")
    return rtdl_num_embeddings.PeriodicEmbeddings(
        n_features, 16, frequency_init_scale=0.1, lite=False)


class MDNModule(nn.Module):
    """An MLP trunk with one linear head emitting a Gaussian mixture.

    Parameters
    ----------
    n_features : int
        Width of the input.
    n_targets : int
        Dimension d of the target.
    n_components : int
        Number of mixture components K.
    covariance_type : {"full", "diag", "spherical"}
        Form of each component covariance.
    hidden_layer_sizes : tuple of int
        Widths of the hidden layers; empty for a linear model of the parameters.
    activation : {"relu", "tanh", "logistic", "identity"}
        Nonlinearity after each hidden layer.
    min_scale : float
        Floor added to every standard deviation (or Cholesky diagonal), in
        standardized target units. Keeps the likelihood bounded.
    seed : int, optional
        Seed of the random spread of the initial component means (d > 1).
        A seed rather than a ``torch.Generator``: the module's constructor
        arguments stay in a fitted model, and a generator does not survive
        pickling on a machine with CUDA.
    n_members : int, default=1
        Ensemble size k. With k > 1 the trunk is a TabM-style ensemble of k
        MLPs sharing their weights (see :mod:`skmdn._ensemble`) with one head
        per member, and the outputs are the members' mixtures pooled into one
        of k * K components, each member weighing 1/k.
    input_embedding : {None, "periodic"}, default=None
        Embed every feature before the trunk (see :func:`input_embedding_layer`);
        the estimator's ``input_embedding``.

    Notes
    -----
    ``forward(X)`` with ``X`` of shape (n, n_features) returns
    ``(logits, means, scales)`` of shapes (n, K), (n, K, d) and either
    (n, K, d) (standard deviations; spherical ones are expanded) or
    (n, K, d, d) (lower Cholesky factors, for "full"); with ``n_members=k``,
    K is replaced by k * K (member i's components at ``i * K`` to
    ``i * K + K - 1``) and the logits are normalised log weights.

    The "full" Cholesky factor is built as ``L = M diag(s)`` with ``M`` unit
    lower-triangular (its raw off-diagonal entries are free outputs) and ``s``
    positive, i.e. the covariance ``M diag(s)^2 M^T``. The off-diagonal
    outputs are then dimensionless regression coefficients between target
    dimensions. Emitting the entries of ``L`` directly makes them carry the
    scale of ``s``: when a component sharpens (``s`` near ``min_scale``) the
    off-diagonals must be hit to that precision.

    The off-diagonal outputs are multiplied by ``correlation_gain`` (an
    attribute, 1 by default) and start at exactly zero. Training holds the
    gain at 0 for a few warm-up epochs (see ``DiagonalWarmup`` in
    :mod:`skmdn._training`), so that the components first separate as
    diagonal Gaussians. Free correlations from the start let one component
    stretch into a thin ellipse through several branches of a multi-valued
    target (both elbow solutions of the robot arm, for instance): a local
    optimum that takes all the weight, with a far worse likelihood and samples
    strewn between the branches.

    The head is initialised so that training starts from a sensible mixture:
    equal weights, unit standard deviations, no correlation, and component
    means spread over the standardized target (normal quantiles for d = 1,
    a seeded standard-normal draw otherwise, one per member) with the input
    dependence of the mean outputs scaled down. Without the spread, all
    components start at nearly the same place and tend to stay together.
    """

    def __init__(
        self,
        n_features,
        n_targets,
        n_components,
        covariance_type,
        hidden_layer_sizes,
        activation,
        min_scale=1e-3,
        seed=None,
        n_members=1,
        input_embedding=None,
    ):
        super().__init__()
        if n_targets == 1:
            # For one target the three covariance types are the same model;
            # the diagonal form is the cheapest to evaluate.
            covariance_type = "diag"
        self.n_targets = n_targets
        self.n_components = n_components
        self.covariance_type = covariance_type
        self.min_scale = min_scale
        self.n_members = n_members
        self.correlation_gain = 1.0
        layers = []
        width = n_features
        self.embed = None
        if input_embedding is not None:
            self.embed = input_embedding_layer(input_embedding, n_features)
            width = n_features * self.embed.get_output_shape()[-1]
        for size in hidden_layer_sizes:
            layers += [nn.Linear(width, size), ACTIVATIONS[activation]()]
            width = size
        self.trunk = nn.Sequential(*layers)
        self._splits = [
            n_components,
            n_components * n_targets,
            n_scale_params(n_components, n_targets, covariance_type),
        ]
        self.head = nn.Linear(width, sum(self._splits))
        if n_members > 1:
            self.trunk, self.head = _ensemble.ensemble_layers(self.trunk, self.head, n_members)
        if covariance_type == "full":
            rows, cols = torch.tril_indices(n_targets, n_targets)
            self.register_buffer("_tril_rows", rows, persistent=False)
            self.register_buffer("_tril_cols", cols, persistent=False)
        generator = None if seed is None else torch.Generator().manual_seed(int(seed))
        self._init_head(generator)

    @torch.no_grad()
    def _init_head(self, generator):
        k, d = self.n_components, self.n_targets
        n_logits, n_means, n_scales = self._splits
        # One (weight, bias) pair per member, each initialised as a lone head.
        for weight, bias in _ensemble.member_heads(self.head):
            bias.zero_()
            if d == 1:
                grid = (torch.arange(k, dtype=torch.float64) + 0.5) / k
                spread = torch.special.ndtri(grid).reshape(k, 1)
            else:
                spread = torch.randn(k, d, generator=generator, dtype=torch.float64)
            if k == 1:
                spread.zero_()
            bias[n_logits : n_logits + n_means] = spread.reshape(-1).to(bias.dtype)
            # softplus(raw) + min_scale == 1 on the scale outputs at zero input.
            raw_one = math.log(math.expm1(1.0 - self.min_scale))
            scale_bias = bias[n_logits + n_means :].view(k, -1)
            if self.covariance_type == "full":
                on_diag = (self._tril_rows == self._tril_cols)
                scale_bias[:, on_diag] = raw_one
                rows = torch.arange(n_scales).view(k, -1)[:, ~on_diag].reshape(-1)
                weight[n_logits + n_means + rows] = 0.0
            else:
                scale_bias.fill_(raw_one)
            weight[n_logits : n_logits + n_means] *= 0.1

    def _positive(self, raw):
        return F.softplus(raw) + self.min_scale

    #: The default, for a module pickled before the parameter existed.
    n_members = 1

    def forward(self, X):
        k, d = self.n_components, self.n_targets
        if getattr(self, "embed", None) is not None:  # (..., p) -> (..., p * d_embedding)
            X = self.embed(X.reshape(-1, X.shape[-1])).reshape(*X.shape[:-1], -1)
        out = self.head(self.trunk(X))
        logits, mu, raw = out.split(self._splits, dim=-1)
        n = out.shape[0]
        if self.n_members > 1:  # (n, members, ...) -> one mixture of members * K
            logits, mu, raw = _ensemble.pool(logits, mu, raw, self.n_members)
            k = k * self.n_members
        means = mu.reshape(n, k, d)
        if self.covariance_type == "spherical":
            scales = self._positive(raw).unsqueeze(-1).expand(n, k, d)
        elif self.covariance_type == "diag":
            scales = self._positive(raw.reshape(n, k, d))
        else:
            raw = raw.reshape(n, k, -1)
            on_diag = self._tril_rows == self._tril_cols
            unit = torch.where(on_diag, torch.ones_like(raw), raw * self.correlation_gain)
            factor = raw.new_zeros(n, k, d, d)
            factor[..., self._tril_rows, self._tril_cols] = unit
            sd = self._positive(raw[..., on_diag])  # (n, k, d)
            scales = factor * sd.unsqueeze(-2)  # column j scaled by s_j
        return logits, means, scales


class MixtureNLLLoss(nn.Module):
    """Mean negative log-likelihood of a batch under its predicted mixtures.

    ``forward(y_pred, y_true, pooled=None)`` takes the module's output tuple
    and either a target tensor of shape (n, d) or a pair
    ``(y, sample_weight)``; with weights, each row's NLL is multiplied by its
    weight before the mean. An ensemble whose members trained on rows of
    their own gets targets of shape (n, k, d) and weights of shape (n, k):
    each member is scored on its own rows.

    Parameters
    ----------
    n_members : int, default=1
        The ensemble size of the module's outputs (k blocks of K components).
    member_loss : bool, default=True
        With ``n_members > 1``: train each member on its own NLL (the loss is
        the mean over members, as TabM trains), rather than the pooled
        mixture on its NLL. Where ``pooled`` is true the loss is always the
        pooled NLL, the density the model predicts.

    ``pooled`` (None: when the criterion is in eval mode) chooses the pooled
    NLL over the members' mean; skmdn's net passes ``pooled=not training``.
    """

    n_members, member_loss = 1, True  # the defaults, for a pickle that lacks them

    def __init__(self, n_members=1, member_loss=True):
        super().__init__()
        self.n_members = n_members
        self.member_loss = member_loss

    def forward(self, y_pred, y_true, pooled=None):
        logits, means, scales = y_pred
        weight = None
        if isinstance(y_true, (tuple, list)):
            y_true, weight = y_true
        if pooled is None:
            pooled = not self.training
        if y_true.dim() == 3 or (self.n_members > 1 and self.member_loss and not pooled):
            # (n, k): each member's NLL, on its own rows where y is (n, k, d)
            nll = -_ensemble.member_log_prob(logits, means, scales, y_true, self.n_members)
            if y_true.dim() == 2:
                nll = nll.mean(-1)
        else:
            nll = -_mixture.log_prob(logits, means, scales, y_true)
        if weight is not None:
            nll = nll * weight
        return nll.mean()
