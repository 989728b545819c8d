"""``MDNRegressor``: the scikit-learn estimator around a skorch-trained MDN."""

import warnings
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator, RegressorMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import _num_samples, check_is_fitted, validate_data
from skorch.callbacks import Callback, EarlyStopping, LRScheduler
from torch.optim.lr_scheduler import CosineAnnealingLR, ReduceLROnPlateau

from ._data import BatchIterator, SeededSplit, TensorBatches
from ._distribution import MixtureDistribution
from ._module import ACTIVATIONS, COVARIANCE_TYPES, MDNModule, MixtureNLLLoss
from ._training import GuardedNet, WeightAveraging, continue_training, is_plain
from ._utils import resolve_device, seed_from
from ._validation import (
    check_finite_target,
    check_numeric_frame,
    check_target_varies,
    normalized_sample_weight,
)

_TORCH_DTYPES = {np.dtype(np.float32): torch.float32, np.dtype(np.float64): torch.float64}

#: Below this many rows, ``"auto"`` turns off early stopping and noise: a
#: validation split of a handful of rows says nothing, and training stays a
#: deterministic function of the (weighted) data.
AUTO_MIN_SAMPLES = 100

#: ``batch_size="auto"`` aims at this many optimizer steps per epoch (within
#: [32, 200] rows per batch). Twenty rather than ten lowered the UCI test NLL
#: of the small data sets (energy 0.64 -> 0.52; docs/benchmarks/quality.rst).
AUTO_BATCHES = 20

#: ``n_iter_no_change="auto"`` with validation: about this many optimizer steps
#: of patience, clipped to [MIN, MAX] epochs (measured in docs/benchmarks/quality.rst).
AUTO_PATIENCE_STEPS = 4000
AUTO_PATIENCE_MIN, AUTO_PATIENCE_MAX = 50, 200

#: The ``"auto"`` noise is ``NOISE_FACTOR * n ** (-1 / (4 + p + d))``.
NOISE_FACTOR = 0.1

#: Rows per forward pass at inference; memory is bounded by this, not by n.
INFERENCE_BATCH_SIZE = 65536
#: Rows per call of the network within an inference batch (cache-sized activations).
FORWARD_CHUNK_SIZE = 4096

#: Use torch's fused Adam kernel (a few calls per step instead of about ten per
#: parameter tensor); on the CPU it exists from torch 2.4 on.
_FUSED_ADAM = tuple(int(v) for v in torch.__version__.split(".")[:2]) >= (2, 4)


def _silent(*args, **kwargs):
    """A print sink that prints nothing (picklable, unlike a lambda)."""


class DiagonalWarmup(Callback):
    """Hold the correlations of "full" components at zero for the first epochs.

    Sets ``correlation_gain`` of the :class:`~skmdn._module.MDNModule` to 0
    for the first ``epochs`` epochs of training and to 1 afterwards (and at
    the end of training); see the module's notes for why.
    """

    def __init__(self, epochs):
        self.epochs = epochs

    def on_epoch_begin(self, net, **kwargs):
        net.module_.correlation_gain = 0.0 if len(net.history) <= self.epochs else 1.0

    def on_train_end(self, net, **kwargs):
        net.module_.correlation_gain = 1.0


def _standardize_params(a, weights=None):
    """Column means and scales; a zero or non-finite scale is replaced by 1."""
    loc = np.average(a, axis=0, weights=weights)
    scale = np.sqrt(np.average((a - loc) ** 2, axis=0, weights=weights))
    tiny = np.finfo(np.float64).tiny ** 0.25
    scale = np.where((scale > tiny * np.maximum(1.0, np.abs(loc))) & np.isfinite(scale), scale, 1.0)
    return loc, scale


