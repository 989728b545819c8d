"""The point regressor: a scikit-learn model whose cross-fitted predictions become network inputs.

With ``point_regressor`` set, the mixture learns on top of a point model (a
gradient-boosted tree model, say): its predictions of y are extra input
columns of the network. On the training rows those predictions must come
from models that did not see the rows. A model predicts the rows it was
fitted on too well, and the network would learn to trust a column that is
less accurate on new data. So the training rows are split into folds, each
fold is predicted by the point model fitted on the other folds (the pattern of
scikit-learn's ``cross_val_predict`` and ``StackingRegressor``'s ``cv``), and
a final point model, fitted on every row, predicts at inference.

Folds are assigned from row keys (a hash of each row's X and y,
:func:`~skmdn._data.row_keys`), not from positions: a row given twice lands
in one fold, so no copy of it trains the model that predicts the other, and
a row of weight 2 is cross-fitted as the row given twice.
"""

import time
import warnings

import numpy as np
from sklearn.base import clone
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.metrics import r2_score
from sklearn.multioutput import MultiOutputRegressor
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import has_fit_parameter

from ._data import _mix32, row_keys
from ._plan import keeps_point_model
from ._threads import limited_pools, point_thread_count
from ._validation import standardization

#: Folds of the cross-fit (as ``cross_val_predict``'s default): every fit
#: costs N_FOLDS + 1 fits of the point model.
N_FOLDS = 5


#: The point model of ``point_regressor="auto"``: scikit-learn's histogram
#: gradient boosting with leaves of at least 5 rows (its default is 20). By
#: 5-fold cross-validation on the training rows of the UCI splits (never their
#: test rows), its RMSE was 12 % below the defaults' on average, at the same
#: cost (benchmarks/experiments/point_model_cv.py; docs/benchmarks/evidence.rst,
#: evidence-point-regressor).
AUTO_POINT_PARAMS = {"min_samples_leaf": 5}


def auto_point_model():
    """The point model of ``point_regressor="auto"`` where the rule turns it on."""
    return HistGradientBoostingRegressor(**AUTO_POINT_PARAMS)


def describe(point_regressor):
    """A text that changes when ``point_regressor`` does (a warm start compares it)."""
    if point_regressor is None or isinstance(point_regressor, str):
        return repr(point_regressor)
    params = point_regressor.get_params(deep=True)
    return f"{type(point_regressor).__name__}({sorted((k, repr(v)) for k, v in params.items())})"


def seeded(estimator, seed):
    """A clone of ``estimator`` with every unset ``random_state`` (nested ones too) set to ``seed``."""
    estimator = clone(estimator)
    unset = {name: seed for name, value in estimator.get_params(deep=True).items()
             if (name == "random_state" or name.endswith("__random_state")) and value is None}
    return estimator.set_params(**unset) if unset else estimator


def for_outputs(estimator, n_outputs):
    """``estimator``, in a ``MultiOutputRegressor`` if it cannot fit ``n_outputs`` > 1 targets."""
    if n_outputs > 1 and not estimator.__sklearn_tags__().target_tags.multi_output:
        return MultiOutputRegressor(estimator)
    return estimator


def _weight_key(estimator):
    """The fit keyword that carries sample weights to ``estimator``, or None if it takes none."""
    if isinstance(estimator, Pipeline):
        name, last = estimator.steps[-1]
        inner = _weight_key(last) if last not in (None, "passthrough") else None
        return None if inner is None else f"{name}__{inner}"
    if isinstance(estimator, MultiOutputRegressor):
        return "sample_weight" if has_fit_parameter(estimator.estimator, "sample_weight") else None
    return "sample_weight" if has_fit_parameter(estimator, "sample_weight") else None


def fit_kwargs(estimator, sample_weight):
    """The keyword arguments that pass ``sample_weight`` to ``estimator.fit`` (warns if it cannot).

    Parameters
    ----------
    estimator : regressor
        A plain estimator, a ``Pipeline`` (weights go to its last step) or a
        ``MultiOutputRegressor`` (to its inner estimator).
    sample_weight : ndarray of shape (n_samples,) or None

    Returns
    -------
    dict
    """
    if sample_weight is None:
        return {}
    key = _weight_key(estimator)
    if key is None:
        warnings.warn(
            f"The point regressor {type(estimator).__name__} does not accept sample_weight; it "
            "is fitted without the weights (the mixture network still uses them).",
            UserWarning, stacklevel=5)
        return {}
    return {key: sample_weight}


def fold_ids(keys, sample_weight, n_folds, seed):
    """The fold of every row, from its key: equal rows share a fold.

    The distinct keys of the rows that count (positive weight) are put in a
    seeded order and dealt out in turn, so the folds are balanced over
    distinct rows; rows of zero weight go to the fold their key hashes to,
    without moving any other row.

    Parameters
    ----------
    keys : ndarray of shape (n_samples,), int64
    sample_weight : ndarray of shape (n_samples,) or None
    n_folds : int
    seed : int

    Returns
    -------
    ndarray of shape (n_samples,), int
    """
    order = np.asarray(_mix32(np.asarray(keys, dtype=np.int64) ^ _mix32(seed & 0xFFFFFFFF)))
    counted = np.ones(len(keys), bool) if sample_weight is None else sample_weight > 0
    folds = order % n_folds
    distinct, first = np.unique(keys[counted], return_index=True)
    ranks = np.argsort(np.argsort(order[counted][first], kind="stable"), kind="stable")
    folds[counted] = (ranks % n_folds)[np.searchsorted(distinct, keys[counted])]
    return folds


