"""skmdn.pipeline: the distribution API through a Pipeline, and final_mdn."""

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline as sk_make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from skmdn import MDNRegressor
from skmdn.metrics import interval_coverage, log_likelihood_scorer, mean_crps
from skmdn.pipeline import Pipeline, final_mdn, make_pipeline
from skmdn.plotting import plot_loss_curves

FAST = dict(max_iter=5, n_components=2, hidden_layer_sizes=(16,), random_state=0)


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(150, 3)) * [1.0, 10.0, 100.0]
    y = X[:, 0] + 0.1 * X[:, 1] + rng.normal(size=150)
    return X, y


def test_make_pipeline_forwards_the_distribution_api(data):
    X, y = data
    pipe = make_pipeline(StandardScaler(), MDNRegressor(**FAST)).fit(X, y)
    assert isinstance(pipe, Pipeline)
    mdn, Xt = pipe[-1], pipe[0].transform(X)
    np.testing.assert_array_equal(pipe.predict_interval(X, 0.8), mdn.predict_interval(Xt, 0.8))
    np.testing.assert_array_equal(pipe.predict_quantiles(X, [0.1, 0.5]),
                                  mdn.predict_quantiles(Xt, [0.1, 0.5]))
    np.testing.assert_array_equal(pipe.predict_var(X), mdn.predict_var(Xt))
    np.testing.assert_array_equal(pipe.sample(X, 3, random_state=1, pi_bias=0.5),
                                  mdn.sample(Xt, 3, random_state=1, pi_bias=0.5))
    np.testing.assert_array_equal(pipe.predict_dist(X).mean(), mdn.predict_dist(Xt).mean())
    np.testing.assert_array_equal(pipe.score_samples(X, y), mdn.score_samples(Xt, y))
    np.testing.assert_array_equal(pipe.score_samples(X), mdn.score_samples(Xt))
    np.testing.assert_array_equal(pipe.predict(X), mdn.predict(Xt))


def test_scikit_learn_pipeline_features_keep_working(data):
    X, y = data
    frame = pd.DataFrame(X, columns=["a", "b", "c"]).assign(kind=np.where(y > 0, "u", "v"))
    encode = ColumnTransformer([("num", StandardScaler(), ["a", "b", "c"]),
                                ("cat", OneHotEncoder(sparse_output=False), ["kind"])])
    pipe = make_pipeline(encode, MDNRegressor(**FAST)).set_output(transform="pandas")
    pipe.fit(frame, y)
    assert type(pipe[:1]) is Pipeline  # slicing keeps the class
    assert list(pipe[:-1].get_feature_names_out())[:3] == ["num__a", "num__b", "num__c"]
    assert pipe.predict_interval(frame).shape == (len(frame), 2)
    search = GridSearchCV(make_pipeline(StandardScaler(), MDNRegressor(**FAST)),
                          {"mdnregressor__n_components": [1, 2]}, cv=2,
                          scoring=log_likelihood_scorer).fit(X, y)
    assert search.best_estimator_.predict_quantiles(X[:4], 0.5).shape == (4, 1)


def test_methods_appear_only_when_the_last_step_has_them(data):
    X, y = data
    pipe = make_pipeline(StandardScaler(), StandardScaler()).fit(X)
    for name in ("predict_dist", "predict_interval", "sample", "predict_var"):
        assert not hasattr(pipe, name)


def test_metrics_and_plots_accept_a_scikit_learn_pipeline(data, tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    X, y = data
    pipe = sk_make_pipeline(StandardScaler(), MDNRegressor(**FAST)).fit(X, y)
    mdn, Xt = final_mdn(pipe, X)
    assert mdn is pipe[-1]
    np.testing.assert_allclose(Xt, pipe[0].transform(X))
    assert mean_crps(pipe, X, y) == mean_crps(mdn, Xt, y)
    assert 0 <= interval_coverage(pipe, X, y) <= 1
    fig, ax = plt.subplots()
    plot_loss_curves(pipe, ax=ax)
    np.testing.assert_allclose(ax.lines[0].get_ydata(), mdn.loss_curve_)
    plt.close(fig)


def test_final_mdn_refuses_other_estimators():
    with pytest.raises(TypeError, match="ending in StandardScaler"):
        final_mdn(sk_make_pipeline(StandardScaler(), StandardScaler()))
    with pytest.raises(TypeError, match="Expected an MDNRegressor"):
        final_mdn(StandardScaler())
