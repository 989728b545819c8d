"""MDNRegressor: scikit-learn tools, multimodal targets, distribution methods, sample
weights, errors."""

import dataclasses
import pickle

import numpy as np
import pandas as pd
import pytest
import torch
from skorch.callbacks import Callback
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skmdn import MDNRegressor, MixtureDistribution
from skmdn.datasets import (
    make_inverted_sinusoid,
    make_robot_arm,
    robot_arm_forward,
    sinusoid_branches,
)
from skmdn.metrics import log_likelihood_scorer

FAST = dict(max_iter=30, random_state=0)


@pytest.fixture(scope="module")
def sinusoid():
    X, y = make_inverted_sinusoid(4000, random_state=0)
    X_test, y_test = make_inverted_sinusoid(2000, random_state=1)
    return X, y, X_test, y_test


@pytest.fixture(scope="module")
def sinusoid_model(sinusoid):
    X, y, _, _ = sinusoid
    return MDNRegressor(random_state=0).fit(X, y)


def _branch_distance(X, pred):
    branches = sinusoid_branches(X.ravel())
    dist = [np.abs(b - p).min() for b, p in zip(branches, pred) if len(b)]
    return np.asarray(dist)


def test_mode_lands_on_a_branch_where_the_mean_does_not(sinusoid, sinusoid_model):
    _, _, X_test, _ = sinusoid
    mode = clone(sinusoid_model).set_params(point_estimate="mode")
    mode.__dict__.update({k: v for k, v in vars(sinusoid_model).items() if k.endswith("_")})
    mode.__dict__["_y_1d"] = sinusoid_model._y_1d
    mode_err = _branch_distance(X_test, mode.predict(X_test)).mean()
    mean_err = _branch_distance(X_test, sinusoid_model.predict(X_test)).mean()
    assert mode_err < 0.5
    assert mean_err > 2 * mode_err


def test_samples_cover_every_branch(sinusoid_model):
    # s = 0 has five noise-free solutions t.
    roots = sinusoid_branches([0.0])[0]
    assert len(roots) == 5
    draws = sinusoid_model.sample([[0.0]], n_samples=4000, random_state=0)[0]
    for root in roots:
        assert np.mean(np.abs(draws - root) < 0.75) > 0.02, root


def test_sinusoid_density_close_to_truth(sinusoid, sinusoid_model):
    _, _, X_test, y_test = sinusoid
    nll = -sinusoid_model.score_samples(X_test, y_test).mean()
    # Ground truth 1.288 nats (SEEDS.md A); below it would mean a bug.
    assert 1.25 < nll < 1.6


@pytest.mark.parametrize("covariance_type", ["spherical", "diag", "full"])
def test_robot_arm_inverse_kinematics(covariance_type):
    X, y = make_robot_arm(2000, random_state=0)
    X_test, _ = make_robot_arm(500, random_state=1)
    mdn = MDNRegressor(n_components=2, covariance_type=covariance_type, max_iter=150, n_members=1,
                       random_state=0).fit(X, y)
    draws = mdn.sample(X_test, n_samples=1, random_state=0)[:, 0, :]
    assert draws.shape == (500, 2)
    err = np.mean(np.sum((robot_arm_forward(draws) - X_test) ** 2, axis=1))
    mode = mdn.set_params(point_estimate="mode").predict(X_test)
    mode_err = np.mean(np.sum((robot_arm_forward(mode) - X_test) ** 2, axis=1))
    assert err < 0.01
    # The mode sits on one branch (elbow up or down): tighter than a random draw.
    assert mode_err < err
    dist = mdn.predict_dist(X_test[:5])
    assert dist.covariances.shape == (5, 2, 2, 2)
    if covariance_type != "full":
        off_diag = dist.covariances[..., 0, 1]
        np.testing.assert_allclose(off_diag, 0.0, atol=1e-12)


def test_grid_search_pipeline_with_likelihood_scorer():
    X, y = make_inverted_sinusoid(300, random_state=0)
    pipe = make_pipeline(StandardScaler(), MDNRegressor(**FAST))
    search = GridSearchCV(pipe, {"mdnregressor__n_components": [1, 3]}, cv=2,
                          scoring=log_likelihood_scorer)
    search.fit(X, y)
    assert search.best_params_["mdnregressor__n_components"] in (1, 3)
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
    assert np.isfinite(log_likelihood_scorer(search.best_estimator_, X, y))