def _auto_patience(n_train, batch_size):
    """Epochs of patience for ``n_iter_no_change="auto"`` with validation: ~4000 steps."""
    steps_per_epoch = -(-n_train // batch_size)
    return int(min(AUTO_PATIENCE_MAX, max(AUTO_PATIENCE_MIN,
                                          -(-AUTO_PATIENCE_STEPS // steps_per_epoch))))


class MDNRegressor(RegressorMixin, BaseEstimator):
    """Mixture density network: a neural network that predicts p(y | x) as a Gaussian mixture.

    For every input x, an MLP outputs the weights, means and covariances of a
    mixture of ``n_components`` Gaussians over the target. Training maximises
    the log-likelihood of the data through :class:`skorch.NeuralNet`. Use it
    where a single prediction is not enough: multi-valued (inverse) problems,
    multimodal or heteroscedastic noise, or whenever you need quantiles,
    intervals, samples or densities rather than a mean.

    X and y are standardized internally; every output is in the user's units.

    Parameters
    ----------
    n_components : int, default=5
        Number of mixture components K.
    covariance_type : {"full", "diag", "spherical"}, default="full"
        Form of each component's covariance, as in
        :class:`~sklearn.mixture.GaussianMixture`. For a 1-D target all three
        are the same model.
    hidden_layer_sizes : tuple of int, default=(64, 64)
        Widths of the hidden layers, as in :class:`~sklearn.neural_network.MLPRegressor`.
    activation : {"tanh", "relu", "logistic", "identity"}, default="tanh"
        Nonlinearity of the hidden layers.
    alpha : float, default=0.0
        Decoupled weight decay of the AdamW optimizer (0 turns it off).
    batch_size : int or "auto", default="auto"
        Mini-batch size; "auto" means ``n_train // 20`` clipped to [32, 200]
        (and at most ``n_train``), so small data sets still get about twenty
        optimizer steps per epoch.
    learning_rate_init : float, default=1e-3
        Initial AdamW learning rate.
    max_iter : int, default=1000
        Maximum number of epochs; training normally ends earlier, by the
        stopping rule.
    early_stopping : bool or "auto", default="auto"
        Hold out ``validation_fraction`` of the training data (a seeded random
        split), stop when its NLL has not improved by ``tol`` for
        ``n_iter_no_change`` epochs, and restore the weights of the best
        epoch. "auto" does so when there are at least 100 training rows;
        below that (and always with False) the training NLL is monitored and
        the last weights are kept. True with a single row falls back to that
        too.
    validation_fraction : float, default=0.1
        Share of the data held out when early stopping is on.
    n_iter_no_change : int or "auto", default="auto"
        Patience, in epochs, of the stopping rule. "auto", with a validation
        split, waits about 4000 optimizer steps, but no fewer than 50 and no
        more than 200 epochs: small data sets take few steps per epoch and
        need many epochs (200 at up to 20 batches per epoch), large ones
        few. Without a validation split it is 10: the training NLL of a tiny
        data set keeps creeping down long after the fit stops improving.
    tol : float, default=1e-4
        Smallest NLL decrease (nats, standardized units) that counts as an
        improvement, for stopping and for the learning-rate schedule.
    lr_schedule : {"plateau", "cosine", "constant"}, default="plateau"
        "plateau" halves the learning rate when the validation NLL has not
        improved for ``n_iter_no_change // 3`` epochs (without a validation
        split it keeps the rate constant); "cosine" anneals it to
        zero over ``max_iter`` epochs; "constant" keeps it.
    ema_decay : float in [0, 1) or None, default=0.99
        With a validation split, keep an exponential moving average of the
        weights, updated after every optimizer step with this decay (warmed
        up as ``min(ema_decay, (1 + t) / (10 + t))`` at step ``t``, so early
        on it spans the last tenth or so of the steps). The average, not the
        raw weights, is what is validated, early-stopped, fed to the
        learning-rate schedule and kept; the optimizer goes on training the
        raw weights. None turns it off. It is unused without a validation
        split. On the UCI benchmark it lowered the test NLL of every data
        set it was tried on (docs/benchmarks/quality.rst).
    input_noise, target_noise : float or "auto", default=0.0
        Standard deviation of Gaussian noise added to the standardized inputs
        and targets of every training batch (noise regularization, Rothfuss
        et al. 2019); never applied at inference. "auto" is the rule of thumb
        ``0.1 * n ** (-1 / (4 + n_features + n_targets))`` (0 below 100 rows).
        Off by default: on the benchmarks of docs/benchmarks/quality.rst it
        did not help (see there).
    point_estimate : {"mean", "mode", "median"}, default="mean"
        What :meth:`predict` returns: the conditional mean, the highest mode
        of the predicted mixture (found by mean-shift from every component
        mean), or the conditional median. For a d-dimensional target the
        median is the vector of the d marginal medians.
    device : str, default="cpu"
        "cpu", "cuda", "cuda:N" or "auto" (CUDA if available). Asking for CUDA
        on a machine without it raises ValueError at fit.
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, shuffling and the validation split.
        Global random state is never touched.
    verbose : int, default=0
        If positive, print a line of losses per epoch.
    warm_start : bool, default=False
        If True, a new ``fit`` continues from the current weights and optimizer
        state for ``max_iter`` more epochs, keeping the scaling of the first
        fit. Training parameters (``max_iter``, ``learning_rate_init``, ...)
        take their current values; changing the architecture
        (``n_components``, ``covariance_type``, ``hidden_layer_sizes``,
        ``activation``) is an error. See also :meth:`partial_fit`.

    Attributes
    ----------
    net_ : skorch.NeuralNet
        The trained network; ``net_.history`` holds the per-epoch losses.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of the features, when X was a DataFrame with string column names.
    n_outputs_ : int
        Target dimension d.
    n_iter_ : int
        Number of epochs run.
    loss_curve_ : list of float
        Training NLL (in standardized units) per epoch.
    x_mean_, x_scale_ : ndarray of shape (`n_features_in_`,)
        Input standardization.
    y_mean_, y_scale_ : ndarray of shape (`n_outputs_`,)
        Target standardization.

    See Also
    --------
    sklearn.neural_network.MLPRegressor : The same network fitted by least squares.
    sklearn.mixture.GaussianMixture : An unconditional Gaussian mixture.

    Examples
    --------
    >>> import numpy as np
    >>> from skmdn import MDNRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.uniform(-1, 1, size=(200, 1))
    >>> y = np.where(rng.random(200) < 0.5, 1.0, -1.0) * X.ravel() + 0.05 * rng.normal(size=200)
    >>> mdn = MDNRegressor(n_components=2, max_iter=20, random_state=0).fit(X, y)
    >>> mdn.predict(X[:3]).shape
    (3,)
    >>> mdn.sample(X[:3], n_samples=5, random_state=0).shape
    (3, 5)
    """

    _parameter_constraints = {
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "covariance_type": [StrOptions(set(COVARIANCE_TYPES))],
        "hidden_layer_sizes": ["array-like"],
        "activation": [StrOptions(set(ACTIVATIONS))],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "early_stopping": ["boolean", StrOptions({"auto"})],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "tol": [Interval(Real, 0, None, closed="left")],
        "lr_schedule": [StrOptions({"plateau", "cosine", "constant"})],
        "input_noise": [Interval(Real, 0, None, closed="left"), StrOptions({"auto"})],
        "target_noise": [Interval(Real, 0, None, closed="left"), StrOptions({"auto"})],
        "ema_decay": [Interval(Real, 0, 1, closed="left"), None],
        "point_estimate": [StrOptions({"mean", "mode", "median"})],
        "device": [str, torch.device],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
    }

    def __init__(
        self,
        n_components=5,
        *,
        covariance_type="full",
        hidden_layer_sizes=(64, 64),
        activation="tanh",
        alpha=0.0,
        batch_size="auto",
        learning_rate_init=1e-3,
        max_iter=1000,
        early_stopping="auto",
        validation_fraction=0.1,
        n_iter_no_change="auto",
        tol=1e-4,
        lr_schedule="plateau",
        ema_decay=0.99,
        input_noise=0.0,
        target_noise=0.0,
        point_estimate="mean",
        device="cpu",
        random_state=None,
        verbose=0,
        warm_start=False,
    ):
        self.n_components = n_components
        self.covariance_type = covariance_type
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate_init = learning_rate_init
        self.max_iter = max_iter
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.lr_schedule = lr_schedule
        self.ema_decay = ema_decay
        self.input_noise = input_noise
        self.target_noise = target_noise
        self.point_estimate = point_estimate
        self.device = device
        self.random_state = random_state
        self.verbose = verbose
        self.warm_start = warm_start

    # ------------------------------------------------------------------ tags
    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = True
        return tags

    # ----------------------------------------------------------- persistence
    def __getstate__(self):
        state = super().__getstate__()
        from . import __version__

        state["_skmdn_version"] = __version__
        return state

    def __setstate__(self, state):
        from . import __version__

        saved = state.pop("_skmdn_version", "unknown")
        if saved != __version__:
            warnings.warn(
                f"This MDNRegressor was pickled with skmdn {saved} and is loaded with "
                f"skmdn {__version__}. It may not work, or give different results; "
                "refit it with this version, or load it with the version that saved it.",
                UserWarning,
                stacklevel=2,
            )
        super().__setstate__(state)

    # ------------------------------------------------------------------- fit
    def _hidden_sizes(self):
        sizes = np.atleast_1d(np.asarray(self.hidden_layer_sizes))
        if sizes.ndim != 1 or (sizes.size and (not np.issubdtype(sizes.dtype, np.integer)
                                              or sizes.min() < 1)):
            raise ValueError(
                "hidden_layer_sizes must be a sequence of positive integers, got "
                f"{self.hidden_layer_sizes!r}."
            )
        return tuple(int(s) for s in sizes)

    def _uses_validation(self, n_samples):
        """Whether this fit holds out a validation split (see ``early_stopping``)."""
        if self.early_stopping == "auto":
            return n_samples >= AUTO_MIN_SAMPLES
        return bool(self.early_stopping) and n_samples >= 2

    def _noise_stds(self, n_samples, n_features, n_targets):
        """Input and target noise standard deviations, in standardized units."""
        auto = 0.0
        if n_samples >= AUTO_MIN_SAMPLES:
            auto = NOISE_FACTOR * n_samples ** (-1.0 / (4.0 + n_features + n_targets))
        return tuple(
            auto if value == "auto" else float(value)
            for value in (self.input_noise, self.target_noise)
        )

    def _build_net(self, n_features, n_targets, n_samples, device, seed):
        validate = self._uses_validation(n_samples)
        n_train = n_samples - SeededSplit(self.validation_fraction, seed).n_valid(n_samples) \
            if validate else n_samples
        batch_size = self.batch_size
        if batch_size == "auto":
            batch_size = min(n_train, max(32, min(200, n_train // AUTO_BATCHES)))
        input_noise, target_noise = self._noise_stds(n_samples, n_features, n_targets)
        monitor = "valid_loss" if validate else "train_loss"
        patience = self.n_iter_no_change
        if patience == "auto":
            patience = _auto_patience(n_train, batch_size) if validate else 10
        sink = print if self.verbose else _silent
        callbacks = [(
            "stopping",
            EarlyStopping(
                monitor=monitor,
                patience=patience,
                threshold=self.tol,
                threshold_mode="abs",
                load_best=validate,
                sink=sink,
            ),
        )]
        if validate and self.ema_decay is not None:
            # First, so that the average is swapped in before any other
            # callback sees a validation batch.
            callbacks.insert(0, ("weight_averaging", WeightAveraging(self.ema_decay)))
        if self.lr_schedule == "plateau" and validate:
            callbacks.append(("lr_schedule", LRScheduler(
                ReduceLROnPlateau, monitor=monitor, mode="min", factor=0.5,
                patience=max(1, patience // 3), threshold=self.tol,
                threshold_mode="abs",
            )))
        elif self.lr_schedule == "cosine":
            callbacks.append(("lr_schedule", LRScheduler(CosineAnnealingLR, T_max=self.max_iter)))
        if self.covariance_type == "full" and n_targets > 1:
            callbacks.append(("diagonal_warmup", DiagonalWarmup(min(20, self.max_iter // 4))))
        return GuardedNet(
            module=MDNModule,
            module__n_features=n_features,
            module__n_targets=n_targets,
            module__n_components=self.n_components,
            module__covariance_type=self.covariance_type,
            module__hidden_layer_sizes=self._hidden_sizes(),
            module__activation=self.activation,
            module__generator=torch.Generator().manual_seed(seed),
            criterion=MixtureNLLLoss,
            optimizer=torch.optim.AdamW,
            optimizer__weight_decay=self.alpha,
            optimizer__fused=_FUSED_ADAM,
            lr=self.learning_rate_init,
            max_epochs=self.max_iter,
            batch_size=batch_size,
            iterator_train=BatchIterator,
            iterator_train__shuffle=True,
            iterator_train__seed=seed,
            iterator_train__input_noise=input_noise,
            iterator_train__target_noise=target_noise,
            iterator_valid=BatchIterator,
            train_split=SeededSplit(self.validation_fraction, seed) if validate else None,
            callbacks=callbacks,
            device=device,
            verbose=int(self.verbose),
        )

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the mixture density network.

        Training stops early with :class:`FloatingPointError` if the loss or
        the weights stop being finite; the weights of the last finished epoch
        are kept. Ctrl-C (KeyboardInterrupt) ends training with a warning and
        keeps the weights of the last finished epoch.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Numeric inputs. DataFrames with categorical or string columns are
            refused (encode them with a ``ColumnTransformer``); sparse matrices
            are refused.
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Targets; every column must take at least two distinct values.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative per-row weights of the negative log-likelihood (and
            of the internal standardization); an integer weight acts like
            repeating the row. Rescaled to mean 1.

        Returns
        -------
        self : MDNRegressor
            The fitted estimator.
        """
        warm = self.warm_start and hasattr(self, "net_")
        return self._fit(X, y, sample_weight, keep=warm, epochs=None)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None):
        """Train for one epoch on ``(X, y)``, continuing from the current weights.

        For data that arrive in chunks or do not fit in memory. The first call
        sets the input and target standardization from its chunk, so make it
        representative. Every call runs one plain epoch: no validation split,
        early stopping or learning-rate schedule. ``max_iter`` is ignored.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
        sample_weight : array-like of shape (n_samples,), default=None
            Per-row weights, rescaled to mean 1 within this chunk.

        Returns
        -------
        self : MDNRegressor
        """
        if not isinstance(self.early_stopping, str) and self.early_stopping:
            raise ValueError(
                "partial_fit does not support early_stopping=True: each call runs "
                "exactly one epoch. Set early_stopping=False."
            )
        return self._fit(X, y, sample_weight, keep=hasattr(self, "net_"), epochs=1)

    def _fit(self, X, y, sample_weight, keep, epochs):
        """Fit from scratch (``keep=False``) or continue; ``epochs=1`` for partial_fit."""
        check_numeric_frame(X)
        check_finite_target(y)
        X, y = validate_data(
            self, X, y, reset=not keep, multi_output=True, y_numeric=True,
            dtype=[np.float64, np.float32],
        )
        sample_weight = normalized_sample_weight(sample_weight, X)
        y2 = y.reshape(len(y), -1).astype(np.float64, copy=False)
        if keep and y2.shape[1] != self.n_outputs_:
            raise ValueError(
                f"y has {y2.shape[1]} targets, but this MDNRegressor was fitted with "
                f"{self.n_outputs_}."
            )
        # partial_fit keeps a plain net between calls; anything else is rebuilt
        # from the current parameters (and, with keep, continues the old weights).
        plain = epochs is not None
        reuse = keep and plain and is_plain(self.net_)
        device = self.net_.module_.head.weight.device if reuse else resolve_device(self.device)
        if not keep:
            check_target_varies(y2, sample_weight)
            self._y_1d = y.ndim == 1
            self.n_outputs_ = y2.shape[1]
            self.x_mean_, self.x_scale_ = _standardize_params(X.astype(np.float64), sample_weight)
            self.y_mean_, self.y_scale_ = _standardize_params(y2, sample_weight)

        # The network computes in the dtype of X, as MLPRegressor does.
        dtype = self.net_.module_.head.weight.dtype if keep else _TORCH_DTYPES[X.dtype]
        data = TensorBatches(
            self._to_tensor((X - self.x_mean_) / self.x_scale_, device, dtype),
            self._to_tensor((y2 - self.y_mean_) / self.y_scale_, device, dtype),
            None if sample_weight is None else self._to_tensor(sample_weight, device, dtype),
        )
        seed = seed_from(self.random_state)
        cuda = [device.index or 0] if device.type == "cuda" else []
        try:
            with torch.random.fork_rng(devices=cuda):
                torch.manual_seed(seed)
                if not reuse:
                    net = self._build_net(X.shape[1], self.n_outputs_, len(data), device, seed)
                    if plain:
                        net.train_split, net.callbacks = None, []
                    net.initialize()
                    net.module_.to(dtype)
                    net.initialize_optimizer()
                    if keep:
                        continue_training(self.net_, net)
                    self.net_ = net
                self.net_.partial_fit(data, None, epochs=epochs)
        finally:
            if hasattr(self, "net_"):
                self.n_iter_ = len(self.net_.history)
                self.loss_curve_ = [float(row["train_loss"]) for row in self.net_.history]
        return self

    @staticmethod
    def _to_tensor(a, device, dtype):
        return torch.as_tensor(np.asarray(a), dtype=dtype, device=device)

    # ------------------------------------------------------------- inference
    def _iter_dists(self, X, y=None):
        """Yield ``(rows, MixtureDistribution)`` for consecutive inference batches.

        Each batch holds ``INFERENCE_BATCH_SIZE`` rows; the network runs on
        them in chunks of ``FORWARD_CHUNK_SIZE`` rows, so its activations stay
        in cache. Memory is bounded by the batch, whatever the number of rows.
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=[np.float64, np.float32])
        if y is not None:
            y = np.asarray(y, dtype=np.float64)
            if y.shape[0] != X.shape[0]:
                raise ValueError(
                    f"X has {X.shape[0]} rows but y has {y.shape[0]}; they must match."
                )
            if y.reshape(len(y), -1).shape[1] != self.n_outputs_:
                raise ValueError(
                    f"y has {y.reshape(len(y), -1).shape[1]} targets, but MDNRegressor "
                    f"was fitted with {self.n_outputs_}."
                )
        module = self.net_.module_
        device, dtype = module.head.weight.device, module.head.weight.dtype
        # Standardization runs in torch, in the network's dtype, on its device.
        x_mean = torch.as_tensor(self.x_mean_, dtype=dtype, device=device)
        x_scale = torch.as_tensor(self.x_scale_, dtype=dtype, device=device)
        was_training = module.training
        module.eval()
        try:
            with torch.no_grad():
                for start in range(0, X.shape[0], INFERENCE_BATCH_SIZE):
                    rows = slice(start, start + INFERENCE_BATCH_SIZE)
                    x_rows = X[rows]
                    if not x_rows.flags.writeable:
                        # torch warns on read-only memory (memmaps); copy one batch.
                        x_rows = x_rows.copy()
                    xb = (torch.as_tensor(x_rows, device=device).to(dtype) - x_mean) / x_scale
                    chunks = [module(c) for c in xb.split(FORWARD_CHUNK_SIZE)]
                    logits, means, scales = (torch.cat(t) for t in zip(*chunks))
                    yield rows, MixtureDistribution(
                        logits, means, scales, self.y_mean_, self.y_scale_, self._y_1d
                    )
        finally:
            module.train(was_training)

    def _collect(self, X, fn, y=None):
        """Apply ``fn(dist, rows)`` batch by batch, writing into one output array."""
        out = None
        for rows, dist in self._iter_dists(X, y):
            part = fn(dist, rows)
            if out is None:
                out = np.empty((_num_samples(X),) + part.shape[1:], dtype=part.dtype)
            out[rows] = part
        return out

    def predict(self, X):
        """Point prediction: the conditional mean, mode or median (``point_estimate``).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_targets)
            Shaped like the ``y`` given to fit.
        """
        point = self.point_estimate
        return self._collect(X, lambda dist, rows: getattr(dist, point)())

    def score_samples(self, X, y=None):
        """Conditional log-density log p(y | x) of each row, in the units of y.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_targets), default=None
            Targets. If None, the log-density is evaluated at the point
            prediction ``predict(X)``; with ``point_estimate="mode"`` that is
            the height of the highest peak of each predicted density.

        Returns
        -------
        log_density : ndarray of shape (n_samples,)
            Joint over the targets; includes the Jacobian of the internal
            target scaling, so it is comparable across models and libraries.
        """
        if y is None:
            point = self.point_estimate
            return self._collect(X, lambda d, rows: d.log_prob(getattr(d, point)()))
        y = np.asarray(y)
        return self._collect(X, lambda dist, rows: dist.log_prob(y[rows]), y=y)

    def sample(self, X, n_samples=1, random_state=None, *, pi_bias=0.0, std_bias=0.0):
        """Draw targets from p(y | x) for every row of X.

        Parameters
        ----------
        X : array-like of shape (n_samples_X, n_features)
        n_samples : int, default=1
            Draws per row.
        random_state : int, RandomState instance or None, default=None
            Seeds a private ``torch.Generator``; the same value gives the same
            draws, and global random state is untouched.
        pi_bias : float, default=0.0
            Biased sampling (Graves, 2013): the mixture logits are multiplied
            by ``1 + pi_bias``, which sharpens the weights towards the most
            probable component. Must be >= -1.
        std_bias : float, default=0.0
            Biased sampling: every component's standard deviations (or
            Cholesky factor) are multiplied by ``exp(-std_bias)``. A moderate
            value gives "cleaned" samples; ``np.inf`` returns component means
            exactly. See :meth:`MixtureDistribution.sample`.

        Returns
        -------
        samples : ndarray of shape (n_samples_X, n_samples) or (n_samples_X, n_samples, n_targets)
        """
        if not isinstance(n_samples, Integral) or n_samples < 1:
            raise ValueError(f"n_samples must be a positive integer, got {n_samples!r}.")
        rng = np.random.RandomState(seed_from(random_state))
        return self._collect(
            X,
            lambda dist, rows: dist.sample(n_samples, rng, pi_bias=pi_bias, std_bias=std_bias),
        )

    def predict_dist(self, X):
        """The predicted mixtures for every row of X.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        dist : MixtureDistribution
            Holds ``n_samples`` mixtures, with ``weights`` (n, K), ``means``
            (n, K, d) and ``covariances`` (n, K, d, d) in the units of y, and
            methods ``mean()``, ``covariance()``, ``var()``, ``std()``,
            ``mode()``, ``median()``, ``log_prob(y)``, ``cdf(y)``, ``ppf(q)``,
            ``interval(coverage)``, ``crps(y)``, ``marginal(j)`` and
            ``sample(n_samples, random_state, pi_bias=, std_bias=)``.
        """
        parts = [dist for _, dist in self._iter_dists(X)]
        cpu = [(d._logits.cpu(), d._means.cpu(), d._scales.cpu()) for d in parts]
        logits, means, scales = (torch.cat(t) for t in zip(*cpu))
        return MixtureDistribution(logits, means, scales, self.y_mean_, self.y_scale_, self._y_1d)

    # --------------------------------------------- distribution summaries
    # One convention, skpro's: separate predict_quantiles / predict_interval /
    # predict_var methods; predict itself takes no return_std.
    def predict_quantiles(self, X, quantiles):
        """Conditional quantiles of every target, exact up to 1e-10 target scales.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        quantiles : float or array-like of shape (n_quantiles,)
            Probability levels in [0, 1].

        Returns
        -------
        ndarray of shape (n_samples, n_quantiles) or (n_samples, n_quantiles, n_targets)
            Marginal quantiles; non-decreasing along the quantile axis when
            ``quantiles`` is sorted.

        Examples
        --------
        >>> import numpy as np
        >>> from skmdn import MDNRegressor
        >>> X = np.linspace(-1, 1, 80).reshape(-1, 1); y = X.ravel() ** 2
        >>> mdn = MDNRegressor(n_components=2, max_iter=5, random_state=0).fit(X, y)
        >>> mdn.predict_quantiles(X[:4], [0.05, 0.5, 0.95]).shape
        (4, 3)
        """
        levels = np.atleast_1d(np.asarray(quantiles, dtype=np.float64))
        if levels.ndim != 1:
            raise ValueError("quantiles must be a number or a 1-D array of levels.")
        return self._collect(X, lambda dist, rows: dist.ppf(levels))

    def predict_interval(self, X, coverage=0.9):
        """Central prediction interval of every target.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        coverage : float, default=0.9
            Probability the interval holds, in (0, 1).

        Returns
        -------
        ndarray of shape (n_samples, 2) or (n_samples, 2, n_targets)
            Lower and upper ends: the ``(1 - coverage) / 2`` and
            ``(1 + coverage) / 2`` conditional quantiles.

        Examples
        --------
        >>> import numpy as np
        >>> from skmdn import MDNRegressor
        >>> X = np.linspace(-1, 1, 80).reshape(-1, 1); y = X.ravel() ** 2
        >>> mdn = MDNRegressor(n_components=2, max_iter=5, random_state=0).fit(X, y)
        >>> mdn.predict_interval(X[:4], coverage=0.8).shape
        (4, 2)
        """
        if not isinstance(coverage, Real) or not 0 < coverage < 1:
            raise ValueError(f"coverage must be a number in (0, 1), got {coverage!r}.")
        return self.predict_quantiles(X, [(1 - coverage) / 2, (1 + coverage) / 2])

    def predict_var(self, X):
        """Conditional variance of every target (law of total variance).

        For the full conditional covariance matrix of a multi-output model use
        ``predict_dist(X).covariance()``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,) or (n_samples, n_targets)

        Examples
        --------
        >>> import numpy as np
        >>> from skmdn import MDNRegressor
        >>> X = np.linspace(-1, 1, 80).reshape(-1, 1); y = X.ravel() ** 2
        >>> mdn = MDNRegressor(n_components=2, max_iter=5, random_state=0).fit(X, y)
        >>> bool((mdn.predict_var(X[:4]) > 0).all())
        True
        """
        return self._collect(X, lambda dist, rows: dist.var())
