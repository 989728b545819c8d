"""Numerical stress: odd data give a good model or a clear error, never NaN.

Every case in ``CASES`` is fitted and then checked for finite losses,
parameters and outputs (predict, score_samples, sample, predict_dist), or for
the error it must raise. The slow cases (``@pytest.mark.slow``) repeat the
hardest ones at a larger scale. ``benchmarks/stress_table.py`` runs the same
cases and prints the table of docs/guide/robustness.rst.
"""

from dataclasses import dataclass, field
from unittest import mock

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import torch
from scipy import stats

from skmdn import MDNRegressor
from skmdn._module import MixtureNLLLoss


@dataclass
class Case:
    """One stress scenario: data, estimator parameters, and the expected outcome."""

    name: str
    data: object  # callable: rng -> (X, y)
    params: dict = field(default_factory=dict)
    error: tuple = None  # (exception type, regex) when a clear error is the outcome
    check: object = None  # callable: (mdn, X, y) -> None, extra assertions
    slow: bool = False


def _smooth(n, p=2, dtype=np.float64, scale=1.0, offset=0.0, x_offset=0.0):
    def make(rng):
        X = rng.normal(size=(n, p))
        y = np.sin(2 * X[:, 0]) + 0.1 * rng.normal(size=n)
        return (X + x_offset).astype(dtype), offset + scale * y
    return make


def _scale_equivariant(scale, offset=0.0, dtype=np.float64):
    """Predictions equal the unit-scale fit's, mapped by ``offset + scale * .``."""
    def check(mdn, X, y):
        base = MDNRegressor(**{**FAST, **mdn.get_params()}).fit(
            X, (y - offset) / scale if scale != 1 else y - offset
        )
        rtol = 1e-6 if dtype == np.float64 else 1e-4
        np.testing.assert_allclose(mdn.predict(X), offset + scale * base.predict(X),
                                   rtol=rtol, atol=rtol * abs(scale))
    return check


def _beats_gaussian(mdn, X, y):
    # Student-t(1): the MDN's held-out log-likelihood must beat a normal
    # fitted by mean and standard deviation by a wide margin.
    rng = np.random.default_rng(99)
    X_test = rng.normal(size=(2000, X.shape[1]))
    y_test = rng.standard_t(1, size=2000)
    mdn_ll = mdn.score_samples(X_test, y_test).mean()
    normal_ll = stats.norm(y.mean(), y.std()).logpdf(y_test).mean()
    assert mdn_ll > normal_ll + 1.0, (mdn_ll, normal_ll)


def _both_modes(mdn, X, y):
    # Half the draws near +1000, half near -1000, none in between.
    draws = mdn.sample(X[:20], n_samples=500, random_state=0)
    up, down = np.mean(np.abs(draws - 1000) < 200), np.mean(np.abs(draws + 1000) < 200)
    assert 0.4 < up < 0.6 and 0.4 < down < 0.6 and up + down > 0.98, (up, down)


def _ignores_constant_columns(mdn, X, y):
    np.testing.assert_array_equal(mdn.x_scale_[-2:], 1.0)


def _correlation_captured(mdn, X, y):
    cov = mdn.predict_dist(X[:50]).covariance()
    sd = np.sqrt(np.diagonal(cov, axis1=1, axis2=2))
    corr = cov / (sd[:, :, None] * sd[:, None, :])
    assert np.min(corr) > 0.9, np.min(corr)
    diag = MDNRegressor(**{**mdn.get_params(), "covariance_type": "diag"}).fit(X, y)
    assert mdn.score_samples(X, y).mean() > diag.score_samples(X, y).mean() + 5


def _correlated_5d(n, dtype=np.float64):
    def make(rng):
        corr = 0.999 * np.ones((5, 5)) + 0.001 * np.eye(5)
        X = rng.normal(size=(n, 2))
        y = rng.normal(size=(n, 5)) @ np.linalg.cholesky(corr).T + np.sin(X[:, :1])
        return X.astype(dtype), y
    return make


def _duplicated(rng):
    X = np.repeat(rng.normal(size=(50, 1)), 2, axis=0)
    return X, np.tile([1000.0, -1000.0], 50)


FAST = dict(max_iter=30, random_state=0, n_components=3, hidden_layer_sizes=(32,))

