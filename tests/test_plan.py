"""skmdn._plan: every "auto" rule of the training plan at its boundaries, without fitting."""

import dataclasses
import inspect

import pytest

from skmdn import MDNRegressor
from skmdn._plan import (
    AUTO_BATCH_MIN_ENSEMBLE,
    AUTO_LEARNING_RATE,
    AUTO_LEARNING_RATE_ENSEMBLE,
    AUTO_MEMBERS,
    AUTO_MEMBERS_MAX_SAMPLES,
    AUTO_MIN_SAMPLES,
    AUTO_PATIENCE_MAX,
    AUTO_PATIENCE_MAX_ENSEMBLE,
    AUTO_PATIENCE_MIN,
    AUTO_PATIENCE_NO_VALIDATION,
    AUTO_STOP_BASE,
    AUTO_STOP_FACTOR,
    PLAN_PARAMETERS,
    TINY_NOISE,
    WARMUP_MAX_EPOCHS,
    auto_batch_size,
    auto_members,
    auto_noise,
    auto_patience,
    n_valid_rows,
    resolve_plan,
    uses_validation,
)


def plan(n_samples=1000, n_features=2, n_targets=1, **params):
    return resolve_plan(n_samples=n_samples, n_features=n_features, n_targets=n_targets,
                        **params)


# --------------------------------------------------------------- validation
@pytest.mark.parametrize("early_stopping, n_samples, validate", [
    ("auto", AUTO_MIN_SAMPLES - 1, False),
    ("auto", AUTO_MIN_SAMPLES, True),
    (True, 1, False),
    (True, 2, True),
    (True, 99, True),
    (False, 2, False),
    (False, 100_000, False),
])
def test_validation_on_or_off(early_stopping, n_samples, validate):
    assert AUTO_MIN_SAMPLES == 100
    assert uses_validation(early_stopping, n_samples) is validate
    p = plan(n_samples, early_stopping=early_stopping)
    assert p.validate is validate
    assert (p.n_valid > 0) is validate
    assert p.monitor == ("valid_loss" if validate else "train_loss")


def test_validation_split_sizes_in_the_plan():
    assert plan(99).n_valid == 0
    assert plan(100).n_valid == 10
    assert plan(2, early_stopping=True).n_valid == 1  # round(0.2) = 0, raised to 1
    assert plan(1000, validation_fraction=0.25).n_valid == 250


@pytest.mark.parametrize("n_samples, fraction, n_valid", [
    (1000, 0.1, 100),
    (104, 0.1, 10),     # 10.4 rounds down
    (106, 0.1, 11),     # 10.6 rounds up
    (4, 0.1, 1),        # 0.4 rounds to 0: at least one row
    (2, 0.1, 1),
    (10, 0.99, 9),      # 9.9 rounds to 10: at least one row left to train on
    (2, 0.9, 1),
    (1000, 0.5, 500),
])
def test_n_valid_rows_rounds_and_clips(n_samples, fraction, n_valid):
    assert n_valid_rows(n_samples, fraction) == n_valid


def test_n_train_and_monitor_properties():
    p = plan(1000)
    assert (p.n_samples, p.n_valid, p.n_train) == (1000, 100, 900)
    assert p.validate and p.monitor == "valid_loss"
    q = plan(1000, early_stopping=False)
    assert (q.n_valid, q.n_train) == (0, 1000)
    assert not q.validate and q.monitor == "train_loss"


# --------------------------------------------------------------- batch size
@pytest.mark.parametrize("n_train, batch_size", [
    (1, 1), (10, 10), (31, 31),            # fewer rows than the floor: all of them
    (32, 32), (100, 32), (639, 32), (640, 32), (659, 32),
    (660, 33), (2000, 100),                # n_train // 20
    (3999, 199), (4000, 200), (4019, 200), (4020, 200), (100_000, 200),
])
def test_auto_batch_size_is_a_twentieth_clipped_to_32_200(n_train, batch_size):
    assert auto_batch_size(n_train) == batch_size


