"""Guards around skorch's training loop: divergence and Ctrl-C.

Two small pieces, each hooking into skorch at one place:

* :class:`DivergenceGuard`, a callback, keeps a copy of the weights at the end
  of every finished epoch. If a batch loss turned NaN or infinite during the
  epoch, the weights did, or the epoch's training loss exploded past
  :data:`MAX_LOSS`, it puts that copy back and raises
  :class:`FloatingPointError` with the cause and a remedy, so no fit ever
  leaves NaN or blown-up weights behind.
* :class:`GuardedNet`, a :class:`skorch.NeuralNet` whose ``fit_loop`` notices
  a KeyboardInterrupt from the user. skorch's ``partial_fit`` swallows it
  silently, leaving the weights of a half-finished epoch; here they are reset
  to the last finished epoch and a warning says so. A KeyboardInterrupt that
  a callback raises on purpose to stop training (skorch's ``EarlyStopping``
  does) passes through unchanged.
"""

import math
import warnings

import torch
from skorch import NeuralNet
from skorch.callbacks import Callback, PrintLog
from skorch.dataset import get_len
from skorch.history import History
from skorch.utils import TeeGenerator

GUARD_NAME = "divergence_guard"

#: A mean training NLL above this (nats per row, standardized targets) means
#: the weights have blown up: a standard normal scores about 1.4 per target
#: dimension, and even a model with every scale at its floor, 1 standard
#: deviation away from every row, scores about 5e5.
MAX_LOSS = 1e6


def _epoch_finished(row):
    """Whether a history row was completed (skorch writes ``dur`` at epoch end)."""
    return "dur" in row


class DivergenceGuard(Callback):
    """Stop training, with a clear error, after an epoch whose loss or weights are not finite.

    The weights at the start of training and at the end of every finished
    epoch are kept (one flat copy of the module's parameters), so that a
    diverged or interrupted fit can fall back on them with :meth:`restore`.

    Examples
    --------
    >>> from skmdn._training import DivergenceGuard
    >>> DivergenceGuard().initialize().snapshot_ is None
    True
    """

    def initialize(self):
        self.snapshot_ = None
        return self

    def __getstate__(self):
        # Training-time state only: never pickle a copy of the weights
        # (it could hold CUDA tensors that a CPU machine cannot load).
        state = self.__dict__.copy()
        state["snapshot_"] = None
        return state

    @staticmethod
    def _flat(net):
        params = [p.detach().reshape(-1) for p in net.module_.parameters()]
        return torch.cat(params) if params else None

    def restore(self, net):
        """Put the weights of the last finished epoch back into ``net.module_``."""
        if self.snapshot_ is None:
            return
        params = list(net.module_.parameters())
        chunks = self.snapshot_.split([p.numel() for p in params])
        with torch.no_grad():
            for p, chunk in zip(params, chunks):
                p.copy_(chunk.view_as(p))

    def on_train_begin(self, net, **kwargs):
        self.snapshot_ = self._flat(net)

    def on_epoch_end(self, net, **kwargs):
        # The batch losses reach the history at the end of each pass over the
        # data (GuardedNet.run_single_epoch), so they are checked here, once.
        batches = net.history[-1]["batches"]
        for prefix, what in (("train", "training"), ("valid", "validation")):
            key = prefix + "_loss"
            bad = next((b[key] for b in batches if key in b and not math.isfinite(b[key])), None)
            if bad is not None:
                self._diverged(net, f"the {what} loss became {bad}")
        # One flat copy per epoch: both the finiteness check and the snapshot.
        flat = self._flat(net)
        if flat is not None and not bool(flat.isfinite().all()):
            self._diverged(net, "the network weights became NaN or infinite")
        loss = net.history[-1].get("train_loss", 0.0)
        if loss > MAX_LOSS:
            self._diverged(net, f"the training loss exploded to {loss:.3g} nats per row")
        self.snapshot_ = flat

    def on_train_end(self, net, **kwargs):
        self.snapshot_ = None

    def _diverged(self, net, cause):
        epoch = net.history[-1, "epoch"]
        self.restore(net)
        # Adam's moment estimates have seen the bad gradients: start them afresh.
        net.initialize_optimizer()
        del net.history[-1]
        self.snapshot_ = None
        dtype = next(net.module_.parameters()).dtype
        remedies = [f"lower learning_rate_init (it is {net.lr:g})", "set alpha > 0"]
        if dtype != torch.float64:
            remedies.append(f"pass X as float64 (training ran in {dtype})")
        remedies.append("look for extreme outliers in X or y")
        kept = f"the end of epoch {epoch - 1}" if epoch > 1 else "their initial values"
        raise FloatingPointError(
            f"Training diverged: {cause} in epoch {epoch}. The weights were reset "
            f"to {kept} (n_iter_={epoch - 1}). To fix it, " + ", ".join(remedies) + "."
        )


