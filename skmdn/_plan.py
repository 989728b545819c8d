"""The training plan: every "auto" rule of ``MDNRegressor`` in one place.

:func:`resolve_plan` turns the estimator's parameters and the shape of the
data into a frozen :class:`TrainingPlan`: whether a validation split is held
out and how large it is, the batch size, the patience, the noise levels, the
warm-up of "full" covariances, the learning-rate schedule and weight
averaging. It is pure Python (no torch, no skorch), so every rule can be
tested at its boundaries without fitting anything; :mod:`skmdn._training`
builds the skorch net from the plan.
"""

from dataclasses import dataclass

#: Below this many rows, ``"auto"`` turns off early stopping (a validation
#: split of a handful of rows says nothing) and turns on noise regularization
#: of TINY_NOISE instead.
AUTO_MIN_SAMPLES = 100

#: ``batch_size="auto"`` aims at this many optimizer steps per epoch, within
#: [AUTO_BATCH_MIN, AUTO_BATCH_MAX] rows per batch. Twenty rather than ten
#: lowered the UCI test NLL of the small data sets (docs/benchmarks/evidence.rst,
#: evidence-batch-size).
AUTO_BATCHES = 20
AUTO_BATCH_MIN, AUTO_BATCH_MAX = 32, 200
#: The same for an ensemble, whose step costs more: about AUTO_BATCHES_ENSEMBLE
#: steps per epoch, within [AUTO_BATCH_MIN_ENSEMBLE, AUTO_BATCH_MAX] rows, in
#: batches of nearly equal size: n_train // 10 rows per batch leave a last
#: batch of 0 to 9 rows, and on energy (batches of 62 rows and a last one of 2)
#: the test NLL over 20 splits was 0.25 nats worse than with 57-row batches
#: (docs/benchmarks/evidence.rst, evidence-ensemble-batch-size).
AUTO_BATCHES_ENSEMBLE = 10
AUTO_BATCH_MIN_ENSEMBLE = 32

#: ``n_iter_no_change="auto"`` with validation: about this many optimizer steps
#: of patience, clipped to [MIN, MAX] epochs (docs/benchmarks/evidence.rst, evidence-patience).
AUTO_PATIENCE_STEPS = 4000
AUTO_PATIENCE_MIN, AUTO_PATIENCE_MAX = 50, 200
#: ``n_iter_no_change="auto"`` with validation stops sooner than that
#: patience: after ``AUTO_STOP_BASE + ceil(AUTO_STOP_FACTOR * b)`` epochs
#: without improvement, where ``b`` is the epoch of the best score so far, and
#: never beyond the patience above, which still sets the plateau schedule's
#: (a third of it). Simulated on the recorded learning curves of the UCI sets
#: and the reference problems, it ran 14 % fewer epochs (44 % fewer on Boston)
#: with no mean test NLL change above 0.002; a fixed cap of 60 epochs cost the
#: robot arm, whose loss falls in steps after stalls of up to 77 epochs, 1.7
#: nats (docs/benchmarks/evidence.rst, evidence-stopping).
AUTO_STOP_BASE, AUTO_STOP_FACTOR = 40, 0.15

#: ``n_iter_no_change="auto"`` without validation: the training NLL of a tiny
#: data set keeps creeping down long after the fit stops improving.
AUTO_PATIENCE_NO_VALIDATION = 10

#: The ``"auto"`` noise below AUTO_MIN_SAMPLES rows, in standardized units:
#: without it a default fit on 20 rows scored up to 17 nats per row worse than
#: an unconditional Gaussian; with it, never more than 1 (benchmarks/tiny_data.py,
#: docs/benchmarks/evidence.rst, evidence-tiny-data). From AUTO_MIN_SAMPLES
#: rows, "auto" is no noise: early stopping takes over.
TINY_NOISE = 0.5

