"""The thread rule: the count inside fit and inference, and the caller's setting put back."""

import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import torch
from sklearn.base import BaseEstimator, RegressorMixin
from skorch.callbacks import Callback
from threadpoolctl import threadpool_info, threadpool_limits

from skmdn import MDNRegressor
from skmdn._plan import INFER_WORK_PER_THREAD, TRAIN_WORK_PER_THREAD, auto_threads
from skmdn._threads import limited_threads, thread_count


class RecordThreads(Callback):
    """Records torch's thread setting at every epoch; optionally raises in epoch ``fail_at``."""

    def __init__(self, fail_at=None):
        self.fail_at = fail_at

    def initialize(self):
        self.seen_ = []
        return self

    def on_epoch_end(self, net, **kwargs):
        self.seen_.append(torch.get_num_threads())
        if self.fail_at is not None and len(net.history) >= self.fail_at:
            raise RuntimeError("failing on purpose")


@pytest.fixture
def two_threads():
    """The caller's setting is 2 for the test (xdist workers run on 1), and is put back."""
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    yield 2
    torch.set_num_threads(before)


class Handshake(Callback):
    """At its first epoch end: set ``arrive``, then wait for ``leave``."""

    def __init__(self, arrive, leave):
        self.arrive, self.leave = arrive, leave

    def __getstate__(self):  # skmdn copies callbacks; events are shared, not copied
        return self.__dict__

    def __deepcopy__(self, memo):
        return self

    def on_epoch_end(self, net, **kwargs):
        if len(net.history) == 1:
            self.arrive.set()
            assert self.leave.wait(30)


def _data(n=120, d=2, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    return X, X[:, 0] + 0.1 * rng.normal(size=n)


def _recorded(model):
    return dict(model.net_.callbacks_)["threads"].seen_


def test_rule_examples():
    assert auto_threads(0, TRAIN_WORK_PER_THREAD, 8) == 1
    assert auto_threads(TRAIN_WORK_PER_THREAD - 1, TRAIN_WORK_PER_THREAD, 8) == 1
    assert auto_threads(3 * TRAIN_WORK_PER_THREAD, TRAIN_WORK_PER_THREAD, 8) == 3
    assert auto_threads(100 * TRAIN_WORK_PER_THREAD, TRAIN_WORK_PER_THREAD, 4) == 4
    assert auto_threads(100 * INFER_WORK_PER_THREAD, INFER_WORK_PER_THREAD, 1) == 1


def test_small_network_fits_on_one_thread_and_restores(two_threads):
    X, y = _data()
    model = MDNRegressor(n_members=1, max_iter=3, random_state=0,
                         callbacks=[("threads", RecordThreads())]).fit(X, y)
    assert _recorded(model) == [1, 1, 1]
    assert torch.get_num_threads() == two_threads
    model.predict(X)
    model.sample(X, 2, random_state=0)
    model.predict_dist(X)
    assert torch.get_num_threads() == two_threads


def test_explicit_count_is_used_exactly(two_threads):
    X, y = _data()
    model = MDNRegressor(n_members=1, max_iter=2, n_threads=3, random_state=0,
                         callbacks=[("threads", RecordThreads())]).fit(X, y)
    assert _recorded(model) == [3, 3]
    assert torch.get_num_threads() == two_threads
    assert thread_count(3, model.net_.module_, 10, training=False) == 3


def test_large_step_may_use_the_threads_it_has(two_threads):
    X, y = _data(n=600, d=16)
    model = MDNRegressor(n_members=1, hidden_layer_sizes=(256, 256, 256), activation="relu",
                         batch_size=512, max_iter=1, early_stopping=False, random_state=0,
                         callbacks=[("threads", RecordThreads())]).fit(X, y)
    assert _recorded(model) == [2]
    # Never more than the caller's setting.
    assert thread_count(None, model.net_.module_, 10**6, training=True) == two_threads


def test_failed_fit_restores_the_setting(two_threads):
    X, y = _data()
    model = MDNRegressor(n_members=1, max_iter=5, random_state=0,
                         callbacks=[("threads", RecordThreads(fail_at=2))])
    with pytest.raises(RuntimeError, match="on purpose"):
        model.fit(X, y)
    assert torch.get_num_threads() == two_threads
    with pytest.raises(ValueError):
        MDNRegressor(max_iter=2).fit(X, np.ones(len(X)))  # a constant target
    assert torch.get_num_threads() == two_threads


def test_limited_threads_restores_on_error_and_leaves_cuda_alone(two_threads):
    with pytest.raises(KeyError):
        with limited_threads(1):
            assert torch.get_num_threads() == 1
            raise KeyError("x")
    assert torch.get_num_threads() == two_threads
    with limited_threads(1, device=torch.device("cuda")):
        assert torch.get_num_threads() == two_threads


@pytest.mark.parametrize("counts", [[None], [2, 1, None]])
def test_concurrent_fits_under_threads_never_leave_a_changed_setting(two_threads, counts):
    # Three levels (4 in the caller, 2 and 1 in the fits): a fit that starts
    # while another has lowered the setting finds the lowered one.
    torch.set_num_threads(4)
    X, y = _data()
    fresh = []

    def fit(seed):
        n_threads = counts[seed % len(counts)]
        model = MDNRegressor(n_members=1, max_iter=3, n_threads=n_threads,
                             random_state=seed).fit(X, y)
        return model.predict(X[:5])

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(fit, range(12)))
    assert torch.get_num_threads() == 4
    # A thread started now takes the process-wide setting.
    t = threading.Thread(target=lambda: fresh.append(torch.get_num_threads()))
    t.start()
    t.join()
    assert fresh == [4]


