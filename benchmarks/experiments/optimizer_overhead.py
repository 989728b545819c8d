"""What does one AdamW step cost for the default network (K=5, d=1), and how much is overhead?

Times, best of 3 rounds of 2000 calls, in microseconds per call: torch's fused
AdamW over the module's six parameter tensors (what skmdn builds); the same over
one flat parameter holding all the weights; the unfused single-tensor AdamW
over that flat parameter; Adam written out with in-place ops on flat buffers;
and torch's private fused kernel called directly, without ``torch.optim``.

    python benchmarks/experiments/optimizer_overhead.py
"""
import math
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

from skmdn._module import MDNModule  # noqa: E402


def best_us(fn, calls=2000):
    best = math.inf
    for _ in range(3):
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        best = min(best, (time.perf_counter() - start) / calls)
    return best * 1e6


def main():
    torch.manual_seed(0)
    params = list(MDNModule(1, 1, 5, "diag", (64, 64), "tanh").parameters())
    for p in params:
        p.grad = torch.randn_like(p)
    flat = torch.nn.Parameter(torch.cat([p.detach().reshape(-1) for p in params]))
    flat.grad = torch.randn_like(flat)
    m, v, step = torch.zeros_like(flat), torch.zeros_like(flat), [0]

    def by_hand(lr=1e-3, b1=0.9, b2=0.999, eps=1e-8):
        step[0] += 1
        with torch.no_grad():
            m.lerp_(flat.grad, 1 - b1)
            v.mul_(b2).addcmul_(flat.grad, flat.grad, value=1 - b2)
            denom = v.sqrt().div_(math.sqrt(1 - b2 ** step[0])).add_(eps)
            flat.addcdiv_(m, denom, value=-lr / (1 - b1 ** step[0]))

    steps = [torch.zeros(())]

    def kernel_only():
        torch._fused_adamw_([flat], [flat.grad], [m], [v], [], steps, amsgrad=False, lr=1e-3,
                            beta1=0.9, beta2=0.999, weight_decay=0.0, eps=1e-8,
                            maximize=False)

    rows = {
        f"fused AdamW, {len(params)} tensors (skmdn)":
            torch.optim.AdamW(params, lr=1e-3, weight_decay=0.0, fused=True).step,
        "fused AdamW, one flat tensor":
            torch.optim.AdamW([flat], lr=1e-3, weight_decay=0.0, fused=True).step,
        "single-tensor AdamW, one flat tensor":
            torch.optim.AdamW([flat], lr=1e-3, weight_decay=0.0, foreach=False).step,
        "Adam by hand on flat buffers": by_hand,
        "torch._fused_adamw_ called directly": kernel_only,
    }
    print(f"{flat.numel()} weights, {torch.get_num_threads()} threads; us per step:")
    for name, fn in rows.items():
        print(f"  {name:40s} {best_us(fn):7.1f}")


if __name__ == "__main__":
    main()