def test_auto_batch_size_in_the_plan_counts_training_rows_only():
    assert plan(4000, n_features=1, early_stopping=False).batch_size == 200
    assert plan(4000, n_features=1).batch_size == 180  # 3600 training rows
    assert plan(20, early_stopping=False).batch_size == 20
    assert plan(4000, batch_size=64).batch_size == 64  # explicit sizes pass through


# ----------------------------------------------------------------- patience
@pytest.mark.parametrize("n_train, batch_size, patience", [
    (4000, 200, 200),       # 20 steps per epoch: 4000 / 20 = 200 epochs
    (2000, 100, 200),
    (1900, 100, 200),       # 19 steps: 211 epochs, clipped to 200
    (100, 32, 200),
    (2100, 100, 191),       # 21 steps: ceil(4000 / 21)
    (4000, 100, 100),       # 40 steps
    (4001, 100, 98),        # 41 steps (the last one partial): ceil(4000 / 41)
    (7900, 100, 51),        # 79 steps
    (8000, 100, 50),        # 80 steps: exactly 50
    (8100, 100, 50),        # 81 steps: 49.4, rounded up to 50
    (100_000, 200, 50),     # 500 steps: 8, clipped to 50
])
def test_auto_patience_is_about_4000_steps_within_50_200(n_train, batch_size, patience):
    assert (AUTO_PATIENCE_MIN, AUTO_PATIENCE_MAX) == (50, 200)
    assert auto_patience(n_train, batch_size) == patience


def test_patience_in_the_plan():
    # With validation, "auto" scales the patience with the best epoch, at most
    # the base patience of about 4000 steps, which also sets the plateau schedule.
    assert (AUTO_STOP_BASE, AUTO_STOP_FACTOR) == (40, 0.15)
    p = plan(4000, n_features=1)  # 3600 rows in batches of 180: 20 steps, a base of 200 epochs
    assert (p.patience, p.patience_base, p.patience_factor, p.plateau_patience) == (
        200, 40, 0.15, 66)
    p = plan(100_000)
    assert (p.patience, p.plateau_patience) == (50, 16)
    # Without validation: a fixed 10 epochs, however much data.
    assert AUTO_PATIENCE_NO_VALIDATION == 10
    assert plan(99).patience == 10
    assert plan(100_000, early_stopping=False).patience == 10
    # An explicit number passes through, with or without validation.
    for p in (plan(4000, n_iter_no_change=7), plan(50, n_iter_no_change=7), plan(99)):
        assert p.patience_factor is None  # fixed patience
    assert plan(4000, n_iter_no_change=7).patience == 7
    assert plan(50, n_iter_no_change=7).patience == 7


@pytest.mark.parametrize("n_iter_no_change, plateau_patience", [(200, 66), (10, 3), (2, 1)])
def test_plateau_patience_is_a_third_of_the_patience(n_iter_no_change, plateau_patience):
    assert plan(1000, n_iter_no_change=n_iter_no_change).plateau_patience == plateau_patience


# -------------------------------------------------------------------- noise
def test_auto_noise_is_tiny_noise_below_100_rows_and_zero_from_100():
    assert auto_noise(AUTO_MIN_SAMPLES - 1) == TINY_NOISE == 0.5
    assert auto_noise(1) == TINY_NOISE
    assert auto_noise(AUTO_MIN_SAMPLES) == auto_noise(10_000) == 0.0
    assert auto_noise(20, single_pass=True) == 0.0  # partial_fit sees a chunk, not the data


def test_noise_in_the_plan():
    tiny = plan(99)  # the default is "auto"
    assert tiny.input_noise == tiny.target_noise == TINY_NOISE
    assert not tiny.validate  # noise instead of early stopping
    p = plan(100)
    assert p.input_noise == p.target_noise == 0.0 and p.validate
    mixed = plan(50, input_noise=0.3, target_noise="auto")
    assert mixed.input_noise == 0.3 and mixed.target_noise == TINY_NOISE
    assert plan(50, input_noise=0.0, target_noise=0).target_noise == 0.0
    assert plan(1000).input_noise == plan(1000).target_noise == 0.0  # the default


