"""skmdn._data: TensorBatches, the whole-batch BatchIterator and the SeededSplit."""

import numpy as np
import pytest
import torch

from skmdn._data import BatchIterator, SeededSplit, TensorBatches


def _rows(n, weights=False):
    """TensorBatches whose X holds each row's index, y ten times it."""
    X = torch.arange(n, dtype=torch.float64).reshape(n, 1)
    w = torch.linspace(0.5, 1.5, n, dtype=torch.float64) if weights else None
    return TensorBatches(X, 10 * X, w)


# ------------------------------------------------------------ TensorBatches
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_from_arrays_makes_tensors_of_the_dtype_on_the_device(dtype):
    X = np.arange(12.0).reshape(6, 2)
    y = np.arange(6, dtype=np.float32).reshape(6, 1)
    w = np.arange(1, 7)  # integers
    data = TensorBatches.from_arrays(X, y, w, device=torch.device("cpu"), dtype=dtype)
    for tensor, array in ((data.X, X), (data.y, y), (data.sample_weight, w)):
        assert isinstance(tensor, torch.Tensor)
        assert tensor.dtype == dtype and tensor.device.type == "cpu"
        np.testing.assert_array_equal(tensor.numpy(), array)
    assert len(data) == 6
    plain = TensorBatches.from_arrays(X, y, device=torch.device("cpu"), dtype=dtype)
    assert plain.sample_weight is None


@pytest.mark.parametrize("index", [3, slice(2, 5), torch.tensor([4, 0, 2])])
def test_getitem_returns_x_and_y_or_y_with_its_weights(index):
    plain, weighted = _rows(6), _rows(6, weights=True)
    X, y = plain[index]
    torch.testing.assert_close(X, plain.X[index])
    torch.testing.assert_close(y, plain.y[index])
    X, (y, w) = weighted[index]
    torch.testing.assert_close(X, weighted.X[index])
    torch.testing.assert_close(y, weighted.y[index])
    torch.testing.assert_close(w, weighted.sample_weight[index])


def test_subset_keeps_the_rows_and_their_weights():
    index = torch.tensor([5, 1, 3])
    sub = _rows(6, weights=True).subset(index)
    assert isinstance(sub, TensorBatches) and len(sub) == 3
    assert sub.X[:, 0].tolist() == [5.0, 1.0, 3.0]
    assert sub.y[:, 0].tolist() == [50.0, 10.0, 30.0]
    torch.testing.assert_close(sub.sample_weight, _rows(6, weights=True).sample_weight[index])
    assert _rows(6).subset(index).sample_weight is None


# ------------------------------------------------------------ BatchIterator
@pytest.mark.parametrize("n, batch_size, sizes", [
    (10, 3, [3, 3, 3, 1]),
    (9, 3, [3, 3, 3]),
    (5, 64, [5]),
])
def test_batch_count_and_sizes(n, batch_size, sizes):
    for shuffle in (False, True):
        iterator = BatchIterator(_rows(n), batch_size, shuffle=shuffle)
        assert len(iterator) == len(sizes)
        assert [len(X) for X, _ in iterator] == sizes


def test_without_shuffling_the_rows_come_in_order_and_no_generator_is_made():
    iterator = BatchIterator(_rows(10), 4)
    assert iterator.generator is None
    rows = torch.cat([X for X, _ in iterator])[:, 0]
    assert rows.tolist() == list(range(10))


def test_shuffling_gives_every_row_once_per_epoch_in_a_fresh_order():
    iterator = BatchIterator(_rows(50, weights=True), 8, shuffle=True, seed=0)
    orders = []
    for _ in range(3):
        batches = list(iterator)
        X = torch.cat([X for X, _ in batches])[:, 0]
        y = torch.cat([y for _, (y, _) in batches])[:, 0]
        assert sorted(X.tolist()) == list(range(50))
        torch.testing.assert_close(y, 10 * X)  # rows stay whole
        orders.append(X.tolist())
    assert orders[0] != orders[1] != orders[2]


def test_seeded_permutations_are_reproducible():
    def orders(seed):
        iterator = BatchIterator(_rows(40), 7, shuffle=True, seed=seed)
        return [torch.cat([X for X, _ in iterator])[:, 0].tolist() for _ in range(2)]

    assert orders(3) == orders(3)
    assert orders(3) != orders(4)


def test_noise_regularization_is_seeded_and_training_only():
    X = torch.arange(1000, dtype=torch.float64).reshape(500, 2)
    y = torch.arange(500, dtype=torch.float64).reshape(500, 1)
    data = TensorBatches(X, y)
    noisy = list(BatchIterator(data, 500, seed=3, input_noise=0.5, target_noise=0.2))
    again = list(BatchIterator(data, 500, seed=3, input_noise=0.5, target_noise=0.2))
    other = list(BatchIterator(data, 500, seed=4, input_noise=0.5, target_noise=0.2))
    torch.testing.assert_close(noisy[0][0], again[0][0])
    assert not torch.equal(noisy[0][0], other[0][0])
    dx, dy = noisy[0][0] - X, noisy[0][1] - y
    assert 0.45 < dx.std() < 0.55 and 0.18 < dy.std() < 0.22
    assert abs(dx.mean()) < 0.05 and abs(np.corrcoef(dx.T.numpy())[0, 1]) < 0.15
    clean = list(BatchIterator(data, 500))
    torch.testing.assert_close(clean[0][0], X)


