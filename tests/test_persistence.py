"""Saving and loading: bit-identical round trips, GPU-to-CPU loading, versions."""

import io
import pickle
import warnings
from unittest import mock

import joblib
import numpy as np
import pytest
import torch
from skorch.callbacks import LRScheduler
from skorch.exceptions import DeviceWarning
from torch.optim.lr_scheduler import ReduceLROnPlateau

import skmdn
from skmdn import MDNRegressor
from skmdn.datasets import make_inverted_sinusoid, make_robot_arm

FAST = dict(max_iter=15, n_components=3, hidden_layer_sizes=(32,), random_state=0)


def pickle_round_trip(obj):
    return pickle.loads(pickle.dumps(obj))


def joblib_round_trip(obj, tmp_path, compress=0):
    path = tmp_path / "model.joblib"
    joblib.dump(obj, path, compress=compress)
    return joblib.load(path)


def assert_same_outputs(a, b, X, y):
    np.testing.assert_array_equal(a.predict(X), b.predict(X))
    np.testing.assert_array_equal(a.score_samples(X, y), b.score_samples(X, y))
    np.testing.assert_array_equal(a.score_samples(X), b.score_samples(X))
    assert a.score(X, y) == b.score(X, y)
    np.testing.assert_array_equal(a.sample(X, 5, random_state=3), b.sample(X, 5, random_state=3))
    da, db = a.predict_dist(X), b.predict_dist(X)
    for attr in ("weights", "means", "covariances"):
        np.testing.assert_array_equal(getattr(da, attr), getattr(db, attr))