class WeightAveraging(Callback):
    """Validate, early-stop and keep an exponential moving average (EMA) of the weights.

    After every optimizer step the average moves towards the current
    weights by ``1 - d``, where ``d = min(decay, (1 + t) / (10 + t))`` at step
    ``t``: early in training the average spans the last tenth or so of the
    steps taken, later about ``1 / (1 - decay)`` steps. For validation the
    averaged weights are swapped into the module; they stay there through
    ``on_epoch_end`` (so early stopping keeps them) and the raw weights,
    which the optimizer goes on training, come back at the next epoch. At the
    end of training the module holds the averaged weights of the epoch that
    early stopping kept. The training loss is that of the raw weights.

    Only meaningful with a validation split: without one no batch ever
    swaps the average in, and the raw weights are kept.

    Examples
    --------
    >>> from skmdn._training import WeightAveraging
    >>> WeightAveraging(0.998).initialize().average_ is None
    True
    """

    def __init__(self, decay):
        self.decay = decay

    def initialize(self):
        self.params_ = self.average_ = self.raw_ = None
        self.swapped_ = False
        self.steps_ = 0
        return self

    def __getstate__(self):
        # Training-time state only, like DivergenceGuard.
        state = self.__dict__.copy()
        state.update(params_=None, average_=None, raw_=None, swapped_=False)
        return state

    def on_train_begin(self, net, **kwargs):
        self.params_ = [p.detach() for p in net.module_.parameters()]
        self.average_ = [p.clone() for p in self.params_]
        self.raw_ = [torch.empty_like(p) for p in self.params_]
        self.swapped_ = False
        self.steps_ = 0

    def on_epoch_begin(self, net, **kwargs):
        if self.swapped_:
            torch._foreach_copy_(self.params_, self.raw_)
            self.swapped_ = False

    def on_batch_begin(self, net, training=True, **kwargs):
        if not training and not self.swapped_:
            torch._foreach_copy_(self.raw_, self.params_)
            torch._foreach_copy_(self.params_, self.average_)
            self.swapped_ = True

    def on_batch_end(self, net, training=True, **kwargs):
        if training:
            self.steps_ += 1
            decay = min(self.decay, (1.0 + self.steps_) / (10.0 + self.steps_))
            torch._foreach_lerp_(self.average_, self.params_, 1.0 - decay)

    def on_train_end(self, net, **kwargs):
        # The module holds what early stopping restored, or the last
        # validated average; drop the copies.
        self.initialize()


def _overrides(callback, method_name):
    """Whether ``callback`` has its own ``method_name`` hook (not ``Callback``'s no-op)."""
    hook = getattr(callback, method_name)
    return getattr(hook, "__func__", None) is not getattr(Callback, method_name)


class QuietPrintLog(PrintLog):
    """skorch's :class:`~skorch.callbacks.PrintLog`, which formats no table when ``verbose=0``.

    skorch's version tabulates every epoch's row and then decides whether
    to print it; for a small network that costs as much as several batches.
    """

    def on_epoch_end(self, net, **kwargs):
        if net.verbose:
            super().on_epoch_end(net, **kwargs)


