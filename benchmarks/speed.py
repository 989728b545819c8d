"""Speed of MDNRegressor: training against a hand-written loop and skpro, inference, memory.

Run from the repository root::

    python benchmarks/speed.py            # the full table (a few minutes on 2 cores)
    python benchmarks/speed.py --quick    # smaller sizes, for a smoke test
    python benchmarks/speed.py --device cuda   # the device table of device_speed.py
    python benchmarks/speed.py --only defaults catboost threads point --uci PATH/TO/uci \
        --baseline PATH/TO/earlier/checkout   # default fits (speed_defaults.py)

Everything is measured in one run and side by side: the training candidates
are run in turns (skmdn, hand loop, hand loop with skmdn's optimizer, skpro),
``--repeats`` times each, and the best time of each is kept, so a busy machine
hurts all of them alike. Throughputs are given in wall-clock time and in
process CPU time (which a shared machine disturbs less).

Training data: the inverted sinusoid (1-D input and target), n = 20000, the
default architecture (two tanh layers of 64), K = 5, 3 epochs, float32 unless
``--dtype float64``. The hand loop standardizes the data, builds the same
``MDNModule`` and ``MixtureNLLLoss``, and slices a fresh ``torch.randperm``
per epoch, with ``torch.optim.Adam`` at its defaults (what a user writes),
and a second time with the optimizer skmdn builds (same class and settings).
skmdn runs with ``early_stopping=False`` so that it trains on the same rows
(its other training defaults, such as the learning-rate schedule, stay on).
Setup (standardization, tensors, network, optimizer) is timed on every side.
"""

import argparse
import os
import subprocess
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from skmdn import MDNRegressor  # noqa: E402
from skmdn._module import MDNModule, MixtureNLLLoss  # noqa: E402
from skmdn.datasets import make_inverted_sinusoid  # noqa: E402

DTYPES = {"float32": np.float32, "float64": np.float64}


def hand_loop(X, y, batch_size, epochs, n_components, optimizer=None, seed=0):
    """Train the same network with a plain PyTorch loop; return the module."""
    torch.manual_seed(seed)
    xs = torch.as_tensor((X - X.mean(0)) / X.std(0))
    ys = torch.as_tensor(((y - y.mean()) / y.std()).astype(X.dtype)).reshape(len(y), 1)
    module = MDNModule(X.shape[1], 1, n_components, "full", (64, 64), "tanh").to(xs.dtype)
    criterion = MixtureNLLLoss()
    if optimizer is None:
        opt = torch.optim.Adam(module.parameters(), lr=1e-3)
    else:
        cls, settings = optimizer
        opt = cls(module.parameters(), **settings)
    gen = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        perm = torch.randperm(len(xs), generator=gen)
        for start in range(0, len(xs), batch_size):
            idx = perm[start : start + batch_size]
            opt.zero_grad()
            loss = criterion(module(xs[idx]), ys[idx])
            loss.backward()
            opt.step()
    return module


def ensemble_table(epochs, repeats):
    """The default ensemble's training step in skmdn against a hand loop over the same module."""
    rng = np.random.default_rng(0)
    n, d, batch, k = 824, 8, 76, 6  # one UCI concrete split: its rows, features and batch
    X = rng.normal(size=(n, d))
    y = np.sin(X[:, 0]) + X[:, 1] * X[:, 2] + 0.3 * rng.normal(size=n)
    xs = torch.as_tensor((X - X.mean(0)) / X.std(0), dtype=torch.float32)
    ys = torch.as_tensor((y - y.mean()) / y.std(), dtype=torch.float32).reshape(n, 1)

    def hand():
        torch.manual_seed(0)
        module = MDNModule(d, 1, 5, "full", (64, 64), "tanh", n_members=k,
                           input_embedding="periodic")
        criterion = MixtureNLLLoss(n_members=k)
        opt = torch.optim.AdamW(module.parameters(), lr=2e-3, weight_decay=0.0, fused=True)
        gen = torch.Generator().manual_seed(0)
        for _ in range(epochs):
            perm = torch.randperm(n, generator=gen)
            for start in range(0, n, batch):
                idx = perm[start : start + batch]
                opt.zero_grad()
                criterion(module(xs[idx]), ys[idx]).backward()
                opt.step()

    def skmdn():
        MDNRegressor(n_members=k, batch_size=batch, max_iter=epochs, early_stopping=False,
                     random_state=0).fit(X, y)

    hand(), skmdn()  # warm up
    best = best_of({"skmdn": skmdn, "hand": hand}, repeats)
    print(f"\n== Training the default ensemble: n={n}, d={d}, k={k} members with periodic "
          f"embeddings, batch {batch}, {epochs} epochs, float32 (ms per epoch, best of "
          f"{repeats}; wall | CPU)")
    for name, (wall, cpu) in best.items():
        print(f"   {name:8s} {1000 * wall / epochs:8.2f} | {1000 * cpu / epochs:8.2f}")
    print(f"   skmdn / hand = {best['skmdn'][0] / best['hand'][0]:.2f} (wall)")