def predict_columns(model, X, n_outputs, n_threads=None):
    """The point model's predictions as an array of shape (n_samples, n_outputs), float64.

    Under the thread limit of :func:`~skmdn._threads.point_thread_count`.
    """
    with limited_pools(point_thread_count(n_threads, len(X))):
        pred = model.predict(X)
    return np.asarray(pred, dtype=np.float64).reshape(len(X), n_outputs)


def cross_fit(point_regressor, X, y, sample_weight, seed, verbose=0, n_threads=None):
    """Out-of-fold predictions on the training rows, and the point model fitted on all of them.

    Parameters
    ----------
    point_regressor : regressor
        Cloned for every fit; an unset ``random_state`` takes ``seed``.
    X : ndarray of shape (n_samples, n_features)
        The user's inputs (validated, not standardized).
    y : ndarray of shape (n_samples, n_outputs)
        The user's targets.
    sample_weight : ndarray of shape (n_samples,) or None
    seed : int
        Seeds the folds and the point model.
    verbose : int, default=0
    n_threads : int or None, default=None
        The estimator's parameter: threads of the point model's libraries.

    Returns
    -------
    out_of_fold : ndarray of shape (n_samples, n_outputs)
        Row i predicted by a model fitted without the fold of row i.
    model : regressor
        Fitted on every row.
    """
    n_outputs = y.shape[1]
    base = for_outputs(seeded(point_regressor, seed), n_outputs)
    target = y[:, 0] if n_outputs == 1 else y
    kwargs = fit_kwargs(base, sample_weight)
    counted = np.ones(len(y), bool) if sample_weight is None else sample_weight > 0
    keys = row_keys(X, y).numpy()
    n_folds = int(min(N_FOLDS, np.unique(keys[counted]).size))
    folds = fold_ids(keys, sample_weight, n_folds, seed)
    start = time.perf_counter()
    if verbose:
        print(f"Cross-fitting the point regressor {type(base).__name__} on {n_folds} folds "
              f"of {len(y)} rows ...", flush=True)
    out = np.empty((len(y), n_outputs))
    with limited_pools(point_thread_count(n_threads, len(y))):
        for fold in range(n_folds):
            held = folds == fold
            rest = {k: v[~held] for k, v in kwargs.items()}
            model = clone(base).fit(X[~held], target[~held], **rest)
            out[held] = np.asarray(model.predict(X[held]), np.float64).reshape(-1, n_outputs)
        model = clone(base).fit(X, target, **kwargs)
    if verbose:
        print(f"Point regressor: {n_folds + 1} fits in {time.perf_counter() - start:.1f} s.",
              flush=True)
    return out, model


def fit_point_columns(estimator, X, y, sample_weight, use_point, seed, keep, single_pass):
    """Fit or refit the point model of ``estimator``; the point columns of its training rows.

    Sets ``point_regressor_`` (None without a point model), ``point_mean_``
    and ``point_scale_`` on a first fit. A warm start cross-fits again with
    the folds and seeds of the first fit and refits the point model, keeping
    the scaling of its columns; a continued :meth:`partial_fit` uses the
    fitted point model as it is (it never saw the new rows).

    Parameters
    ----------
    estimator : MDNRegressor
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples, n_outputs)
    sample_weight : ndarray of shape (n_samples,) or None
    use_point : bool
        The plan's decision for a first fit (``"auto"`` resolved).
    seed : int
        This fit's seed; a first fit derives the point model's from it.
    keep, single_pass : bool
        Whether the fit continues a fitted model, and whether it is a
        :meth:`partial_fit` pass.

    Returns
    -------
    ndarray of shape (n_samples, n_outputs) or None
        Out-of-fold predictions for the training rows; None where the point
        model (or none) predicts them.
    """
    spec = describe(estimator.point_regressor)
    if keep:
        before = getattr(estimator, "_point_spec", repr(None))
        if before != spec:
            raise ValueError(
                "warm_start=True (or partial_fit) continues the fitted network, but "
                f"point_regressor changed: {before} -> {spec}. The point model's columns are "
                "inputs of the network; refit with warm_start=False, or on a clone."
            )
        model = getattr(estimator, "point_regressor_", None)
        if model is None or single_pass:
            return None
        base = (auto_point_model() if isinstance(estimator.point_regressor, str)
                else estimator.point_regressor)
        point, estimator.point_regressor_ = cross_fit(
            base, X, y, sample_weight, estimator._point_seed, estimator.verbose,
            estimator.n_threads)
        return point
    estimator._point_spec = spec
    estimator.point_regressor_ = estimator.point_mean_ = estimator.point_scale_ = None
    if not use_point:
        return None
    base = (auto_point_model() if isinstance(estimator.point_regressor, str)
            else estimator.point_regressor)
    estimator._point_seed = int(_mix32(seed ^ 0x2545F491)) & 0x7FFFFFFF
    point, model = cross_fit(base, X, y, sample_weight, estimator._point_seed,
                             estimator.verbose, estimator.n_threads)
    r2 = r2_score(y, point, sample_weight=sample_weight)  # averaged over targets
    if not keeps_point_model(estimator.point_regressor, r2):
        if estimator.verbose:
            print(f"point_regressor='auto': out-of-fold R^2 {r2:.4f} is near 1, where the "
                  "network alone did better; fitting without the point model.", flush=True)
        return None
    estimator.point_regressor_ = model
    estimator.point_mean_, estimator.point_scale_ = standardization(point, sample_weight)
    return point
