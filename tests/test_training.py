"""skmdn._training, through the estimator and on its own: Ctrl-C, early stopping,
continued training (warm_start, partial_fit), learning-rate schedules, training
noise, the batch history, callback hooks and weight averaging.

Divergence (DivergenceGuard) is tested with the other numerical trouble in
test_stress.py.
"""

import warnings
from unittest import mock

import numpy as np
import pytest
import torch

from skmdn import MDNRegressor
from skmdn._module import MixtureNLLLoss
from skmdn.datasets import make_inverted_sinusoid

# Full-batch float64 training is a deterministic function of the data, so
# continued and uninterrupted training can be compared exactly. Below 100 rows
# "auto" noise is on in fit but not in partial_fit's plain pass: FAST turns it
# off, so that the two can be compared.
N = 90
FAST = dict(n_components=3, hidden_layer_sizes=(32,), random_state=0, early_stopping=False,
            batch_size=N, input_noise=0.0, target_noise=0.0, train_dtype="float64")


@pytest.fixture(scope="module")
def data():
    return make_inverted_sinusoid(N, random_state=0)


def interrupt_at_loss_call(n):
    """Patch the loss so that its n-th evaluation raises KeyboardInterrupt (a Ctrl-C)."""
    real = MixtureNLLLoss.forward
    calls = []

    def forward(self, y_pred, y_true):
        calls.append(1)
        if len(calls) == n:
            raise KeyboardInterrupt
        return real(self, y_pred, y_true)

    return mock.patch.object(MixtureNLLLoss, "forward", forward)


# ---------------------------------------------------------------- Ctrl-C
@pytest.mark.parametrize("batch_size, call, finished", [
    (N, 7, 6),         # full batch: the 7th loss is epoch 7
    (30, 11, 3),       # 3 batches per epoch: the 11th loss is epoch 4, batch 2
    (30, 1, 0),        # before any epoch finished
])
def test_keyboard_interrupt_keeps_the_last_finished_epoch(data, batch_size, call, finished):
    X, y = data
    params = {**FAST, "batch_size": batch_size, "n_iter_no_change": 1000}
    with interrupt_at_loss_call(call):
        with pytest.warns(UserWarning, match=f"interrupted.*end of epoch {finished}"):
            mdn = MDNRegressor(max_iter=20, **params).fit(X, y)
    assert mdn.n_iter_ == len(mdn.loss_curve_) == finished
    assert np.all(np.isfinite(mdn.predict(X)))
    if finished:
        ref = MDNRegressor(max_iter=finished, **params).fit(X, y)
        np.testing.assert_array_equal(mdn.predict(X), ref.predict(X))
        np.testing.assert_array_equal(mdn.loss_curve_, ref.loss_curve_)
    # Training can go on from there.
    mdn.set_params(warm_start=True, max_iter=3).fit(X, y)
    assert mdn.n_iter_ == finished + 3


def test_interrupt_during_partial_fit_warns_and_keeps_the_model(data):
    X, y = data
    mdn = MDNRegressor(**FAST).partial_fit(X, y)
    before = mdn.predict(X)
    with interrupt_at_loss_call(1), pytest.warns(UserWarning, match="interrupted"):
        mdn.partial_fit(X, y)
    assert mdn.n_iter_ == 1
    np.testing.assert_array_equal(mdn.predict(X), before)


# ---------------------------------------------------------- early stopping
def test_early_stopping_ends_training_without_an_interrupt_warning(data):
    X, y = data
    # A tolerance no epoch can meet: the stopping rule fires after 2 epochs
    # (skorch stops training by raising KeyboardInterrupt from the callback).
    mdn = MDNRegressor(max_iter=50, n_iter_no_change=2, tol=1e3, **FAST)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        mdn.fit(X, y)
    assert mdn.n_iter_ < 50


