"""Accuracy figures of the distribution math: CRPS vs Monte Carlo, ppf(cdf(y)), 2-D covariance.

Prints the worst errors over the same random cases that ``tests/test_mixture.py``
and ``tests/test_distribution.py`` check (both take them from
:mod:`skmdn._testing`). Run from the repository root::

    OMP_NUM_THREADS=1 PYTHONPATH=. python benchmarks/distribution_accuracy.py
"""

import numpy as np
import torch

from skmdn import _mixture, _mixture_1d
from skmdn._testing import (
    crps_case,
    sample_crps,
    stratified_mixture_draws,
    two_target_covariance_errors,
    univariate_mixtures,
)


def crps_vs_monte_carlo():
    worst, plain = 0.0, []
    for k in range(1, 21):
        rng, logits, w, means, sds, y, closed = crps_case(k)
        for i in range(3):
            draws = stratified_mixture_draws(rng, w[i], means[i], sds[i], 100_000)
            worst = max(worst, abs(sample_crps(draws, y[i]) - closed[i]) / closed[i])
            gen = torch.Generator().manual_seed(1000 * k + i)
            iid = _mixture.sample(torch.as_tensor(logits[i : i + 1]),
                                  torch.as_tensor(means[i : i + 1, :, None]),
                                  torch.as_tensor(sds[i : i + 1, :, None]), 100_000, gen)
            plain.append(abs(sample_crps(iid.numpy().ravel(), y[i]) - closed[i]) / closed[i])
    print(f"CRPS closed form vs stratified Monte Carlo (1e5 draws), K = 1..20, 60 cases: "
          f"worst relative difference {worst:.2e}")
    print(f"CRPS closed form vs plain i.i.d. Monte Carlo (1e5 draws), same cases: "
          f"median {np.median(plain):.2e}, worst {max(plain):.2e}")


def ppf_round_trip():
    for k in (1, 2, 5, 20):
        rng = np.random.default_rng(k)
        logits, means, sds, _, y = univariate_mixtures(rng, 3000, k)
        params = [torch.as_tensor(a) for a in (logits, means, sds)]
        back = _mixture_1d.ppf(*params, _mixture_1d.cdf(*params, torch.as_tensor(y))).numpy()
        grid = _mixture_1d.ppf(*(p[:300, None] for p in params),
                            torch.linspace(0, 1, 201, dtype=torch.float64)).numpy()
        print(f"ppf(cdf(y)), K={k:2d}, 3000 mixtures: worst |error| {np.abs(back - y).max():.1e} "
              f"target scales; quantiles strictly increasing in q: "
              f"{bool(np.all(np.diff(grid, axis=1) > 0))}")


def two_target_covariance():
    dist, errors = two_target_covariance_errors()
    worst = errors.max()
    print(f"2-D target, full covariance: covariance() vs 1e5 draws, worst "
          f"|difference| / (sd_i sd_j) = {worst:.4f}")
    limit = dist.sample(50, random_state=0, std_bias=np.inf)
    exact = (limit[:, :, None, :] == dist.means[:, None]).all(-1).any(-1).all()
    print(f"std_bias=inf draws equal component means exactly: {bool(exact)}")


if __name__ == "__main__":
    crps_vs_monte_carlo()
    ppf_round_trip()
    two_target_covariance()
