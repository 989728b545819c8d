"""Where does one training step go at batch 128? And what does weight averaging cost?

Part 1 times variants of a plain training step side by side, in one process
(default network, K=5, d=1, float32, skmdn's fused AdamW), best of 3 rounds of
1000 steps, in microseconds per step:

- ``full``: forward, mixture NLL, backward, ``optimizer.step()``;
- ``fused_nll``: the same with the NLL's backward derived by hand (a custom
  ``autograd.Function`` for diagonal mixtures; a prototype, checked here with
  ``gradcheck``, not used by skmdn);
- ``no_step``: ``full`` without ``optimizer.step()``;
- ``trivial_loss``: trunk and head with a squared-output loss instead of the
  mixture parameters and the NLL;
- ``forward``: the forward pass and NLL under ``no_grad``.

With ``--compile``, the ``full`` step is also timed with the module and NLL
compiled by ``torch.compile`` (inductor, C++ kernels on the CPU): the compile
time, then microseconds per step, best of 3 rounds of 1000, beside eager.

Then the fixed cost of a ``fit``: a one-step fit of 1024 rows against one plain
step of the same size, best of 60.

Part 2 fits ``MDNRegressor`` for 3 epochs on 20000 rows with a validation split,
with and without ``ema_decay``, best of 3.

    python benchmarks/experiments/step_breakdown.py [--compile]
"""
import math
import os
import sys
import time
import warnings

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

from skmdn import MDNRegressor, _mixture  # noqa: E402
from skmdn._module import MDNModule, MixtureNLLLoss  # noqa: E402
from skmdn.datasets import make_inverted_sinusoid  # noqa: E402

_LOG_2PI = math.log(2 * math.pi)


class DiagonalMixtureNLL(torch.autograd.Function):
    """Per-row NLL of diagonal Gaussian mixtures with a hand-derived backward."""

    @staticmethod
    def forward(ctx, logits, means, scales, y):
        inv = scales.reciprocal()
        z = (y.unsqueeze(-2) - means) * inv
        log_w = torch.log_softmax(logits, -1)
        joint = log_w - 0.5 * z.square().sum(-1) + inv.log().sum(-1)
        lse = torch.logsumexp(joint, -1)
        resp = (joint - lse.unsqueeze(-1)).exp_()
        ctx.save_for_backward(log_w, resp, z, inv)
        return lse.neg_() + 0.5 * means.shape[-1] * _LOG_2PI

    @staticmethod
    def backward(ctx, grad):
        log_w, resp, z, inv = ctx.saved_tensors
        grad = grad.unsqueeze(-1)
        g_resp = grad * resp
        scaled = g_resp.unsqueeze(-1) * inv
        return grad * log_w.exp() - g_resp, -scaled * z, scaled * (1 - z.square()), None


def check_prototype():
    gen = torch.Generator().manual_seed(0)
    n, k, d = 7, 3, 2
    logits = torch.randn(n, k, dtype=torch.float64, generator=gen, requires_grad=True)
    means = torch.randn(n, k, d, dtype=torch.float64, generator=gen, requires_grad=True)
    scales = (torch.rand(n, k, d, dtype=torch.float64, generator=gen) + 0.3).requires_grad_()
    y = torch.randn(n, d, dtype=torch.float64, generator=gen)
    ok = torch.autograd.gradcheck(lambda a, b, c: DiagonalMixtureNLL.apply(a, b, c, y),
                                  (logits, means, scales))
    gap = (DiagonalMixtureNLL.apply(logits, means, scales, y)
           + _mixture.log_prob(logits, means, scales, y)).abs().max().item()
    print(f"prototype: gradcheck {ok}, largest difference from -log_prob {gap:.1e}")


def _setup(batch):
    """Default network, K=5, d=1, its NLL, skmdn's fused AdamW and one random batch."""
    torch.manual_seed(0)
    module = MDNModule(1, 1, 5, "full", (64, 64), "tanh")
    opt = torch.optim.AdamW(module.parameters(), lr=1e-3, fused=True)
    return module, MixtureNLLLoss(), opt, torch.randn(batch, 1), torch.randn(batch, 1)