@pytest.mark.parametrize("n", [1, 2, 3, 5])
def test_early_stopping_copes_with_tiny_data(n):
    X, y = make_inverted_sinusoid(n, random_state=0)
    if n == 1:
        # One row is a constant target: a clear error (see docs/guide/robustness.rst).
        with pytest.raises(ValueError, match="1 sample"):
            MDNRegressor(n_components=2, max_iter=5, early_stopping=True).fit(X, y)
        return
    for early_stopping in (True, "auto"):
        mdn = MDNRegressor(n_components=2, max_iter=5, early_stopping=early_stopping,
                           random_state=0).fit(X, y)
        assert np.all(np.isfinite(mdn.score_samples(X, y)))
    auto = MDNRegressor(n_components=2, max_iter=5, random_state=0).fit(X, y)
    assert auto.net_.train_split is None


def test_early_stopping_auto_uses_validation_on_enough_data():
    X, y = make_inverted_sinusoid(300, random_state=0)
    mdn = MDNRegressor(n_components=2, max_iter=3, random_state=0).fit(X, y)
    assert mdn.net_.train_split is not None
    assert "valid_loss" in mdn.net_.history[-1]
    off = MDNRegressor(n_components=2, max_iter=3, early_stopping=False,
                       random_state=0).fit(X, y)
    assert off.net_.train_split is None


def test_partial_fit_refuses_early_stopping(data):
    X, y = data
    with pytest.raises(ValueError, match="partial_fit does not support early_stopping"):
        MDNRegressor(early_stopping=True).partial_fit(X, y)


# ------------------------------------------------------------- warm start
@pytest.mark.parametrize("noise", [0.0, 0.3])
def test_warm_start_continues_exactly_where_fit_stopped(data, noise):
    X, y = data
    params = {**FAST, "n_iter_no_change": 1000, "input_noise": noise, "target_noise": noise}
    warm = MDNRegressor(max_iter=10, warm_start=True, **params)
    warm.fit(X, y)
    first = warm.predict(X)
    warm.fit(X, y)  # with noise: epochs 11 to 20 draw the noise of epochs 11 to 20
    cold = MDNRegressor(max_iter=20, **params).fit(X, y)
    assert warm.n_iter_ == len(warm.loss_curve_) == 20
    # Weights and Adam's moments are carried over: two fits of 10 epochs are
    # one fit of 20, up to rounding.
    np.testing.assert_allclose(warm.loss_curve_, cold.loss_curve_, rtol=1e-10)
    np.testing.assert_allclose(warm.predict(X), cold.predict(X), rtol=1e-10, atol=1e-10)
    assert not np.allclose(first, cold.predict(X))


def test_warm_start_uses_the_current_max_iter_and_keeps_the_scaling(data):
    X, y = data
    mdn = MDNRegressor(max_iter=5, warm_start=True, n_iter_no_change=1000, **FAST).fit(X, y)
    y_mean = mdn.y_mean_.copy()
    mdn.set_params(max_iter=3).fit(X[:60], y[:60] + 100.0)
    assert mdn.n_iter_ == 8
    np.testing.assert_array_equal(mdn.y_mean_, y_mean)


def test_without_warm_start_fit_starts_over(data):
    X, y = data
    mdn = MDNRegressor(max_iter=5, **FAST).fit(X, y)
    mdn.fit(X, y)
    assert mdn.n_iter_ == 5


@pytest.mark.parametrize("change, match", [
    ({"n_components": 4}, "n_components 3 -> 4"),
    ({"hidden_layer_sizes": (16,)}, r"hidden_layer_sizes \(32,\) -> \(16,\)"),
    ({"activation": "relu"}, "activation 'tanh' -> 'relu'"),
])
def test_warm_start_with_another_architecture_is_a_clear_error(data, change, match):
    X, y = data
    mdn = MDNRegressor(max_iter=2, warm_start=True, **FAST).fit(X, y)
    with pytest.raises(ValueError, match=f"architecture changed: {match}"):
        mdn.set_params(**change).fit(X, y)


