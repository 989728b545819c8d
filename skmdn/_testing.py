"""Cases and helpers shared by the test suite and the benchmark scripts.

In the manner of scikit-learn's ``sklearn.utils._testing``: plain numpy,
torch and scipy code (no pytest), so that ``benchmarks/`` never imports a
test module. Two groups:

* random 1-D mixtures and Monte Carlo references for the distribution math
  (``tests/test_mixture.py``, ``tests/test_distribution.py``,
  ``benchmarks/distribution_accuracy.py``);
* the numerical stress scenarios (``tests/test_stress.py``,
  ``benchmarks/stress_table.py``).
"""

from dataclasses import dataclass, field

import numpy as np
import torch
from scipy import stats

from . import _mixture_1d
from ._regressor import MDNRegressor

__all__ = [
    "STRESS_CASES", "STRESS_PARAMS", "StressCase", "assert_finite_model", "crps_case",
    "run_stress_case", "sample_crps", "smooth_data", "stratified_mixture_draws",
    "two_target_covariance_errors", "univariate_mixtures",
]


# ------------------------------------------------------- distribution math
def univariate_mixtures(rng, n, k):
    """Random 1-D mixtures on the standardized scale, and one draw from each.

    Returns ``(logits, means, sds, weights, y)``: arrays of shape (n, k),
    except ``y`` of shape (n,).
    """
    logits = rng.normal(size=(n, k)) * 2
    means = rng.normal(size=(n, k))
    sds = np.exp(rng.uniform(np.log(0.01), 0.0, size=(n, k)))
    w = np.exp(logits - logits.max(-1, keepdims=True))
    w /= w.sum(-1, keepdims=True)
    comp = (w.cumsum(-1) < rng.random((n, 1))).sum(-1).clip(max=k - 1)
    rows = np.arange(n)
    y = means[rows, comp] + sds[rows, comp] * rng.normal(size=n)
    return logits, means, sds, w, y


def stratified_mixture_draws(rng, w, means, sds, n):
    """n draws from one 1-D mixture, stratified over components and normal quantiles."""
    counts = np.floor(w * n).astype(int)
    rest = np.argsort(counts - w * n)[: n - counts.sum()]
    counts[rest] += 1
    parts = [
        m + s * stats.norm.ppf((np.arange(c) + rng.random(c)) / c)
        for m, s, c in zip(means, sds, counts)
    ]
    return np.concatenate(parts)


def sample_crps(draws, y):
    """CRPS of the empirical distribution of ``draws`` at ``y``."""
    x = np.sort(draws)
    n = len(x)
    return np.abs(x - y).mean() - (2 * np.arange(1, n + 1) - n - 1) @ x / n**2


def crps_case(k):
    """Three random 1-D mixtures with k components, a target for each, and their
    closed-form CRPS. Returns (rng, logits, weights, means, sds, y, closed)."""
    rng = np.random.default_rng(k)
    logits = rng.normal(size=(3, k)) * 2
    means = rng.normal(size=(3, k)) * 3
    sds = rng.uniform(0.2, 2.0, size=(3, k))
    w = np.exp(logits - logits.max(-1, keepdims=True))
    w /= w.sum(-1, keepdims=True)
    y = np.array([means[0, 0], means[1].mean() + 2.0, rng.normal() * 3])
    closed = _mixture_1d.crps(*map(torch.as_tensor, (logits, means, sds, y))).numpy()
    return rng, logits, w, means, sds, y, closed


def two_target_covariance_errors():
    """Fit a 2-D full-covariance model; return its predicted mixtures and, for each
    mixture, the largest |sample cov - covariance()| / (sd_i sd_j) over 1e5 draws."""
    rng = np.random.default_rng(8)
    X = rng.uniform(-1, 1, size=(300, 2))
    Y = np.column_stack([X[:, 0] + 0.3 * rng.normal(size=300),
                         np.where(rng.random(300) < 0.5, 1, -1) * X[:, 1] + 0.1 * X[:, 0]])
    Y = Y * [5.0, 0.2] + [100.0, 0.0]
    mdn = MDNRegressor(n_components=3, covariance_type="full", max_iter=20, random_state=0)
    dist = mdn.fit(X, Y).predict_dist(X[:4])
    draws = dist.sample(100_000, random_state=1)
    cov = dist.covariance()
    sd = np.sqrt(np.diagonal(cov, axis1=1, axis2=2))
    errors = np.array([
        np.abs((np.cov(draws[i], rowvar=False) - cov[i]) / np.outer(sd[i], sd[i])).max()
        for i in range(len(dist))
    ])
    return dist, errors


# ---------------------------------------------------------- stress cases
@dataclass
class StressCase:
    """One stress scenario: data, estimator parameters, and the expected outcome."""

    name: str
    data: object  # callable: rng -> (X, y)
    params: dict = field(default_factory=dict)
    error: tuple = None  # (exception type, regex) when a clear error is the outcome
    check: object = None  # callable: (mdn, X, y) -> None, extra assertions
    slow: bool = False


#: The estimator parameters every stress case starts from.
STRESS_PARAMS = dict(max_iter=30, random_state=0, n_components=3, hidden_layer_sizes=(32,))