def test_cross_val_score_and_r2():
    X, y = make_inverted_sinusoid(300, random_state=0)
    r2 = cross_val_score(MDNRegressor(**FAST), X, y, cv=3)
    ll = cross_val_score(MDNRegressor(**FAST), X, y, cv=3, scoring=log_likelihood_scorer)
    assert r2.shape == ll.shape == (3,)
    assert np.all(np.isfinite(ll))


def test_clone_and_reproducible_fit():
    X, y = make_inverted_sinusoid(200, random_state=0)
    a = MDNRegressor(**FAST).fit(X, y)
    b = clone(a).fit(X, y)
    assert b.get_params() == a.get_params()
    np.testing.assert_array_equal(a.predict(X), b.predict(X))


def test_dataframe_input_keeps_feature_names():
    X, y = make_robot_arm(200, random_state=0)
    df = pd.DataFrame(X, columns=["x1", "x2"])
    mdn = MDNRegressor(n_components=2, **FAST).fit(df, pd.DataFrame(y, columns=["a", "b"]))
    np.testing.assert_array_equal(mdn.feature_names_in_, ["x1", "x2"])
    assert mdn.predict(df).shape == (200, 2)
    with pytest.warns(UserWarning, match="feature names"):
        mdn.predict(X)


def test_output_shapes_follow_y():
    X, y = make_inverted_sinusoid(100, random_state=0)
    one = MDNRegressor(n_components=2, **FAST).fit(X, y)
    col = MDNRegressor(n_components=2, **FAST).fit(X, y[:, None])
    assert one.predict(X).shape == (100,)
    assert col.predict(X).shape == (100, 1)
    assert one.sample(X, 4).shape == (100, 4)
    assert col.sample(X, 4).shape == (100, 4, 1)
    assert one.score_samples(X, y).shape == (100,)
    assert one.score_samples(X).shape == (100,)
    dist = one.predict_dist(X)
    assert isinstance(dist, MixtureDistribution)
    assert len(dist) == 100 and len(dist[:10]) == 10
    np.testing.assert_allclose(dist.mean(), one.predict(X))
    np.testing.assert_allclose(dist.log_prob(y), one.score_samples(X, y))
    assert dist.var().shape == (100,) and np.all(dist.var() > 0)
    np.testing.assert_allclose(dist.std() ** 2, dist.var())


def test_log_density_carries_the_jacobian_of_the_target_scale():
    X, y = make_inverted_sinusoid(200, random_state=0)
    small = MDNRegressor(n_components=3, **FAST).fit(X, y)
    big = MDNRegressor(n_components=3, **FAST).fit(X, 1000.0 * y + 5.0)
    diff = small.score_samples(X, y) - big.score_samples(X, 1000.0 * y + 5.0)
    np.testing.assert_allclose(diff, np.log(1000.0), rtol=1e-6)
    np.testing.assert_allclose(big.predict(X), 1000.0 * small.predict(X) + 5.0, rtol=1e-6)


def test_sampling_is_seeded_and_leaves_global_state_alone():
    X, y = make_inverted_sinusoid(200, random_state=0)
    mdn = MDNRegressor(n_components=3, **FAST).fit(X, y)
    torch_state = torch.random.get_rng_state()
    np_state = np.random.get_state()[1].copy()
    a = mdn.sample(X, 5, random_state=7)
    b = mdn.sample(X, 5, random_state=7)
    c = mdn.sample(X, 5, random_state=8)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    MDNRegressor(n_components=3, **FAST).fit(X, y)
    assert torch.equal(torch.random.get_rng_state(), torch_state)
    np.testing.assert_array_equal(np.random.get_state()[1], np_state)


def test_verbose_prints_progress(capsys):
    X, y = make_inverted_sinusoid(100, random_state=0)
    MDNRegressor(n_components=2, max_iter=3, verbose=1, random_state=0).fit(X, y)
    out = capsys.readouterr().out
    assert "train_loss" in out and out.count("\n") >= 3


def test_silent_by_default(capsys):
    X, y = make_inverted_sinusoid(100, random_state=0)
    MDNRegressor(n_components=2, max_iter=3, random_state=0).fit(X, y)
    assert capsys.readouterr().out == ""


# ------------------------------------------------------ distribution methods
@pytest.fixture(scope="module")
def bimodal():
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, size=(600, 1))
    y = np.where(rng.random(600) < 0.5, 1.0, -1.0) * X.ravel() + 0.1 * rng.normal(size=600)
    return X, 50.0 + 20.0 * y