def test_a_fit_that_ends_last_puts_back_the_first_setting(two_threads):
    # Fit A lowers 4 to 2; fit B starts in a new thread while A runs (so it
    # finds 2), lowers to 1, and ends after A. The process must end at 4.
    torch.set_num_threads(4)
    X, y = _data()
    a_in, b_in, a_done = threading.Event(), threading.Event(), threading.Event()
    errors, fresh = [], []

    def fit(n_threads, callback):
        try:
            MDNRegressor(n_members=1, max_iter=2, n_threads=n_threads, random_state=0,
                         callbacks=[callback]).fit(X, y)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    a = threading.Thread(target=fit, args=(2, Handshake(a_in, b_in)))
    a.start()
    assert a_in.wait(30)
    b = threading.Thread(target=fit, args=(1, Handshake(b_in, a_done)))
    b.start()
    a.join()
    a_done.set()
    b.join()
    assert not errors
    t = threading.Thread(target=lambda: fresh.append(torch.get_num_threads()))
    t.start()
    t.join()
    assert fresh == [4]
    assert torch.get_num_threads() == 4


class PoolSpy(RegressorMixin, BaseEstimator):
    """A mean predictor that records the BLAS and OpenMP thread limits it runs under."""

    def fit(self, X, y):
        self.seen_ = {lib["num_threads"] for lib in threadpool_info()}
        self.mean_ = float(np.mean(y))
        return self

    def predict(self, X):
        type(self).predict_seen = {lib["num_threads"] for lib in threadpool_info()}
        return np.full(len(X), self.mean_)


def test_the_point_model_runs_under_a_pool_limit_that_is_put_back(two_threads):
    X, y = _data()
    with threadpool_limits(limits=2):
        model = MDNRegressor(point_regressor=PoolSpy(), n_members=1, max_iter=2, random_state=0)
        model.fit(X, y)
        assert model.point_regressor_.seen_ == {1}  # 120 rows: one thread
        model.predict(X)
        assert PoolSpy.predict_seen == {1}
        assert {lib["num_threads"] for lib in threadpool_info()} == {2}
        model.set_params(n_threads=2).fit(X, y)
        assert model.point_regressor_.seen_ == {2}
