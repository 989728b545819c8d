"""The fast paths: batched inference gives the same answers, and training reads nothing back per batch.

(The fast 1-D mode search is checked against a grid in ``test_mixture.py``.)
"""

import numpy as np
import pytest
import torch
from torch.utils._python_dispatch import TorchDispatchMode

from skmdn import MDNRegressor, _inference
from skmdn._data import BatchIterator, TensorBatches
from skmdn._module import MDNModule, MixtureNLLLoss
from skmdn.datasets import make_inverted_sinusoid


@pytest.fixture(scope="module")
def fitted():
    X, y = make_inverted_sinusoid(300, random_state=0)
    return MDNRegressor(3, hidden_layer_sizes=(16,), max_iter=20, random_state=0).fit(X, y), X, y


def test_inference_results_do_not_depend_on_the_batch_size(fitted, monkeypatch):
    model, X, y = fitted
    whole = (model.predict(X), model.score_samples(X, y),
             model.set_params(point_estimate="mode").predict(X))
    model.set_params(point_estimate="mean")
    monkeypatch.setattr(_inference, "INFERENCE_BATCH_SIZE", 64)
    monkeypatch.setattr(_inference, "FORWARD_CHUNK_SIZE", 16)
    assert max(len(d) for _, d in _inference.iter_dists(model, X)) == 64
    batched = (model.predict(X), model.score_samples(X, y),
               model.set_params(point_estimate="mode").predict(X))
    model.set_params(point_estimate="mean")
    for a, b in zip(whole, batched):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-10)


class _OpLog(TorchDispatchMode):
    """Record every aten operator called, and the devices of its outputs."""

    def __init__(self):
        super().__init__()
        self.ops = []

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        self.ops.append(str(func))
        return out


def test_training_batches_make_no_host_round_trip():
    # One epoch of the data path, forward, loss, backward and optimizer step
    # reads no tensor back to the host (no .item(), no bool(tensor), no
    # nonzero): on a GPU it would run without a synchronisation per batch.
    gen = torch.Generator().manual_seed(0)
    data = TensorBatches(torch.randn(100, 2, generator=gen), torch.randn(100, 1, generator=gen),
                         torch.rand(100, generator=gen))
    module = MDNModule(2, 1, 3, "diag", (8,), "tanh")
    opt = torch.optim.Adam(module.parameters(), fused=True)
    criterion = MixtureNLLLoss()
    with _OpLog() as log:
        for xb, yb in BatchIterator(data, batch_size=32, shuffle=True, seed=0):
            opt.zero_grad()
            criterion(module(xb), yb).backward()
            opt.step()
    assert log.ops, "the dispatch mode saw nothing"
    assert _host_reads(log.ops) == []


def _host_reads(ops):
    return [op for op in ops if "_local_scalar_dense" in op or "nonzero" in op]


@pytest.mark.parametrize("early_stopping", [False, True])
def test_fit_reads_nothing_back_per_batch(early_stopping):
    # The whole of fit, skorch's loop and every callback included (validation,
    # weight averaging, early stopping, the schedule, the divergence guard):
    # the scalars it reads back to the host must not grow with the number of
    # batches. skorch's own loop reads every batch loss with .item().
    X, y = make_inverted_sinusoid(200, random_state=0)
    counts, histories = {}, {}
    for batch_size in (10, 60):
        model = MDNRegressor(3, hidden_layer_sizes=(8,), batch_size=batch_size, max_iter=3,
                             early_stopping=early_stopping, n_iter_no_change=100,
                             random_state=0)
        with _OpLog() as log:
            model.fit(X, y)
        counts[batch_size] = len(_host_reads(log.ops))
        histories[batch_size] = model.net_.history
    assert counts[10] == counts[60]
    # The history still holds every batch's loss as a float, as skorch's does.
    n_train = 180 if early_stopping else 200  # validation_fraction=0.1
    for batch_size, history in histories.items():
        for epoch in history:
            losses = [b["train_loss"] for b in epoch["batches"] if "train_loss" in b]
            assert len(losses) == epoch["train_batch_count"] == -(-n_train // batch_size)
            assert all(type(v) is float for v in losses)
            sizes = [b["train_batch_size"] for b in epoch["batches"] if "train_batch_size" in b]
            np.testing.assert_allclose(epoch["train_loss"], np.average(losses, weights=sizes),
                                       rtol=1e-6)