def test_warm_start_refuses_other_targets(data):
    X, y = data
    mdn = MDNRegressor(max_iter=2, warm_start=True, **FAST).fit(X, y)
    with pytest.raises(ValueError, match="2 targets.*fitted with 1"):
        mdn.fit(X, np.c_[y, y])
    with pytest.raises(ValueError, match="features"):
        mdn.fit(np.c_[X, X], y)


# ------------------------------------------------------------ partial_fit
def test_partial_fit_runs_one_epoch_per_call(data):
    X, y = data
    mdn = MDNRegressor(**FAST)
    for i in range(5):
        mdn.partial_fit(X, y)
        assert mdn.n_iter_ == i + 1
    ref = MDNRegressor(max_iter=5, n_iter_no_change=1000, **FAST).fit(X, y)
    np.testing.assert_allclose(mdn.loss_curve_, ref.loss_curve_, rtol=1e-10)
    np.testing.assert_allclose(mdn.predict(X), ref.predict(X), rtol=1e-10, atol=1e-10)


def test_partial_fit_on_streamed_chunks_learns_and_keeps_the_first_scaling():
    X, y = make_inverted_sinusoid(4000, random_state=0)
    X_test, y_test = make_inverted_sinusoid(2000, random_state=1)
    chunks = np.array_split(np.arange(4000), 10)
    mdn = MDNRegressor(n_components=5, random_state=0)
    mdn.partial_fit(X[chunks[0]], y[chunks[0]])
    x_mean, y_scale = mdn.x_mean_.copy(), mdn.y_scale_.copy()
    np.testing.assert_allclose(x_mean, X[chunks[0]].mean(0))
    nll_one = -mdn.score_samples(X_test, y_test).mean()
    for _ in range(3):
        for rows in chunks:
            mdn.partial_fit(X[rows], y[rows])
    nll = -mdn.score_samples(X_test, y_test).mean()
    assert mdn.n_iter_ == 31
    np.testing.assert_array_equal(mdn.x_mean_, x_mean)
    np.testing.assert_array_equal(mdn.y_scale_, y_scale)
    assert nll < nll_one - 0.5, (nll_one, nll)


def test_partial_fit_after_fit_continues_the_fitted_network(data):
    X, y = data
    mdn = MDNRegressor(max_iter=10, n_iter_no_change=1000, **FAST).fit(X, y)
    mdn.partial_fit(X, y)
    ref = MDNRegressor(max_iter=11, n_iter_no_change=1000, **FAST).fit(X, y)
    assert mdn.n_iter_ == 11
    np.testing.assert_allclose(mdn.predict(X), ref.predict(X), rtol=1e-10, atol=1e-10)


# ---------------------------------------------- schedules and training noise
@pytest.mark.parametrize("schedule", ["plateau", "cosine", "constant"])
def test_learning_rate_schedules(schedule):
    X, y = make_inverted_sinusoid(300, random_state=0)
    mdn = MDNRegressor(n_components=2, max_iter=8, lr_schedule=schedule,
                       learning_rate_init=1e-2, random_state=0).fit(X, y)
    lr = mdn.net_.optimizer_.param_groups[0]["lr"]
    if schedule == "cosine":
        assert lr < 1e-2
    elif schedule == "constant":
        assert lr == 1e-2
    assert np.isfinite(mdn.loss_curve_[-1])


def test_noise_regularization_changes_training_but_not_inference():
    # (The seeded noise of the batch iterator itself: test_data.py.)
    Xs, ys = make_inverted_sinusoid(200, random_state=0)
    params = dict(n_components=3, max_iter=10, random_state=0)
    plain = MDNRegressor(**params).fit(Xs, ys)
    reg = MDNRegressor(**params, input_noise=0.1, target_noise="auto").fit(Xs, ys)
    assert not np.allclose(plain.predict(Xs), reg.predict(Xs))
    # Inference is deterministic: no noise outside training.
    np.testing.assert_array_equal(reg.score_samples(Xs, ys), reg.score_samples(Xs, ys))