#: ``n_members="auto"``: an ensemble of AUTO_MEMBERS networks (TabM's
#: parameter-efficient ensemble, pooled into one mixture) for two or more
#: features and from AUTO_MIN_SAMPLES up to AUTO_MEMBERS_MAX_SAMPLES rows; one
#: network otherwise. On the small UCI sets the ensemble lowered the test NLL,
#: CRPS and RMSE (evidence-ensemble); past 2,000 rows it lowered the NLL of
#: every set measured by more than twice the standard error, and its fit cost
#: 2.2 times one network's at 2,500 and 5,000 rows but 3.1 to 4.4 times from
#: 7,000 rows on, more than the budget of 3 (evidence-ensemble-size; both in
#: docs/benchmarks/evidence.rst). On the 1-D reference problems (whose error
#: is bias, not variance) it did not help. Below AUTO_MIN_SAMPLES rows the
#: noise regularizes one network.
AUTO_MEMBERS = 6
AUTO_MEMBERS_MAX_SAMPLES = 5000

#: ``learning_rate_init="auto"``: the AdamW learning rate of one network and
#: of an ensemble (whose pooled, smoother loss takes larger steps well).
AUTO_LEARNING_RATE = 1e-3
AUTO_LEARNING_RATE_ENSEMBLE = 2e-3

#: ``n_iter_no_change="auto"`` for an ensemble with validation: at most this
#: many epochs of patience (the pooled validation NLL of k members is smooth).
AUTO_PATIENCE_MAX_ENSEMBLE = 100

#: ``input_embedding="auto"``: this embedding of the features for an ensemble
#: (n_members > 1), none for one network. With the default ensemble it lowered
#: the test NLL of all five small UCI sets and the RMSE of concrete and energy
#: by 15 % and 20 % (docs/benchmarks/evidence.rst, evidence-embedding); with one
#: network, on the
#: 1-D reference problems, it did not help.
AUTO_EMBEDDING_ENSEMBLE = "periodic"

#: The thread rule (``n_threads=None``): torch computes a training step of a
#: network on ``min(work // TRAIN_WORK_PER_THREAD, current)`` threads, at
#: least one, where ``work`` is the batch size times the weights a row passes
#: through (all members'). Below TRAIN_WORK_PER_THREAD a second thread did
#: not speed up a fit on a quiet 2-core machine, and with one busy process
#: beside it two threads made a default fit many times slower
#: (docs/benchmarks/speed.rst, "Threads"). Inference runs in chunks of
#: thousands of rows and gains from threads from a smaller network on:
#: INFER_WORK_PER_THREAD per chunk.
TRAIN_WORK_PER_THREAD = 10_000_000
INFER_WORK_PER_THREAD = 1_000_000
#: The point model's own libraries (OpenMP, BLAS) get one thread per
#: POINT_ROWS_PER_THREAD rows it fits or predicts, within [1, current].
POINT_ROWS_PER_THREAD = 20_000

#: ``train_dtype="auto"``: float32 from AUTO_MIN_SAMPLES rows on, float64
#: below. Inputs and targets are standardized in float64 before the cast, so
#: float32 trains as well and faster (docs/benchmarks/evidence.rst, evidence-float32); below
#: AUTO_MIN_SAMPLES rows a fit costs little either way, and float64 keeps it
#: an exact function of the data (weights and repeated rows agree to 1e-7).
AUTO_TRAIN_DTYPE = "float32"

#: ``point_regressor="auto"`` considers a point model (gradient-boosted trees)
#: for one target, AUTO_POINT_MIN_FEATURES or more features and
#: AUTO_MIN_SAMPLES or more rows, never in ``partial_fit``; it keeps the model
#: when its out-of-fold R^2 is below AUTO_POINT_MAX_R2. On the UCI benchmark
#: the point model helped where the target is noisy (power-plant, wine,
#: Boston) and hurt where a smooth function explains nearly all of it and the
#: network alone predicts better than trees (yacht by 0.44 nats, naval by
#: 0.25, energy); no rule on the shape of the data alone separates them
#: (docs/benchmarks/evidence.rst, evidence-point-regressor).
AUTO_POINT_MIN_FEATURES = 3
AUTO_POINT_MAX_R2 = 0.98