class BatchHistory(History):
    """skorch's :class:`~skorch.history.History` with direct writes per batch.

    skorch adds a row per batch, and callbacks record values in it, through
    the general ``history[...]`` indexing, which resolves every key anew;
    these two methods write to the current epoch's row directly (the batch
    losses and sizes are written by ``GuardedNet.run_single_epoch``).
    Reading is unchanged.
    """

    def new_batch(self):
        list.__getitem__(self, -1)["batches"].append({})

    def record_batch(self, attr, value):
        list.__getitem__(self, -1)["batches"][-1][attr] = value


class GuardedNet(NeuralNet):
    """A :class:`skorch.NeuralNet` with a :class:`DivergenceGuard` that handles Ctrl-C.

    ``fit_loop`` catches a KeyboardInterrupt that did not come from a
    callback, resets the weights to the end of the last finished epoch, drops
    the unfinished epoch from ``history`` and warns; skorch's ``partial_fit``
    then ends training normally (``on_train_end`` runs). The guard is added to
    skorch's default callbacks, so it runs before any user callback.
    Callbacks are pickled with the module and optimizer, so that their tensors
    (and the optimizer an LR scheduler refers to) are mapped to the CPU when a
    GPU-trained model is loaded on a machine without CUDA.

    Examples
    --------
    >>> from skmdn._training import GuardedNet
    >>> from torch import nn
    >>> net = GuardedNet(nn.Linear, module__in_features=2, module__out_features=1,
    ...                  criterion=nn.MSELoss).initialize()
    >>> [name for name, _ in net.callbacks_][-2:]
    ['divergence_guard', 'print_log']
    """

    # Callbacks can hold tensors or the optimizer (an LR scheduler does). Pickle
    # them with the module and optimizer, through skorch's device-mapping
    # loader, so that a model trained on a GPU loads on a CPU-only machine.
    cuda_dependent_attributes_ = ["callbacks"]  # a prefix: callbacks and callbacks_

    def get_default_callbacks(self):
        callbacks = [
            (name, QuietPrintLog() if isinstance(cb, PrintLog) else cb)
            for name, cb in super().get_default_callbacks()
        ]
        return [*callbacks, (GUARD_NAME, DivergenceGuard())]

    # -- per-batch overhead -------------------------------------------------
    # skorch calls the methods below once or twice per batch. Their
    # general versions convert inputs, walk every submodule and call every
    # callback; with batches that are already tensors on the training device
    # (skmdn's iterators hand out nothing else) that work is wasted, and at
    # small batch sizes it costs more than the network itself.

    def initialize_history(self):
        if self.history_ is None:
            self.history_ = BatchHistory()
        return super().initialize_history()

    def notify(self, method_name, **cb_kwargs):
        """Call ``method_name`` on the net and on every callback that overrides it."""
        getattr(self, method_name)(self, **cb_kwargs)
        for _, cb in self.callbacks_:
            if _overrides(cb, method_name):
                getattr(cb, method_name)(self, **cb_kwargs)

    def train_step(self, batch, **fit_params):
        """One optimizer step: forward, backward, ``optimizer.step()``.

        skorch hands the optimizer a closure (for optimizers such as L-BFGS
        that re-evaluate the loss); skmdn's AdamW needs none, so the step is
        taken directly, and ``on_grad_computed`` is only announced when a
        callback listens for it.
        """
        if not isinstance(self.optimizer_, torch.optim.AdamW):
            return super().train_step(batch, **fit_params)
        self._zero_grad_optimizer()
        step = self.train_step_single(batch, **fit_params)
        if any(_overrides(cb, "on_grad_computed") for _, cb in self.callbacks_):
            self.notify("on_grad_computed", named_parameters=TeeGenerator(
                self.get_all_learnable_params()), batch=batch, training=True)
        self._step_optimizer(None)
        return step

    def run_single_epoch(self, iterator, training, prefix, step_fn, **fit_params):
        """One pass over ``iterator``, reading the batch losses once, at the end.

        skorch's version writes every batch loss to the history with
        ``.item()``: on a GPU each such read waits until the batch has been
        computed, so the host cannot queue the next batch meanwhile. Here the
        losses stay on the training device and come back in one transfer when
        the pass is over; the history then holds the same numbers as skorch's.
        During the pass, ``on_batch_end`` callbacks get the loss as a tensor
        (``loss``), as in skorch, but not yet in the history.
        """
        if iterator is None:
            return
        batches = list.__getitem__(self.history, -1)["batches"]
        rows, losses = [], []
        for batch in iterator:
            self.notify("on_batch_begin", batch=batch, training=training)
            step = step_fn(batch, **fit_params)
            row = batches[-1]
            row[prefix + "_batch_size"] = get_len(
                batch[0] if isinstance(batch, (tuple, list)) else batch)
            rows.append(row)
            losses.append(step["loss"].detach())
            self.notify("on_batch_end", batch=batch, training=training, **step)
        if losses:
            for row, loss in zip(rows, torch.stack(losses).tolist()):
                row[prefix + "_loss"] = loss
        self.history.record(prefix + "_batch_count", len(losses))

    def _set_training(self, training=True):
        # Switching mode walks every submodule: only do it when the mode changes.
        if self.module_.training != training or self.criterion_.training != training:
            super()._set_training(training)

    def infer(self, x, **fit_params):
        if isinstance(x, torch.Tensor) and not fit_params:
            return self.module_(x)
        return super().infer(x, **fit_params)

    def get_loss(self, y_pred, y_true, X=None, training=False):
        if isinstance(y_true, torch.Tensor) or (
            isinstance(y_true, tuple) and all(isinstance(t, torch.Tensor) for t in y_true)
        ):
            return self.criterion_(y_pred, y_true)
        return super().get_loss(y_pred, y_true, X=X, training=training)

    def fit_loop(self, X, y=None, epochs=None, **fit_params):
        try:
            return super().fit_loop(X, y, epochs=epochs, **fit_params)
        except KeyboardInterrupt as exc:
            finished = len(self.history) and _epoch_finished(self.history[-1])
            if not (finished and _raised_by_callback(exc)):
                self._recover_from_interrupt(finished)
            raise

    def _recover_from_interrupt(self, finished):
        if self.history and not finished:
            dict(self.callbacks_)[GUARD_NAME].restore(self)
            del self.history[-1]
        done = len(self.history)
        warnings.warn(
            f"Training was interrupted (KeyboardInterrupt). The model keeps the weights "
            f"from the end of epoch {done} (n_iter_={done}); call fit with "
            "warm_start=True, or partial_fit, to continue.",
            UserWarning,
            stacklevel=2,
        )