# ------------------------------------------------------ the lean batch loop
def test_history_records_every_batch_and_epoch_means(data):
    X, y = make_inverted_sinusoid(300, random_state=0)
    model = MDNRegressor(n_components=3, hidden_layer_sizes=(16,), max_iter=3, batch_size=64,
                         random_state=0).fit(X, y)
    history = model.net_.history
    assert len(history) == model.n_iter_ == 3
    n_valid = 30  # 10 % of 300 rows held out
    for row in history:
        train = [b for b in row["batches"] if "train_loss" in b]
        valid = [b for b in row["batches"] if "valid_loss" in b]
        assert [b["train_batch_size"] for b in train] == [64, 64, 64, 64, 14]
        assert sum(b["valid_batch_size"] for b in valid) == n_valid
        sizes = np.array([b["train_batch_size"] for b in train])
        losses = np.array([b["train_loss"] for b in train])
        assert row["train_loss"] == pytest.approx(np.average(losses, weights=sizes))
    # The general indexing of skorch's History still reads it.
    assert history[:, "train_loss"] == [row["train_loss"] for row in history]


# AdamW takes skmdn's direct optimizer step; Adam goes through skorch's closure.
@pytest.mark.parametrize("optimizer", [torch.optim.AdamW, torch.optim.Adam])
def test_callback_hooks_are_called_per_batch_with_the_right_module_mode(optimizer):
    from skorch.callbacks import Callback

    from skmdn._data import BatchIterator, TensorBatches
    from skmdn._module import MDNModule
    from skmdn._training import GuardedNet

    class Spy(Callback):
        def __init__(self):
            self.modes = []

        def on_batch_end(self, net, training=None, **kwargs):
            self.modes.append((training, net.module_.training))

    class Silent(Callback):
        pass

    class GradSpy(Callback):
        def __init__(self):
            self.norms = []

        def on_grad_computed(self, net, named_parameters, **kwargs):
            self.norms.append(sum(float(p.grad.norm()) for _, p in named_parameters))

    silent = Silent()
    silent.on_batch_end = mock.Mock()  # a hook set on the instance is called too
    spy, grads = Spy(), GradSpy()
    net = GuardedNet(
        MDNModule, module__n_features=1, module__n_targets=1, module__n_components=2,
        module__covariance_type="diag", module__hidden_layer_sizes=(8,),
        module__activation="tanh", criterion=MixtureNLLLoss, optimizer=optimizer,
        max_epochs=2, batch_size=10, iterator_train=BatchIterator, iterator_valid=BatchIterator,
        train_split=lambda ds, y=None, **kw: (ds.subset(slice(0, 30)), ds.subset(slice(30, 40))),
        callbacks=[("spy", spy), ("silent", silent), ("grads", grads)],
    )
    X = torch.linspace(-1, 1, 40).reshape(-1, 1)
    net.fit(TensorBatches(X, X.sin()), None)
    # 3 training and 1 validation batch per epoch, with the matching module mode.
    assert spy.modes == [(True, True)] * 3 + [(False, False)] + [(True, True)] * 3 + [(False, False)]
    assert silent.on_batch_end.call_count == 8
    # on_grad_computed reaches a listener once per training step, with the gradients.
    assert len(grads.norms) == 6 and all(g > 0 for g in grads.norms)


