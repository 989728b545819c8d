"""The point regressor: cross-fitted columns, folds from row keys, weights, persistence, continuation."""

import pickle
import warnings

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.linear_model import Ridge
from sklearn.model_selection import GridSearchCV
from sklearn.multioutput import MultiOutputRegressor
from sklearn.neighbors import KNeighborsRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from skorch.callbacks import Callback

from skmdn import MDNRegressor
from skmdn._data import row_keys
from skmdn._point import N_FOLDS, cross_fit, fit_kwargs, fold_ids, for_outputs, seeded
from skmdn.metrics import log_likelihood_scorer

FAST = dict(n_components=2, n_members=1, hidden_layer_sizes=(16,), max_iter=5, random_state=0)


class RecordInputs(Callback):
    """Keeps a copy of the network's training inputs (every row, validation included)."""

    def initialize(self):
        self.X_ = None
        return self

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        self.X_ = X.X.detach().double().numpy().copy()


def _point_column(model):
    """The point column of the training rows, in the units of y."""
    X = dict(model.net_.callbacks_)["inputs"].X_
    return X[:, -1] * model.point_scale_[0] + model.point_mean_[0]


def _data(n=200, d=3, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    return X, X[:, 0] + 0.3 * rng.normal(size=n)


# ------------------------------------------------------------ out of fold
def test_a_memorising_point_model_never_predicts_a_row_it_saw():
    # KNeighborsRegressor(1) returns y itself for a row it was fitted on: any
    # training row whose point column equals its y was predicted in-sample.
    X, y = _data()
    model = MDNRegressor(point_regressor=KNeighborsRegressor(1), **FAST,
                         callbacks=[("inputs", RecordInputs())]).fit(X, y)
    column = _point_column(model)
    assert model.validation_fraction * len(y) >= 1  # validation rows are in the record too
    assert not np.any(np.isclose(column, y, rtol=0, atol=1e-9))
    # ... while the point model kept for prediction is fitted on every row.
    np.testing.assert_allclose(model.point_regressor_.predict(X), y)


def test_duplicated_rows_share_a_fold():
    # Every row twice: copies in different folds would let KNN(1) find the
    # other copy at distance 0 and return y exactly.
    X, y = _data(100)
    order = np.random.default_rng(1).permutation(200)
    X2, y2 = np.vstack([X, X])[order], np.concatenate([y, y])[order]
    model = MDNRegressor(point_regressor=KNeighborsRegressor(1), **FAST,
                         callbacks=[("inputs", RecordInputs())]).fit(X2, y2)
    assert not np.any(np.isclose(_point_column(model), y2, rtol=0, atol=1e-9))


def test_fold_ids_come_from_row_keys_not_positions():
    X, y = _data(60)
    keys = row_keys(X, y[:, None]).numpy()
    folds = fold_ids(keys, None, N_FOLDS, seed=7)
    assert np.bincount(folds).tolist() == [12] * 5  # balanced over distinct rows
    perm = np.random.default_rng(0).permutation(60)
    np.testing.assert_array_equal(fold_ids(keys[perm], None, N_FOLDS, seed=7), folds[perm])
    # A row of weight 2 and the row given twice; rows of weight 0 move no other row.
    w = np.ones(60)
    w[:5], w[5:8] = 2.0, 0.0
    rep = np.repeat(np.arange(60), w.astype(int))
    weighted = fold_ids(keys, w, N_FOLDS, seed=7)
    np.testing.assert_array_equal(fold_ids(keys[rep], None, N_FOLDS, seed=7), weighted[rep])
    assert not np.array_equal(fold_ids(keys, None, N_FOLDS, seed=8), folds)


def test_cross_fit_is_out_of_fold_and_seeded():
    X, y = _data(80)
    oof, model = cross_fit(KNeighborsRegressor(1), X, y[:, None], None, seed=3)
    assert oof.shape == (80, 1) and not np.any(np.isclose(oof[:, 0], y))
    again, _ = cross_fit(KNeighborsRegressor(1), X, y[:, None], None, seed=3)
    np.testing.assert_array_equal(oof, again)


# ------------------------------------------------------- the point model's view
def test_weights_reach_the_point_model_where_it_takes_them():
    w = np.arange(1.0, 6.0)
    assert fit_kwargs(Ridge(), w) == {"sample_weight": w}
    pipe = make_pipeline(StandardScaler(), Ridge())
    assert list(fit_kwargs(pipe, w)) == ["ridge__sample_weight"]
    assert list(fit_kwargs(MultiOutputRegressor(Ridge()), w)) == ["sample_weight"]
    assert fit_kwargs(KNeighborsRegressor(), None) == {}
    with pytest.warns(UserWarning, match="does not accept sample_weight"):
        assert fit_kwargs(KNeighborsRegressor(), w) == {}
    with pytest.warns(UserWarning, match="does not accept sample_weight"):
        assert fit_kwargs(MultiOutputRegressor(KNeighborsRegressor()), w) == {}


def test_point_model_in_a_pipeline_is_fitted_with_the_weights():
    X, y = _data()
    w = np.where(np.arange(len(y)) % 2, 3.0, 1.0)
    pipe = make_pipeline(StandardScaler(), Ridge())
    model = MDNRegressor(point_regressor=pipe, **FAST).fit(X, y, sample_weight=w)
    direct = make_pipeline(StandardScaler(), Ridge()).fit(X, y, ridge__sample_weight=w)
    np.testing.assert_allclose(model.point_regressor_.predict(X), direct.predict(X))
    assert not hasattr(pipe, "steps_") and not hasattr(pipe[-1], "coef_")  # the user's is untouched


def test_multi_output_targets_wrap_single_output_models():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(150, 3))
    y = np.column_stack([X[:, 0], X[:, 1] - X[:, 2]]) + 0.1 * rng.normal(size=(150, 2))
    assert isinstance(for_outputs(HistGradientBoostingRegressor(), 2), MultiOutputRegressor)
    assert isinstance(for_outputs(Ridge(), 2), Ridge)
    assert isinstance(for_outputs(HistGradientBoostingRegressor(), 1),
                      HistGradientBoostingRegressor)
    model = MDNRegressor(point_regressor=HistGradientBoostingRegressor(max_iter=20),
                         **FAST).fit(X, y)
    assert isinstance(model.point_regressor_, MultiOutputRegressor)
    assert model.net_.module__n_features == 3 + 2
    assert model.point_mean_.shape == model.point_scale_.shape == (2,)
    assert model.predict(X).shape == (150, 2)


