"""``train_network``: build or continue an estimator's skorch net, and run it by the plan."""

import numpy as np
import torch

from .._threads import limited_threads, thread_count
from ._build import build_net
from ._net import continue_training, learning_curves, set_dtype


def train_network(estimator, plan, data, *, n_inputs, keep, reuse, device, seed, epochs,
                  callbacks):
    """Train ``estimator``'s network on ``data`` by ``plan``; set its fitted training attributes.

    A fresh net is built from the estimator's architecture (continuing the
    weights, moments and history of the fitted one when ``keep``), except in
    a continued :meth:`~skmdn.MDNRegressor.partial_fit`, which ``reuse``\\ s
    the plain net it has. Training runs in ``plan.dtype`` under the thread
    rule; the trained network is kept in float64 for inference. Sets
    ``net_``, ``device_``, ``n_members_``, ``input_embedding_``,
    ``loss_curve_``, ``validation_scores_``, ``best_epoch_``,
    ``best_validation_score_`` and ``n_iter_``, the learning curves also when
    training raises.

    Parameters
    ----------
    estimator : MDNRegressor
        With its input side and target scaling fitted.
    plan : TrainingPlan
    data : TensorBatches
        The standardized training rows, on ``device``, in ``plan.dtype``.
    n_inputs : int
        Width of the network's input.
    keep, reuse : bool
        Continue the fitted net's training; reuse the net object itself.
    device : torch.device
    seed : int
    epochs : int or None
        One for a plain pass (``partial_fit``); None for ``plan.max_epochs``.
    callbacks : list of (str or None, Callback)
        The user's callbacks, fresh copies.
    """
    train_dtype = getattr(torch, plan.dtype)
    cuda = [device.index or 0] if device.type == "cuda" else []
    offset = float(np.sum(np.log(estimator.y_scale_)))  # standardized NLL -> nats in y's units
    try:
        with torch.random.fork_rng(devices=cuda):
            torch.manual_seed(seed)
            if not reuse:
                architecture = estimator._architecture(n_inputs, plan.n_members)
                net = build_net(
                    plan, architecture=architecture, learning_rate=plan.learning_rate,
                    weight_decay=estimator.alpha,
                    validation_fraction=estimator.validation_fraction, device=device,
                    seed=seed, verbose=estimator.verbose, callbacks=callbacks)
                net.initialize()
                net.module_.to(train_dtype)
                net.initialize_optimizer()
                if keep:
                    continue_training(estimator.net_, net)
                estimator.net_ = net
                estimator.device_ = device
                estimator.n_members_ = plan.n_members
                estimator.input_embedding_ = architecture.get("input_embedding")
                if estimator.verbose:
                    print("Losses below are mean NLLs of the standardized targets; add "
                          f"{offset:.4f} for nats in the units of y.")
            net = estimator.net_
            threads = thread_count(estimator.n_threads, net.module_, plan.batch_size,
                                   training=True)
            with limited_threads(threads, device):
                set_dtype(net, train_dtype)
                try:
                    net.partial_fit(data, None, epochs=epochs)
                finally:
                    # Inference runs in float64, where row-by-row and batched
                    # predictions agree to rounding.
                    set_dtype(net, torch.float64)
    finally:
        if hasattr(estimator, "net_"):
            (estimator.loss_curve_, estimator.validation_scores_, estimator.best_epoch_,
             estimator.best_validation_score_) = learning_curves(
                estimator.net_, offset, plan.validate)
            estimator.n_iter_ = len(estimator.loss_curve_)
