"""The skorch net: per-batch overhead trimmed, Ctrl-C handled, training continued.

:class:`GuardedNet` is a :class:`skorch.NeuralNet` whose ``fit_loop``
notices a KeyboardInterrupt from the user. skorch's ``partial_fit`` swallows
it silently, leaving the weights of a half-finished epoch; here they are reset
to the last finished epoch and a warning says so. A KeyboardInterrupt that a
callback raises on purpose to stop training (skorch's ``EarlyStopping`` does)
passes through unchanged.
"""

import inspect
import pickle
import warnings

import torch
from skorch import NeuralNet
from skorch.callbacks import Callback, PrintLog
from skorch.dataset import get_len
from skorch.history import History
from skorch.utils import TeeGenerator

from ._callbacks import DivergenceGuard, QuietPrintLog

GUARD_NAME = "divergence_guard"

#: torch's fused AdamW kernel, called directly on the CPU when it exists.
_FUSED_ADAMW = getattr(torch, "_fused_adamw_", None)
#: AdamW's own step (torch wraps it for profiling when the first optimizer is
#: made): a subclass or a patch that replaces it is honoured.
_ADAMW_STEP = inspect.unwrap(torch.optim.AdamW.step)


def fused_adamw_step(optimizer):
    """One AdamW step by torch's fused kernel, without ``Optimizer.step``'s wrappers; False if not possible.

    ``Optimizer.step`` of a fused AdamW checks its arguments, regroups the
    tensors by device and dtype, and records profiler events at every call:
    for a small network on the CPU that costs more than the kernel. Here the
    same kernel runs on the same state (``step``, ``exp_avg``, ``exp_avg_sq``
    of every parameter), so the result is the same to the bit, and
    ``state_dict`` is unchanged. Anything else (a first step, before the
    state exists; hooks; another device; AMSGrad; parameters without
    gradients; a replaced ``step``) returns False, and the caller takes the
    ordinary step.
    """
    if _FUSED_ADAMW is None or not isinstance(optimizer, torch.optim.AdamW):
        return False
    if inspect.unwrap(type(optimizer).step) is not _ADAMW_STEP:
        return False
    if len(optimizer.param_groups) != 1 or (
            optimizer._optimizer_step_pre_hooks or optimizer._optimizer_step_post_hooks):
        return False
    group = optimizer.param_groups[0]
    if not group.get("fused") or group["amsgrad"] or group["maximize"] or group["capturable"]:
        return False
    params, grads, exp_avgs, exp_avg_sqs, steps = [], [], [], [], []
    dtype = None
    for p in group["params"]:
        state = optimizer.state.get(p)
        if p.grad is None or not state or p.device.type != "cpu":
            return False
        if dtype is None:
            dtype = p.dtype
        if p.dtype != dtype or p.grad.dtype != dtype or state["exp_avg"].dtype != dtype:
            return False
        params.append(p)
        grads.append(p.grad)
        exp_avgs.append(state["exp_avg"])
        exp_avg_sqs.append(state["exp_avg_sq"])
        steps.append(state["step"])
    beta1, beta2 = group["betas"]
    with torch.no_grad():
        torch._foreach_add_(steps, 1)
        _FUSED_ADAMW(params, grads, exp_avgs, exp_avg_sqs, [], steps, amsgrad=False,
                     lr=float(group["lr"]), beta1=float(beta1), beta2=float(beta2),
                     weight_decay=float(group["weight_decay"]), eps=float(group["eps"]),
                     maximize=False, grad_scale=None, found_inf=None)
    return True


def _epoch_finished(row):
    """Whether a history row was completed (skorch writes ``dur`` at epoch end)."""
    return "dur" in row


