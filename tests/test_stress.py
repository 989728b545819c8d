"""Numerical stress: odd data give a good model or a clear error, never NaN.

Every case in ``STRESS_CASES`` (shared with ``benchmarks/stress_table.py``,
which prints the table of docs/guide/robustness.rst, through
:mod:`skmdn._testing`) is fitted and then checked for finite losses,
parameters and outputs (predict, score_samples, sample, predict_dist), or for
the error it must raise. The slow cases (``@pytest.mark.slow``) repeat the
hardest ones at a larger scale.
"""

from unittest import mock

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import torch

from skmdn import MDNRegressor
from skmdn._module import MixtureNLLLoss
from skmdn._testing import (
    STRESS_CASES,
    STRESS_PARAMS,
    assert_finite_model,
    run_stress_case,
    smooth_data,
)


@pytest.mark.parametrize(
    "case",
    [pytest.param(c, id=c.name, marks=[pytest.mark.slow] if c.slow else [])
     for c in STRESS_CASES],
)
def test_stress_case(case):
    if case.error is not None:
        error, match = case.error
        with pytest.raises(error, match=match):
            run_stress_case(case)
        return
    mdn, X, y = run_stress_case(case)
    assert_finite_model(mdn, X, y)
    if case.check is not None:
        case.check(mdn, X, y)


# ------------------------------------------------------------- divergence
@pytest.mark.parametrize("activation, lr, cause", [
    ("identity", 1e6, "loss became inf|loss exploded"),
    ("tanh", 100.0, "loss exploded to .* nats per row"),
])
def test_divergence_stops_with_a_clear_error_and_a_finite_model(activation, lr, cause):
    X, y = smooth_data(200, dtype=np.float32)(np.random.default_rng(0))
    mdn = MDNRegressor(**{**STRESS_PARAMS, "activation": activation, "learning_rate_init": lr})
    with pytest.raises(FloatingPointError, match=rf"diverged: the training ({cause}).*learning_rate_init "
                                                 r"\(it is .*\).*float64"):
        mdn.fit(X, y)
    # The estimator keeps the weights of the last sound epoch, never NaN ones.
    assert mdn.n_iter_ < STRESS_PARAMS["max_iter"]
    assert_finite_model(mdn, X, y, trained=False)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_loss_turning_non_finite_restores_the_last_finished_epoch(bad):
    X, y = smooth_data(100)(np.random.default_rng(0))
    real = MixtureNLLLoss.forward
    calls = []

    def poisoned(self, y_pred, y_true, **kwargs):
        calls.append(1)
        loss = real(self, y_pred, y_true, **kwargs)
        return loss * bad if len(calls) == 4 else loss

    # Full batch, no validation split: one loss evaluation per epoch.
    params = {**STRESS_PARAMS, "batch_size": 100, "early_stopping": False}
    with mock.patch.object(MixtureNLLLoss, "forward", poisoned):
        mdn = MDNRegressor(**params)
        with pytest.raises(FloatingPointError, match=f"loss became {bad} in epoch 4"):
            mdn.fit(X, y)
    three = MDNRegressor(**{**params, "max_iter": 3}).fit(X, y)
    assert mdn.n_iter_ == 3
    np.testing.assert_array_equal(mdn.predict(X), three.predict(X))
    # Training can go on from there.
    mdn.set_params(warm_start=True).fit(X, y)
    assert mdn.n_iter_ == 3 + STRESS_PARAMS["max_iter"]
    assert_finite_model(mdn, X, y)


def test_weights_turning_non_finite_is_caught_at_the_end_of_the_epoch():
    X, y = smooth_data(100)(np.random.default_rng(0))
    params = {**STRESS_PARAMS, "batch_size": 100, "early_stopping": False}
    optimizer = torch.optim.AdamW  # what skmdn trains with (the test fails otherwise)
    real_step = optimizer.step
    calls = []

    def step(self, closure=None):
        out = real_step(self, closure)
        calls.append(1)
        if len(calls) == 5:
            with torch.no_grad():
                self.param_groups[0]["params"][0].fill_(float("nan"))
        return out

    mdn = MDNRegressor(**params)
    with mock.patch.object(optimizer, "step", step):
        with pytest.raises(FloatingPointError, match="weights became NaN"):
            mdn.fit(X, y)
    assert mdn.n_iter_ == 4
    assert_finite_model(mdn, X, y)


# -------------------------------------------------------------- bad input
def test_dataframe_with_categorical_or_object_columns_points_to_column_transformer():
    rng = np.random.default_rng(0)
    df = pd.DataFrame({
        "size": rng.normal(size=40),
        "colour": pd.Categorical(rng.choice(["red", "blue"], 40)),
        "city": rng.choice(["Oslo", "Lima"], 40).astype(object),
        "code": pd.Categorical(rng.integers(0, 3, 40)),  # numeric categories too
    })
    y = rng.normal(size=40)
    with pytest.raises(TypeError, match=r"\['colour', 'city', 'code'\].*ColumnTransformer"):
        MDNRegressor(**STRESS_PARAMS).fit(df, y)
    with pytest.raises(TypeError, match="ColumnTransformer"):
        MDNRegressor(**STRESS_PARAMS).partial_fit(df, y)
    # Numeric and boolean columns are fine.
    MDNRegressor(**STRESS_PARAMS).fit(df[["size"]].assign(flag=df["size"] > 0), y)


@pytest.mark.parametrize("fmt", ["csr", "csc", "coo"])
def test_sparse_X_is_refused_clearly(fmt):
    X = sp.random(30, 4, density=0.5, format=fmt, random_state=0)
    with pytest.raises(TypeError, match="[Ss]parse.*dense"):
        MDNRegressor(**STRESS_PARAMS).fit(X, np.arange(30.0))


@pytest.mark.parametrize("bad, name", [(np.nan, "NaN"), (np.inf, "infinity")])
def test_y_with_nan_or_inf_is_refused_with_the_row_count(bad, name):
    X = np.random.default_rng(0).normal(size=(50, 2))
    y = np.arange(100.0).reshape(50, 2)
    y[[3, 7, 7, 20], [0, 0, 1, 1]] = bad
    with pytest.raises(ValueError, match=rf"y contains {name} in 3 of 50 rows.*row 3\b"):
        MDNRegressor(**STRESS_PARAMS).fit(X, y)
    with pytest.raises(ValueError, match=rf"{name} in 3 of 50 rows"):
        MDNRegressor(**STRESS_PARAMS).fit(pd.DataFrame(X), pd.DataFrame(y))


def test_an_error_within_the_first_epoch_reaches_the_caller():
    # The unfinished epoch has no loss in the history; reading the learning
    # curves must not hide the error with a KeyError.
    from skorch.callbacks import Callback

    class Boom(Callback):
        def on_batch_end(self, net, **kwargs):
            raise RuntimeError("boom")

    X, y = smooth_data(100)(np.random.default_rng(0))
    mdn = MDNRegressor(**STRESS_PARAMS, callbacks=[Boom()])
    with pytest.raises(RuntimeError, match="boom"):
        mdn.fit(X, y)
    assert mdn.n_iter_ == 0 and mdn.loss_curve_ == []
