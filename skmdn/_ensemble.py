"""The ensemble of ``MDNModule(n_members=k)`` for k > 1, after TabM.

TabM (Gorishniy et al., "TabM: Advancing Tabular Deep Learning with
Parameter-Efficient Ensembling", ICLR 2025) trains k networks at once that
share the weights of every hidden layer (BatchEnsemble layers: one weight
matrix, per-member scalings R and S and biases) and each have their own output
layer. Here the k members each emit a mixture of K Gaussians; the model's
prediction is their equal-weight average, a single mixture of k * K
components. The layers come from the ``tabm`` package, imported only when an
ensemble is built.

During training each member is fitted on its own (the loss is the mean of the
members' NLLs, TabM's way); see :class:`~skmdn._module.MixtureNLLLoss`.
"""

import math

import torch
from torch import nn

from . import _mixture


def ensemble_layers(trunk, head, n_members):
    """The ensemble versions of an MLP ``trunk`` and a linear ``head``.

    Parameters
    ----------
    trunk : nn.Sequential
        Linear layers and activations.
    head : nn.Linear
    n_members : int
        The ensemble size k.

    Returns
    -------
    trunk : nn.Sequential
        ``EnsembleView(k)`` followed by the layers of ``trunk``, whose linear
        layers are now ``LinearBatchEnsemble`` with TabM's initialisation: the
        first layer's input scaling R takes random signs, every other scaling
        starts at one. It maps (n, p) to (n, k, width).
    head : tabm.LinearEnsemble
        k independent linear heads, (n, k, width) to (n, k, out).
    """
    import tabm

    linears = [layer for layer in trunk if isinstance(layer, nn.Linear)]
    trunk = nn.Sequential(tabm.EnsembleView(k=n_members), *trunk)
    if linears:
        tabm.batchensemble_linear_layers_(
            trunk, include=linears[:1], k=n_members, scaling_init=("random-signs", "ones"))
    if len(linears) > 1:
        tabm.batchensemble_linear_layers_(
            trunk, include=linears[1:], k=n_members, scaling_init="ones")
    return trunk, tabm.LinearEnsemble.from_linear(head, k=n_members)


def member_heads(head):
    """Per-member ``(weight, bias)`` views of a head, ``weight`` laid out as ``nn.Linear``'s.

    One pair for an ``nn.Linear``; k pairs for a ``tabm.LinearEnsemble``,
    whose weight is stored as (k, in, out). Writing to the views initialises
    the head.
    """
    if isinstance(head, nn.Linear):
        return [(head.weight, head.bias)]
    return list(zip(head.weight.transpose(1, 2), head.bias))


def pool(logits, mu, raw, n_members):
    """The members' raw head outputs as those of one mixture of k * K components.

    ``logits`` (n, k, K) become normalised log weights ``log_softmax - log k``,
    so that every member holds 1/k of the pooled mixture; ``mu`` and ``raw``
    (n, k, m) are flattened member after member, so that pooled component
    ``i * K + j`` is component j of member i.
    """
    n = logits.shape[0]
    log_w = torch.log_softmax(logits, dim=-1) - math.log(n_members)
    return log_w.reshape(n, -1), mu.reshape(n, -1), raw.reshape(n, -1)


def member_log_prob(logits, means, scales, y, n_members):
    """Log-density of the targets under each member's own mixture.

    Parameters
    ----------
    logits : Tensor of shape (n, k * K)
        Pooled logits; a member's block determines its weights (up to a
        constant, which the softmax within the block removes).
    means : Tensor of shape (n, k * K, d)
    scales : Tensor of shape (n, k * K, d) or (n, k * K, d, d)
    y : Tensor of shape (n, d) or (n, k, d)
        One target per row for every member, or (members on rows of their
        own) one per row and member.
    n_members : int

    Returns
    -------
    Tensor of shape (n, k)
    """
    n = logits.shape[0]
    by_member = (n, n_members, -1)
    means = means.reshape(*by_member, *means.shape[2:])
    scales = scales.reshape(*by_member, *scales.shape[2:])
    y = y.unsqueeze(1) if y.dim() == 2 else y
    log_p = _mixture.component_log_prob(means, scales, y)  # (n, k, K)
    log_w = torch.log_softmax(logits.reshape(by_member), dim=-1)
    return torch.logsumexp(log_w + log_p, dim=-1)
