"""Fit MDNRegressor with one or more parameter sets on one task and print the test figures.

Usage::

    python benchmarks/sweep.py TASK [--data-dir DIR] [--splits 0,1,2] [--trace N]
                               [--warmup-epochs W] [--member-shuffles]
                               [--embedding periodic] JSON [JSON ...]

TASK is a toy problem of the reference experiments or a UCI data set:

- ``sin``: inverted sinusoid, n=4000 (test 36,000), K=5;
- ``sin2k``: inverted sinusoid, n=2000 (test 20,000), K=5;
- ``bishop``: Bishop's toy problem, n=1000 (test 20,000), K=3;
- ``arm``: robot-arm inverse kinematics, n=5000 (test 5000), K=2; also prints
  the squared end-point error of one draw per test row and the median
  largest mixture weight;
- a UCI folder name (``concrete``, ``yacht``, ...): needs ``--data-dir``; K=3
  and ``random_state`` = split, over ``--splits`` (default 0).

Every JSON is a dict of MDNRegressor parameters on top of those defaults
(``'{}'`` for the defaults). ``--trace N`` prints the training, validation and
test NLL (nats, units of y) and the learning rate every N epochs, through a
skorch callback passed as ``callbacks=``. ``--warmup-epochs W`` sets the number
of epochs for which "full" correlations are held at zero, through the
estimator's ``_training_plan`` hook; ``--member-shuffles`` likewise has
every member of an ensemble (``n_members`` > 1) train on its own shuffle of
the rows rather than all on one, and ``--embedding periodic`` puts periodic
embeddings of the features (``rtdl_num_embeddings``) before the network
(the same as the parameter ``'{"input_embedding": "periodic"}'``). Examples::

    python benchmarks/sweep.py sin '{}' '{"batch_size": 64}'
    python benchmarks/sweep.py bishop --trace 25 '{"lr_schedule": "cosine"}'
    python benchmarks/sweep.py concrete --data-dir path/to/uci --splits 0,1,2 '{}'
    python benchmarks/sweep.py arm --warmup-epochs 0 '{"covariance_type": "full", "max_iter": 200}'
"""

import argparse
import dataclasses
import json
import time
import warnings

import numpy as np
import torch
from skorch.callbacks import Callback

from skmdn import MDNRegressor, _mixture
from skmdn._validation import standardization
from skmdn.datasets import (
    make_bishop_toy,
    make_inverted_sinusoid,
    make_robot_arm,
    robot_arm_forward,
)

TOYS = {
    "sin": (lambda: make_inverted_sinusoid(4000, random_state=0),
            lambda: make_inverted_sinusoid(36000, random_state=1), 5),
    "sin2k": (lambda: make_inverted_sinusoid(2000, random_state=0),
              lambda: make_inverted_sinusoid(20000, random_state=1), 5),
    "bishop": (lambda: make_bishop_toy(1000, random_state=0),
               lambda: make_bishop_toy(20000, random_state=1), 3),
    "arm": (lambda: make_robot_arm(5000, random_state=0),
            lambda: make_robot_arm(5000, random_state=1), 2),
}


class Override(MDNRegressor):
    """MDNRegressor whose training plan and module arguments are updated from ``PLAN`` and ``ARCH``."""

    PLAN, ARCH = {}, {}

    def _training_plan(self, *args, **kwargs):
        return dataclasses.replace(super()._training_plan(*args, **kwargs), **self.PLAN)

    def _architecture(self, *args):
        return {**super()._architecture(*args), **self.ARCH}