CASES = [
    *[Case(f"y scale {s:g}, {np.dtype(dt).name}", _smooth(200, dtype=dt, scale=s),
           check=_scale_equivariant(s, dtype=dt))
      for s in (1e-8, 1e8) for dt in (np.float64, np.float32)],
    *[Case(f"y offset 1e6, {np.dtype(dt).name}", _smooth(200, dtype=dt, offset=1e6),
           check=_scale_equivariant(1.0, 1e6, dt)) for dt in (np.float64, np.float32)],
    Case("X offset 1e6, float32", _smooth(200, dtype=np.float32, x_offset=1e6)),
    Case("Student-t(1) targets", lambda rng: (rng.normal(size=(500, 2)),
                                              rng.standard_t(1, size=500)),
         {"max_iter": 100}, check=_beats_gaussian),
    Case("duplicated x, y = +-1000", _duplicated, {"max_iter": 200, "learning_rate_init": 3e-3},
         check=_both_modes),
    Case("near-constant y (5 + 1e-10 noise)",
         lambda rng: (rng.normal(size=(100, 2)), 5 + 1e-10 * rng.normal(size=100))),
    Case("y = 1e6 + noise at float64 resolution",
         lambda rng: (rng.normal(size=(100, 2)), 1e6 + 2e-10 * rng.integers(0, 3, 100))),
    Case("constant y", lambda rng: (rng.normal(size=(50, 2)), np.full(50, 3.0)),
         error=(ValueError, "constant")),
    Case("one constant target column",
         lambda rng: (rng.normal(size=(50, 2)), np.c_[rng.normal(size=50), np.ones(50)]),
         error=(ValueError, r"constant in target column \[1\]")),
    *[Case(f"n_components={k}, n=50", _smooth(50), {"n_components": k}) for k in (1, 10, 100)],
    Case("n = 2", _smooth(2)),
    Case("n = 1", _smooth(1), error=(ValueError, "1 sample")),
    Case("n = 10 < batch_size = 64", _smooth(10), {"batch_size": 64}),
    Case("two zero-variance features",
         lambda rng: (np.c_[rng.normal(size=(100, 2)), np.zeros(100), np.full(100, 7.0)],
                      rng.normal(size=100)), check=_ignores_constant_columns),
    Case("1000 features", _smooth(200, p=1000)),
    *[Case(f"full covariance, 5-D targets with correlation 0.999, {np.dtype(dt).name}",
           _correlated_5d(300, dt),
           {"covariance_type": "full", "max_iter": 300, "learning_rate_init": 3e-3},
           check=_correlation_captured) for dt in (np.float64, np.float32)],
    # The slow part: the same trouble at a larger scale and with longer training.
    Case("n_components=100, n=50, 1000 epochs", _smooth(50),
         {"n_components": 100, "max_iter": 1000, "n_iter_no_change": 1000}, slow=True),
    Case("y scale 1e-8, float32, 500 epochs of mini-batches",
         _smooth(2000, dtype=np.float32, scale=1e-8), {"max_iter": 500}, slow=True),
    Case("Student-t(1) targets, n=5000", lambda rng: (rng.normal(size=(5000, 2)),
                                                      rng.standard_t(1, size=5000)),
         {"max_iter": 200}, check=_beats_gaussian, slow=True),
    Case("1000 features, n=2000, mini-batches", _smooth(2000, p=1000), {"max_iter": 20},
         slow=True),
    Case("full covariance, 5-D correlated targets, float32, n=3000",
         _correlated_5d(3000, np.float32), {"covariance_type": "full", "max_iter": 200},
         slow=True),
]


def assert_finite_model(mdn, X, y, trained=True):
    """Finite losses, parameters and outputs."""
    assert len(mdn.loss_curve_) == mdn.n_iter_
    assert mdn.n_iter_ > 0 or not trained
    assert np.all(np.isfinite(mdn.loss_curve_))
    for name, p in mdn.net_.module_.named_parameters():
        assert torch.isfinite(p).all(), name
    dist = mdn.predict_dist(X)
    outputs = {
        "predict": mdn.predict(X),
        "score_samples": mdn.score_samples(X, y),
        "score_samples(X)": mdn.score_samples(X),
        "sample": mdn.sample(X, n_samples=3, random_state=0),
        "weights": dist.weights, "means": dist.means, "covariances": dist.covariances,
        "var": dist.var(),
    }
    for name, out in outputs.items():
        assert np.all(np.isfinite(out)), name
    assert np.all(dist.var() > 0)