def step_breakdown(batch=128):
    module, nll, opt, x, y = _setup(batch)

    def full():
        opt.zero_grad()
        nll(module(x), y).backward()
        opt.step()

    def fused_nll():
        opt.zero_grad()
        DiagonalMixtureNLL.apply(*module(x), y).mean().backward()
        opt.step()

    def no_step():
        opt.zero_grad()
        nll(module(x), y).backward()

    def trivial_loss():
        opt.zero_grad()
        module.head(module.trunk(x)).square().mean().backward()
        opt.step()

    def forward():
        with torch.no_grad():
            nll(module(x), y)

    variants = dict(full=full, fused_nll=fused_nll, no_step=no_step,
                    trivial_loss=trivial_loss, forward=forward)
    best = {name: math.inf for name in variants}
    for _ in range(3):
        for name, step in variants.items():
            for _ in range(50):
                step()
            start = time.perf_counter()
            for _ in range(1000):
                step()
            best[name] = min(best[name], (time.perf_counter() - start) * 1e3)
    print(f"batch {batch}, {torch.get_num_threads()} threads, us per step: "
          + ", ".join(f"{name} {us:.0f}" for name, us in best.items()))


def compiled_step(batch=128):
    module, nll, opt, x, y = _setup(batch)

    def loss(xb, yb):
        return nll(module(xb), yb)

    start = time.perf_counter()
    compiled = torch.compile(loss, dynamic=False)
    compiled(x, y).backward()
    took = time.perf_counter() - start
    best = {}
    for _ in range(3):
        for name, fn in (("eager", loss), ("compiled", compiled)):
            for _ in range(50):
                opt.zero_grad()
                fn(x, y).backward()
                opt.step()
            start = time.perf_counter()
            for _ in range(1000):
                opt.zero_grad()
                fn(x, y).backward()
                opt.step()
            best[name] = min(best.get(name, math.inf), (time.perf_counter() - start) * 1e3)
    print(f"torch.compile: {took:.1f} s to compile; us per step: eager {best['eager']:.0f}, "
          f"compiled {best['compiled']:.0f}")


def fixed_cost(batch=1024):
    """Milliseconds of a one-step ``fit`` beyond the step itself."""
    X, y = make_inverted_sinusoid(batch, random_state=0)
    X, y = X.astype(np.float32), y.astype(np.float32)
    module, nll, opt, x, t = _setup(batch)
    fit, step = math.inf, math.inf
    for _ in range(3):
        for _ in range(20):
            start = time.perf_counter()
            MDNRegressor(5, batch_size=batch, max_iter=1, early_stopping=False,
                         random_state=0).fit(X, y)
            fit = min(fit, time.perf_counter() - start)
            start = time.perf_counter()
            opt.zero_grad()
            nll(module(x), t).backward()
            opt.step()
            step = min(step, time.perf_counter() - start)
    print(f"fit of one batch of {batch} rows: {fit * 1e3:.2f} ms; one plain step "
          f"{step * 1e3:.2f} ms; fixed cost of a fit {(fit - step) * 1e3:.2f} ms")


def averaging_cost():
    X, y = make_inverted_sinusoid(20000, random_state=0)
    X, y = X.astype(np.float32), y.astype(np.float32)
    for batch in (128, 1024):
        best = {}
        for _ in range(3):
            for decay in (None, 0.99):
                model = MDNRegressor(5, batch_size=batch, max_iter=3, n_iter_no_change=100,
                                     early_stopping=True, ema_decay=decay, random_state=0)
                start = time.perf_counter()
                model.fit(X, y)
                best[decay] = min(best.get(decay, math.inf), time.perf_counter() - start)
        print(f"batch {batch}: fit {best[None]:.3f} s without averaging, {best[0.99]:.3f} s "
              f"with (x{best[0.99] / best[None]:.3f})")


if __name__ == "__main__":
    warnings.simplefilter("ignore")
    check_prototype()
    step_breakdown()
    if "--compile" in sys.argv:
        compiled_step()
    fixed_cost()
    averaging_cost()