#: "full" covariances of a multi-output target start with their correlations
#: held at zero for ``min(WARMUP_MAX_EPOCHS, max_iter // 4)`` epochs.
WARMUP_MAX_EPOCHS = 20


#: The estimator parameters that :func:`resolve_plan` reads, by their names.
PLAN_PARAMETERS = (
    "covariance_type", "batch_size", "max_iter", "early_stopping", "validation_fraction",
    "n_iter_no_change", "tol", "lr_schedule", "ema_decay", "input_noise", "target_noise",
    "n_members", "learning_rate_init", "train_dtype", "point_regressor",
)


@dataclass(frozen=True)
class TrainingPlan:
    """How one call of ``fit`` (or ``partial_fit``) trains, with every rule resolved.

    Attributes
    ----------
    n_samples : int
        Rows given to fit.
    n_valid : int
        Rows held out for validation; 0 without a validation split.
    batch_size : int
        Rows per optimizer step.
    max_epochs : int
        Epochs to run at most.
    patience : int or None
        Epochs without an improvement of ``tol`` before training stops (the
        most, when ``patience_factor`` is set); None for a plain pass
        (``partial_fit``), which never stops early.
    patience_factor : float or None
        With the automatic rule: the patience is ``patience_base +
        ceil(patience_factor * b)`` epochs, ``b`` the epoch of the best score
        so far, at most ``patience``. None: the patience is fixed.
    patience_base : int
        The patience of the scaled rule at the first epoch.
    tol : float
        Smallest improvement of the monitored loss that counts.
    input_noise, target_noise : float
        Standard deviations of the training noise, in standardized units.
    schedule : {"plateau", "cosine", "constant"}
        Learning-rate schedule; "plateau" only with a validation split.
    plateau_patience : int
        Epochs without improvement before "plateau" halves the rate.
    ema_decay : float or None
        Decay of the weight average; None when weights are not averaged
        (there is no validation split, or averaging is off).
    warmup_epochs : int
        Epochs during which "full" correlations are held at zero; 0 when
        there are none to hold.
    n_members : int
        Networks in the ensemble (1: a single network).
    learning_rate : float
        Initial AdamW learning rate.
    dtype : {"float32", "float64"}
        The floating-point type training computes in.
    point_model : bool
        Whether a first fit cross-fits a point model whose predictions are
        network inputs (``point_regressor`` set, or "auto" turned on).
    member_shuffles : bool
        Whether each member of an ensemble (``n_members > 1``) draws its own
        shuffle of the training rows, rather than all sharing one. False
        here: own shuffles scored worse on the UCI data measured
        (docs/benchmarks/evidence.rst, evidence-member-shuffles); a
        subclass's ``_training_plan`` may turn them on.

    Examples
    --------
    >>> from skmdn._plan import resolve_plan
    >>> plan = resolve_plan(n_samples=4000, n_features=1, n_targets=1)
    >>> plan.validate, plan.n_valid, plan.batch_size, plan.patience, plan.plateau_patience
    (True, 400, 180, 200, 66)
    """

    n_samples: int
    n_valid: int
    batch_size: int
    max_epochs: int
    patience: "int | None"
    tol: float
    input_noise: float
    target_noise: float
    schedule: str
    plateau_patience: int
    ema_decay: "float | None"
    warmup_epochs: int
    n_members: int = 1
    patience_factor: "float | None" = None
    patience_base: int = 0
    learning_rate: float = AUTO_LEARNING_RATE
    dtype: str = "float64"
    point_model: bool = False
    member_shuffles: bool = False

    @property
    def validate(self):
        """Whether a validation split is held out."""
        return self.n_valid > 0

    @property
    def n_train(self):
        """Rows trained on."""
        return self.n_samples - self.n_valid

    @property
    def monitor(self):
        """The history key that early stopping and the schedule watch."""
        return "valid_loss" if self.validate else "train_loss"


