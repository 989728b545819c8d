"""What a fit tells its user: convergence warnings, learning curves, the log, callbacks."""

import io
import pickle
import re
import subprocess
import sys
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from skorch.callbacks import Callback, Checkpoint, EarlyStopping, EpochScoring, LRScheduler
from torch.optim.lr_scheduler import StepLR

from skmdn import MDNRegressor
from skmdn.datasets import make_inverted_sinusoid

FAST = dict(n_components=2, hidden_layer_sizes=(16,), random_state=0)


@pytest.fixture(scope="module")
def data():
    return make_inverted_sinusoid(300, random_state=0)


# ------------------------------------------------------- convergence warning
def test_convergence_warning_at_max_iter_while_still_improving(data):
    X, y = data
    with pytest.warns(ConvergenceWarning, match="max_iter=3"):
        MDNRegressor(**FAST, max_iter=3).fit(X, y)


def test_no_convergence_warning_when_the_stopping_rule_ends_the_fit(data):
    X, y = data
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        mdn = MDNRegressor(**FAST, max_iter=500, n_iter_no_change=2, tol=10.0).fit(X, y)
        assert mdn.n_iter_ < 500
        mdn.partial_fit(X, y)  # one plain epoch never warns


# ----------------------------------------------------------- learning curves
def test_a_few_integer_target_values_warn_unless_noise_smooths_them():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(150, 2))
    scores = np.round(2 * X[:, 0]).clip(-3, 3)  # 7 integer values
    params = dict(FAST, max_iter=2, n_members=1)
    with pytest.warns(UserWarning, match=r"only 7 distinct integer values.*dequantized") as caught:
        MDNRegressor(**params).fit(X, scores)
    (mine,) = [w for w in caught if "integer" in str(w.message)]
    assert mine.filename == __file__  # points at the caller's fit
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)
        MDNRegressor(**params).fit(X, scores + 0.01 * X[:, 1])  # continuous
        MDNRegressor(**params, target_noise=0.2).fit(X, scores)  # smoothed
        MDNRegressor(**params).fit(X[:60], scores[:60])  # tiny data: "auto" noise
        MDNRegressor(**params).fit(X, np.round(50 * X[:, 0]))  # many values


def test_validation_scores_one_per_epoch_in_units_of_y(data):
    X, y = data
    mdn = MDNRegressor(**FAST, max_iter=8, early_stopping=True).fit(X, y)
    history = mdn.net_.history
    offset = np.log(mdn.y_scale_).sum()
    assert len(mdn.validation_scores_) == len(mdn.loss_curve_) == mdn.n_iter_ == 8
    np.testing.assert_allclose(mdn.validation_scores_,
                               -(np.asarray(history[:, "valid_loss"]) + offset))
    np.testing.assert_allclose(mdn.loss_curve_, np.asarray(history[:, "train_loss"]) + offset)
    assert 1 <= mdn.best_epoch_ <= 8
    assert mdn.best_validation_score_ == mdn.validation_scores_[mdn.best_epoch_ - 1]
    # With the best epoch's weights restored, scoring the validation rows
    # reproduces the kept score (the split is seeded, so it can be rebuilt).
    assert mdn.best_validation_score_ == pytest.approx(max(
        s for s in mdn.validation_scores_[:mdn.best_epoch_]), abs=1e-4)


def test_without_validation_there_are_no_validation_scores(data):
    X, y = data
    mdn = MDNRegressor(**FAST, max_iter=4, early_stopping=False).fit(X, y)
    assert mdn.validation_scores_ is None and mdn.best_validation_score_ is None
    assert mdn.best_epoch_ == mdn.n_iter_ == 4


# -------------------------------------------------------------------- the log
def test_verbose_log_names_its_units_and_is_plain_text_when_redirected(tmp_path):
    script = (
        "from skmdn import MDNRegressor\n"
        "from skmdn.datasets import make_inverted_sinusoid\n"
        "X, y = make_inverted_sinusoid(200, random_state=0)\n"
        "MDNRegressor(n_components=2, max_iter=3, verbose=1, random_state=0).fit(X, y)\n"
    )
    run = subprocess.run([sys.executable, "-W", "ignore", "-c", script],
                         capture_output=True, text=True, check=True)
    assert "standardized targets" in run.stdout and "units of y" in run.stdout
    assert "valid_loss" in run.stdout
    assert "\x1b[" not in run.stdout