# ------------------------------------------------- schedule and averaging
@pytest.mark.parametrize("schedule", ["plateau", "cosine", "constant"])
def test_schedule_plateau_needs_validation(schedule):
    assert plan(1000, lr_schedule=schedule).schedule == schedule
    expected = "constant" if schedule == "plateau" else schedule
    assert plan(1000, lr_schedule=schedule, early_stopping=False).schedule == expected
    assert plan(50, lr_schedule=schedule).schedule == expected


def test_weight_averaging_needs_validation():
    assert plan(1000).ema_decay == 0.99
    assert plan(1000, ema_decay=0.9).ema_decay == 0.9
    assert plan(1000, ema_decay=None).ema_decay is None
    assert plan(1000, early_stopping=False).ema_decay is None
    assert plan(99).ema_decay is None


# ------------------------------------------------------------------ warm-up
@pytest.mark.parametrize("covariance_type, n_targets, max_iter, warmup", [
    ("full", 2, 1000, 20),
    ("full", 5, 80, 20),
    ("full", 2, 79, 19),      # max_iter // 4
    ("full", 2, 8, 2),
    ("full", 2, 3, 0),
    ("full", 1, 1000, 0),     # one target: nothing to correlate
    ("diag", 2, 1000, 0),
    ("spherical", 3, 1000, 0),
])
def test_warmup_only_for_full_multi_output(covariance_type, n_targets, max_iter, warmup):
    assert WARMUP_MAX_EPOCHS == 20
    p = plan(1000, n_targets=n_targets, covariance_type=covariance_type, max_iter=max_iter)
    assert p.warmup_epochs == warmup
    # Held whether or not there is a validation split.
    q = plan(50, n_targets=n_targets, covariance_type=covariance_type, max_iter=max_iter)
    assert q.warmup_epochs == warmup


# -------------------------------------------------------------- single pass
@pytest.mark.parametrize("early_stopping", ["auto", False])
def test_single_pass_is_one_plain_epoch(early_stopping):
    p = plan(10_000, n_targets=2, covariance_type="full", early_stopping=early_stopping,
             lr_schedule="cosine", ema_decay=0.99, max_iter=500, n_iter_no_change=30,
             single_pass=True)
    assert not p.validate and p.n_valid == 0 and p.n_train == 10_000
    assert p.patience is None
    assert p.max_epochs == 1
    assert p.schedule == "constant"
    assert p.ema_decay is None
    assert p.warmup_epochs == 0
    assert p.batch_size == 200  # the auto size of all 10 000 rows
    assert p.monitor == "train_loss"


def test_single_pass_keeps_set_noise_and_has_no_auto_noise():
    p = plan(50, input_noise="auto", target_noise=0.2, single_pass=True)
    assert p.input_noise == 0.0
    assert p.target_noise == 0.2


# ------------------------------------------------------------- the plan type
# ------------------------------------------------------------------ ensemble
@pytest.mark.parametrize("n_samples, n_features, single_pass, members", [
    (AUTO_MIN_SAMPLES - 1, 2, False, 1),
    (AUTO_MIN_SAMPLES, 2, False, AUTO_MEMBERS),
    (AUTO_MEMBERS_MAX_SAMPLES - 1, 2, False, AUTO_MEMBERS),
    (AUTO_MEMBERS_MAX_SAMPLES, 2, False, 1),
    (1000, 1, False, 1),
    (1000, 2, True, 1),
])
def test_auto_members_at_its_boundaries(n_samples, n_features, single_pass, members):
    assert auto_members(n_samples, n_features, single_pass) == members
    assert plan(n_samples, n_features, single_pass=single_pass).n_members == members
    assert plan(n_samples, n_features, single_pass=single_pass, n_members=3).n_members == 3


@pytest.mark.parametrize("n_members, rate", [
    (1, AUTO_LEARNING_RATE), (2, AUTO_LEARNING_RATE_ENSEMBLE), ("auto", AUTO_LEARNING_RATE),
])
def test_auto_learning_rate_follows_the_ensemble_size(n_members, rate):
    # 5000 rows: "auto" members is one network
    assert plan(5000, n_members=n_members).learning_rate == rate
    assert plan(500, n_members=n_members, learning_rate_init=0.01).learning_rate == 0.01
    assert plan(500).learning_rate == AUTO_LEARNING_RATE_ENSEMBLE


