"""Input checks that go beyond ``validate_data``, with messages a user can act on.

Each function raises before any training starts, or returns quietly and
leaves the rest to scikit-learn's own validation.
"""

import sys
import warnings
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import _check_sample_weight, validate_data

from ._module import ACTIVATIONS, COVARIANCE_TYPES

#: ``MDNRegressor._parameter_constraints``: the type and range of every parameter.
PARAMETER_CONSTRAINTS = {
    "n_components": [Interval(Integral, 1, None, closed="left")],
    "covariance_type": [StrOptions(set(COVARIANCE_TYPES))],
    "hidden_layer_sizes": ["array-like"],
    "activation": [StrOptions(set(ACTIVATIONS))],
    "n_members": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
    "alpha": [Interval(Real, 0, None, closed="left")],
    "batch_size": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
    "learning_rate_init": [Interval(Real, 0, None, closed="neither"), StrOptions({"auto"})],
    "max_iter": [Interval(Integral, 1, None, closed="left")],
    "early_stopping": ["boolean", StrOptions({"auto"})],
    "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
    "n_iter_no_change": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
    "tol": [Interval(Real, 0, None, closed="left")],
    "lr_schedule": [StrOptions({"plateau", "cosine", "constant"})],
    "input_noise": [Interval(Real, 0, None, closed="left"), StrOptions({"auto"})],
    "target_noise": [Interval(Real, 0, None, closed="left"), StrOptions({"auto"})],
    "ema_decay": [Interval(Real, 0, 1, closed="left"), None],
    "input_transform": [StrOptions({"standard", "quantile"})],
    "input_embedding": [StrOptions({"auto", "periodic"}), None],
    "point_regressor": [HasMethods(["fit", "predict"]), StrOptions({"auto"}), None],
    "point_estimate": [StrOptions({"mean", "mode", "median"})],
    "device": [str, torch.device],
    "train_dtype": [StrOptions({"auto", "float32", "float64"})],
    "n_threads": [Interval(Integral, 1, None, closed="left"), None],
    "random_state": ["random_state"],
    "verbose": ["verbose"],
    "warm_start": ["boolean"],
    "callbacks": [list, None],
}


def check_numeric_frame(X):
    """Refuse a pandas DataFrame with categorical, string or object columns.

    scikit-learn would either fail with "could not convert string to float" or,
    worse, silently turn category codes into numbers. A mixture density
    network needs numeric inputs: encoding is the user's choice.

    Parameters
    ----------
    X : object
        Anything; only a :class:`pandas.DataFrame` is inspected.

    Raises
    ------
    TypeError
        Naming the offending columns and pointing to ``ColumnTransformer``.

    Examples
    --------
    >>> import pandas as pd
    >>> from skmdn._validation import check_numeric_frame
    >>> check_numeric_frame(pd.DataFrame({"a": [1.0, 2.0], "b": [0, 1]}))
    >>> check_numeric_frame(pd.DataFrame({"a": [1.0, 2.0], "c": ["x", "y"]}))
    Traceback (most recent call last):
    ...
    TypeError: X has non-numeric columns ['c'] (dtypes: ...). ...
    """
    pd = sys.modules.get("pandas")
    if pd is None or not isinstance(X, pd.DataFrame):
        return
    numeric = pd.api.types.is_numeric_dtype
    bad = [(col, dtype) for col, dtype in X.dtypes.items() if not numeric(dtype)]
    if not bad:
        return
    names = [col for col, _ in bad][:10]
    more = f" and {len(bad) - 10} more" if len(bad) > 10 else ""
    kinds = ", ".join(sorted({str(dtype) for _, dtype in bad}))
    raise TypeError(
        f"X has non-numeric columns {names}{more} (dtypes: {kinds}). MDNRegressor "
        "needs numeric inputs: encode these columns first, for example with "
        "sklearn.compose.ColumnTransformer and a OneHotEncoder or OrdinalEncoder "
        "in a Pipeline in front of the MDNRegressor. Numbers stored as objects "
        "can be converted with X.astype(float)."
    )


