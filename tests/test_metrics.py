"""skmdn.metrics: the metric values against the predicted distribution, calibration, scorers."""

from functools import partial

import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skmdn import MDNRegressor
from skmdn.metrics import (
    coverage_error_scorer,
    crps_scorer,
    interval_coverage,
    interval_width,
    interval_width_scorer,
    log_likelihood_scorer,
    mean_crps,
    mean_nll,
    pit_ks_scorer,
    pit_ks_statistic,
    pit_values,
)


@pytest.fixture(scope="module")
def bimodal():
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, size=(600, 1))
    y = np.where(rng.random(600) < 0.5, 1.0, -1.0) * X.ravel() + 0.1 * rng.normal(size=600)
    return X, 50.0 + 20.0 * y


@pytest.fixture(scope="module")
def model(bimodal):
    X, y = bimodal
    return MDNRegressor(n_components=3, max_iter=40, random_state=0).fit(X, y)


def test_targets_drawn_from_the_model_are_calibrated(model):
    # If y is drawn from the predicted distribution itself, PIT values are
    # uniform and intervals hold their nominal share, whatever the fit.
    X = np.random.default_rng(2).uniform(-1, 1, size=(20000, 1))
    y = model.sample(X, random_state=3)[:, 0]
    assert pit_ks_statistic(model, X, y) < 0.015
    for c in (0.5, 0.8, 0.95):
        assert abs(interval_coverage(model, X, y, coverage=c) - c) < 0.015


def test_metric_values_agree_with_the_distribution(bimodal, model):
    X, y = bimodal
    dist = model.predict_dist(X)
    assert mean_nll(model, X, y) == pytest.approx(-model.score_samples(X, y).mean())
    assert mean_crps(model, X, y) == pytest.approx(dist.crps(y).mean())
    np.testing.assert_allclose(pit_values(model, X, y), dist.cdf(y))
    lower, upper = dist.interval(0.8)
    assert interval_width(model, X, coverage=0.8) == pytest.approx(np.mean(upper - lower))
    inside = np.mean((lower <= y) & (y <= upper))
    assert interval_coverage(model, X, y, coverage=0.8) == pytest.approx(inside)
    assert interval_width(model, X, coverage=0.5) < interval_width(model, X, coverage=0.9)


@pytest.mark.parametrize(
    "scorer",
    [log_likelihood_scorer, crps_scorer, pit_ks_scorer, interval_width_scorer,
     coverage_error_scorer, partial(coverage_error_scorer, coverage=0.5)],
)
def test_scorers_work_in_grid_search_over_a_pipeline(bimodal, scorer):
    X, y = bimodal
    search = GridSearchCV(
        make_pipeline(StandardScaler(), MDNRegressor(max_iter=3, random_state=0)),
        {"mdnregressor__n_components": [1, 2]},
        scoring=scorer,
        cv=2,
    ).fit(X[:200], y[:200])
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