def test_seeds_come_from_random_state_and_global_state_is_untouched():
    X, y = _data()
    hgbr = HistGradientBoostingRegressor(max_iter=10, max_features=0.5)
    state = np.random.get_state()[1].copy()
    a = MDNRegressor(point_regressor=hgbr, **FAST).fit(X, y)
    b = MDNRegressor(point_regressor=hgbr, **FAST).fit(X, y)
    np.testing.assert_array_equal(np.random.get_state()[1], state)
    assert hgbr.random_state is None  # the parameter is not changed
    assert isinstance(a.point_regressor_.random_state, int)
    np.testing.assert_array_equal(a.point_regressor_.predict(X), b.point_regressor_.predict(X))
    assert seeded(KNeighborsRegressor(), 3).get_params() == KNeighborsRegressor().get_params()


# ------------------------------------------------------------ one input path
def test_every_method_sees_the_point_column():
    X, y = _data()
    model = MDNRegressor(point_regressor=Ridge(), **FAST).fit(X, y)
    assert model.n_features_in_ == 3 and model.x_mean_.shape == (3,)
    # Changing what the point model says changes every method's answer.
    shifted = pickle.loads(pickle.dumps(model))
    shifted.point_regressor_.intercept_ += 5.0
    for method in ("predict", "predict_var", "predict_dist"):
        a, b = getattr(model, method)(X[:10]), getattr(shifted, method)(X[:10])
        a, b = (a.means, b.means) if method == "predict_dist" else (a, b)
        assert not np.allclose(a, b), method
    assert not np.allclose(model.score_samples(X[:10], y[:10]),
                           shifted.score_samples(X[:10], y[:10]))
    assert not np.allclose(model.sample(X[:10], 3, random_state=0),
                           shifted.sample(X[:10], 3, random_state=0))