def run_case(case):
    """Fit one case: the fitted model, or the exception it raised."""
    X, y = case.data(np.random.default_rng(0))
    mdn = MDNRegressor(**{**FAST, **case.params})
    return mdn.fit(X, y), X, y


@pytest.mark.parametrize(
    "case",
    [pytest.param(c, id=c.name, marks=[pytest.mark.slow] if c.slow else []) for c in CASES],
)
def test_stress_case(case):
    if case.error is not None:
        error, match = case.error
        with pytest.raises(error, match=match):
            run_case(case)
        return
    mdn, X, y = run_case(case)
    assert_finite_model(mdn, X, y)
    if case.check is not None:
        case.check(mdn, X, y)


# ------------------------------------------------------------- divergence
@pytest.mark.parametrize("activation, lr, cause", [
    ("identity", 1e6, "loss became inf|loss exploded"),
    ("tanh", 100.0, "loss exploded to .* nats per row"),
])
def test_divergence_stops_with_a_clear_error_and_a_finite_model(activation, lr, cause):
    X, y = _smooth(200, dtype=np.float32)(np.random.default_rng(0))
    mdn = MDNRegressor(**{**FAST, "activation": activation, "learning_rate_init": lr})
    with pytest.raises(FloatingPointError, match=rf"diverged: the training ({cause}).*learning_rate_init "
                                                 r"\(it is .*\).*float64"):
        mdn.fit(X, y)
    # The estimator keeps the weights of the last sound epoch, never NaN ones.
    assert mdn.n_iter_ < FAST["max_iter"]
    assert_finite_model(mdn, X, y, trained=False)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_loss_turning_non_finite_restores_the_last_finished_epoch(bad):
    X, y = _smooth(100)(np.random.default_rng(0))
    real = MixtureNLLLoss.forward
    calls = []

    def poisoned(self, y_pred, y_true):
        calls.append(1)
        loss = real(self, y_pred, y_true)
        return loss * bad if len(calls) == 4 else loss

    # Full batch, no validation split: one loss evaluation per epoch.
    params = {**FAST, "batch_size": 100, "early_stopping": False}
    with mock.patch.object(MixtureNLLLoss, "forward", poisoned):
        mdn = MDNRegressor(**params)
        with pytest.raises(FloatingPointError, match=f"loss became {bad} in epoch 4"):
            mdn.fit(X, y)
    three = MDNRegressor(**{**params, "max_iter": 3}).fit(X, y)
    assert mdn.n_iter_ == 3
    np.testing.assert_array_equal(mdn.predict(X), three.predict(X))
    # Training can go on from there.
    mdn.set_params(warm_start=True).fit(X, y)
    assert mdn.n_iter_ == 3 + FAST["max_iter"]
    assert_finite_model(mdn, X, y)


def test_weights_turning_non_finite_is_caught_at_the_end_of_the_epoch():
    X, y = _smooth(100)(np.random.default_rng(0))
    params = {**FAST, "batch_size": 100, "early_stopping": False}
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
        MDNRegressor(**FAST).fit(df, y)
    with pytest.raises(TypeError, match="ColumnTransformer"):
        MDNRegressor(**FAST).partial_fit(df, y)
    # Numeric and boolean columns are fine.
    MDNRegressor(**FAST).fit(df[["size"]].assign(flag=df["size"] > 0), y)


@pytest.mark.parametrize("fmt", ["csr", "csc", "coo"])
def test_sparse_X_is_refused_clearly(fmt):
    X = sp.random(30, 4, density=0.5, format=fmt, random_state=0)
    with pytest.raises(TypeError, match="[Ss]parse.*dense"):
        MDNRegressor(**FAST).fit(X, np.arange(30.0))


@pytest.mark.parametrize("bad, name", [(np.nan, "NaN"), (np.inf, "infinity")])
def test_y_with_nan_or_inf_is_refused_with_the_row_count(bad, name):
    X = np.random.default_rng(0).normal(size=(50, 2))
    y = np.arange(100.0).reshape(50, 2)
    y[[3, 7, 7, 20], [0, 0, 1, 1]] = bad
    with pytest.raises(ValueError, match=rf"y contains {name} in 3 of 50 rows.*row 3\b"):
        MDNRegressor(**FAST).fit(X, y)
    with pytest.raises(ValueError, match=rf"{name} in 3 of 50 rows"):
        MDNRegressor(**FAST).fit(pd.DataFrame(X), pd.DataFrame(y))