def test_noise_is_fresh_every_epoch_and_a_function_of_the_row_not_its_place():
    X = torch.randn(60, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    y = X[:, :1] ** 2
    iterator = BatchIterator(TensorBatches(X, y), 16, shuffle=True, seed=1, input_noise=0.5)
    epochs = []
    for _ in range(2):
        rows = {}
        for Xb, yb in iterator:  # match each noisy row to its clean one through y
            for xi, yi in zip(Xb, yb):
                rows[float(yi)] = xi
        epochs.append(torch.stack([rows[float(v)] for v in y[:, 0]]))
    assert not torch.allclose(epochs[0], epochs[1])  # fresh noise per epoch
    # The same rows, in another order and with a duplicate, get the same noise.
    order = torch.tensor([5, 3, 3, 0])
    first = next(iter(BatchIterator(TensorBatches(X[order], y[order]), 4, seed=1,
                                     input_noise=0.5)))[0]
    torch.testing.assert_close(first[1], first[2])
    alone = next(iter(BatchIterator(TensorBatches(X[:6], y[:6]), 6, seed=1,
                                    input_noise=0.5)))[0]
    torch.testing.assert_close(first[[0, 1, 3]], alone[[5, 3, 0]])


def test_noise_only_where_asked_and_never_on_the_weights():
    data = _rows(20, weights=True)
    X, (y, w) = next(iter(BatchIterator(data, 20)))
    torch.testing.assert_close(X, data.X)
    torch.testing.assert_close(y, data.y)
    X, (y, w) = next(iter(BatchIterator(data, 20, input_noise=0.5)))
    assert not torch.equal(X, data.X)
    torch.testing.assert_close(y, data.y)
    torch.testing.assert_close(w, data.sample_weight)
    X, (y, w) = next(iter(BatchIterator(data, 20, target_noise=0.5)))
    torch.testing.assert_close(X, data.X)
    assert not torch.equal(y, data.y)
    torch.testing.assert_close(w, data.sample_weight)


# -------------------------------------------------------------- SeededSplit
@pytest.mark.parametrize("n, fraction, n_valid", [(100, 0.1, 10), (2, 0.1, 1), (10, 0.95, 9)])
def test_seeded_split_sizes_cover_every_row_once(n, fraction, n_valid):
    split = SeededSplit(fraction, seed=0)
    assert split.n_valid(n) == n_valid
    train, valid = split(_rows(n, weights=True))
    assert len(valid) == n_valid and len(train) == n - n_valid
    rows = torch.cat([train.X, valid.X])[:, 0]
    assert sorted(rows.tolist()) == list(range(n))
    torch.testing.assert_close(valid.y, 10 * valid.X)
    torch.testing.assert_close(valid.sample_weight, _rows(n, weights=True).sample_weight[
        valid.X[:, 0].long()])


def test_seeded_split_is_reproducible():
    def held_out(seed):
        return SeededSplit(0.2, seed)(_rows(100))[1].X[:, 0].tolist()

    assert held_out(5) == held_out(5)
    assert held_out(5) != held_out(6)
    assert held_out(5) != list(range(20))  # a random, not a leading, share


def test_each_member_draws_its_own_shuffle_of_every_row():
    data = _rows(50, weights=True)
    iterator = BatchIterator(data, 16, shuffle=True, seed=2, n_members=3)
    batches = list(iterator)
    assert [X.shape for X, _ in batches] == [(16, 3, 1)] * 3 + [(2, 3, 1)]
    X = torch.cat([X for X, _ in batches])  # (50, 3, 1)
    y, w = (torch.cat(part) for part in zip(*(yw for _, yw in batches)))
    for j in range(3):  # every member sees every row once, with its target and weight
        assert sorted(X[:, j, 0].tolist()) == list(range(50))
        torch.testing.assert_close(y[:, j], 10 * X[:, j])
        torch.testing.assert_close(w[:, j], data.sample_weight[X[:, j, 0].long()])
    assert not torch.equal(X[:, 0], X[:, 1]) and not torch.equal(X[:, 1], X[:, 2])
    # The first member's order is the one a single network would get.
    alone = torch.cat([X for X, _ in BatchIterator(data, 16, shuffle=True, seed=2)])
    torch.testing.assert_close(X[:, 0], alone)
    # Without shuffling (validation) there is one order for all.
    assert next(iter(BatchIterator(data, 16, n_members=3)))[0].shape == (16, 1)


def test_members_rows_carry_their_own_keyed_noise():
    data = _rows(30)
    batches = list(BatchIterator(data, 30, shuffle=True, seed=1, n_members=2, input_noise=0.5))
    X, y = batches[0]
    # The same row gets the same noise in both members' batches.
    first, second = {}, {}
    for j, seen in enumerate((first, second)):
        for xi, yi in zip(X[:, j, 0], y[:, j, 0]):
            seen[float(yi)] = float(xi)
    assert first == second and len(first) == 30
    assert any(abs(x - y / 10) > 1e-3 for y, x in first.items())


def test_row_keys_of_read_only_arrays_equal_those_of_tensors_without_a_warning():
    import warnings

    from skmdn._data import row_keys

    X = np.arange(12.0).reshape(4, 3)
    X[3] = X[1]
    X.setflags(write=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        keys = row_keys(X, X[:, :1])
    torch.testing.assert_close(keys, row_keys(torch.as_tensor(X.copy()), X[:, :1].copy()))
    assert keys[1] == keys[3] and len(set(keys.tolist())) == 3
