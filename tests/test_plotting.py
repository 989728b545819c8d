"""skmdn.plotting: every function draws what it says on the Axes it is given."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402

from skmdn import MDNRegressor  # noqa: E402
from skmdn.datasets import make_inverted_sinusoid, make_robot_arm  # noqa: E402
from skmdn.plotting import (  # noqa: E402
    plot_components,
    plot_conditional_density,
    plot_coverage,
    plot_error_quiver,
    plot_loss_curves,
    plot_mixture_density,
    plot_pit_histogram,
    plot_samples,
)


@pytest.fixture(scope="module")
def sinusoid():
    X, y = make_inverted_sinusoid(300, random_state=0)
    mdn = MDNRegressor(n_components=3, hidden_layer_sizes=(8,), max_iter=5, random_state=0)
    return mdn.fit(X, y), X, y


@pytest.fixture(scope="module")
def arm():
    X, y = make_robot_arm(300, random_state=0)
    mdn = MDNRegressor(n_components=2, hidden_layer_sizes=(8,), max_iter=5, random_state=0)
    return mdn.fit(X, y), X, y


@pytest.fixture
def ax():
    fig, ax = plt.subplots()
    yield ax
    plt.close(fig)


@pytest.mark.parametrize("parameter", ["weight", "mean", "std"])
def test_plot_components_draws_one_curve_per_component(sinusoid, ax, parameter):
    mdn, _, _ = sinusoid
    grid = np.linspace(-10, 10, 40)
    assert plot_components(mdn, grid, parameter=parameter, ax=ax) is ax
    assert len(ax.lines) == 3
    dist = mdn.predict_dist(grid.reshape(-1, 1))
    expected = {
        "weight": dist.weights[:, 1],
        "mean": dist.means[:, 1, 0],
        "std": np.sqrt(dist.covariances[:, 1, 0, 0]),
    }[parameter]
    np.testing.assert_allclose(ax.lines[1].get_ydata(), expected, rtol=1e-6)
    # The mean panel carries one ribbon per component.
    assert len(ax.collections) == (3 if parameter == "mean" else 0)


def test_plot_components_rejects_bad_input(sinusoid, arm, ax):
    with pytest.raises(ValueError, match="parameter"):
        plot_components(sinusoid[0], np.zeros(3), parameter="weights", ax=ax)
    with pytest.raises(ValueError, match="this model has 2; pass feature="):
        plot_components(arm[0], np.zeros(3), ax=ax)
    with pytest.raises(ValueError, match="out of range"):
        plot_components(arm[0], np.zeros(3), feature=2, ax=ax)
    with pytest.raises(ValueError, match="one value per feature"):
        plot_components(arm[0], np.zeros(3), feature=0, reference=[1.0], ax=ax)


def test_plot_conditional_density_matches_score_samples(sinusoid, ax):
    mdn, X, y = sinusoid
    xs, ys = np.linspace(-10, 10, 7), np.linspace(-12, 12, 5)
    assert plot_conditional_density(mdn, xs, ys, data=(X, y), ax=ax) is ax
    heat = np.asarray(ax.collections[0].get_array())
    assert heat.shape == (5, 7)
    expected = np.exp(mdn.score_samples(np.full((5, 1), xs[2]), ys))
    np.testing.assert_allclose(heat[:, 2], expected, rtol=1e-6)
    assert ax.collections[1].get_offsets().shape == (len(X), 2)  # the data


def test_plot_mixture_density_integrates_to_one_and_marks_truth(sinusoid, ax):
    mdn, X, y = sinusoid
    grid = np.linspace(-30, 30, 3001)
    assert plot_mixture_density(mdn, X[:2], y[:2], y=grid, components=True, ax=ax) is ax
    curves = [line for line in ax.lines if line.get_label().startswith("input")]
    assert len(curves) == 2
    for curve in curves:
        assert np.trapezoid(curve.get_ydata(), grid) == pytest.approx(1.0, abs=1e-3)
    marks = [line for line in ax.lines if line.get_linestyle() == "--"]
    assert [m.get_xdata()[0] for m in marks] == pytest.approx(list(y[:2]))


def test_plot_samples_one_and_two_dimensional(sinusoid, arm, ax):
    mdn, X, y = sinusoid
    plot_samples(mdn, X[:50], n_samples=4, data=(X, y), random_state=0, ax=ax)
    points = ax.collections[1].get_offsets()
    assert points.shape == (200, 2)
    np.testing.assert_array_equal(points[:4, 0], np.repeat(X[0, 0], 4))
    np.testing.assert_allclose(points[:, 1], mdn.sample(X[:50], 4, random_state=0).ravel())

    fig, ax2 = plt.subplots()
    arm_mdn, Xa, ya = arm
    plot_samples(arm_mdn, Xa[:30], n_samples=2, kind="hexbin", random_state=0, ax=ax2)
    assert len(ax2.collections) == 1
    plt.close(fig)
    with pytest.raises(ValueError, match="kind"):
        plot_samples(mdn, X, kind="kde", ax=ax)


def test_plot_loss_curves_in_units_of_y(ax):
    X, y = make_inverted_sinusoid(300, random_state=0)
    mdn = MDNRegressor(n_components=2, hidden_layer_sizes=(8,), max_iter=6, early_stopping=True,
                       n_iter_no_change=100, random_state=0).fit(X, y)
    extra = {"test": ([2, 4], [3.0, 2.5])}
    assert plot_loss_curves(mdn, extra=extra, ax=ax) is ax
    labels = [line.get_label() for line in ax.lines]
    assert labels == ["training", "validation", "test", "kept (epoch 6)"]
    shift = np.log(mdn.y_scale_).sum()
    train = np.asarray(mdn.net_.history[:, "train_loss"]) + shift
    np.testing.assert_allclose(ax.lines[0].get_ydata(), train)
    np.testing.assert_allclose(ax.lines[0].get_ydata(), mdn.loss_curve_)
    np.testing.assert_allclose(ax.lines[1].get_ydata(), -np.asarray(mdn.validation_scores_))
    np.testing.assert_array_equal(ax.lines[0].get_xdata(), np.arange(1, 7))


def test_plot_loss_curves_without_validation(sinusoid, ax):
    _, X, y = sinusoid
    mdn = MDNRegressor(n_components=2, hidden_layer_sizes=(8,), max_iter=3, early_stopping=False,
                       random_state=0).fit(X, y)
    plot_loss_curves(mdn, ax=ax)
    assert [line.get_label() for line in ax.lines] == ["training", "kept (epoch 3)"]


def test_plot_pit_histogram_of_uniform_values_is_flat(ax):
    pit = np.random.default_rng(0).uniform(size=20000)
    assert plot_pit_histogram(pit, bins=10, ax=ax) is ax
    bars = [p for p in ax.patches if p.get_width() == pytest.approx(0.1)]
    heights = np.array([b.get_height() for b in bars])
    assert len(heights) == 10
    np.testing.assert_allclose(heights, 1.0, atol=0.1)


def test_plot_coverage_draws_diagonal_and_curve(ax):
    assert plot_coverage([0.5, 0.9], [0.4, 0.8], label="m", ax=ax) is ax
    np.testing.assert_array_equal(ax.lines[1].get_ydata(), [0.4, 0.8])
    assert ax.lines[0].get_label() == "ideal"


def test_plot_error_quiver_arrows(ax):
    targets = np.array([[0.0, 0.0], [1.0, 0.5], [0.2, 0.3]])
    reached = targets + np.array([[0.01, 0.0], [0.0, -0.02], [0.0, 0.0]])
    assert plot_error_quiver(targets, reached, magnify=10, max_arrows=2, ax=ax) is ax
    quiver = ax.collections[0]
    np.testing.assert_allclose(quiver.U, [0.1, 0.0])
    np.testing.assert_allclose(quiver.V, [0.0, -0.2])
    with pytest.raises(ValueError, match="shape"):
        plot_error_quiver(targets, reached[:2], ax=ax)


def test_functions_default_to_current_axes(sinusoid):
    fig, ax = plt.subplots()
    assert plot_coverage([0.5], [0.5]) is ax
    assert plot_components(sinusoid[0], np.linspace(-5, 5, 10)) is ax
    assert isinstance(ax, Axes)
    plt.close(fig)


# ------------------------------------------------------ multi-feature models
@pytest.fixture(scope="module")
def three_features():
    import pandas as pd

    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(300, 3)), columns=["age", "dose", "weight"])
    y = np.sin(2 * X["dose"]) + 0.3 * X["age"] + 0.1 * rng.normal(size=300)
    mdn = MDNRegressor(n_components=2, hidden_layer_sizes=(16,), max_iter=5, n_members=1,
                       random_state=0)
    return mdn.fit(X, y), X, y


def test_components_of_a_three_feature_model_against_one_feature(three_features, ax):
    import warnings

    mdn, X, y = three_features
    grid = np.linspace(-2, 2, 25)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a plain grid must not warn about feature names
        plot_components(mdn, grid, feature=1, ax=ax)
    assert ax.get_xlabel() == "dose"
    assert [line.get_label() for line in ax.lines] == ["k=0", "k=1"]
    # The other features sit at the training medians.
    rows = np.tile(np.median(X.to_numpy(), axis=0), (25, 1))
    rows[:, 1] = grid
    np.testing.assert_allclose(ax.lines[0].get_ydata(),
                               mdn.predict_dist(_frame(rows, X.columns)).means[:, 0, 0])


def _frame(rows, columns):
    import pandas as pd

    return pd.DataFrame(rows, columns=columns)


def test_feature_by_name_and_a_reference_row(three_features, ax):
    mdn, X, y = three_features
    grid = np.linspace(-2, 2, 11)
    reference = [1.0, 0.0, -1.0]
    plot_components(mdn, grid, feature="weight", reference=reference, parameter="weight",
                    ax=ax)
    rows = np.tile(reference, (11, 1))
    rows[:, 2] = grid
    np.testing.assert_allclose(ax.lines[1].get_ydata(),
                               mdn.predict_dist(_frame(rows, X.columns)).weights[:, 1])
    assert ax.get_xlabel() == "weight"
    with pytest.raises(ValueError, match="not one of the model's features"):
        plot_components(mdn, grid, feature="height", ax=ax)


def test_density_and_samples_of_a_three_feature_model(three_features, ax):
    mdn, X, y = three_features
    xs, ys = np.linspace(-2, 2, 9), np.linspace(-3, 3, 7)
    plot_conditional_density(mdn, xs, ys, feature="dose", data=(X, y), ax=ax)
    rows = np.tile(np.median(X.to_numpy(), axis=0), (1, 1))
    rows[0, 1] = xs[4]
    expected = np.exp(mdn.score_samples(_frame(np.repeat(rows, 7, axis=0), X.columns), ys))
    np.testing.assert_allclose(np.asarray(ax.collections[0].get_array())[:, 4], expected,
                               rtol=1e-6)
    assert ax.get_xlabel() == "dose"
    np.testing.assert_array_equal(ax.collections[1].get_offsets()[:, 0], X["dose"])
    fig, ax2 = plt.subplots()
    plot_samples(mdn, X.to_numpy()[:20], n_samples=2, feature=0, data=(X, y), random_state=0,
                 ax=ax2)
    assert ax2.get_xlabel() == "age"
    assert [t.get_text() for t in ax2.get_legend().get_texts()] == ["data", "samples"]
    plt.close(fig)


def test_default_density_range_holds_the_central_mass(sinusoid, ax):
    mdn, X, _ = sinusoid
    plot_mixture_density(mdn, X[:3], ax=ax)
    grid = ax.lines[0].get_xdata()
    q = mdn.predict_quantiles(X[:3], [0.005, 0.995])
    assert grid.min() < q[:, 0].min() and grid.max() > q[:, 1].max()
    # ... and not much more: a tenth of the central range on each side.
    width = q[:, 1].max() - q[:, 0].min()
    assert grid.max() - grid.min() == pytest.approx(1.2 * width, rel=1e-6)


def test_coverage_has_a_legend(ax):
    plot_coverage([0.5, 0.9], [0.5, 0.85], label="model", ax=ax)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["ideal", "model"]