@pytest.fixture(scope="module")
def bimodal_model(bimodal):
    X, y = bimodal
    return MDNRegressor(n_components=3, max_iter=40, random_state=0).fit(X, y)


def test_quantiles_intervals_and_variance(bimodal, bimodal_model):
    X = bimodal[0][:50]
    levels = [0.05, 0.25, 0.5, 0.75, 0.95]
    quantiles = bimodal_model.predict_quantiles(X, levels)
    assert quantiles.shape == (50, 5)
    assert np.all(np.diff(quantiles, axis=1) > 0)
    dist = bimodal_model.predict_dist(X)
    np.testing.assert_allclose(dist.cdf(quantiles), np.tile(levels, (50, 1)), atol=1e-9)
    interval = bimodal_model.predict_interval(X, coverage=0.9)
    np.testing.assert_allclose(interval, quantiles[:, [0, 4]])
    np.testing.assert_allclose(bimodal_model.predict_var(X), dist.var())
    assert bimodal_model.predict_quantiles(X, 0.5).shape == (50, 1)
    with pytest.raises(ValueError, match="coverage"):
        bimodal_model.predict_interval(X, coverage=1.5)


def test_median_point_estimate(bimodal, bimodal_model):
    X = bimodal[0][:50]
    median = bimodal_model.set_params(point_estimate="median").predict(X)
    bimodal_model.set_params(point_estimate="mean")
    np.testing.assert_allclose(median, bimodal_model.predict_quantiles(X, 0.5)[:, 0])
    np.testing.assert_allclose(bimodal_model.predict_dist(X).cdf(median), 0.5, atol=1e-9)


def test_multi_output_median_is_the_vector_of_marginal_medians():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(200, 2))
    Y = np.column_stack([X[:, 0], X[:, 0] * X[:, 1]]) + 0.1 * rng.normal(size=(200, 2))
    mdn = MDNRegressor(n_components=2, point_estimate="median", max_iter=10, random_state=0)
    median = mdn.fit(X, Y).predict(X[:20])
    assert median.shape == (20, 2)
    dist = mdn.predict_dist(X[:20])
    for j in range(2):
        np.testing.assert_allclose(dist.marginal(j).cdf(median[:, j]), 0.5, atol=1e-9)
    assert mdn.predict_quantiles(X[:20], [0.1, 0.9]).shape == (20, 2, 2)
    assert mdn.predict_interval(X[:20]).shape == (20, 2, 2)


def test_estimator_biased_sampling_limit():
    rng = np.random.default_rng(7)
    X = rng.uniform(-1, 1, size=(200, 1))
    y = np.where(rng.random(200) < 0.5, 1.0, -1.0) * X.ravel()
    mdn = MDNRegressor(n_components=3, max_iter=5, random_state=0).fit(X, y)
    draws = mdn.sample(X[:10], n_samples=30, random_state=0, std_bias=np.inf)
    means = mdn.predict_dist(X[:10]).means[..., 0]
    assert (draws[:, :, None] == means[:, None, :]).any(-1).all()


# ---------------------------------------------------------- sample weights
# Full-batch float64 training is a deterministic function of the data, so
# weighted and repeated rows can be compared exactly. N_SMALL < 100 also keeps the
# automatic noise regularization off.
N_SMALL = 90
FULL_BATCH = dict(n_components=3, hidden_layer_sizes=(32,), random_state=0,
                  early_stopping=False, batch_size=N_SMALL, train_dtype="float64")


@pytest.fixture(scope="module")
def small_sinusoid():
    return make_inverted_sinusoid(N_SMALL, random_state=0)