@pytest.mark.parametrize("n_train, batch_size", [
    (20, 20), (32, 32),                    # no more rows than the floor: all of them
    (33, 17), (90, 30),                    # two or three steps of equal size
    (249, 32), (409, 38), (622, 57),       # yacht, Boston, energy (split 0)
    (834, 76), (1295, 118),                # concrete, wine (split 0)
    (2000, 200), (2001, 182), (100_000, 200),
])
def test_auto_batch_size_of_an_ensemble_is_a_tenth_in_equal_batches(n_train, batch_size):
    assert auto_batch_size(n_train, n_members=AUTO_MEMBERS) == batch_size


def test_auto_batch_size_of_an_ensemble_leaves_no_small_last_batch():
    # n_train // 10 rows leave a last batch of 0 to 9 rows; the "auto" batch
    # keeps the number of steps and evens out their sizes instead.
    for n_train in range(1, 5000):
        size = auto_batch_size(n_train, n_members=2)
        floor = min(n_train, max(AUTO_BATCH_MIN_ENSEMBLE, min(200, n_train // 10)))
        steps = -(-n_train // size)
        assert size <= floor and steps == -(-n_train // floor)
        assert n_train - (steps - 1) * size > size - steps  # sizes differ by < steps rows


def test_auto_patience_of_an_ensemble_is_capped_lower():
    assert auto_patience(200, 32) == AUTO_PATIENCE_MAX
    assert auto_patience(200, 32, n_members=8) == AUTO_PATIENCE_MAX_ENSEMBLE
    assert auto_patience(100_000, 200, n_members=8) == auto_patience(100_000, 200)
    assert plan(500).patience == AUTO_PATIENCE_MAX_ENSEMBLE
    assert plan(500, n_members=1).patience == AUTO_PATIENCE_MAX
    assert plan(500, n_iter_no_change=7).patience == 7


def test_plan_is_a_frozen_value():
    p = plan(4000, n_features=1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.batch_size = 10
    assert (p.validate, p.n_valid, p.batch_size, p.patience) == (True, 400, 180, 200)
    assert type(p.n_samples) is int and type(p.batch_size) is int
    assert type(p.tol) is float and type(p.max_epochs) is int
    assert plan(4000, n_features=1) == p  # a value: equal plans compare equal


def test_plan_parameters_are_the_estimators_and_resolve_plans_defaults_are_its():
    estimator = inspect.signature(MDNRegressor).parameters
    resolver = inspect.signature(resolve_plan).parameters
    shape = {"n_samples", "n_features", "n_targets", "single_pass"}
    assert set(resolver) - shape == set(PLAN_PARAMETERS)
    for name in PLAN_PARAMETERS:
        assert estimator[name].default == resolver[name].default, name


@pytest.mark.parametrize("params", [
    {},
    {"early_stopping": False, "lr_schedule": "cosine"},
    {"batch_size": 50, "n_iter_no_change": 12, "validation_fraction": 0.3, "tol": 1e-2},
    {"covariance_type": "diag", "max_iter": 40, "ema_decay": None},
    {"input_noise": "auto", "target_noise": 0.05, "early_stopping": True},
    {"n_members": 4, "learning_rate_init": 0.01},
])
@pytest.mark.parametrize("single_pass", [False, True])
@pytest.mark.parametrize("n_samples, n_targets", [(50, 1), (500, 1), (3000, 2)])
def test_estimator_hook_gives_the_plan_of_its_parameters(params, single_pass, n_samples,
                                                         n_targets):
    expected = resolve_plan(n_samples=n_samples, n_features=3, n_targets=n_targets,
                            single_pass=single_pass, **params)
    got = MDNRegressor(**params)._training_plan(n_samples, 3, n_targets, single_pass)
    assert got == expected


def test_the_plan_module_examples_hold():
    # Private modules are outside the public docstring test; their examples
    # quote the rules' constants, so they are run here.
    import doctest

    from skmdn import _plan, _validation

    for module in (_plan, _validation):
        result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
        assert result.attempted > 0 and result.failed == 0, module.__name__
