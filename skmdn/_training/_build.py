"""``build_net``: a resolved :class:`~skmdn._plan.TrainingPlan` turned into a skorch net."""

import copy

import torch
from skorch.callbacks import Callback, EarlyStopping, LRScheduler
from torch.optim.lr_scheduler import CosineAnnealingLR, ReduceLROnPlateau

from .._data import BatchIterator, SeededSplit
from .._module import MDNModule, MixtureNLLLoss
from ._callbacks import DiagonalWarmup, ScaledPatience, WeightAveraging
from ._net import GuardedNet

#: Use torch's fused Adam kernel (a few calls per step instead of about ten per
#: parameter tensor); on the CPU it exists from torch 2.4 on.
FUSED_ADAM = tuple(int(v) for v in torch.__version__.split(".")[:2]) >= (2, 4)

#: Validation rows scored per forward pass: the whole split in one pass up
#: to this many rows (its loss is the same mean; one pass costs less than
#: several of the training batch size).
VALID_BATCH_MAX = 4096

#: The names of skmdn's own callbacks, in the order they run.
OWN_CALLBACKS = ("weight_averaging", "stopping", "lr_schedule", "diagonal_warmup")


def _silent(*args, **kwargs):
    """A print sink that prints nothing (picklable, unlike a lambda)."""


def user_callbacks(callbacks):
    """Check the ``callbacks`` parameter and return fresh ``(name, callback)`` pairs.

    Parameters
    ----------
    callbacks : list of Callback or of (str, Callback), or None

    Returns
    -------
    list of (str or None, Callback)
        Deep copies, so that fitting never changes the estimator's
        parameter; a name of None lets skorch name the callback after its
        class.
    """
    pairs = []
    for item in callbacks or ():
        name, cb = item if isinstance(item, tuple) and len(item) == 2 else (None, item)
        if isinstance(cb, type) and issubclass(cb, Callback):
            raise TypeError(
                f"callbacks must hold skorch Callback instances, got the class {cb.__name__}; "
                f"pass {cb.__name__}(...) instead."
            )
        if not isinstance(cb, Callback) or not (name is None or isinstance(name, str)):
            raise TypeError(
                "callbacks must be a list of skorch Callback instances or of "
                f"(name, Callback) pairs, got {item!r}."
            )
        if name in OWN_CALLBACKS:
            raise ValueError(
                f"The callback name {name!r} is taken by one of skmdn's own callbacks "
                f"({', '.join(OWN_CALLBACKS)}); choose another name."
            )
        try:
            pairs.append((name, copy.deepcopy(cb)))
        except Exception as exc:  # noqa: BLE001 - what cannot be copied cannot be pickled
            raise TypeError(
                f"The callback {name or type(cb).__name__!r} ({type(cb).__name__}) cannot be "
                f"copied or pickled: {exc}. skmdn trains on a copy of each callback, and a "
                "fitted model pickles its callbacks; give it picklable attributes."
            ) from exc
    return pairs


def _own_callbacks(plan, verbose):
    """skmdn's callbacks for ``plan``: averaging, stopping, schedule, warm-up."""
    if plan.patience is None:  # a single plain pass (partial_fit)
        return []
    callbacks = []
    if plan.ema_decay is not None:
        # First, so that the average is swapped in before any other
        # callback sees a validation batch.
        callbacks.append(("weight_averaging", WeightAveraging(plan.ema_decay)))
    stopping = dict(monitor=plan.monitor, patience=plan.patience, threshold=plan.tol,
                    threshold_mode="abs", load_best=plan.validate,
                    sink=print if verbose else _silent)
    callbacks.append(("stopping", EarlyStopping(**stopping) if plan.patience_factor is None
                      else ScaledPatience(plan.patience_base, plan.patience_factor, **stopping)))
    if plan.schedule == "plateau":
        callbacks.append(("lr_schedule", LRScheduler(
            ReduceLROnPlateau, monitor=plan.monitor, mode="min", factor=0.5,
            patience=plan.plateau_patience, threshold=plan.tol, threshold_mode="abs",
        )))
    elif plan.schedule == "cosine":
        callbacks.append(("lr_schedule", LRScheduler(CosineAnnealingLR, T_max=plan.max_epochs)))
    if plan.warmup_epochs:
        callbacks.append(("diagonal_warmup", DiagonalWarmup(plan.warmup_epochs)))
    return callbacks


def build_net(plan, *, architecture, learning_rate, weight_decay, validation_fraction,
              device, seed, verbose=0, callbacks=()):
    """The skorch net that trains an :class:`~skmdn._module.MDNModule` by ``plan``.

    Parameters
    ----------
    plan : TrainingPlan
        The resolved training rules.
    architecture : dict
        Keyword arguments of :class:`~skmdn._module.MDNModule` (``n_features``,
        ``n_targets``, ``n_components``, ``covariance_type``,
        ``hidden_layer_sizes``, ``activation``, ``n_members``); ``n_members``
        also sets the loss's.
    learning_rate, weight_decay : float
        Of the AdamW optimizer.
    validation_fraction : float
        Share of rows the seeded validation split holds out (when ``plan``
        validates).
    device : torch.device
    seed : int
        Seeds the initial spread of the components, the shuffles, the noise
        and the validation split.
    verbose : int, default=0
    callbacks : list of (str or None, Callback), default=()
        The user's callbacks (see :func:`user_callbacks`), run after skmdn's own.

    Returns
    -------
    GuardedNet
        Not yet initialized.
    """
    module_params = {f"module__{key}": value for key, value in architecture.items()}
    return GuardedNet(
        module=MDNModule,
        **module_params,
        module__seed=seed,
        criterion=MixtureNLLLoss,
        criterion__n_members=architecture.get("n_members", 1),
        optimizer=torch.optim.AdamW,
        optimizer__weight_decay=weight_decay,
        optimizer__fused=FUSED_ADAM,
        lr=learning_rate,
        max_epochs=plan.max_epochs,
        batch_size=plan.batch_size,
        iterator_train=BatchIterator,
        iterator_train__shuffle=True,
        iterator_train__seed=seed,
        iterator_train__input_noise=plan.input_noise,
        iterator_train__target_noise=plan.target_noise,
        iterator_train__n_members=(
            architecture.get("n_members", 1) if plan.member_shuffles else 1),
        iterator_valid=BatchIterator,
        iterator_valid__batch_size=max(plan.batch_size, min(plan.n_valid, VALID_BATCH_MAX)),
        train_split=SeededSplit(validation_fraction, seed) if plan.validate else None,
        callbacks=_own_callbacks(plan, verbose) + [
            cb if name is None else (name, cb) for name, cb in callbacks
        ],
        device=device,
        verbose=int(verbose),
    )
