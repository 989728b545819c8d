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
    keys : Tensor of shape (n,) or None
        Row keys (:func:`row_keys`) that seed the training noise; None: keys
        of the rows of ``X`` and ``y`` themselves, made when noise asks for them.
    """

    def __init__(self, X, y, sample_weight=None, keys=None):
        self.X = X
        self.y = y
        self.sample_weight = sample_weight
        self.keys = keys

    @classmethod
    def from_arrays(cls, X, y, sample_weight=None, *, device, dtype, keys=None):
        """Training data from numpy arrays, as tensors of ``dtype`` on ``device``.

        Parameters
        ----------
        X : ndarray of shape (n, n_features)
        y : ndarray of shape (n, d)
        sample_weight : ndarray of shape (n,) or None
        device : torch.device
        dtype : torch.dtype
        keys : Tensor of shape (n,) or None
            Row keys, moved to ``device``.

        Returns
        -------
        TensorBatches
        """
        def tensor(a):
            return None if a is None else torch.as_tensor(np.asarray(a), dtype=dtype,
                                                          device=device)
        keys = None if keys is None else keys.to(device)
        return cls(tensor(X), tensor(y), tensor(sample_weight), keys)

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
        keys = None if self.keys is None else self.keys[index]
        return TensorBatches(self.X[index], self.y[index], w, keys)


_MASK32 = 0xFFFFFFFF


def _mix32(h):
    """A 32-bit integer hash of an int in [0, 2**32), or elementwise of an int64 tensor of such.

    Three xor-shift-multiply rounds; every product stays below 2**63, so no
    int64 arithmetic overflows on any device.
    """
    for _ in range(3):
        h = ((h ^ (h >> 16)) * 0x45D9F3B) & _MASK32
    return h ^ (h >> 16)


def _writable(a):
    """``a`` as a C-contiguous array torch can wrap without a warning (a copy if read-only)."""
    a = np.ascontiguousarray(a)
    return a if a.flags.writeable else a.copy()


def row_keys(*arrays):
    """A 32-bit key per row: a hash of the row's bytes in every array.

    Equal rows get equal keys, so the noise drawn from the keys is the same
    for a row given twice and for the row given once with weight 2. skmdn
    keys the rows as the user gave them, before standardization, whose
    weighted and repeated versions can differ in the last bit.

    Parameters
    ----------
    *arrays : ndarray or Tensor of shape (n, ...)

    Returns
    -------
    Tensor of shape (n,), int64, on the device of the first array
    """
    tensors = [torch.from_numpy(_writable(a)) if isinstance(a, np.ndarray) else a
               for a in arrays]
    n = tensors[0].shape[0]
    device = tensors[0].device
    keys = torch.zeros(n, dtype=torch.int64, device=device)
    for t in tensors:
        words = t.detach().to(device).reshape(n, -1).contiguous()
        if words.shape[1] and words.stride(-1) != 1:  # a size-1 axis of stride 0 (x[:, None])
            words = words.clone(memory_format=torch.contiguous_format)
        if words.element_size() % 4:  # 16-bit floats: widen, equal rows stay equal
            words = words.float()
        words = words.view(torch.int32).to(torch.int64) & _MASK32
        for j in range(words.shape[1]):
            keys = _mix32(keys ^ words[:, j])
    return keys


def keyed_normal(keys, stream, n_columns, dtype):
    """Standard normal draws that depend only on the row keys and ``stream``.

    Parameters
    ----------
    keys : Tensor of shape (n,), int64
        From :func:`row_keys`.
    stream : int
        Which draw (skmdn's iterator counts epochs, and inputs and targets apart).
    n_columns : int
    dtype : torch.dtype

    Returns
    -------
    Tensor of shape (n, n_columns)
    """
    base = _mix32(keys ^ _mix32(stream & _MASK32))
    cols = _mix32(torch.arange(n_columns, device=keys.device, dtype=torch.int64) + 0x9E3779B)
    h = _mix32(base[:, None] ^ cols[None, :])
    u = (h.to(torch.float64) + 0.5) / 2.0**32
    return (2.0**0.5 * torch.erfinv(2.0 * u - 1.0)).to(dtype)


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
        Seed of the private generator that draws the permutations, and of the noise.
    input_noise, target_noise : float, default=0.0
        Standard deviation of Gaussian noise added to the inputs and targets
        of every training row (noise regularization, Rothfuss et al. 2019),
        fresh every epoch. The noise of a row is a function of its content,
        of the epoch and of ``seed``, never of its position or weight, so
        that a row with weight 2 trains as the row given twice. Meant for the
        training iterator only.
    n_members : int, default=1
        With ``shuffle`` and k > 1 members, every member of an ensemble draws
        its own permutation: batches are then (B, k, ...) tensors whose slice
        ``[:, j]`` holds member j's rows (and weights).
    """

    def __init__(self, dataset, batch_size, shuffle=False, seed=0, input_noise=0.0,
                 target_noise=0.0, n_members=1):
        self.dataset = dataset
        self.batch_size = max(1, int(batch_size))
        self.shuffle = shuffle
        self.n_members = int(n_members) if shuffle else 1
        self.seed = int(seed)
        self.input_noise = float(input_noise)
        self.target_noise = float(target_noise)
        self.generator = None
        if shuffle:
            self.generator = torch.Generator(device=dataset.X.device)
            self.generator.manual_seed(self.seed)
        self.keys = None
        if self.input_noise > 0 or self.target_noise > 0:
            keys = dataset.keys if dataset.keys is not None else row_keys(dataset.X, dataset.y)
            self.keys = _mix32(keys ^ _mix32(self.seed & _MASK32))
        self.passes = 0

    def __len__(self):
        return -(-len(self.dataset) // self.batch_size)

    def _jitter(self, a, std, keys, stream):
        if std <= 0:
            return a
        noise = keyed_normal(keys.reshape(-1), stream, a.shape[-1], a.dtype)
        return a + std * noise.reshape(a.shape)

    def _batches(self):
        """Row indices per batch: slices, (B,) or, one column per member, (B, k) tensors."""
        n, size = len(self.dataset), self.batch_size
        if not self.shuffle:
            return (slice(start, start + size) for start in range(0, n, size))
        perms = [torch.randperm(n, generator=self.generator, device=self.dataset.X.device)
                 for _ in range(self.n_members)]
        perm = perms[0] if self.n_members == 1 else torch.stack(perms, dim=1)  # (n,) or (n, k)
        return (perm[start : start + size] for start in range(0, n, size))

    def __iter__(self):
        self.passes += 1
        for index in self._batches():
            X, y = self.dataset[index]
            if self.keys is not None:
                keys = self.keys[index]
                X = self._jitter(X, self.input_noise, keys, 2 * self.passes)
                if isinstance(y, tuple):
                    y = (self._jitter(y[0], self.target_noise, keys, 2 * self.passes + 1), y[1])
                else:
                    y = self._jitter(y, self.target_noise, keys, 2 * self.passes + 1)
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