def check_finite_target(y):
    """Refuse a target with NaN or infinite entries, naming how many rows are affected.

    Parameters
    ----------
    y : array-like of shape (n_samples,) or (n_samples, n_targets)
        Anything that is not a float array is left to ``validate_data``.

    Raises
    ------
    ValueError
        With the number of rows holding NaN or infinity and the first of them.

    Examples
    --------
    >>> import numpy as np
    >>> from skmdn._validation import check_finite_target
    >>> check_finite_target(np.array([0.5, np.nan, 2.0, np.nan]))
    Traceback (most recent call last):
    ...
    ValueError: y contains NaN in 2 of 4 rows (the first is row 1). ...
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            arr = np.asarray(y)
            if arr.dtype.kind == "O":
                arr = arr.astype(np.float64)
    except (TypeError, ValueError):
        return
    if arr.dtype.kind != "f" or arr.ndim == 0 or arr.size == 0:
        return
    arr = arr.reshape(arr.shape[0], -1)
    for name, test in (("NaN", np.isnan), ("infinity", np.isinf)):
        rows = np.flatnonzero(test(arr).any(axis=1))
        if rows.size:
            raise ValueError(
                f"y contains {name} in {rows.size} of {arr.shape[0]} rows (the first "
                f"is row {rows[0]}). Drop or impute these rows before fitting: every "
                "target value must be a finite number."
            )


def normalized_sample_weight(sample_weight, X):
    """Validate sample weights as scikit-learn does and scale them to mean 1.

    Negative weights, weights that are all zero, and NaN or infinite
    weights are refused, with scikit-learn's own messages. Individual zero
    weights are allowed: those rows do not count.

    Parameters
    ----------
    sample_weight : array-like of shape (n_samples,), float or None
    X : ndarray of shape (n_samples, n_features)

    Returns
    -------
    ndarray of shape (n_samples,) with mean 1, or None

    Examples
    --------
    >>> import numpy as np
    >>> from skmdn._validation import normalized_sample_weight
    >>> normalized_sample_weight([0, 1, 3], np.zeros((3, 1)))
    array([0.  , 0.75, 2.25])
    """
    if sample_weight is None:
        return None
    w = _check_sample_weight(sample_weight, X, dtype=np.float64, ensure_non_negative=True)
    if not np.any(w > 0):
        # scikit-learn >= 1.7 raises this itself; older versions do not.
        raise ValueError("Sample weights must contain at least one non-zero number.")
    w = w / w.max()
    return w / w.mean()


#: A target column with at most this many distinct values, all integers, and
#: several rows per value is taken to be discrete (see check_integer_target).
INTEGER_TARGET_MAX_VALUES = 20


def check_integer_target(y, target_noise):
    """Warn when a target column takes a few integer values only and no noise smooths it.

    A continuous density fitted to ratings, scores or counts can put narrow
    spikes on the integers: an excellent likelihood while test values fall on
    them, a very poor one (tens of nats per row) when one falls between.

    Parameters
    ----------
    y : ndarray of shape (n_samples, n_targets)
    target_noise : float
        The resolved training noise on the standardized targets; with any,
        the spikes are smoothed and nothing is said.

    Examples
    --------
    >>> import warnings
    >>> import numpy as np
    >>> from skmdn._validation import check_integer_target
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     check_integer_target(np.array([[3.0], [4.0], [5.0], [4.0]] * 10), 0.0)
    >>> str(caught[0].message)[:46]
    'y takes only 3 distinct integer values in targ'
    """
    if target_noise > 0:
        return
    columns = []
    for j in range(y.shape[1]):
        values = np.unique(y[:, j])
        if (len(values) <= INTEGER_TARGET_MAX_VALUES and len(y) >= 3 * len(values)
                and np.all(values == np.round(values))):
            columns.append((j, len(values)))
    if columns:
        j, count = columns[0]
        warnings.warn(
            f"y takes only {count} distinct integer values in target column {j}"
            f"{' (and others)' if len(columns) > 1 else ''}. A mixture density can put "
            "narrow spikes on the integers and then score very badly on values between "
            "them. To model it as a density, fit on dequantized targets "
            "(y + numpy.random.uniform(-0.5, 0.5, y.shape)) or set target_noise (e.g. "
            "0.2).",
            UserWarning,
            stacklevel=5,
        )


def check_target_varies(y, sample_weight=None):
    """Refuse fewer than two samples, or a target column that never changes.

    The density of a constant target is a point mass: a Gaussian mixture can
    only approach it by shrinking its scales to the floor, a degenerate model
    whose log-likelihood says nothing. An error is more useful.

    Parameters
    ----------
    y : ndarray of shape (n_samples, n_targets)
    sample_weight : ndarray of shape (n_samples,) or None
        Rows with zero weight are ignored.

    Raises
    ------
    ValueError

    Examples
    --------
    >>> import numpy as np
    >>> from skmdn._validation import check_target_varies
    >>> check_target_varies(np.array([[1.0, 2.0], [1.0, 3.0]]))
    Traceback (most recent call last):
    ...
    ValueError: y is constant in target column [0] (value 1): ...
    """
    if y.shape[0] < 2:
        raise ValueError(
            f"MDNRegressor needs at least 2 samples to fit, got {y.shape[0]} sample."
        )
    if sample_weight is not None:
        y = y[sample_weight > 0]
    constant = np.flatnonzero(np.ptp(y, axis=0) == 0)
    if constant.size:
        values = ", ".join(f"{y[0, j]:g}" for j in constant[:5])
        raise ValueError(
            f"y is constant in target column {constant.tolist()[:5]} (value {values}): "
            "its conditional density is a point mass, which a Gaussian mixture cannot "
            "fit. Drop constant target columns, or predict them with "
            "sklearn.dummy.DummyRegressor."
        )


def check_hidden_layer_sizes(hidden_layer_sizes):
    """``hidden_layer_sizes`` as a tuple of positive ints, or ValueError.

    Parameters
    ----------
    hidden_layer_sizes : int or sequence of int

    Returns
    -------
    tuple of int
    """
    sizes = np.atleast_1d(np.asarray(hidden_layer_sizes))
    if sizes.ndim != 1 or (sizes.size and (not np.issubdtype(sizes.dtype, np.integer)
                                          or sizes.min() < 1)):
        raise ValueError(
            "hidden_layer_sizes must be a sequence of positive integers, got "
            f"{hidden_layer_sizes!r}."
        )
    return tuple(int(s) for s in sizes)


def standardization(a, weights=None):
    """Column means and scales of ``a``; a zero or non-finite scale is replaced by 1.

    Parameters
    ----------
    a : ndarray of shape (n_samples, n_columns)
    weights : ndarray of shape (n_samples,), default=None

    Returns
    -------
    loc, scale : ndarray of shape (n_columns,)
    """
    loc = np.average(a, axis=0, weights=weights)
    scale = np.sqrt(np.average((a - loc) ** 2, axis=0, weights=weights))
    tiny = np.finfo(np.float64).tiny ** 0.25
    scale = np.where((scale > tiny * np.maximum(1.0, np.abs(loc))) & np.isfinite(scale), scale, 1.0)
    return loc, scale


def fit_data(estimator, X, y, sample_weight, keep):
    """The validated training data of a ``fit`` or ``partial_fit`` call.

    Parameters
    ----------
    estimator : MDNRegressor
    X, y, sample_weight
        As given to ``fit``.
    keep : bool
        Whether the call continues a fitted model (its features and targets
        must match).

    Returns
    -------
    X : ndarray of shape (n_samples, n_features), float64 or float32
    y : ndarray of shape (n_samples,) or (n_samples, n_targets)
    y2 : ndarray of shape (n_samples, n_targets), float64
    sample_weight : ndarray of shape (n_samples,) or None
        Scaled to mean 1.
    user_weight : ndarray of shape (n_samples,) or None
        As the user gave them (for the point model).
    """
    check_numeric_frame(X)
    check_finite_target(y)
    X, y = validate_data(
        estimator, X, y, reset=not keep, multi_output=True, y_numeric=True,
        dtype=[np.float64, np.float32],
    )
    weight = normalized_sample_weight(sample_weight, X)
    if sample_weight is not None:  # validated above
        sample_weight = np.asarray(sample_weight, dtype=np.float64).reshape(len(X))
    y2 = y.reshape(len(y), -1).astype(np.float64, copy=False)
    if keep and y2.shape[1] != estimator.n_outputs_:
        raise ValueError(
            f"y has {y2.shape[1]} targets, but this MDNRegressor was fitted with "
            f"{estimator.n_outputs_}."
        )
    return X, y, y2, weight, sample_weight


def check_single_pass(early_stopping):
    """Refuse ``early_stopping=True`` for ``partial_fit``, which runs one plain epoch.

    Parameters
    ----------
    early_stopping : bool or "auto"
    """
    if not isinstance(early_stopping, str) and early_stopping:
        raise ValueError(
            "partial_fit does not support early_stopping=True: each call runs "
            "exactly one epoch. Set early_stopping=False."
        )