# ------------------------------------------------------- parameters, persistence
def test_nested_parameters_and_clone():
    model = MDNRegressor(point_regressor=HistGradientBoostingRegressor())
    model.set_params(point_regressor__max_iter=7)
    assert model.get_params()["point_regressor__max_iter"] == 7
    copy = clone(model)
    assert copy.point_regressor is not model.point_regressor
    assert copy.point_regressor.max_iter == 7


@pytest.mark.parametrize("how", ["pickle", "joblib", "skops"])
def test_round_trips(how, tmp_path):
    X, y = _data()
    model = MDNRegressor(point_regressor=HistGradientBoostingRegressor(max_iter=10),
                         **FAST).fit(X, y)
    if how == "pickle":
        loaded = pickle.loads(pickle.dumps(model))
    elif how == "joblib":
        joblib.dump(model, tmp_path / "m.joblib")
        loaded = joblib.load(tmp_path / "m.joblib")
    else:
        sio = pytest.importorskip("skops.io")
        data = sio.dumps(model)
        loaded = sio.loads(data, trusted=sio.get_untrusted_types(data=data))
    np.testing.assert_array_equal(model.predict(X), loaded.predict(X))
    np.testing.assert_array_equal(model.score_samples(X, y), loaded.score_samples(X, y))
    loaded.set_params(warm_start=True, max_iter=2).fit(X, y)
    assert loaded.n_iter_ == model.n_iter_ + 2


def test_skops_round_trip_without_a_point_model():
    sio = pytest.importorskip("skops.io")
    X, y = _data()
    model = MDNRegressor(**FAST).fit(X, y)
    data = sio.dumps(model)
    loaded = sio.loads(data, trusted=sio.get_untrusted_types(data=data))
    np.testing.assert_array_equal(model.predict(X), loaded.predict(X))
    assert loaded.dtype_ == model.dtype_


# ---------------------------------------------------- warm start, partial_fit
def test_warm_start_cross_fits_again_with_the_same_folds_and_seeds():
    X, y = _data()
    params = dict(FAST, random_state=None)
    model = MDNRegressor(point_regressor=KNeighborsRegressor(1), warm_start=True,
                         callbacks=[("inputs", RecordInputs())], **params).fit(X, y)
    first = _point_column(model)
    model.fit(X, y)
    np.testing.assert_array_equal(_point_column(model), first)
    assert model.n_iter_ == 10
    model.set_params(point_regressor=KNeighborsRegressor(2))
    with pytest.raises(ValueError, match="point_regressor changed"):
        model.fit(X, y)
    model.set_params(point_regressor=None)
    with pytest.raises(ValueError, match="point_regressor changed"):
        model.partial_fit(X, y)


def test_partial_fit_cross_fits_its_first_chunk_then_uses_the_frozen_model():
    X, y = _data(300)
    model = MDNRegressor(point_regressor=Ridge(), **FAST)
    model.partial_fit(X[:150], y[:150])
    frozen = model.point_regressor_
    coef = frozen.coef_.copy()
    model.partial_fit(X[150:], y[150:])
    assert model.point_regressor_ is frozen
    np.testing.assert_array_equal(frozen.coef_, coef)
    assert model.n_iter_ == 2
    # After fit, partial_fit keeps the fitted network's input width.
    fitted = MDNRegressor(point_regressor=Ridge(), **FAST).fit(X, y)
    fitted.partial_fit(X[:50], y[:50])
    assert fitted.net_.module__n_features == 4
    # "auto" is off in partial_fit: a stream's first chunk is no place to cross-fit.
    auto = MDNRegressor(point_regressor="auto", **FAST).partial_fit(X, y)
    assert auto.point_regressor_ is None


