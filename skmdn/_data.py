"""Whole-batch data access for skorch: no per-row Python in training.

skorch's default ``Dataset`` plus ``DataLoader`` fetches one row at a time and
collates; for a small network that dominates the cost of an epoch. Here the
training data live as tensors (on the training device), and the iterator hands
out batches by slicing a random permutation.
"""

import numpy as np
import torch
from torch.utils.data import Dataset

from ._plan import n_valid_rows


class TensorBatches(Dataset):
    """Training data as tensors of equal length.

    Parameters
    ----------
    X : Tensor of shape (n, n_features)
    y : Tensor of shape (n, d)
    sample_weight : Tensor of shape (n,) or None
    """

    def __init__(self, X, y, sample_weight=None):
        self.X = X
        self.y = y
        self.sample_weight = sample_weight

    @classmethod
    def from_arrays(cls, X, y, sample_weight=None, *, device, dtype):
        """Training data from numpy arrays, as tensors of ``dtype`` on ``device``.

        Parameters
        ----------
        X : ndarray of shape (n, n_features)
        y : ndarray of shape (n, d)
        sample_weight : ndarray of shape (n,) or None
        device : torch.device
        dtype : torch.dtype

        Returns
        -------
        TensorBatches
        """
        def tensor(a):
            return None if a is None else torch.as_tensor(np.asarray(a), dtype=dtype,
                                                          device=device)
        return cls(tensor(X), tensor(y), tensor(sample_weight))

    def __len__(self):
        return self.X.shape[0]

    def __getitem__(self, index):
        """Rows at ``index`` (an int, a slice or an index tensor) as ``(X, target)``.

        The target is ``y`` or, with sample weights, the pair ``(y, weight)``.
        """
        y = self.y[index]
        if self.sample_weight is not None:
            y = (y, self.sample_weight[index])
        return self.X[index], y

    def subset(self, index):
        """A new ``TensorBatches`` with the rows at ``index``."""
        w = None if self.sample_weight is None else self.sample_weight[index]
        return TensorBatches(self.X[index], self.y[index], w)


class BatchIterator:
    """Iterate over a :class:`TensorBatches` in whole batches.

    Used as skorch's ``iterator_train`` and ``iterator_valid``: skorch calls
    ``BatchIterator(dataset, batch_size=..., shuffle=..., seed=...)`` once per
    ``fit`` and loops over it once per epoch.

    Parameters
    ----------
    dataset : TensorBatches
    batch_size : int
    shuffle : bool, default=False
        Draw a fresh permutation every epoch.
    seed : int, default=0
        Seed of the private generator that draws the permutations and the noise.
    input_noise, target_noise : float, default=0.0
        Standard deviation of Gaussian noise added to every batch of inputs
        and targets (noise regularization, Rothfuss et al. 2019); fresh noise
        per batch. Meant for the training iterator only.
    """

    def __init__(self, dataset, batch_size, shuffle=False, seed=0, input_noise=0.0,
                 target_noise=0.0):
        self.dataset = dataset
        self.batch_size = max(1, int(batch_size))
        self.shuffle = shuffle
        self.input_noise = float(input_noise)
        self.target_noise = float(target_noise)
        self.generator = None
        if shuffle or self.input_noise > 0 or self.target_noise > 0:
            self.generator = torch.Generator(device=dataset.X.device)
            self.generator.manual_seed(seed)

    def __len__(self):
        return -(-len(self.dataset) // self.batch_size)

    def _jitter(self, a, std):
        if std <= 0:
            return a
        noise = torch.randn(a.shape, generator=self.generator, device=a.device, dtype=a.dtype)
        return a + std * noise

    def __iter__(self):
        n = len(self.dataset)
        if self.shuffle:
            perm = torch.randperm(n, generator=self.generator, device=self.dataset.X.device)
            starts = range(0, n, self.batch_size)
            batches = (perm[start : start + self.batch_size] for start in starts)
        else:
            starts = range(0, n, self.batch_size)
            batches = (slice(start, start + self.batch_size) for start in starts)
        for index in batches:
            X, y = self.dataset[index]
            if self.input_noise > 0 or self.target_noise > 0:
                X = self._jitter(X, self.input_noise)
                if isinstance(y, tuple):
                    y = (self._jitter(y[0], self.target_noise), y[1])
                else:
                    y = self._jitter(y, self.target_noise)
            yield X, y


class SeededSplit:
    """skorch ``train_split``: hold out a seeded random fraction for validation.

    Parameters
    ----------
    fraction : float
        Share of rows held out, in (0, 1).
    seed : int
        Seed of the permutation.
    """

    def __init__(self, fraction, seed):
        self.fraction = fraction
        self.seed = seed

    def n_valid(self, n):
        """Rows held out of ``n``: at least one, and at least one left to train on."""
        return n_valid_rows(n, self.fraction)

    def __call__(self, dataset, y=None, **fit_params):
        n = len(dataset)
        n_valid = self.n_valid(n)
        gen = torch.Generator().manual_seed(self.seed)
        perm = torch.randperm(n, generator=gen).to(dataset.X.device)
        return dataset.subset(perm[n_valid:]), dataset.subset(perm[:n_valid])
