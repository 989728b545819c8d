"""Behaviour of MDNRegressor: scikit-learn tools, multimodal targets, errors."""

import io
import pickle

import joblib
import numpy as np
import pandas as pd
import pytest
import torch
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
    mdn = MDNRegressor(n_components=2, covariance_type=covariance_type, max_iter=150,
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


@pytest.mark.parametrize("dump", ["pickle", "joblib"])
def test_persistence_round_trip(dump):
    X, y = make_inverted_sinusoid(200, random_state=0)
    mdn = MDNRegressor(**FAST).fit(X, y)
    buf = io.BytesIO()
    if dump == "pickle":
        pickle.dump(mdn, buf)
        buf.seek(0)
        loaded = pickle.load(buf)
    else:
        joblib.dump(mdn, buf)
        buf.seek(0)
        loaded = joblib.load(buf)
    np.testing.assert_array_equal(loaded.predict(X), mdn.predict(X))
    np.testing.assert_array_equal(loaded.score_samples(X, y), mdn.score_samples(X, y))
    np.testing.assert_array_equal(
        loaded.sample(X, 3, random_state=1), mdn.sample(X, 3, random_state=1)
    )


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


def test_float32_input_trains_in_float32():
    mdn = MDNRegressor(n_components=2, **FAST).fit(GOOD_X.astype(np.float32), GOOD_Y)
    assert mdn.net_.module_.head.weight.dtype == torch.float32
    assert mdn.predict(GOOD_X).dtype == np.float64
