"""skmdn's skorch callbacks: the divergence guard, weight averaging, the warm-up, the log.

* :class:`DivergenceGuard` keeps a copy of the weights at the end of every
  finished epoch. If a batch loss turned NaN or infinite during the epoch,
  the weights did, or the epoch's training loss exploded past
  :data:`MAX_LOSS`, it puts that copy back and raises
  :class:`FloatingPointError` with the cause and a remedy, so no fit ever
  leaves NaN or blown-up weights behind.
* :class:`WeightAveraging` validates, early-stops and keeps an exponential
  moving average of the weights.
* :class:`DiagonalWarmup` holds the correlations of "full" components at zero
  for the first epochs.
* :class:`ScaledPatience` is skorch's early stopping with a patience that
  grows with the epoch of the best score.
* :class:`QuietPrintLog` is skorch's log, which formats nothing when silent.
"""

import math
import sys

import torch
from skorch.callbacks import Callback, EarlyStopping, PrintLog
from skorch.utils import Ansi

#: A mean training NLL above this (nats per row, standardized targets) means
#: the weights have blown up: a standard normal scores about 1.4 per target
#: dimension, and even a model with every scale at its floor, 1 standard
#: deviation away from every row, scores about 5e5.
MAX_LOSS = 1e6


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


class ScaledPatience(EarlyStopping):
    """skorch's :class:`~skorch.callbacks.EarlyStopping` with a patience that grows with the best epoch.

    Training stops after ``base + ceil(factor * b)`` epochs without an
    improvement of ``threshold``, where ``b`` is the epoch of the best score
    so far, and at most ``patience``. A fit whose best epoch came early (it
    overfits soon) stops soon; one that is still improving late waits
    longer. Otherwise as ``EarlyStopping`` (``load_best`` and the rest).

    Parameters
    ----------
    base : int
    factor : float
    **kwargs
        Of ``EarlyStopping``; its ``patience`` is the most.

    Examples
    --------
    >>> from skmdn._training import ScaledPatience
    >>> stop = ScaledPatience(base=40, factor=0.15, patience=100)
    >>> [stop.patience_at(b) for b in (1, 30, 200, 500)]
    [41, 45, 70, 100]
    """

    def __init__(self, base, factor, **kwargs):
        super().__init__(**kwargs)
        self.base = base
        self.factor = factor
        self.most = self.patience

    def patience_at(self, best_epoch):
        """The patience while ``best_epoch`` is the epoch of the best score."""
        return int(min(self.most, self.base + math.ceil(self.factor * best_epoch)))

    def on_epoch_end(self, net, **kwargs):
        # This epoch's score decides the best epoch before EarlyStopping
        # counts the miss (or not) and compares the count with the patience.
        improved = self._is_score_improved(net.history[-1, self.monitor])
        best = net.history[-1, "epoch"] if improved else self.best_epoch_
        self.patience = self.patience_at(best)
        super().on_epoch_end(net, **kwargs)


class DiagonalWarmup(Callback):
    """Hold the correlations of "full" components at zero for the first epochs.

    Sets ``correlation_gain`` of the :class:`~skmdn._module.MDNModule` to 0
    for the first ``epochs`` epochs of training and to 1 afterwards (and at
    the end of training); see the module's notes for why.

    Examples
    --------
    >>> from skmdn._training import DiagonalWarmup
    >>> DiagonalWarmup(20).epochs
    20
    """

    def __init__(self, epochs):
        self.epochs = epochs

    def on_epoch_begin(self, net, **kwargs):
        net.module_.correlation_gain = 0.0 if len(net.history) <= self.epochs else 1.0

    def on_train_end(self, net, **kwargs):
        net.module_.correlation_gain = 1.0


def _writes_to_terminal():
    """Whether standard output is an interactive terminal (colours make sense there)."""
    isatty = getattr(sys.stdout, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # a closed stream
        return False


class QuietPrintLog(PrintLog):
    """skorch's :class:`~skorch.callbacks.PrintLog`, quiet when silent and plain when redirected.

    skorch's version tabulates every epoch's row and then decides whether
    to print it; for a small network that costs as much as several batches.
    It also marks the best values with ANSI colour codes, which only a
    terminal understands: when standard output is a file or a pipe, the
    table is plain text.
    """

    def format_row(self, row, key, color):
        text = super().format_row(row, key, color)
        if isinstance(text, str) and not _writes_to_terminal():
            text = text.replace(Ansi.ENDC.value, "")
            if color:
                text = text.replace(color, "")
        return text

    def on_epoch_end(self, net, **kwargs):
        if net.verbose:
            super().on_epoch_end(net, **kwargs)