def skmdn_fit(X, y, batch_size, epochs, n_components):
    # early_stopping=False: train on every row, as the hand loop does (the
    # default holds out 10% for validation from 100 rows on).
    return MDNRegressor(
        n_components, batch_size=batch_size, max_iter=epochs, early_stopping=False,
        random_state=0,
    ).fit(X, y)


def skpro_fit(X, y, batch_size, epochs, n_components):
    import pandas as pd
    from skpro.regression.mdn import MDNRegressor as SkproMDN

    model = SkproMDN(
        n_gaussians=n_components, hidden_dims=[64, 64], activation="tanh", epochs=epochs,
        lr=1e-3, batch_size=batch_size, device="cpu", random_state=0,
    )
    return model.fit(pd.DataFrame(X), pd.DataFrame({"y": y}))


def timed(fn):
    """Wall and process-CPU seconds of one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def best_of(candidates, repeats):
    """Run the candidates in turns; the best wall and CPU time of each."""
    best = {name: [np.inf, np.inf] for name in candidates}
    for _ in range(repeats):
        for name, fn in candidates.items():
            wall, cpu = timed(fn)
            best[name] = [min(best[name][0], wall), min(best[name][1], cpu)]
    return best


def skmdn_optimizer(X, y):
    """The optimizer class and settings skmdn builds, for a like-for-like hand loop."""
    opt = skmdn_fit(X[:256], y[:256], 128, 1, 5).net_.optimizer_
    settings = {k: v for k, v in opt.defaults.items() if k in ("lr", "weight_decay", "fused",
                                                               "betas", "eps", "foreach")}
    return type(opt), settings


def training_table(X, y, epochs, repeats, with_skpro):
    print(f"\n== Training: n={len(X)}, d=1, K=5, hidden (64, 64) tanh, {epochs} epochs, "
          f"{X.dtype} (samples/s, best of {repeats}; wall | CPU)")
    opt = skmdn_optimizer(X, y)
    print(f"   skmdn's optimizer: {opt[0].__name__}({opt[1]})")
    rows = []
    for bs in (128, 1024):
        cands = {
            "skmdn": lambda: skmdn_fit(X, y, bs, epochs, 5),
            "hand": lambda: hand_loop(X, y, bs, epochs, 5),
            "hand_same_opt": lambda: hand_loop(X, y, bs, epochs, 5, optimizer=opt),
        }
        if with_skpro:
            cands["skpro"] = lambda: skpro_fit(X, y, bs, epochs, 5)
        # Warm up imports and caches.
        skmdn_fit(X[:2000], y[:2000], bs, 1, 5)
        hand_loop(X[:2000], y[:2000], bs, 1, 5)
        best = best_of(cands, repeats)
        rate = {k: [epochs * len(X) / t for t in v] for k, v in best.items()}
        for k, (w, c) in rate.items():
            print(f"   batch {bs:5d}  {k:14s} {w:12,.0f} | {c:12,.0f}")
        for ref in [r for r in rate if r != "skmdn"]:
            w, c = (rate["skmdn"][i] / rate[ref][i] for i in (0, 1))
            print(f"   batch {bs:5d}  skmdn / {ref:14s} = {w:5.2f} | {c:5.2f}")
        rows.append(rate)
    return rows


def inference_table(n, dtype, repeats):
    X, y = make_inverted_sinusoid(20000, random_state=0)
    model = skmdn_fit(X.astype(dtype), y, 1024, 3, 5)
    rng = np.random.default_rng(1)
    Xn = rng.uniform(X.min(), X.max(), size=(n, 1)).astype(dtype)
    yn = rng.uniform(y.min(), y.max(), size=n)
    model.predict(Xn[:1000])
    cands = {
        "score_samples(X, y)": lambda: model.score_samples(Xn, yn),
        "predict (mean)": lambda: model.set_params(point_estimate="mean").predict(Xn),
        "predict (mode)": lambda: model.set_params(point_estimate="mode").predict(Xn),
    }
    print(f"\n== Inference: n={n:,}, d=1, K=5, {np.dtype(dtype).name} model and input "
          f"(rows/s, best of {repeats}; wall | CPU)")
    best = best_of(cands, repeats)
    for k, (w, c) in best.items():
        print(f"   {k:22s} {n / w:12,.0f} | {n / c:12,.0f}")


def memory_probe(n, method, dtype):
    """In a fresh process: peak RSS growth of one inference call on n rows."""
    X, y = make_inverted_sinusoid(5000, random_state=0)
    model = skmdn_fit(X.astype(dtype), y, 1024, 1, 5)
    model.set_params(point_estimate="mode" if method == "mode" else "mean")
    Xn = np.random.default_rng(1).uniform(X.min(), X.max(), size=(n, 1)).astype(dtype)
    yn = np.zeros(n)
    call = (lambda: model.score_samples(Xn, yn)) if method == "score" else (
        lambda: model.predict(Xn))
    model.predict(Xn[:1000])  # warm up imports and thread pools
    with open("/proc/self/clear_refs", "w") as f:  # reset the peak (VmHWM) to now
        f.write("5")
    before = _status_kib("VmRSS")
    out = call()
    print((_status_kib("VmHWM") - before) * 1024, out.nbytes, Xn.nbytes)


def _status_kib(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])


def memory_table(sizes, dtype):
    print(f"\n== Peak memory of inference ({np.dtype(dtype).name}): peak resident memory "
          "during one call minus resident memory before it (Linux VmHWM after a reset through "
          "/proc/self/clear_refs, minus VmRSS; it sees torch's allocations), fresh process")
    print("   method   n           peak growth   output array   input X")
    for method in ("score", "mean", "mode"):
        for n in sizes:
            res = subprocess.run(
                [sys.executable, __file__, "--threads", str(torch.get_num_threads()),
                 "--memory-probe", method, str(n), np.dtype(dtype).name],
                capture_output=True, text=True, check=True,
            )
            grow, out, xin = (int(v) for v in res.stdout.split())
            print(f"   {method:8s} {n:<11,d} {grow / 2**20:8.1f} MiB   {out / 2**20:8.1f} MiB"
                  f"   {xin / 2**20:8.1f} MiB")


def scaling_tables(ns, ks, dtype):
    print(f"\n== Fit time against n (batch 1024, 1 epoch, K=5, {np.dtype(dtype).name})")
    X, y = make_inverted_sinusoid(2000, random_state=0)
    skmdn_fit(X.astype(dtype), y, 1024, 1, 5)  # warm-up
    for n in ns:
        X, y = make_inverted_sinusoid(n, random_state=0)
        wall, cpu = timed(lambda: skmdn_fit(X.astype(dtype), y, 1024, 1, 5))
        print(f"   n={n:<9,d} {wall:7.2f} s wall  {cpu:7.2f} s CPU  {n / wall:10,.0f} samples/s")
    print(f"\n== Fit time against n_components (n=20000, batch 1024, 2 epochs, "
          f"{np.dtype(dtype).name})")
    X, y = make_inverted_sinusoid(20000, random_state=0)
    X = X.astype(dtype)
    for k in ks:
        wall, cpu = timed(lambda: skmdn_fit(X, y, 1024, 2, k))
        print(f"   K={k:<3d} {wall:7.2f} s wall  {cpu:7.2f} s CPU  {2 * len(X) / wall:10,.0f} "
              "samples/s")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help="small sizes, for a smoke test")
    p.add_argument("--dtype", choices=DTYPES, default="float32")
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--no-skpro", action="store_true")
    p.add_argument("--threads", type=int, help="torch threads (default: torch's choice)")
    p.add_argument("--only", choices=["train", "ensemble", "infer", "memory", "scaling", "device",
                                      "defaults", "catboost", "threads", "point"], nargs="*")
    p.add_argument("--uci", help="folder of the UCI data sets (defaults, catboost, threads)")
    p.add_argument("--baseline", help="another checkout of skmdn to time the defaults against")
    p.add_argument("--splits", type=int, default=5, help="UCI splits or seeds of the defaults")
    p.add_argument("--device", help="run the device table (device_speed.py) on this device")
    p.add_argument("--memory-probe", nargs=3, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.memory_probe:
        method, n, dtype = args.memory_probe
        return memory_probe(int(n), method, DTYPES[dtype])
    dtype = DTYPES[args.dtype]
    if args.threads:
        torch.set_num_threads(args.threads)
    only = set(args.only or (["device"] if args.device else
                             ["train", "ensemble", "infer", "memory", "scaling"]))
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, "
          f"{os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.1f} at start")
    n = 2000 if args.quick else 20000
    X, y = make_inverted_sinusoid(n, random_state=0)
    if "train" in only:
        training_table(X.astype(dtype), y, 1 if args.quick else args.epochs,
                       1 if args.quick else args.repeats, not args.no_skpro)
    if "ensemble" in only:
        ensemble_table(5 if args.quick else 40, 1 if args.quick else args.repeats)
    big = 100_000 if args.quick else 1_000_000
    if "infer" in only:
        inference_table(big, dtype, 1 if args.quick else args.repeats)
    if "memory" in only:
        memory_table([65536, big], dtype)
    if "scaling" in only:
        scaling_tables([10_000, 100_000] if args.quick else [10_000, 100_000, 1_000_000],
                       [1, 5] if args.quick else [1, 5, 10, 20, 50], dtype)
    if "device" in only:
        from device_speed import device_table

        device_table(args.device or "cpu", n=20_000 if args.quick else 200_000,
                     repeats=1 if args.quick else 2)
    if only & {"defaults", "catboost", "threads", "point"}:
        import speed_defaults

        if "defaults" in only:
            speed_defaults.defaults_table(args.uci, args.baseline, args.splits)
        if "catboost" in only:
            speed_defaults.catboost_table(args.uci, args.splits)
        if "threads" in only:
            speed_defaults.threads_table(args.uci)
        if "point" in only:
            speed_defaults.point_table(args.uci, args.splits)
    print(f"\nload average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