def test_verbose_says_when_the_point_model_is_cross_fitted(capsys):
    X, y = _data()
    MDNRegressor(point_regressor=Ridge(), verbose=1, **FAST).fit(X, y)
    out = capsys.readouterr().out
    assert "Cross-fitting the point regressor Ridge on 5 folds" in out


# ------------------------------------------------------ in a scikit-learn search
def test_pipeline_with_categoricals_in_a_grid_search_over_a_nested_parameter():
    rng = np.random.default_rng(0)
    n = 240
    frame = pd.DataFrame({"size": rng.normal(size=n), "age": rng.uniform(0, 10, size=n),
                          "kind": rng.choice(["a", "b", "c"], size=n)})
    y = frame["size"] * 2 + (frame["kind"] == "b") * 3 + 0.2 * rng.normal(size=n)
    encode = ColumnTransformer([("cat", OneHotEncoder(sparse_output=False), ["kind"])],
                               remainder="passthrough")
    pipe = make_pipeline(encode, MDNRegressor(
        point_regressor=HistGradientBoostingRegressor(), **FAST))
    grid = {"mdnregressor__point_regressor__max_iter": [5, 20]}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        search = GridSearchCV(pipe, grid, cv=2, scoring=log_likelihood_scorer).fit(frame, y)
    assert search.best_params_["mdnregressor__point_regressor__max_iter"] in (5, 20)
    best = search.best_estimator_[-1]
    assert best.point_regressor_.max_iter == search.best_params_[
        "mdnregressor__point_regressor__max_iter"]
    assert np.isfinite(search.best_score_)


def test_a_model_pickled_before_point_regressor_existed_predicts_and_continues():
    X, y = _data()
    model = MDNRegressor(**FAST).fit(X, y)
    state = model.__getstate__()
    for key in ("point_regressor", "point_regressor_", "point_mean_", "point_scale_",
                "_point_spec", "_point_seed"):
        state.pop(key, None)
    old = MDNRegressor.__new__(MDNRegressor)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        old.__setstate__(state)
    np.testing.assert_array_equal(old.predict(X), model.predict(X))
    old.set_params(warm_start=True, max_iter=1).fit(X, y)
    assert old.n_iter_ == model.n_iter_ + 1


def test_auto_keeps_the_point_model_only_below_the_r2_threshold(capsys):
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, size=(600, 3))
    smooth = np.floor(3 * X[:, 0]) + (X[:, 1] > 0)    # trees explain it all: R^2 > 0.98
    smooth = smooth + 0.01 * rng.normal(size=len(X))
    noisy = smooth + 0.8 * rng.normal(size=len(X))    # R^2 well below
    kept = MDNRegressor(point_regressor="auto", **FAST).fit(X, noisy)
    assert isinstance(kept.point_regressor_, HistGradientBoostingRegressor)
    assert kept.point_regressor_.min_samples_leaf == 5
    dropped = MDNRegressor(point_regressor="auto", verbose=1, **FAST).fit(X, smooth)
    assert dropped.point_regressor_ is None and dropped.net_.module__n_features == 3
    assert "out-of-fold R^2" in capsys.readouterr().out
    # An explicit point model is kept whatever its R^2.
    explicit = MDNRegressor(point_regressor=HistGradientBoostingRegressor(), **FAST)
    assert explicit.fit(X, smooth).point_regressor_ is not None
    # The decision holds under warm_start.
    dropped.set_params(warm_start=True, verbose=0).fit(X, smooth)
    assert dropped.point_regressor_ is None
