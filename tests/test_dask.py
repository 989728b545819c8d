"""Hyperparameter search on a Dask cluster through joblib gives the serial result."""

import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV

from skmdn import MDNRegressor
from skmdn.datasets import make_inverted_sinusoid
from skmdn.metrics import log_likelihood_scorer

distributed = pytest.importorskip("distributed")
joblib = pytest.importorskip("joblib")


def _search():
    return GridSearchCV(
        MDNRegressor(hidden_layer_sizes=(8,), max_iter=10, random_state=0),
        {"n_components": [1, 3]},
        cv=2,
        scoring=log_likelihood_scorer,
        n_jobs=-1,
    )


def test_grid_search_on_local_cluster_matches_serial_search():
    X, y = make_inverted_sinusoid(200, random_state=0)
    serial = _search().set_params(n_jobs=None).fit(X, y)
    # Two single-threaded worker processes: joblib runs a search with one
    # worker thread in the calling process, and MDNRegressor.fit seeds torch's
    # global generator, which the threads of one process share.
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster, distributed.Client(cluster) as client:
        with joblib.parallel_config("dask"), distributed.get_task_stream(client) as tasks:
            on_dask = _search().fit(X, y)
    assert len(tasks.data) > 0  # the fits really ran as tasks on the cluster
    assert on_dask.best_params_ == serial.best_params_
    np.testing.assert_allclose(
        on_dask.cv_results_["mean_test_score"],
        serial.cv_results_["mean_test_score"],
        rtol=1e-6,
    )