# ------------------------------------------------------------------ callbacks
class Counter(Callback):
    def initialize(self):
        self.epochs_ = 0
        return self

    def on_epoch_end(self, net, **kwargs):
        self.epochs_ += 1


def test_user_callbacks_run_after_skmdns_own_on_a_copy(data):
    X, y = data
    counter = Counter()
    mdn = MDNRegressor(**FAST, max_iter=3, callbacks=[counter, ("sched", LRScheduler(
        StepLR, step_size=1, gamma=0.5))]).fit(X, y)
    names = [name for name, _ in mdn.net_.callbacks_]
    assert names.index("Counter") > names.index("stopping")
    assert names.index("sched") > names.index("stopping")
    assert dict(mdn.net_.callbacks_)["Counter"].epochs_ == 3
    assert not hasattr(counter, "epochs_")  # the parameter itself is never changed
    # The user's schedule ran after the built-in plateau schedule: halved each epoch.
    assert mdn.net_.optimizer_.param_groups[0]["lr"] == pytest.approx(1e-3 / 8)


def test_user_checkpoint_and_early_stopping(data, tmp_path):
    X, y = data
    checkpoint = Checkpoint(monitor="valid_loss_best", dirname=str(tmp_path / "ckpt"))
    stop = EarlyStopping(monitor="train_loss", patience=1, threshold=100.0,
                         threshold_mode="abs")
    mdn = MDNRegressor(**FAST, max_iter=50, callbacks=[checkpoint, ("user_stop", stop)])
    mdn.fit(X, y)
    assert mdn.n_iter_ == 2  # the user's rule stopped it
    assert (tmp_path / "ckpt" / "params.pt").exists()
    scoring = EpochScoring(lambda net, X, y: 1.0, name="one", on_train=True)
    mdn.set_params(callbacks=[scoring], max_iter=2).fit(X, y)
    assert mdn.net_.history[-1, "one"] == 1.0


def test_callbacks_survive_clone_and_pickle(data):
    X, y = data
    mdn = MDNRegressor(**FAST, max_iter=2, callbacks=[("count", Counter())])
    assert isinstance(clone(mdn).callbacks[0][1], Counter)
    loaded = pickle.loads(pickle.dumps(mdn.fit(X, y)))
    assert dict(loaded.net_.callbacks_)["count"].epochs_ == 2
    np.testing.assert_array_equal(loaded.predict(X), mdn.predict(X))


class OpensAStream(Callback):
    def initialize(self):
        self.stream_ = io.TextIOWrapper(io.BytesIO())  # cannot be pickled
        return self


class HoldsAStream(Callback):
    def __init__(self):
        self.stream = io.TextIOWrapper(io.BytesIO())


def test_an_unpicklable_callback_is_named(data):
    X, y = data
    with pytest.raises(TypeError, match=re.escape("callback 'bad' (HoldsAStream) cannot be")):
        MDNRegressor(**FAST, max_iter=1, callbacks=[("bad", HoldsAStream())]).fit(X, y)
    # One that becomes unpicklable in training is named when the model is pickled.
    mdn = MDNRegressor(**FAST, max_iter=1, callbacks=[("bad", OpensAStream())]).fit(X, y)
    with pytest.raises(TypeError, match=re.escape("callback 'bad' (OpensAStream) cannot be")):
        pickle.dumps(mdn)


@pytest.mark.parametrize("callbacks, error", [
    ([Counter], "Callback instances, got the class Counter"),
    (["nope"], "list of skorch Callback instances"),
    ([("stopping", Counter())], "taken by one of skmdn's own"),
])
def test_bad_callbacks_are_refused_before_training(data, callbacks, error):
    X, y = data
    with pytest.raises((TypeError, ValueError), match=error):
        MDNRegressor(**FAST, callbacks=callbacks).fit(X, y)
