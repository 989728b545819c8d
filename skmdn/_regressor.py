"""``MDNRegressor``: the scikit-learn layer around a skorch-trained MDN.

Parameters and their validation, the standardization of y, and the
orchestration of ``fit``, ``partial_fit`` and ``warm_start``. The input side
(:mod:`skmdn._inputs`, :mod:`skmdn._point`) turns X into the network's
inputs; how to train is decided by :mod:`skmdn._plan` and carried out by
:mod:`skmdn._training`; prediction runs through :mod:`skmdn._inference`.
"""

import warnings

import torch
from sklearn.base import BaseEstimator, RegressorMixin, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.validation import check_is_fitted

from ._data import TensorBatches, row_keys
from ._inference import DistributionPredictions
from ._inputs import fit_input_map, network_inputs
from ._persistence import VersionedPickle
from ._plan import PLAN_PARAMETERS, convergence_message, resolve_embedding, resolve_plan
from ._point import fit_point_columns
from ._training import is_plain, train_network, user_callbacks
from ._utils import resolve_device, seed_from
from ._validation import (
    PARAMETER_CONSTRAINTS, check_hidden_layer_sizes, check_integer_target, check_single_pass,
    check_target_varies, fit_data, standardization,
)


class MDNRegressor(VersionedPickle, DistributionPredictions, RegressorMixin, BaseEstimator):
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
    n_members : int or "auto", default="auto"
        Ensemble size k, as in TabM: k MLPs sharing hidden weights, each with
        its own head and trained on its own NLL; they predict their average,
        a mixture of k * ``n_components`` components. "auto": 6 for two or
        more features and 100 to 4999 rows, else 1 (and in :meth:`partial_fit`).
    alpha : float, default=0.0
        Decoupled weight decay of the AdamW optimizer (0 turns it off).
    batch_size : int or "auto", default="auto"
        Mini-batch size; "auto" means ``n_train // 20`` clipped to [32, 200]
        and at most ``n_train`` (about twenty steps per epoch); for an
        ensemble ``n_train // 10`` clipped to [32, 200], then evened out so
        that the last batch of an epoch is not much smaller than the others.
    learning_rate_init : float or "auto", default="auto"
        Initial AdamW learning rate; "auto" means 1e-3 for one network and
        2e-3 for an ensemble.
    max_iter : int, default=1000
        Maximum number of epochs; training normally ends earlier, by the
        stopping rule.
    early_stopping : bool or "auto", default="auto"
        Hold out ``validation_fraction`` of the data (a seeded split), stop
        when its NLL has not improved by ``tol`` for ``n_iter_no_change``
        epochs, and keep the best epoch's weights. "auto" does so from 100
        rows on; otherwise the training NLL is monitored and the last
        weights are kept.
    validation_fraction : float, default=0.1
        Share of the data held out when early stopping is on.
    n_iter_no_change : int or "auto", default="auto"
        Patience, in epochs, of the stopping rule. "auto", with a validation
        split, waits about 4000 optimizer steps, within [50, 200] epochs
        ([50, 100] for an ensemble); without one it is 10.
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
        weights, updated after every optimizer step with decay
        ``min(ema_decay, (1 + t) / (10 + t))`` at step ``t``. The average is
        what is validated, early-stopped, scheduled on and kept; the
        optimizer trains the raw weights. None turns it off.
    input_noise, target_noise : float or "auto", default="auto"
        Standard deviation of Gaussian noise on the standardized training inputs
        and targets (Rothfuss et al. 2019), fresh each epoch and set by each
        row's values, so weight 2 trains as the row given twice; never at
        inference. "auto": 0.5 below 100 rows (no early stopping), else 0.
    input_transform : {"standard", "quantile"}, default="standard"
        "quantile" maps every feature of 20 or more distinct values onto a
        standard normal by its training quantiles before standardizing.
    input_embedding : {"auto", "periodic"} or None, default="auto"
        "periodic" passes every standardized feature through learned periodic
        functions (16 per feature, ``rtdl_num_embeddings.PeriodicEmbeddings``)
        before the first layer; None feeds the features as they are. "auto"
        is "periodic" for an ensemble (``n_members_ > 1``), None for one
        network. The fitted choice is ``input_embedding_``.
    point_regressor : regressor, "auto" or None, default=None
        A scikit-learn regressor whose predictions of y become extra inputs
        of the network, so that the mixture learns around a strong point
        model (gradient-boosted trees, say). It sees the user's X, y and
        weights; on the training rows its predictions come from
        5-fold cross-fitting, so no row is predicted by a model that saw it,
        and a copy fitted on all rows (``point_regressor_``) predicts
        afterwards: 6 fits of it per fit. "auto": gradient-boosted trees for
        one target, 3+ features and 100+ rows, kept where their out-of-fold
        R^2 is below 0.98 (where it was higher, the network did better alone).
    point_estimate : {"mean", "mode", "median"}, default="mean"
        What :meth:`predict` returns: the conditional mean, the highest mode
        of the predicted mixture (found by mean-shift from every component
        mean), or the conditional median. For a d-dimensional target the
        median is the vector of the d marginal medians.
    device : str, default="cpu"
        "cpu", "cuda", "cuda:N" or "auto" (CUDA if available). Asking for CUDA
        on a machine without it raises ValueError at fit.
    train_dtype : {"auto", "float32", "float64"}, default="auto"
        The floating-point type training computes in, whatever the dtype of
        X. Inputs and targets are standardized in float64 first, so float32
        trains as well and faster. "auto": float32 from 100 rows, float64
        below (where a fit is cheap either way). The trained network is kept,
        and predicts, in float64 (``dtype_``). A continued fit (``warm_start``,
        :meth:`partial_fit`) trains in the value resolved for its own data.
    n_threads : int or None, default=None
        Threads torch uses for training and inference on the CPU. None: one thread
        for small networks and batches, more (never more than torch's current
        setting) where a step or an inference chunk is large enough to gain
        from them; an int: exactly that many. The caller's setting is put
        back after every call, also when it raises.
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, shuffling and the validation split.
        Global random state is never touched.
    verbose : int, default=0
        If positive, print a line of losses per epoch. The losses in that
        table are mean NLLs of the standardized targets; the first line says
        what to add to get nats in the units of y (as in ``loss_curve_``).
    warm_start : bool, default=False
        If True, a new ``fit`` continues from the current weights and optimizer
        state for ``max_iter`` more epochs, keeping the scaling of the first
        fit. Training parameters (``max_iter``, ``learning_rate_init``, ...)
        take their current values; changing the architecture
        (``n_components``, ``covariance_type``, ``hidden_layer_sizes``,
        ``activation``, ``n_members``, ``point_regressor``) is an error. A
        point model is cross-fitted again, with the folds and seeds of the
        first fit. See also :meth:`partial_fit`.
    callbacks : list of skorch Callback or of (str, Callback), default=None
        More skorch callbacks (checkpointing, logging, a schedule of your
        own, ...), run after skmdn's own in every ``fit``. Each fit works on
        a fresh copy, so the objects passed here are never changed; the
        copies are in ``net_.callbacks_``. They must be picklable for the
        fitted model to be.

    Attributes
    ----------
    net_ : skorch.NeuralNet
        The trained network and its skorch history.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of the features, when X was a DataFrame with string column names.
    n_outputs_ : int
        Target dimension d.
    n_members_ : int
        Networks in the fitted ensemble (``n_members``, with "auto" resolved);
        the predictive mixture has ``n_members_ * n_components`` components.
    input_embedding_ : str or None
        The feature embedding of the network (``input_embedding`` resolved).
    n_iter_ : int
        Number of epochs run.
    loss_curve_ : list of float
        Mean training NLL per epoch, in nats in the units of y, of the raw
        weights being optimized; with a point model, of the cross-fitted
        column (``score_samples`` on training rows uses the final one).
    validation_scores_ : list of float or None
        Mean validation log-likelihood per epoch, in the units of y (higher
        is better); NaN for an epoch without validation (partial_fit), None
        when the last fit held out no validation split.
    best_validation_score_ : float or None
        The validation score of the kept weights; None without validation.
    best_epoch_ : int
        The epoch (1-based, counted like ``n_iter_``) whose weights the model
        keeps: the best validated one, or the last without validation.
    device_ : torch.device
        Where the network lives and computes.
    dtype_ : torch.dtype
        The floating-point type the network predicts in: float64, whatever
        ``train_dtype`` was (a model pickled before ``train_dtype`` existed
        keeps the dtype of the X it was fitted on).
    x_mean_, x_scale_ : ndarray of shape (`n_features_in_`,)
        Input standardization.
    input_map_ : InputMap or None
        The fitted quantile map of ``input_transform="quantile"``.
    point_regressor_ : regressor or None
        The point model fitted on all training rows (None without one).
    point_mean_, point_scale_ : ndarray of shape (`n_outputs_`,) or None
        Standardization of the point model's columns (None without one).
    x_median_ : ndarray of shape (`n_features_in_`,)
        Medians of the training inputs (the plots' default reference row).
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

    _parameter_constraints = PARAMETER_CONSTRAINTS

    @property
    def dtype_(self):
        """The floating-point type (a ``torch.dtype``) the fitted network predicts in."""
        check_is_fitted(self, "net_")
        return next(self.net_.module_.parameters()).dtype
    # The defaults, for a model pickled before these parameters existed.
    n_members = 1
    input_embedding = None
    n_threads = None
    point_regressor = None
    train_dtype = "float64"  # what models pickled before the parameter trained in

    def __init__(
        self, n_components=5, *, covariance_type="full", hidden_layer_sizes=(64, 64),
        activation="tanh", n_members="auto", alpha=0.0, batch_size="auto", learning_rate_init="auto",
        max_iter=1000, early_stopping="auto", validation_fraction=0.1, n_iter_no_change="auto",
        tol=1e-4, lr_schedule="plateau", ema_decay=0.99, input_noise="auto", target_noise="auto",
        input_transform="standard", input_embedding="auto", point_regressor=None,
        point_estimate="mean", device="cpu",
        train_dtype="auto", n_threads=None, random_state=None, verbose=0, warm_start=False,
        callbacks=None,
    ):
        self.n_components = n_components
        self.covariance_type = covariance_type
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.n_members = n_members
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
        self.input_transform = input_transform
        self.input_embedding = input_embedding
        self.point_regressor = point_regressor
        self.point_estimate = point_estimate
        self.device = device
        self.train_dtype = train_dtype
        self.n_threads = n_threads
        self.random_state = random_state
        self.verbose = verbose
        self.warm_start = warm_start
        self.callbacks = callbacks

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = True
        return tags

    # ------------------------------------------------------------------- fit
    def _training_plan(self, n_samples, n_features, n_targets, single_pass, n_members=None):
        """This fit's :class:`~skmdn._plan.TrainingPlan` (a hook); ``n_members`` replaces "auto"."""
        params = {name: getattr(self, name) for name in PLAN_PARAMETERS}
        if n_members is not None:
            params["n_members"] = n_members
        return resolve_plan(
            n_samples=n_samples, n_features=n_features, n_targets=n_targets,
            single_pass=single_pass, **params,
        )

    def _architecture(self, n_features, n_members):
        """Keyword arguments of the :class:`~skmdn._module.MDNModule` (a hook for subclasses)."""
        return dict(
            n_features=n_features, n_targets=self.n_outputs_, n_components=self.n_components,
            n_members=n_members, covariance_type=self.covariance_type, activation=self.activation,
            input_embedding=resolve_embedding(self.input_embedding, n_members),
            hidden_layer_sizes=check_hidden_layer_sizes(self.hidden_layer_sizes))

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the mixture density network.

        A loss or weights that stop being finite raise :class:`FloatingPointError`;
        Ctrl-C ends training with a warning. Either way the weights of the last
        finished epoch are kept.

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
        sets the input and target standardization, and cross-fits a
        ``point_regressor`` (never "auto"), on its chunk, so make it
        representative; later calls use that point model as it is. Every call
        runs one plain epoch: no validation split, early stopping or
        learning-rate schedule. ``max_iter`` is ignored.

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
        check_single_pass(self.early_stopping)
        return self._fit(X, y, sample_weight, keep=hasattr(self, "net_"), epochs=1)

    def _fit(self, X, y, sample_weight, keep, epochs):
        """Fit from scratch (``keep=False``) or continue; ``epochs=1`` for partial_fit."""
        X, y, y2, sample_weight, user_weight = fit_data(self, X, y, sample_weight, keep)
        single_pass = epochs is not None
        # A continued fit keeps the ensemble size that "auto" chose: its network's.
        kept = self.net_.module_.n_members if keep and self.n_members == "auto" else None
        plan = self._training_plan(len(X), X.shape[1], y2.shape[1], single_pass, kept)
        keys = row_keys(X, y2) if plan.input_noise or plan.target_noise else None  # raw rows
        # partial_fit keeps a plain net between calls; anything else is rebuilt
        # from the current parameters (and, with keep, continues the old weights).
        reuse = keep and single_pass and is_plain(self.net_)
        device = self.device_ if reuse else resolve_device(self.device)
        seed = seed_from(self.random_state)
        if not keep:
            check_target_varies(y2, sample_weight)
            check_integer_target(y2, plan.target_noise)
            self._y_1d = y.ndim == 1
            self.n_outputs_ = y2.shape[1]
            fit_input_map(self, X, sample_weight)
            self.y_mean_, self.y_scale_ = standardization(y2, sample_weight)
        point = fit_point_columns(self, X, y2, user_weight, plan.point_model, seed, keep,
                                  single_pass)
        inputs = network_inputs(self, X, point)
        data = TensorBatches.from_arrays(
            inputs, (y2 - self.y_mean_) / self.y_scale_, sample_weight, device=device,
            dtype=getattr(torch, plan.dtype), keys=keys)
        done_before = self.n_iter_ if keep else 0
        train_network(self, plan, data, n_inputs=inputs.shape[1], keep=keep, reuse=reuse,
                      device=device, seed=seed, epochs=epochs,
                      callbacks=user_callbacks(self.callbacks))
        if message := convergence_message(plan, self.n_iter_ - done_before, self.max_iter):
            warnings.warn(message, ConvergenceWarning, stacklevel=4)
        return self