class TestTrace(Callback):
    """Print train/valid/test NLL (units of y) and the learning rate every ``every`` epochs.

    The test NLL is computed from the module in training, with the scaling
    that the estimator computes from the (unweighted) training data.
    """

    def __init__(self, every, X, y, X_test, y_test):
        self.every = every
        x_loc, x_scale = standardization(X)
        y2 = y.reshape(len(y), -1)
        y_loc, y_scale = standardization(y2)
        self.offset = float(np.sum(np.log(y_scale)))
        self.X_test = torch.as_tensor((X_test - x_loc) / x_scale)
        self.y_test = torch.as_tensor((y_test.reshape(len(y_test), -1) - y_loc) / y_scale)

    def on_epoch_end(self, net, **kwargs):
        epoch = len(net.history)
        if epoch % self.every:
            return
        module = net.module_
        was_training = module.training
        module.eval()
        with torch.no_grad():
            dtype = next(module.parameters()).dtype
            params = module(self.X_test.to(dtype))
            test = -_mixture.log_prob(*params, self.y_test.to(dtype)).mean().item()
        module.train(was_training)
        row, offset = net.history[-1], self.offset
        valid = row.get("valid_loss", float("nan")) + offset
        print(f"  epoch {epoch}: train {row['train_loss'] + offset:.4f} valid {valid:.4f} "
              f"test {test + offset:.4f} lr {net.optimizer_.param_groups[0]['lr']:.2e}",
              flush=True)


def load(task, data_dir, split):
    if task in TOYS:
        train, test, k = TOYS[task]
        return (*train(), *test(), {"n_components": k, "random_state": 0})
    if data_dir is None:
        raise SystemExit(f"{task!r} is not a toy task; give --data-dir for a UCI data set.")
    from uci_data import load_uci

    X, X_test, y, y_test = load_uci(task, split, data_dir)
    return X, y, X_test, y_test, {"n_components": 3, "random_state": split}


def run(task, params, args):
    rows = []
    for split in ([0] if task in TOYS else args.splits):
        X, y, X_test, y_test, defaults = load(task, args.data_dir, split)
        plan = {} if args.warmup_epochs is None else {"warmup_epochs": args.warmup_epochs}
        if args.member_shuffles:
            plan["member_shuffles"] = True
        arch = {} if args.embedding is None else {"input_embedding": args.embedding}
        cls = type("Sweep", (Override,), {"PLAN": plan, "ARCH": arch})
        model = cls(**{**defaults, **params})
        if args.trace:
            trace = TestTrace(args.trace, X, y, X_test, y_test)
            model.set_params(callbacks=[*(model.callbacks or []), ("test_trace", trace)])
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.fit(X, y)
        seconds = time.perf_counter() - start
        nll = -model.score_samples(X_test, y_test).mean()
        rmse = float(np.sqrt(np.mean((model.predict(X_test) - y_test) ** 2)))
        extra = {}
        if task == "arm":
            draws = model.sample(X_test, 1, random_state=0)[:, 0]
            err = np.sum((robot_arm_forward(draws) - X_test) ** 2, axis=1)
            extra = {"ik_error": float(err.mean()),
                     "top_weight": float(np.median(model.predict_dist(X_test).weights.max(1)))}
        rows.append({"nll": nll, "rmse": rmse, "epochs": model.n_iter_, "seconds": seconds,
                     **extra})
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("task")
    parser.add_argument("params", nargs="+", help="JSON dicts of MDNRegressor parameters")
    parser.add_argument("--data-dir", help="folder holding the UCI data set folders")
    parser.add_argument("--splits", default="0", type=lambda s: [int(v) for v in s.split(",")])
    parser.add_argument("--trace", type=int, default=0)
    parser.add_argument("--warmup-epochs", type=int, default=None)
    parser.add_argument("--embedding", choices=["periodic"], default=None,
                        help="embed every feature before the network (rtdl_num_embeddings)")
    parser.add_argument("--member-shuffles", action="store_true",
                        help="each ensemble member trains on its own shuffle of the rows")
    args = parser.parse_args(argv)
    for text in args.params:
        params = json.loads(text)
        rows = run(args.task, params, args)
        mean = {key: float(np.mean([r[key] for r in rows])) for key in rows[0]}
        figures = " ".join(f"{key}={value:.4g}" for key, value in mean.items())
        per_split = ""
        if len(rows) > 1:
            per_split = f" per-split nll={[round(float(r['nll']), 3) for r in rows]}"
        print(f"{args.task} {params}: {figures}{per_split}", flush=True)


if __name__ == "__main__":
    main()