def n_valid_rows(n_samples, fraction):
    """Rows a validation split of ``fraction`` holds out of ``n_samples``.

    At least one, and at least one left to train on.

    Examples
    --------
    >>> n_valid_rows(100, 0.1), n_valid_rows(2, 0.1), n_valid_rows(1000, 0.5)
    (10, 1, 500)
    """
    return min(max(1, int(round(fraction * n_samples))), n_samples - 1)


def uses_validation(early_stopping, n_samples):
    """Whether ``early_stopping`` holds out a validation split of ``n_samples`` rows."""
    if early_stopping == "auto":
        return n_samples >= AUTO_MIN_SAMPLES
    return bool(early_stopping) and n_samples >= 2


def auto_batch_size(n_train, n_members=1):
    """``batch_size="auto"``: about AUTO_BATCHES steps per epoch, in [32, 200], at most n.

    For an ensemble, as many steps as batches of ``n_train // 10`` rows within
    [32, 200] take (AUTO_BATCHES_ENSEMBLE, AUTO_BATCH_MIN_ENSEMBLE), with the
    rows shared out evenly among them: no small last batch.

    Examples
    --------
    >>> auto_batch_size(834), auto_batch_size(834, n_members=6)  # 11 steps of 76 rows or fewer
    (41, 76)
    """
    if n_members == 1:
        least, per_epoch = AUTO_BATCH_MIN, AUTO_BATCHES
    else:
        least, per_epoch = AUTO_BATCH_MIN_ENSEMBLE, AUTO_BATCHES_ENSEMBLE
    size = min(n_train, max(least, min(AUTO_BATCH_MAX, n_train // per_epoch)))
    if n_members == 1:
        return size
    steps = -(-n_train // size)
    return -(-n_train // steps)  # the same steps, in batches of (nearly) equal size


def auto_patience(n_train, batch_size, n_members=1):
    """The base patience of ``n_iter_no_change="auto"``: about AUTO_PATIENCE_STEPS steps.

    Within [AUTO_PATIENCE_MIN, AUTO_PATIENCE_MAX] epochs, or
    AUTO_PATIENCE_MAX_ENSEMBLE for an ensemble. A third of it is the plateau
    schedule's patience; the stopping rule stops sooner (AUTO_STOP_BASE,
    AUTO_STOP_FACTOR).
    """
    steps_per_epoch = -(-n_train // batch_size)
    epochs = -(-AUTO_PATIENCE_STEPS // steps_per_epoch)
    most = AUTO_PATIENCE_MAX if n_members == 1 else AUTO_PATIENCE_MAX_ENSEMBLE
    return int(min(most, max(AUTO_PATIENCE_MIN, epochs)))


def auto_members(n_samples, n_features, single_pass=False):
    """``n_members="auto"``: AUTO_MEMBERS for 2+ features and [100, 5000) rows, else 1.

    The bounds are AUTO_MIN_SAMPLES and AUTO_MEMBERS_MAX_SAMPLES. A plain pass
    (``partial_fit``) sees one chunk of a stream: one network.

    Examples
    --------
    >>> [auto_members(n, 3) for n in (99, 100, 4999, 5000)], auto_members(500, 1)
    ([1, 6, 6, 1], 1)
    """
    small = AUTO_MIN_SAMPLES <= n_samples < AUTO_MEMBERS_MAX_SAMPLES
    if single_pass or n_features < 2 or not small:
        return 1
    return AUTO_MEMBERS


def resolve_embedding(input_embedding, n_members):
    """``input_embedding`` with "auto" resolved for an ensemble of ``n_members``.

    Examples
    --------
    >>> resolve_embedding("auto", 6), resolve_embedding("auto", 1), resolve_embedding(None, 6)
    ('periodic', None, None)
    """
    if input_embedding == "auto":
        return AUTO_EMBEDDING_ENSEMBLE if n_members > 1 else None
    return input_embedding


def auto_threads(work, per_thread, available):
    """Threads for a task of ``work``: one per ``per_thread``, within [1, available].

    Parameters
    ----------
    work : int
        Rows per call times the weights each row passes through.
    per_thread : int
        Work that pays for one more thread (TRAIN_WORK_PER_THREAD or
        INFER_WORK_PER_THREAD).
    available : int
        The caller's current setting; the rule never raises it.

    Examples
    --------
    >>> auto_threads(180 * 5_263, TRAIN_WORK_PER_THREAD, 2)  # the demo's network: one
    1
    >>> auto_threads(4096 * 139_791, TRAIN_WORK_PER_THREAD, 2)  # 3 x 256 at batch 4096
    2
    """
    return int(max(1, min(available, work // per_thread)))


def resolve_train_dtype(train_dtype, n_samples):
    """``train_dtype`` resolved: AUTO_TRAIN_DTYPE from AUTO_MIN_SAMPLES rows, else float64.

    Examples
    --------
    >>> resolve_train_dtype("auto", 99), resolve_train_dtype("auto", 100)
    ('float64', 'float32')
    """
    if train_dtype != "auto":
        return train_dtype
    return AUTO_TRAIN_DTYPE if n_samples >= AUTO_MIN_SAMPLES else "float64"


def uses_point_model(point_regressor, n_samples, n_features, n_targets, single_pass=False):
    """Whether a fit cross-fits a point model: the parameter set, or "auto" considering one.

    "auto" considers one for one target, AUTO_POINT_MIN_FEATURES or more
    features and AUTO_MIN_SAMPLES or more rows, never in a plain pass
    (``partial_fit``); :func:`keeps_point_model` decides after the cross-fit.

    Examples
    --------
    >>> uses_point_model("auto", 500, 8, 1), uses_point_model("auto", 4000, 1, 1)
    (True, False)
    >>> uses_point_model(None, 500, 8, 1), uses_point_model("auto", 500, 8, 1, single_pass=True)
    (False, False)
    """
    if not isinstance(point_regressor, str):
        return point_regressor is not None
    return (not single_pass and n_targets == 1 and n_features >= AUTO_POINT_MIN_FEATURES
            and n_samples >= AUTO_MIN_SAMPLES)


def keeps_point_model(point_regressor, oof_r2):
    """Whether a cross-fitted point model stays: always when set, for "auto" below AUTO_POINT_MAX_R2.

    Parameters
    ----------
    point_regressor : regressor or "auto"
    oof_r2 : float
        R^2 of the point model's out-of-fold predictions of the training rows.

    Examples
    --------
    >>> keeps_point_model("auto", 0.86), keeps_point_model("auto", 0.992)
    (True, False)
    """
    return not isinstance(point_regressor, str) or oof_r2 < AUTO_POINT_MAX_R2


def auto_noise(n_samples, single_pass=False):
    """The ``"auto"`` noise standard deviation: TINY_NOISE below AUTO_MIN_SAMPLES rows, else 0.

    A plain pass (``partial_fit``) sees one chunk of a stream, not the whole
    data: its ``"auto"`` noise is 0.
    """
    return TINY_NOISE if n_samples < AUTO_MIN_SAMPLES and not single_pass else 0.0


def resolve_plan(
    *,
    n_samples,
    n_features,
    n_targets,
    covariance_type="full",
    batch_size="auto",
    max_iter=1000,
    early_stopping="auto",
    validation_fraction=0.1,
    n_iter_no_change="auto",
    tol=1e-4,
    lr_schedule="plateau",
    ema_decay=0.99,
    input_noise="auto",
    target_noise="auto",
    n_members="auto",
    learning_rate_init="auto",
    train_dtype="auto",
    point_regressor=None,
    single_pass=False,
):
    """Resolve the estimator's training parameters for data of a given shape.

    Parameters
    ----------
    n_samples, n_features, n_targets : int
        Shape of the training data.
    covariance_type, batch_size, max_iter, early_stopping, \
validation_fraction, n_iter_no_change, tol, lr_schedule, ema_decay, \
input_noise, target_noise, n_members, learning_rate_init, train_dtype, \
point_regressor
        As the parameters of :class:`~skmdn.MDNRegressor` (validated there).
    single_pass : bool, default=False
        Plan one plain epoch, as ``partial_fit`` runs it: no validation
        split, stopping rule, schedule, weight averaging or warm-up.

    Returns
    -------
    TrainingPlan
    """
    n_samples = int(n_samples)
    if n_members == "auto":
        n_members = auto_members(n_samples, n_features, single_pass)
    n_members = int(n_members)
    if learning_rate_init == "auto":
        learning_rate_init = AUTO_LEARNING_RATE if n_members == 1 else AUTO_LEARNING_RATE_ENSEMBLE
    validate = not single_pass and uses_validation(early_stopping, n_samples)
    n_valid = n_valid_rows(n_samples, validation_fraction) if validate else 0
    n_train = n_samples - n_valid
    if batch_size == "auto":
        batch_size = auto_batch_size(n_train, n_members)
    batch_size = int(batch_size)
    noise = auto_noise(n_samples, single_pass)
    input_noise, target_noise = (
        noise if value == "auto" else float(value) for value in (input_noise, target_noise)
    )
    factor, base = None, 0
    if single_pass:
        patience = None
    elif n_iter_no_change != "auto":
        patience = int(n_iter_no_change)
    elif validate:
        patience = auto_patience(n_train, batch_size, n_members)
    else:
        patience = AUTO_PATIENCE_NO_VALIDATION
    plateau_patience = max(1, (patience or 1) // 3)
    if validate and n_iter_no_change == "auto":
        factor, base = AUTO_STOP_FACTOR, AUTO_STOP_BASE
    schedule = lr_schedule
    if single_pass or (schedule == "plateau" and not validate):
        schedule = "constant"
    warmup = 0
    if not single_pass and covariance_type == "full" and n_targets > 1:
        warmup = min(WARMUP_MAX_EPOCHS, int(max_iter) // 4)
    return TrainingPlan(
        n_samples=n_samples,
        n_valid=n_valid,
        batch_size=batch_size,
        max_epochs=1 if single_pass else int(max_iter),
        patience=patience,
        tol=float(tol),
        input_noise=input_noise,
        target_noise=target_noise,
        schedule=schedule,
        plateau_patience=plateau_patience,
        ema_decay=ema_decay if validate else None,
        warmup_epochs=warmup,
        n_members=n_members,
        patience_factor=factor,
        patience_base=base,
        learning_rate=float(learning_rate_init),
        dtype=resolve_train_dtype(train_dtype, n_samples),
        point_model=uses_point_model(point_regressor, n_samples, n_features, n_targets,
                                     single_pass),
    )


def convergence_message(plan, epochs_run, max_iter):
    """The text of the ConvergenceWarning of a fit that ran out of epochs, or None.

    Parameters
    ----------
    plan : TrainingPlan
        The plan of the fit; a plain pass (``partial_fit``) never warns.
    epochs_run : int
        Epochs this fit ran.
    max_iter : int
        The estimator's ``max_iter``, as the message names it.

    Returns
    -------
    str or None

    Examples
    --------
    >>> plan = resolve_plan(n_samples=50, n_features=1, n_targets=1, max_iter=3)
    >>> convergence_message(plan, 3, 3)[:44]
    'MDNRegressor stopped at max_iter=3 epochs wh'
    >>> convergence_message(plan, 2, 3) is None
    True
    """
    if plan.patience is None or epochs_run < plan.max_epochs:
        return None
    return (
        f"MDNRegressor stopped at max_iter={max_iter} epochs while the "
        f"{'validation' if plan.validate else 'training'} loss was still "
        "improving; raise max_iter for a better fit."
    )