@pytest.mark.parametrize("covariance_type", ["full", "diag", "spherical"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("how", ["pickle", "joblib", "joblib-compressed"])
def test_round_trip_is_bit_identical(covariance_type, dtype, how, tmp_path):
    X, y = make_robot_arm(150, random_state=0)
    X = X.astype(dtype)
    mdn = MDNRegressor(covariance_type=covariance_type, point_estimate="mode", **FAST).fit(X, y)
    if how == "pickle":
        loaded = pickle_round_trip(mdn)
    else:
        loaded = joblib_round_trip(mdn, tmp_path, compress=3 if "compressed" in how else 0)
    assert loaded.get_params() == mdn.get_params()
    assert_same_outputs(mdn, loaded, X, y)


def test_a_loaded_model_continues_training_like_the_original():
    # Weights, Adam's moments and the history are all saved.
    X, y = make_inverted_sinusoid(120, random_state=0)
    mdn = MDNRegressor(**FAST).fit(X, y)
    loaded = pickle_round_trip(mdn)
    mdn.partial_fit(X, y)
    loaded.partial_fit(X, y)
    assert loaded.n_iter_ == mdn.n_iter_
    np.testing.assert_array_equal(loaded.predict(X), mdn.predict(X))


def test_no_training_snapshot_is_pickled():
    X, y = make_inverted_sinusoid(120, random_state=0)
    mdn = MDNRegressor(**FAST).fit(X, y)
    guard = dict(mdn.net_.callbacks_)["divergence_guard"]
    assert guard.snapshot_ is None
    guard.snapshot_ = torch.zeros(10**6)  # as if pickled in the middle of training
    assert len(pickle.dumps(mdn)) < 2 * 10**6


# --------------------------------------------------------- GPU -> CPU
def _pickled_as_if_on_cuda(obj):
    """Pickle ``obj`` so that every tensor is recorded as living on ``cuda:0``.

    torch pickles a tensor's storage with a location tag; on a GPU the tag is
    "cuda:0", and a CPU-only machine refuses to load it unless a
    ``map_location`` remaps it. Patching the tag reproduces exactly the bytes
    layout of a GPU pickle without a GPU.
    """
    with mock.patch("torch.serialization.location_tag", lambda storage: "cuda:0"):
        return pickle.dumps(obj)


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_the_cuda_mock_is_faithful():
    # A bare tensor "pickled on a GPU" cannot be loaded here ...
    with pytest.raises(RuntimeError, match="CUDA"):
        pickle.loads(_pickled_as_if_on_cuda(torch.ones(3)))


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
@pytest.mark.parametrize("with_scheduler", [False, True])
def test_a_model_fitted_on_cuda_loads_on_a_cpu_only_machine(with_scheduler):
    # An extra LR scheduler is a callback that holds the optimizer.
    extra = [("extra_lr", LRScheduler(ReduceLROnPlateau, monitor="train_loss"))]
    X, y = make_robot_arm(150, random_state=0)
    mdn = MDNRegressor(**FAST, callbacks=extra if with_scheduler else None).fit(X, y)
    # Make it look as trained with device="cuda": the parameter, skorch's
    # device, and every tensor in the pickle.
    mdn.set_params(device="cuda")
    mdn.net_.device = "cuda"
    mdn.device_ = torch.device("cuda")
    blob = _pickled_as_if_on_cuda(mdn)
    with pytest.warns(DeviceWarning) as record:
        loaded = pickle.loads(blob)
    assert any("no CUDA devices are available" in str(w.message) for w in record)
    module = loaded.net_.module_
    assert {p.device.type for p in module.parameters()} == {"cpu"}
    assert torch.device(loaded.net_.device).type == "cpu"
    assert loaded.device_ == torch.device("cpu")
    mdn.net_.device, mdn.device_ = "cpu", torch.device("cpu")
    assert_same_outputs(mdn, loaded, X, y)
    # device="cuda" is still the parameter: more training needs device="cpu".
    with pytest.raises(ValueError, match="CUDA is not available"):
        loaded.set_params(warm_start=True).fit(X, y)
    loaded.set_params(device="cpu").fit(X, y)
    assert loaded.n_iter_ > mdn.n_iter_


# ----------------------------------------------------------- versions
def test_pickle_records_the_skmdn_version():
    X, y = make_inverted_sinusoid(60, random_state=0)
    mdn = MDNRegressor(**FAST).fit(X, y)
    state = mdn.__getstate__()
    assert state["_skmdn_version"] == skmdn.__version__
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loaded = pickle_round_trip(mdn)
    assert "_skmdn_version" not in vars(loaded)


def test_loading_a_pickle_from_another_version_warns():
    X, y = make_inverted_sinusoid(60, random_state=0)
    mdn = MDNRegressor(**FAST).fit(X, y)
    state = mdn.__getstate__()
    state["_skmdn_version"] = "0.0.1"
    fresh = MDNRegressor.__new__(MDNRegressor)
    with pytest.warns(UserWarning, match="pickled with skmdn 0.0.1.*loaded with skmdn"):
        fresh.__setstate__(state)
    np.testing.assert_array_equal(fresh.predict(X), mdn.predict(X))


def test_torch_state_dict_export_round_trip():
    # The documented version-independent route: the weights as a plain
    # state_dict plus the fitted scaling, loaded into a model refitted for
    # one epoch with the same parameters.
    X, y = make_inverted_sinusoid(120, random_state=0)
    mdn = MDNRegressor(**FAST).fit(X, y)
    buf = io.BytesIO()
    torch.save({"weights": mdn.net_.module_.state_dict(),
                "scaling": {k: getattr(mdn, k) for k in
                            ("x_mean_", "x_scale_", "y_mean_", "y_scale_")}}, buf)
    buf.seek(0)
    saved = torch.load(buf, weights_only=False)
    other = MDNRegressor(**{**FAST, "max_iter": 1}).fit(X, y)
    other.net_.module_.load_state_dict(saved["weights"])
    for k, v in saved["scaling"].items():
        setattr(other, k, v)
    np.testing.assert_array_equal(other.predict(X), mdn.predict(X))


# ------------------------------------------------ no torch.Generator inside
class _GeneratorSpy(pickle.Pickler):
    """A Pickler that records every ``torch.Generator`` it is asked to pickle."""

    found = []

    def reducer_override(self, obj):
        if isinstance(obj, torch.Generator):
            _GeneratorSpy.found.append(obj)
        return NotImplemented


def generators_in_pickle(obj, monkeypatch):
    """The ``torch.Generator`` objects that pickling ``obj`` walks through.

    skorch pickles the module, optimizer and callbacks apart, with
    ``pickle.dump`` (and ``torch.save`` builds its pickler on
    ``pickle.Pickler``): patching both makes the nested pickles report too.
    """
    _GeneratorSpy.found = []
    monkeypatch.setattr(pickle, "Pickler", _GeneratorSpy)
    monkeypatch.setattr(pickle, "dump", lambda obj, file, *args, **kwargs: _GeneratorSpy(
        file, *args, **kwargs).dump(obj))
    _GeneratorSpy(io.BytesIO()).dump(obj)
    monkeypatch.undo()
    return list(_GeneratorSpy.found)


@pytest.mark.parametrize("params", [
    {}, {"input_noise": 0.1, "target_noise": 0.1}, {"early_stopping": False},
    {"random_state": None},
])
def test_no_torch_generator_is_pickled_with_a_fitted_model(params, monkeypatch):
    # A torch.Generator cannot be unpickled on a machine with CUDA (skorch
    # maps its state to the GPU, which the generator refuses), so none may
    # be reachable from a fitted model: seeds are kept as ints.
    X, y = make_robot_arm(150, random_state=0)
    mdn = MDNRegressor(**{**FAST, **params}).fit(X, y)
    assert generators_in_pickle(mdn, monkeypatch) == []
    mdn.partial_fit(X, y)
    assert generators_in_pickle(mdn, monkeypatch) == []
    # The spy does see a generator where there is one, even inside skorch's
    # nested pickle of the module's parameters.
    mdn.net_.module__generator = torch.Generator()
    assert len(generators_in_pickle(mdn, monkeypatch)) == 1


# ---------------------------------------------------------- on a real GPU
needs_cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")


@needs_cuda
@pytest.mark.parametrize("params", [{}, {"input_noise": 0.1}, {"warm_start": True}])
@pytest.mark.parametrize("how", ["pickle", "joblib"])
def test_a_model_fitted_on_cuda_round_trips_in_place(params, how, tmp_path):
    X, y = make_robot_arm(300, random_state=0)
    mdn = MDNRegressor(**{**FAST, **params}, device="cuda").fit(X, y)
    loaded = pickle_round_trip(mdn) if how == "pickle" else joblib_round_trip(mdn, tmp_path)
    assert loaded.device_.type == "cuda"
    assert {p.device.type for p in loaded.net_.module_.parameters()} == {"cuda"}
    assert_same_outputs(mdn, loaded, X, y)
    # Training goes on from the loaded model as from the original.
    mdn.partial_fit(X, y)
    loaded.partial_fit(X, y)
    np.testing.assert_array_equal(mdn.predict(X), loaded.predict(X))
    loaded.set_params(warm_start=True, max_iter=2).fit(X, y)
    assert loaded.n_iter_ == mdn.n_iter_ + 2


@needs_cuda
def test_a_model_fitted_on_cuda_loads_in_a_process_without_cuda(tmp_path):
    import os
    import subprocess
    import sys

    X, y = make_robot_arm(300, random_state=0)
    mdn = MDNRegressor(**FAST, device="cuda").fit(X, y)
    joblib.dump((mdn, X), tmp_path / "model.joblib")
    np.save(tmp_path / "expected.npy", mdn.predict(X))
    script = (
        "import joblib, numpy as np, torch, sys\n"
        "assert not torch.cuda.is_available()\n"
        "mdn, X = joblib.load(sys.argv[1])\n"
        "np.testing.assert_allclose(mdn.predict(X), np.load(sys.argv[2]), rtol=1e-6, atol=1e-9)\n"
        "assert mdn.device_.type == 'cpu'\n"
    )
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": ""}
    run = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", script, str(tmp_path / "model.joblib"),
         str(tmp_path / "expected.npy")], env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