# ------------------------------------------------------- weight averaging
def test_weight_averaging_validates_and_keeps_the_average_and_trains_the_raw_weights():
    from skorch.callbacks import Callback

    from skmdn._data import BatchIterator, SeededSplit, TensorBatches
    from skmdn._training import GuardedNet, WeightAveraging

    class Recorder(Callback):
        def initialize(self):
            self.steps, self.epoch_starts = [], []
            return self

        def _flat(self, net):
            return torch.cat([p.detach().reshape(-1) for p in net.module_.parameters()]).clone()

        def on_train_begin(self, net, **kwargs):
            self.initial = self._flat(net)

        def on_epoch_begin(self, net, **kwargs):
            self.epoch_starts.append(self._flat(net))

        def on_batch_end(self, net, training=True, **kwargs):
            if training:
                self.steps.append(self._flat(net))

    rec = Recorder()
    decay = 0.9
    net = GuardedNet(
        torch.nn.Linear, module__in_features=2, module__out_features=1,
        criterion=torch.nn.MSELoss, optimizer=torch.optim.AdamW, lr=0.05,
        max_epochs=4, batch_size=16, train_split=SeededSplit(0.2, 0), verbose=0,
        iterator_train=BatchIterator, iterator_valid=BatchIterator,
        callbacks=[("weight_averaging", WeightAveraging(decay)), ("rec", rec)],
    )
    gen = torch.Generator().manual_seed(0)
    X = torch.randn(80, 2, generator=gen)
    y = X @ torch.tensor([[1.0], [-2.0]]) + 0.1 * torch.randn(80, 1, generator=gen)
    net.fit(TensorBatches(X, y), None)

    # The average, step by step, with the warm-up of the decay.
    expected = rec.initial.clone()
    for t, raw in enumerate(rec.steps, start=1):
        d = min(decay, (1 + t) / (10 + t))
        expected += (1 - d) * (raw - expected)
    assert len(rec.steps) == 4 * 4  # 64 training rows, batches of 16
    final = rec._flat(net)
    torch.testing.assert_close(final, expected)
    assert not torch.allclose(final, rec.steps[-1])  # the average, not the raw weights
    # The optimizer goes on from the raw weights at every new epoch.
    for epoch in range(1, 4):
        torch.testing.assert_close(rec.epoch_starts[epoch], rec.steps[4 * epoch - 1])
    # The validation loss in the history is that of the average.
    valid = net.train_split(TensorBatches(X, y))[1]
    with torch.no_grad():
        loss = torch.nn.functional.mse_loss(net.module_(valid.X), valid.y).item()
    assert net.history[-1, "valid_loss"] == pytest.approx(loss, rel=1e-6)
    # No copies of the weights are left behind (or pickled).
    assert dict(net.callbacks_)["weight_averaging"].average_ is None


def test_ema_decay_in_the_estimator():
    X, y = make_inverted_sinusoid(400, random_state=0)
    params = dict(n_components=3, hidden_layer_sizes=(16,), max_iter=30, random_state=0,
                  train_dtype="float64")
    plain = MDNRegressor(**params, ema_decay=None).fit(X, y)
    averaged = MDNRegressor(**params).fit(X, y)  # the default, 0.99
    assert "weight_averaging" not in dict(plain.net_.callbacks)
    assert "weight_averaging" in dict(averaged.net_.callbacks)
    # Same training losses (raw weights, same seed; 30 epochs are too few for the
    # plateau schedule or the stopping rule to act), different validated weights.
    assert averaged.net_.history[:, "train_loss"] == plain.net_.history[:, "train_loss"]
    assert averaged.net_.history[:, "valid_loss"] != plain.net_.history[:, "valid_loss"]
    # The kept weights are the averaged ones of the best epoch: scored on the
    # validation split they give the best validation loss of the history.
    from skmdn._data import TensorBatches

    net = averaged.net_
    scaled = TensorBatches(torch.as_tensor((X - averaged.x_mean_) / averaged.x_scale_),
                           torch.as_tensor((y[:, None] - averaged.y_mean_) / averaged.y_scale_))
    valid = net.train_split(scaled)[1]
    with torch.no_grad():
        loss = net.criterion_(net.module_(valid.X), valid.y).item()
    assert min(net.history[:, "valid_loss"]) == pytest.approx(loss, rel=1e-9)
    # Without a validation split there is nothing to validate: no averaging.
    tiny = MDNRegressor(**{**params, "max_iter": 3}, ema_decay=0.99).fit(X[:50], y[:50])
    assert "weight_averaging" not in dict(tiny.net_.callbacks)
    with pytest.raises(ValueError, match="ema_decay"):
        MDNRegressor(ema_decay=1.0).fit(X, y)