def _overrides(callback, method_name):
    """Whether ``callback`` has its own ``method_name`` hook (not ``Callback``'s no-op)."""
    hook = getattr(callback, method_name)
    return getattr(hook, "__func__", None) is not getattr(Callback, method_name)


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

    def __getstate__(self):
        try:
            state = super().__getstate__()
            state.pop("_listeners_cache", None)
            return state
        except (TypeError, AttributeError, pickle.PicklingError) as exc:
            for name, cb in self.callbacks_ or []:
                try:
                    pickle.dumps(cb)
                except Exception:  # noqa: BLE001 - any failure names the culprit
                    raise TypeError(
                        f"The callback {name!r} ({type(cb).__name__}) cannot be pickled, so "
                        f"neither can this model: {exc}. Give the callback picklable "
                        "attributes (or a __getstate__ that drops the others), or pass it "
                        "only for training and refit without it before saving."
                    ) from exc
            raise

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

    def _listeners(self, method_name):
        """The callbacks that override ``method_name`` (found once per list of callbacks)."""
        key = (id(self.callbacks_), len(self.callbacks_))
        cache = self.__dict__.get("_listeners_cache")
        if cache is None or cache[0] != key:
            cache = self.__dict__["_listeners_cache"] = (key, {})
        found = cache[1].get(method_name)
        if found is None:
            found = cache[1][method_name] = [
                cb for _, cb in self.callbacks_ if _overrides(cb, method_name)]
        return found

    def notify(self, method_name, **cb_kwargs):
        """Call ``method_name`` on the net and on every callback that overrides it."""
        getattr(self, method_name)(self, **cb_kwargs)
        for cb in self._listeners(method_name):
            getattr(cb, method_name)(self, **cb_kwargs)

    def train_step(self, batch, **fit_params):
        """One optimizer step: forward, backward, ``optimizer.step()``.

        skorch hands the optimizer a closure (for optimizers such as L-BFGS
        that re-evaluate the loss); skmdn's AdamW needs none, so the step is
        taken directly, and ``on_grad_computed`` is only announced when a
        callback listens for it. Gradients are reset to None as
        ``zero_grad(set_to_none=True)`` does, and the step calls torch's fused
        AdamW kernel directly where it can (:func:`fused_adamw_step`).
        """
        if not isinstance(self.optimizer_, torch.optim.AdamW):
            return super().train_step(batch, **fit_params)
        # zero_grad(set_to_none=True) without the optimizer's profiling wrapper.
        for group in self.optimizer_.param_groups:
            for p in group["params"]:
                p.grad = None
        step = self.train_step_single(batch, **fit_params)
        if self._listeners("on_grad_computed"):
            self.notify("on_grad_computed", named_parameters=TeeGenerator(
                self.get_all_learnable_params()), batch=batch, training=True)
        if not fused_adamw_step(self.optimizer_):
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

    def get_iterator(self, dataset, training=False):
        """skorch's iterator; a training iterator counts on from the epochs already run.

        Its noise is drawn per epoch, so a warm start or another
        ``partial_fit`` continues the noise sequence instead of repeating it.
        """
        iterator = super().get_iterator(dataset, training=training)
        if training and hasattr(iterator, "passes"):
            iterator.passes = len(self.history)
        return iterator

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
            if getattr(self.criterion_, "n_members", 1) > 1:
                # An ensemble trains its members on their own NLLs and is
                # validated on the pooled mixture.
                return self.criterion_(y_pred, y_true, pooled=not training)
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
    "activation", "n_members", "input_embedding",
)
#: Values of architecture keys that nets built before the key existed lack.
_ARCHITECTURE_DEFAULTS = {"n_members": 1, "input_embedding": None}


def learning_curves(net, offset, validated):
    """The learning curves of a fitted net, in nats in the units of y.

    Parameters
    ----------
    net : GuardedNet
        Fitted; its history holds ``train_loss`` (and ``valid_loss``) per epoch.
    offset : float
        Added to a standardized mean NLL to put it in the units of y.
    validated : bool
        Whether the last fit held out a validation split.

    Returns
    -------
    loss_curve : list of float
        Mean training NLL per epoch.
    validation_scores : list of float or None
        Mean validation log-likelihood per epoch (NaN where an epoch was not
        validated); None when ``validated`` is False.
    best_epoch : int
        The epoch whose weights the net holds (1-based).
    best_validation_score : float or None
    """
    # Only finished epochs: an error raised within an epoch leaves its row
    # without a loss, and the error itself must reach the caller.
    history = [row for row in net.history if "train_loss" in row]
    loss_curve = [float(row["train_loss"]) + offset for row in history]
    if not (validated and history):
        return loss_curve, None, len(history), None
    scores = [-(float(row["valid_loss"]) + offset) if "valid_loss" in row else float("nan")
              for row in history]
    best = getattr(dict(net.callbacks_).get("stopping"), "best_epoch_", 0)
    best = best if 1 <= best <= len(history) else len(history)
    return loss_curve, scores, best, scores[best - 1]


def set_dtype(net, dtype):
    """Cast ``net``'s module and its optimizer's moment estimates to ``dtype``, in place.

    The parameters stay the same objects, so the optimizer keeps tracking
    them; a net trained in float32 is kept in float64 for inference and cast
    back for a continued fit.
    """
    net.module_.to(dtype)
    optimizer = getattr(net, "optimizer_", None)
    for state in (optimizer.state.values() if optimizer is not None else ()):
        for key, value in state.items():
            if torch.is_tensor(value) and value.is_floating_point() and key != "step":
                state[key] = value.to(dtype)


def is_plain(net):
    """Whether a net trains without split or extra callbacks (as partial_fit builds it)."""
    return net.train_split is None and not net.callbacks


def continue_training(old, new):
    """Move weights, optimizer moments and history of ``old`` into the fresh net ``new``.

    The architecture must be the same; learning rate, epochs and callbacks
    come from ``new`` (the current parameters).
    """
    changed = [
        f"{key} {before!r} -> {after!r}"
        for key in _ARCHITECTURE
        for before, after in [(getattr(old, "module__" + key, _ARCHITECTURE_DEFAULTS.get(key)),
                               getattr(new, "module__" + key, _ARCHITECTURE_DEFAULTS.get(key)))]
        if before != after
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