def test_integer_weights_fit_like_repeated_rows(small_sinusoid):
    X, y = small_sinusoid
    counts = np.random.default_rng(1).integers(0, 3, size=len(y))
    keep = np.repeat(np.arange(len(y)), counts)
    assert len(keep) <= 200  # full batch on both sides
    weighted = MDNRegressor(max_iter=20, **FULL_BATCH).fit(X, y, sample_weight=counts)
    repeated = MDNRegressor(max_iter=20, **FULL_BATCH).fit(X[keep], y[keep])
    np.testing.assert_allclose(weighted.predict(X), repeated.predict(X), rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(weighted.y_scale_, repeated.y_scale_, rtol=1e-12)


def test_weights_match_repeated_rows_in_expectation_with_mini_batches():
    # Two branches, y = +1 and y = -1; branch A carries weight 3. Weighted
    # mini-batch training and training on A's rows repeated 3 times must both
    # give branch A a mixture weight near 3/4; unweighted training gives 1/2.
    rng = np.random.default_rng(0)
    n = 1000
    X = rng.uniform(-1, 1, size=(n, 1))
    branch_a = np.arange(n) < n // 2
    y = np.where(branch_a, 1.0, -1.0) + 0.05 * rng.normal(size=n)
    w = np.where(branch_a, 3.0, 1.0)
    params = dict(n_components=2, hidden_layer_sizes=(16,), batch_size=50, max_iter=40,
                  random_state=0, early_stopping=False)

    def weight_of_branch_a(mdn):
        dist = mdn.predict_dist(X[:200])
        near_a = np.abs(dist.means[..., 0] - 1.0) < 0.5
        return np.mean(np.sum(dist.weights * near_a, axis=1))

    weighted = MDNRegressor(**params).fit(X, y, sample_weight=w)
    rows = np.r_[np.repeat(np.flatnonzero(branch_a), 3), np.flatnonzero(~branch_a)]
    repeated = MDNRegressor(**params).fit(X[rows], y[rows])
    plain = MDNRegressor(**params).fit(X, y)
    assert weight_of_branch_a(weighted) == pytest.approx(0.75, abs=0.04)
    assert weight_of_branch_a(repeated) == pytest.approx(0.75, abs=0.04)
    assert weight_of_branch_a(plain) == pytest.approx(0.5, abs=0.04)


def test_zero_weight_rows_are_ignored(small_sinusoid):
    X, y = small_sinusoid
    w = np.r_[np.ones(45), np.zeros(N_SMALL - 45)]
    a = MDNRegressor(max_iter=10, **FULL_BATCH).fit(X, y, sample_weight=w)
    b = MDNRegressor(max_iter=10, **FULL_BATCH).fit(X[:45], y[:45])
    np.testing.assert_allclose(a.predict(X), b.predict(X), rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("w, match", [
    (np.zeros(N_SMALL), "at least one non-zero"),
    (np.r_[-1.0, np.ones(N_SMALL - 1)], "Negative values"),
    (np.r_[np.nan, np.ones(N_SMALL - 1)], "NaN"),
    (np.ones(N_SMALL - 10), "shape"),
])
def test_invalid_weights_are_refused_as_scikit_learn_does(small_sinusoid, w, match):
    X, y = small_sinusoid
    with pytest.raises(ValueError, match=match):
        MDNRegressor(**FULL_BATCH).fit(X, y, sample_weight=w)


def test_huge_and_tiny_weights_are_fine(small_sinusoid):
    X, y = small_sinusoid
    a = MDNRegressor(max_iter=5, **FULL_BATCH).fit(X, y, sample_weight=np.full(N_SMALL, 1e300))
    b = MDNRegressor(max_iter=5, **FULL_BATCH).fit(X, y, sample_weight=np.full(N_SMALL, 1e-300))
    c = clone(a).fit(X, y)
    np.testing.assert_allclose(a.predict(X), c.predict(X), rtol=1e-12)
    np.testing.assert_allclose(b.predict(X), c.predict(X), rtol=1e-12)


# ---------------------------------------------------------------- bad input
GOOD_X = np.random.RandomState(0).normal(size=(20, 2))
GOOD_Y = np.random.RandomState(1).normal(size=20)


@pytest.mark.parametrize(
    "X, y, error, match",
    [
        (np.where(np.eye(20, 2) > 0, np.nan, GOOD_X), GOOD_Y, ValueError, "NaN"),
        (np.where(np.eye(20, 2) > 0, np.inf, GOOD_X), GOOD_Y, ValueError, "infinity"),
        (GOOD_X, np.where(np.arange(20) == 3, np.nan, GOOD_Y), ValueError, "NaN"),
        (np.empty((0, 2)), np.empty(0), ValueError, "0 sample"),
        (np.array([["a", "b"]] * 20), GOOD_Y, ValueError, "convert"),
        (GOOD_X + 1j, GOOD_Y, ValueError, "[Cc]omplex"),
        (GOOD_X, GOOD_Y[:15], ValueError, "inconsistent numbers of samples"),
        (GOOD_X[:, 0], GOOD_Y, ValueError, "2D array"),
    ],
)
def test_bad_input_is_rejected_before_training(X, y, error, match):
    with pytest.raises(error, match=match):
        MDNRegressor(**FAST).fit(X, y)


def test_wrong_number_of_features_at_predict():
    mdn = MDNRegressor(n_components=2, **FAST).fit(GOOD_X, GOOD_Y)
    for method in (mdn.predict, mdn.score_samples, mdn.predict_dist):
        with pytest.raises(ValueError, match="features"):
            method(GOOD_X[:, :1])
    with pytest.raises(ValueError, match="rows"):
        mdn.score_samples(GOOD_X, GOOD_Y[:5])


def test_methods_before_fit_raise_not_fitted():
    mdn = MDNRegressor()
    for method in (mdn.predict, mdn.score_samples, mdn.predict_dist, mdn.sample):
        with pytest.raises(NotFittedError):
            method(GOOD_X)


@pytest.mark.parametrize(
    "params, match",
    [
        ({"covariance_type": "tied"}, "covariance_type"),
        ({"point_estimate": "median_of_means"}, "point_estimate"),
        ({"n_components": 0}, "n_components"),
        ({"activation": "gelu"}, "activation"),
        ({"hidden_layer_sizes": (10, 0)}, "hidden_layer_sizes"),
        ({"device": "tpu"}, "device"),
    ],
)
def test_invalid_parameters_named_in_the_error(params, match):
    with pytest.raises(ValueError, match=match):
        MDNRegressor(**params, **FAST).fit(GOOD_X, GOOD_Y)


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
@pytest.mark.parametrize("device", ["cuda", "cuda:0"])
def test_cuda_without_cuda_is_a_clear_error(device):
    with pytest.raises(ValueError, match="CUDA is not available"):
        MDNRegressor(device=device, **FAST).fit(GOOD_X, GOOD_Y)


def test_auto_device_falls_back_to_cpu():
    mdn = MDNRegressor(device="auto", n_components=2, **FAST).fit(GOOD_X, GOOD_Y)
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert mdn.net_.module_.head.weight.device.type == expected


class RecordDtype(Callback):
    """Records the dtype of the network's weights during training."""

    def initialize(self):
        self.seen_ = set()
        return self

    def on_epoch_end(self, net, **kwargs):
        self.seen_.add(next(net.module_.parameters()).dtype)


@pytest.mark.parametrize("x_dtype", [np.float32, np.float64])
@pytest.mark.parametrize("train_dtype", ["float32", "float64"])
def test_training_runs_in_train_dtype_and_predicts_in_float64(x_dtype, train_dtype):
    mdn = MDNRegressor(n_components=2, train_dtype=train_dtype, callbacks=[
        ("dtype", RecordDtype())], **FAST).fit(GOOD_X.astype(x_dtype), GOOD_Y)
    assert dict(mdn.net_.callbacks_)["dtype"].seen_ == {getattr(torch, train_dtype)}
    assert mdn.dtype_ == torch.float64 == mdn.net_.module_.head.weight.dtype
    assert mdn.predict(GOOD_X.astype(x_dtype)).dtype == np.float64


@pytest.mark.parametrize("n, expected", [(99, torch.float64), (100, torch.float32)])
def test_auto_train_dtype_is_float32_from_100_rows(n, expected):
    X, y = make_inverted_sinusoid(n, random_state=0)
    mdn = MDNRegressor(n_components=2, max_iter=2, random_state=0,
                       callbacks=[("dtype", RecordDtype())]).fit(X, y)
    assert dict(mdn.net_.callbacks_)["dtype"].seen_ == {expected}
    assert mdn.dtype_ == torch.float64


def test_float32_training_continues_under_warm_start_and_partial_fit():
    params = dict(n_components=2, n_iter_no_change=1000, early_stopping=False,
                  train_dtype="float32", random_state=0)
    warm = MDNRegressor(max_iter=6, warm_start=True, **params).fit(GOOD_X, GOOD_Y)
    warm.fit(GOOD_X, GOOD_Y)
    warm.partial_fit(GOOD_X, GOOD_Y)
    cold = MDNRegressor(max_iter=12, **params).fit(GOOD_X, GOOD_Y)
    assert warm.n_iter_ == 13 and warm.dtype_ == torch.float64
    # Float32 steps, continued: the same fit up to float32 rounding.
    np.testing.assert_allclose(warm.loss_curve_[:12], cold.loss_curve_, rtol=1e-5)
    # A continued fit may change the training dtype; the moments follow.
    warm.set_params(train_dtype="float64").partial_fit(GOOD_X, GOOD_Y)
    assert warm.n_iter_ == 14
    assert all(v.dtype == torch.float64 for state in warm.net_.optimizer_.state.values()
               for k, v in state.items() if k != "step")


def test_standardization_in_float64_keeps_a_small_spread_on_a_large_offset():
    # A feature 1e6 +- 1e-3: cast to float32 before standardizing it would be
    # constant; standardized in float64 it carries the signal.
    rng = np.random.default_rng(0)
    u = rng.uniform(-1, 1, size=400)
    X = (1e6 + 1e-3 * u)[:, None]
    y = 3 * u + 0.05 * rng.normal(size=400)
    mdn = MDNRegressor(n_components=1, n_members=1, max_iter=60, random_state=0).fit(X, y)
    assert np.corrcoef(mdn.predict(X), y)[0, 1] > 0.9
    # A network kept in float32 (as in models pickled before train_dtype) still
    # sees the spread: inputs are standardized before the cast.
    mdn.net_.module_.to(torch.float32)
    assert mdn.dtype_ == torch.float32
    assert np.corrcoef(mdn.predict(X), y)[0, 1] > 0.9


# ------------------------------------------------------------ ensembles (TabM)
ENSEMBLE = dict(n_components=2, n_members=4, hidden_layer_sizes=(16,), max_iter=10,
                random_state=0)


@pytest.fixture(scope="module")
def ensemble_data():
    return make_inverted_sinusoid(200, random_state=0)


@pytest.fixture(scope="module")
def ensemble_model(ensemble_data):
    X, y = ensemble_data
    return MDNRegressor(**ENSEMBLE).fit(X, y)


def test_ensemble_fits_and_predicts_a_pooled_mixture(ensemble_data, ensemble_model):
    X, y = ensemble_data
    mdn = ensemble_model
    assert len(mdn.loss_curve_) == mdn.n_iter_ == 10
    assert np.isfinite(mdn.validation_scores_).all()
    dist = mdn.predict_dist(X[:5])
    assert dist.n_components == 8
    np.testing.assert_allclose(dist.weights.reshape(5, 4, 2).sum(-1), 0.25, rtol=1e-6)
    np.testing.assert_allclose(mdn.predict(X[:5]), dist.mean().ravel(), rtol=1e-6)
    for point in ("mode", "median"):
        prediction = clone(mdn).set_params(point_estimate=point)
        prediction.__dict__.update({k: v for k, v in vars(mdn).items() if k.endswith("_")})
        prediction._y_1d = mdn._y_1d
        assert prediction.predict(X[:5]).shape == (5,)
    assert mdn.sample(X[:5], n_samples=3, random_state=0).shape == (5, 3)
    quantiles = mdn.predict_quantiles(X[:5], [0.1, 0.5, 0.9])
    assert quantiles.shape == (5, 3) and np.all(np.diff(quantiles, axis=1) > 0)
    assert np.isfinite(mdn.score_samples(X, y)).all()


def test_ensemble_sample_weights_and_float32(ensemble_data):
    X, y = ensemble_data
    counts = np.random.default_rng(1).integers(0, 3, size=len(y))
    keep = np.repeat(np.arange(len(y)), counts)
    params = dict(ENSEMBLE, early_stopping=False, batch_size=400, max_iter=5,
                  train_dtype="float64")
    weighted = MDNRegressor(**params).fit(X, y, sample_weight=counts)
    repeated = MDNRegressor(**params).fit(X[keep], y[keep])
    np.testing.assert_allclose(weighted.predict(X), repeated.predict(X), rtol=1e-6, atol=1e-8)
    mdn = MDNRegressor(**{**params, "train_dtype": "float32"}).fit(X.astype(np.float32), y)
    assert mdn.dtype_ == torch.float64
    assert mdn.predict(X).dtype == np.float64


class _OwnShuffles(MDNRegressor):
    """Every member on its own shuffle of the rows (the plan's other choice)."""

    def _training_plan(self, *args):
        return dataclasses.replace(super()._training_plan(*args), member_shuffles=True)


def test_ensemble_members_share_a_shuffle_unless_the_plan_gives_them_their_own(ensemble_data):
    X, y = ensemble_data
    own = _OwnShuffles(**ENSEMBLE).fit(X, y)
    shared = MDNRegressor(**ENSEMBLE).fit(X, y)
    assert own.net_.get_params()["iterator_train__n_members"] == 4
    assert shared.net_.get_params()["iterator_train__n_members"] == 1
    # The first epoch starts from the same weights and differs only in the batches.
    assert own.loss_curve_[0] != pytest.approx(shared.loss_curve_[0], rel=1e-9)
    assert np.isfinite(own.validation_scores_).all()
    one = dict(ENSEMBLE, n_members=1)
    np.testing.assert_array_equal(  # one network: the two plans train alike
        MDNRegressor(**one).fit(X, y).predict(X), _OwnShuffles(**one).fit(X, y).predict(X))


class _Wider(MDNRegressor):
    """A wider first layer through the ``_architecture`` hook."""

    WIDTHS = (32,)

    def _architecture(self, *args):
        return {**super()._architecture(*args), "hidden_layer_sizes": self.WIDTHS}


def test_architecture_hook_reaches_the_module_and_warm_start_checks_it(ensemble_data):
    X, y = ensemble_data
    mdn = _Wider(**dict(ENSEMBLE, max_iter=2), warm_start=True).fit(X, y)
    assert mdn.net_.module_.trunk[1].weight.shape[0] == 32
    mdn.WIDTHS = (16,)
    with pytest.raises(ValueError, match="architecture changed: hidden_layer_sizes"):
        mdn.fit(X, y)


@pytest.mark.parametrize("n_members", [1, 3])
def test_periodic_input_embedding_fits_persists_and_is_checked_by_warm_start(
        ensemble_data, n_members):
    X, y = ensemble_data
    params = dict(ENSEMBLE, n_members=n_members, max_iter=2, warm_start=True)
    mdn = MDNRegressor(input_embedding="periodic", **params).fit(X, y)
    assert mdn.net_.module_.embed is not None and mdn.input_embedding_ == "periodic"
    plain = MDNRegressor(input_embedding=None, **params).fit(X, y)
    assert plain.net_.module_.embed is None and plain.input_embedding_ is None
    auto = MDNRegressor(**params).fit(X, y)  # "auto": periodic for an ensemble only
    assert auto.input_embedding_ == (None if n_members == 1 else "periodic")
    assert (auto.net_.module_.embed is None) == (n_members == 1)
    assert np.isfinite(mdn.score(X, y))
    back = pickle.loads(pickle.dumps(mdn))
    np.testing.assert_array_equal(back.predict(X), mdn.predict(X))
    mdn.set_params(input_embedding=None)
    with pytest.raises(ValueError, match="architecture changed: input_embedding 'periodic' -> None"):
        mdn.fit(X, y)
    with pytest.raises(ValueError, match="input_embedding"):
        MDNRegressor(input_embedding="fourier").fit(X, y)


def test_ensemble_partial_fit_warm_start_and_architecture_check(ensemble_data):
    X, y = ensemble_data
    mdn = MDNRegressor(**dict(ENSEMBLE, early_stopping=False))
    mdn.partial_fit(X, y).partial_fit(X, y)
    assert mdn.n_iter_ == 2
    warm = MDNRegressor(**dict(ENSEMBLE, max_iter=3), warm_start=True).fit(X, y)
    before = warm.predict(X)
    warm.fit(X, y)
    assert warm.n_iter_ == 6
    assert not np.allclose(before, warm.predict(X))
    with pytest.raises(ValueError, match="architecture changed: n_members 4 -> 2"):
        warm.set_params(n_members=2).fit(X, y)


def test_ensemble_pickles(ensemble_data, ensemble_model):
    import pickle

    X, _ = ensemble_data
    loaded = pickle.loads(pickle.dumps(ensemble_model))
    np.testing.assert_array_equal(loaded.predict(X), ensemble_model.predict(X))
    np.testing.assert_array_equal(loaded.predict_dist(X).weights,
                                  ensemble_model.predict_dist(X).weights)


def test_auto_ensemble_size_is_fitted_and_kept_by_a_continued_fit():
    from skmdn._plan import AUTO_LEARNING_RATE_ENSEMBLE, AUTO_MEMBERS

    rng = np.random.default_rng(0)
    X = rng.normal(size=(150, 2))
    y = X[:, 0] + 0.3 * rng.normal(size=150)
    params = dict(n_components=2, hidden_layer_sizes=(8,), max_iter=2, random_state=0)
    mdn = MDNRegressor(**params, warm_start=True).fit(X, y)
    assert mdn.n_members_ == AUTO_MEMBERS and mdn.net_.lr == AUTO_LEARNING_RATE_ENSEMBLE
    assert mdn.predict_dist(X[:3]).n_components == 2 * AUTO_MEMBERS
    # 3000 rows would make "auto" one network; a continued fit keeps the ensemble.
    mdn.fit(np.tile(X, (20, 1)), np.tile(y, 20))
    assert mdn.n_members_ == AUTO_MEMBERS and mdn.n_iter_ == 4
    assert MDNRegressor(**params).fit(X[:, :1], y).n_members_ == 1  # one feature
    assert MDNRegressor(**params).fit(X[:99], y[:99]).n_members_ == 1  # tiny data
    assert MDNRegressor(**params).partial_fit(X, y).n_members_ == 1
    assert MDNRegressor(**params, n_members=3).fit(X[:, :1], y).n_members_ == 3


def test_ensemble_size_is_validated():
    with pytest.raises(ValueError, match="n_members"):
        MDNRegressor(n_members=0, **FAST).fit(GOOD_X, GOOD_Y)


def test_model_without_n_members_attributes_still_works(ensemble_data):
    # As a model pickled before the parameter existed is loaded.
    X, y = ensemble_data
    mdn = MDNRegressor(**dict(ENSEMBLE, n_members=1, max_iter=2), warm_start=True).fit(X, y)
    before = mdn.predict(X)
    del mdn.n_members, mdn.net_.module_.n_members, mdn.net_.criterion_.n_members
    del mdn.net_.module__n_members, mdn.net_.criterion__n_members
    np.testing.assert_array_equal(mdn.predict(X), before)
    assert mdn.get_params()["n_members"] == 1 and "MDNRegressor" in repr(mdn)
    assert mdn.fit(X, y).n_iter_ == 4
    del mdn.n_members_  # and "auto" continues the size the network has
    assert mdn.set_params(n_members="auto").fit(X, y).n_iter_ == 6
    assert mdn.n_members_ == 1


def test_ensemble_without_input_embedding_attributes_still_warm_starts(ensemble_data):
    # An ensemble pickled before input_embedding existed had no embedding;
    # the class default (None) keeps it so, where "auto" would add one.
    X, y = ensemble_data
    mdn = MDNRegressor(**dict(ENSEMBLE, max_iter=2), input_embedding=None, warm_start=True)
    mdn.fit(X, y)
    del mdn.input_embedding, mdn.input_embedding_
    assert mdn.get_params()["input_embedding"] is None
    assert mdn.fit(X, y).n_iter_ == 4 and mdn.net_.module_.embed is None


# ------------------------------------------------------------ input transform
def test_quantile_input_transform_is_the_map_then_the_usual_model():
    import pickle

    from skmdn._inputs import MIN_DISTINCT, InputMap

    rng = np.random.default_rng(0)
    X = np.column_stack([rng.lognormal(size=200), rng.integers(0, 3, 200), rng.normal(size=200)])
    y = np.log(X[:, 0]) + X[:, 1] + 0.1 * rng.normal(size=200)
    params = dict(n_components=2, hidden_layer_sizes=(8,), max_iter=5, random_state=0)
    mapped = MDNRegressor(**params, input_transform="quantile").fit(X, y)
    assert mapped.input_map_.columns_.tolist() == [0, 2]  # the 3-valued column is left alone
    assert MIN_DISTINCT > 3
    Xm = InputMap(X).transform(X)
    plain = MDNRegressor(**params).fit(Xm, y)
    assert plain.input_map_ is None
    np.testing.assert_allclose(mapped.predict(X[:20]), plain.predict(Xm[:20]), rtol=1e-12)
    np.testing.assert_allclose(mapped.score_samples(X[:20], y[:20]),
                               plain.score_samples(Xm[:20], y[:20]), rtol=1e-12)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(mapped)).predict(X), mapped.predict(X))
    # The quantile map tames a heavy tail: a far outlier maps into the normal's range.
    assert np.abs(mapped.input_map_.transform([[1e9, 0.0, 0.0]])[0, 0]) < 6
    mapped.partial_fit(X, y)  # continuing uses the same map
    assert np.isfinite(mapped.predict(X)).all()