def smooth_data(n, p=2, dtype=np.float64, scale=1.0, offset=0.0, x_offset=0.0):
    """A data maker ``rng -> (X, y)``: y = sin(2 x_0) + noise, shifted and scaled."""
    def make(rng):
        X = rng.normal(size=(n, p))
        y = np.sin(2 * X[:, 0]) + 0.1 * rng.normal(size=n)
        return (X + x_offset).astype(dtype), offset + scale * y
    return make


def _scale_equivariant(scale, offset=0.0, dtype=np.float64):
    """Predictions equal the unit-scale fit's, mapped by ``offset + scale * .``."""
    def check(mdn, X, y):
        base = MDNRegressor(**{**STRESS_PARAMS, **mdn.get_params()}).fit(
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


#: Every stress scenario; ``slow`` ones repeat the hardest at a larger scale.
STRESS_CASES = [
    *[StressCase(f"y scale {s:g}, {np.dtype(dt).name}", smooth_data(200, dtype=dt, scale=s),
                 check=_scale_equivariant(s, dtype=dt))
      for s in (1e-8, 1e8) for dt in (np.float64, np.float32)],
    *[StressCase(f"y offset 1e6, {np.dtype(dt).name}", smooth_data(200, dtype=dt, offset=1e6),
                 check=_scale_equivariant(1.0, 1e6, dt)) for dt in (np.float64, np.float32)],
    StressCase("X offset 1e6, float32", smooth_data(200, dtype=np.float32, x_offset=1e6)),
    StressCase("Student-t(1) targets", lambda rng: (rng.normal(size=(500, 2)),
                                                    rng.standard_t(1, size=500)),
               {"max_iter": 100}, check=_beats_gaussian),
    StressCase("duplicated x, y = +-1000", _duplicated,
               {"max_iter": 200, "learning_rate_init": 3e-3}, check=_both_modes),
    StressCase("near-constant y (5 + 1e-10 noise)",
               lambda rng: (rng.normal(size=(100, 2)), 5 + 1e-10 * rng.normal(size=100))),
    StressCase("y = 1e6 + noise at float64 resolution",
               lambda rng: (rng.normal(size=(100, 2)), 1e6 + 2e-10 * rng.integers(0, 3, 100))),
    StressCase("constant y", lambda rng: (rng.normal(size=(50, 2)), np.full(50, 3.0)),
               error=(ValueError, "constant")),
    StressCase("one constant target column",
               lambda rng: (rng.normal(size=(50, 2)), np.c_[rng.normal(size=50), np.ones(50)]),
               error=(ValueError, r"constant in target column \[1\]")),
    *[StressCase(f"n_components={k}, n=50", smooth_data(50), {"n_components": k})
      for k in (1, 10, 100)],
    StressCase("n = 2", smooth_data(2)),
    StressCase("n = 1", smooth_data(1), error=(ValueError, "1 sample")),
    StressCase("n = 10 < batch_size = 64", smooth_data(10), {"batch_size": 64}),
    StressCase("two zero-variance features",
               lambda rng: (np.c_[rng.normal(size=(100, 2)), np.zeros(100), np.full(100, 7.0)],
                            rng.normal(size=100)), check=_ignores_constant_columns),
    StressCase("1000 features", smooth_data(200, p=1000)),
    *[StressCase(f"full covariance, 5-D targets with correlation 0.999, {np.dtype(dt).name}",
                 _correlated_5d(300, dt),
                 {"covariance_type": "full", "max_iter": 300, "learning_rate_init": 3e-3},
                 check=_correlation_captured) for dt in (np.float64, np.float32)],
    # The slow part: the same trouble at a larger scale and with longer training.
    StressCase("n_components=100, n=50, 1000 epochs", smooth_data(50),
               {"n_components": 100, "max_iter": 1000, "n_iter_no_change": 1000}, slow=True),
    StressCase("y scale 1e-8, float32, 500 epochs of mini-batches",
               smooth_data(2000, dtype=np.float32, scale=1e-8), {"max_iter": 500}, slow=True),
    StressCase("Student-t(1) targets, n=5000", lambda rng: (rng.normal(size=(5000, 2)),
                                                            rng.standard_t(1, size=5000)),
               {"max_iter": 200}, check=_beats_gaussian, slow=True),
    StressCase("1000 features, n=2000, mini-batches", smooth_data(2000, p=1000),
               {"max_iter": 20}, slow=True),
    StressCase("full covariance, 5-D correlated targets, float32, n=3000",
               _correlated_5d(3000, np.float32), {"covariance_type": "full", "max_iter": 200},
               slow=True),
]


def assert_finite_model(mdn, X, y, trained=True):
    """Assert finite losses, parameters and outputs of a fitted ``MDNRegressor``."""
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


def run_stress_case(case):
    """Fit one case (data drawn with seed 0); returns ``(mdn, X, y)`` or raises."""
    X, y = case.data(np.random.default_rng(0))
    mdn = MDNRegressor(**{**STRESS_PARAMS, **case.params})
    return mdn.fit(X, y), X, y