_ARCHITECTURE = (
    "n_features", "n_targets", "n_components", "covariance_type", "hidden_layer_sizes",
    "activation",
)


def is_plain(net):
    """Whether a net trains without split or extra callbacks (as partial_fit builds it)."""
    return net.train_split is None and not net.callbacks


def continue_training(old, new):
    """Move weights, optimizer moments and history of ``old`` into the fresh net ``new``.

    The architecture must be the same; learning rate, epochs and callbacks
    come from ``new`` (the current parameters).
    """
    changed = [
        f"{key} {getattr(old, 'module__' + key)!r} -> {getattr(new, 'module__' + key)!r}"
        for key in _ARCHITECTURE
        if getattr(old, "module__" + key) != getattr(new, "module__" + key)
    ]
    if changed:
        raise ValueError(
            "warm_start=True (or partial_fit) continues the fitted network, but its "
            f"architecture changed: {', '.join(changed)}. Refit with warm_start=False, "
            "or on a clone of the estimator."
        )
    new.module_.load_state_dict(old.module_.state_dict())
    state = new.optimizer_.state_dict()
    state["state"] = old.optimizer_.state_dict()["state"]
    new.optimizer_.load_state_dict(state)
    new.history = old.history


def _raised_by_callback(exc):
    """Whether an exception was raised in a skorch callback's own method."""
    tb = exc.__traceback__
    if tb is None:
        return False
    while tb.tb_next is not None:
        tb = tb.tb_next
    return isinstance(tb.tb_frame.f_locals.get("self"), Callback)