# ------------------------------------------------------------------ stopping
def test_scaled_patience_stops_after_a_patience_that_grows_with_the_best_epoch():
    from types import SimpleNamespace

    from skorch.history import History

    from skmdn._training import ScaledPatience

    def stop_epoch(losses, **params):
        stop = ScaledPatience(monitor="valid_loss", load_best=False, **params).initialize()
        net = SimpleNamespace(history=History(), verbose=0)
        stop.on_train_begin(net)
        for epoch, loss in enumerate(losses, 1):
            net.history.new_epoch()
            net.history.record("epoch", epoch)
            net.history.record("valid_loss", loss)
            try:
                stop.on_epoch_end(net)
            except KeyboardInterrupt:
                return epoch, stop.best_epoch_
        return None, stop.best_epoch_

    # Best at epoch 2: patience 1 + ceil(1.5 * 2) = 4, so the run ends at epoch 6.
    assert stop_epoch([3.0, 2.0, 2.5, 2.4, 2.3, 2.2, 2.1], base=1, factor=1.5,
                      patience=6) == (6, 2)
    # Best at epoch 4: patience 6 (the most), so the run ends at epoch 10.
    losses = [4.0, 3.0, 2.5, 2.0] + [2.5] * 7
    assert stop_epoch(losses, base=1, factor=1.5, patience=6) == (10, 4)
    # A best at epoch 1 waits 1 + 2 = 3 epochs.
    assert stop_epoch([1.0, 2.0, 2.0, 2.0, 2.0], base=1, factor=1.5, patience=6) == (4, 1)
    stop = ScaledPatience(base=40, factor=0.15, patience=100)
    assert [stop.patience_at(b) for b in (1, 30, 200, 500)] == [41, 45, 70, 100]


def test_the_default_stops_sooner_than_the_base_patience_when_the_best_epoch_is_early():
    # Train on noise: the best validation epoch comes early, and the default
    # stops 40 + 0.15 x best epochs after it, not 200.
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(300, 2)), rng.normal(size=300)
    mdn = MDNRegressor(n_components=2, n_members=1, learning_rate_init=1e-2,
                       random_state=0).fit(X, y)
    stop = dict(mdn.net_.callbacks_)["stopping"]
    assert mdn.n_iter_ - mdn.best_epoch_ == stop.patience_at(mdn.best_epoch_) < 100


def test_the_direct_fused_step_gives_the_same_fit_to_the_bit(monkeypatch):
    from skmdn._training import _net

    X, y = make_inverted_sinusoid(300, random_state=0)
    params = dict(n_components=3, max_iter=6, random_state=0)
    real = _net.fused_adamw_step
    taken = []
    monkeypatch.setattr(_net, "fused_adamw_step", lambda opt: taken.append(real(opt)) or taken[-1])
    fast = MDNRegressor(**params).fit(X, y)
    assert taken[0] is False and all(taken[1:]) and len(taken) > 10  # all but the first step
    calls = []
    monkeypatch.setattr(_net, "fused_adamw_step", lambda opt: calls.append(1) or False)
    slow = MDNRegressor(**params).fit(X, y)
    monkeypatch.setattr(_net, "fused_adamw_step", real)
    assert calls  # the ordinary optimizer.step() ran instead
    assert fast.loss_curve_ == slow.loss_curve_
    np.testing.assert_array_equal(fast.predict(X), slow.predict(X))
    a, b = fast.net_.optimizer_.state_dict(), slow.net_.optimizer_.state_dict()
    for key in a["state"]:
        for name in ("step", "exp_avg", "exp_avg_sq"):
            assert torch.equal(a["state"][key][name], b["state"][key][name])
