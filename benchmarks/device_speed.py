"""Training and inference speed on one device (``speed.py --device DEV``).

Two networks, as measured on the GPU before: the default one (1 feature, two
tanh layers of 64, K=5) and a wide one (16 features, three ReLU layers of 256,
K=8); 200,000 rows, 3 epochs, float32, at batch 256 and 4096. Per network and
batch size, in turns and best of ``repeats``: skmdn's ``fit`` and a
hand-written eager loop with the same module, loss and optimizer (fused AdamW)
on the same device, in training samples per second, with the device
synchronised before every clock read. Then the demo's default fit (inverted
sinusoid, 4000 rows, K=5) on the device and on the CPU, with its held-out NLL,
and inference rows/s on the device.

Not here yet: the same hand step captured whole in one CUDA graph. It needs a
GPU to write and check, and none has been at hand.
"""

import time
import warnings

import numpy as np
import torch
from sklearn.exceptions import ConvergenceWarning

from skmdn import MDNRegressor
from skmdn._module import MDNModule, MixtureNLLLoss
from skmdn._training import FUSED_ADAM
from skmdn.datasets import make_inverted_sinusoid

NETWORKS = {
    "default": dict(n_features=1, hidden=(64, 64), activation="tanh", k=5),
    "wide": dict(n_features=16, hidden=(256, 256, 256), activation="relu", k=8),
}


def _sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _data(net, n, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, net["n_features"])).astype(np.float32)
    y = (np.sin(X.sum(1)) + 0.1 * rng.normal(size=n)).astype(np.float32)
    return X, y


def _skmdn(net, X, y, batch, epochs, device):
    return MDNRegressor(
        net["k"], hidden_layer_sizes=net["hidden"], activation=net["activation"],
        batch_size=batch, max_iter=epochs, early_stopping=False, random_state=0,
        device=str(device),
    ).fit(X, y)


def _hand(net, X, y, batch, epochs, device):
    torch.manual_seed(0)
    xs = torch.as_tensor((X - X.mean(0)) / X.std(0), device=device)
    ys = torch.as_tensor((y - y.mean()) / y.std(), device=device).reshape(-1, 1)
    module = MDNModule(net["n_features"], 1, net["k"], "diag", net["hidden"],
                       net["activation"]).to(device)
    loss_fn = MixtureNLLLoss()
    opt = torch.optim.AdamW(module.parameters(), lr=1e-3, weight_decay=0.0, fused=FUSED_ADAM)
    gen = torch.Generator(device=device).manual_seed(0)
    for _ in range(epochs):
        perm = torch.randperm(len(xs), generator=gen, device=device)
        for start in range(0, len(xs), batch):
            idx = perm[start:start + batch]
            opt.zero_grad(set_to_none=True)
            loss_fn(module(xs[idx]), ys[idx]).backward()
            opt.step()
    return module


def _best(fn, device, repeats):
    best = np.inf
    for _ in range(repeats):
        _sync(device)
        start = time.perf_counter()
        fn()
        _sync(device)
        best = min(best, time.perf_counter() - start)
    return best


def device_table(device, n=200_000, epochs=3, repeats=2, n_infer=1_000_000, demo=True):
    warnings.simplefilter("ignore", ConvergenceWarning)  # 3-epoch fits, on purpose
    device = torch.device(device)
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else "CPU"
    print(f"\n== Training on {device} ({name}): n={n}, {epochs} epochs, float32 "
          f"(samples/s, wall, best of {repeats})")
    for label, net in NETWORKS.items():
        X, y = _data(net, n)
        _skmdn(net, X[:4096], y[:4096], 256, 1, device)  # warm-up
        _hand(net, X[:4096], y[:4096], 256, 1, device)
        for batch in (256, 4096):
            rates = {}
            for cand, fn in (("skmdn", _skmdn), ("hand eager", _hand)):
                seconds = _best(lambda fn=fn: fn(net, X, y, batch, epochs, device), device,
                                repeats)
                rates[cand] = epochs * n / seconds
                steps = epochs * -(-n // batch)
                print(f"   {label:7s} batch {batch:5d}  {cand:11s} {rates[cand]:14,.0f} "
                      f"({1e3 * seconds / steps:.3f} ms/step)")
            print(f"   {label:7s} batch {batch:5d}  skmdn / hand eager = "
                  f"{rates['skmdn'] / rates['hand eager']:.2f}")
    X, y = make_inverted_sinusoid(4000, random_state=0)
    X_test, y_test = make_inverted_sinusoid(36000, random_state=1)
    print("\n== The demo's default fit (inverted sinusoid, n=4000, K=5)")
    for where in dict.fromkeys([str(device), "cpu"] if demo else []):
        start = time.perf_counter()
        model = MDNRegressor(5, random_state=0, device=where).fit(X, y)
        _sync(torch.device(where))
        seconds = time.perf_counter() - start
        nll = -model.score_samples(X_test, y_test).mean()
        print(f"   {where:8s} {seconds:7.1f} s, {model.n_iter_} epochs, held-out NLL {nll:.4f}")
    print(f"\n== Inference on {device}, n={n_infer:,}, float32 (rows/s, wall)")
    big, _ = make_inverted_sinusoid(n_infer, random_state=2)
    big = big.astype(np.float32)
    model = MDNRegressor(5, max_iter=2, random_state=0, device=str(device)).fit(
        X.astype(np.float32), y)
    for label, fn in (("score_samples", lambda: model.score_samples(big, np.zeros(len(big)))),
                      ("predict mean", model.predict),
                      ("predict mode", model.set_params(point_estimate="mode").predict)):
        call = fn if label == "score_samples" else (lambda fn=fn: fn(big))
        seconds = _best(call, device, 2)
        print(f"   {label:14s} {len(big) / seconds:14,.0f}")
