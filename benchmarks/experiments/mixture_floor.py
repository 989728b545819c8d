"""Best possible test NLL of a K-component Gaussian mixture on SEEDS A and B.

For every input value u on a fine grid, the true conditional density p(x | u)
is computed on a fine grid of x, and the K-component Gaussian mixture closest
to it in cross-entropy is found by weighted EM (several restarts, best kept).
Averaging that cross-entropy over the true marginal p(u) gives the lowest
expected NLL that *any* K-component Gaussian MDN could reach (a network can
only do worse: it must produce the mixture smoothly from u). With K large
the figure approaches the conditional entropy (the ground truth in SEEDS.md).

    python benchmarks/experiments/mixture_floor.py sinusoid 5
    python benchmarks/experiments/mixture_floor.py bishop 3
    NX=2000 NU=150 python benchmarks/experiments/mixture_floor.py sinusoid 20 3 300

Arguments: problem, K, restarts (default 8), EM steps (default 400); the
environment variables NX and NU set the grid sizes (default 3000 and 300).
"""

import math
import os
import sys

import torch

torch.set_default_dtype(torch.float64)


def problem(name, nx=3000, nu=300):
    if name == "sinusoid":
        x = torch.linspace(-10.5, 10.5, nx)
        f = 7 * torch.sin(0.75 * x) + 0.5 * x
        u = torch.linspace(f.min() - 6, f.max() + 6, nu)
        # p(u | x) = N(u; f(x), 1); p(x) = 1/21
        lik = torch.exp(-0.5 * (u[:, None] - f[None, :]) ** 2) / math.sqrt(2 * math.pi)
        px = torch.full_like(x, 1 / 21)
    elif name == "bishop":
        x = torch.linspace(0, 1, nx)
        f = x + 0.3 * torch.sin(2 * math.pi * x)
        u = torch.linspace(f.min() - 0.1, f.max() + 0.1, nu)
        lik = ((u[:, None] - f[None, :]).abs() < 0.1).double() / 0.2
        px = torch.ones_like(x)
    else:
        raise SystemExit(name)
    dx, du = x[1] - x[0], u[1] - u[0]
    joint = lik * px[None, :]  # (nu, nx): p(u, x)
    pu = joint.sum(1) * dx  # marginal p(u)
    keep = pu > 1e-12
    u, joint, pu = u[keep], joint[keep], pu[keep]
    cond = joint / pu[:, None]  # p(x | u), integrates to 1 over x
    w_u = pu * du
    w_u = w_u / w_u.sum()
    return x, u, cond, dx, w_u


def fit_em(x, w, K, restarts, iters, gen):
    """Weighted EM for every row of w at once; w (nu, nx) sums to 1 per row."""
    nu, nx = w.shape
    R = restarts
    wr = w.repeat(R, 1)  # (R*nu, nx)
    # initial means: draws from the target density; scales: its std / K
    cdf = wr.cumsum(1)
    draws = torch.rand(R * nu, K, generator=gen)
    idx = torch.searchsorted(cdf, draws * cdf[:, -1:]).clamp(max=nx - 1)
    mu = x[idx]
    # The first restart starts from the K highest local maxima of the target
    # density (its branches), topped up with the random draws.
    peak = torch.zeros_like(w, dtype=torch.bool)
    peak[:, 1:-1] = (w[:, 1:-1] >= w[:, :-2]) & (w[:, 1:-1] > w[:, 2:]) & (w[:, 1:-1] > 0)
    height = torch.where(peak, w, torch.full_like(w, -1.0))
    top = height.topk(K, dim=1)
    mu[:nu] = torch.where(top.values > 0, x[top.indices], mu[:nu])
    m = (wr * x).sum(1, keepdim=True)
    sd = ((wr * (x - m) ** 2).sum(1, keepdim=True)).sqrt()
    sig = (sd / K).expand(-1, K).clone().clamp_min(1e-3)
    pi = torch.full((R * nu, K), 1.0 / K)
    floor = (1e-4 * sd).clamp_min(float(x[1] - x[0]))  # never below the grid step
    for _ in range(iters):
        logc = (pi.log()[:, :, None] - sig.log()[:, :, None] - 0.5 * math.log(2 * math.pi)
                - 0.5 * ((x[None, None, :] - mu[:, :, None]) / sig[:, :, None]) ** 2)
        resp = torch.softmax(logc, dim=1) * wr[:, None, :]
        nk = resp.sum(2).clamp_min(1e-12)
        pi = nk / nk.sum(1, keepdim=True)
        mu = (resp * x).sum(2) / nk
        var = (resp * (x[None, None, :] - mu[:, :, None]) ** 2).sum(2) / nk
        sig = torch.maximum(var.sqrt(), floor)
    logc = (pi.log()[:, :, None] - sig.log()[:, :, None] - 0.5 * math.log(2 * math.pi)
            - 0.5 * ((x[None, None, :] - mu[:, :, None]) / sig[:, :, None]) ** 2)
    logq = torch.logsumexp(logc, dim=1)
    ce = -torch.where(wr > 0, wr * logq, 0.0).sum(1)  # cross-entropy per row (w includes dx)
    return ce.view(R, nu).min(0).values


def main():
    name, K = sys.argv[1], int(sys.argv[2])
    restarts = int(sys.argv[3]) if len(sys.argv) > 3 else 8
    iters = int(sys.argv[4]) if len(sys.argv) > 4 else 400
    nx, nu = int(os.environ.get("NX", 3000)), int(os.environ.get("NU", 300))
    x, u, cond, dx, w_u = problem(name, nx, nu)
    w = cond * dx
    w = w / w.sum(1, keepdim=True)
    logp = torch.where(cond > 0, cond.log(), torch.zeros_like(cond))
    entropy = -(w * logp).sum(1)
    gen = torch.Generator().manual_seed(0)
    ces = torch.cat([fit_em(x, w[i:i + 50], K, restarts, iters, gen)
                     for i in range(0, len(u), 50)])
    print(f"{name}: conditional entropy {float((w_u * entropy).sum()):.4f}; "
          f"best K={K} Gaussian mixture {float((w_u * ces).sum()):.4f} nats "
          f"({restarts} restarts, {iters} EM steps)")


if __name__ == "__main__":
    main()
