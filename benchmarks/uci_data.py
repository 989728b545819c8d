"""The UCI regression benchmark of Hernandez-Lobato and Adams (2015), read from a folder.

Benchmark tooling, not part of skmdn: every script that uses it takes the
data folder as an argument. No data are downloaded.
"""

from pathlib import Path

import numpy as np

UCI_DATASETS = (
    "bostonHousing",
    "concrete",
    "energy",
    "kin8nm",
    "naval-propulsion-plant",
    "power-plant",
    "protein-tertiary-structure",
    "wine-quality-red",
    "yacht",
)


def n_splits(name, data_dir):
    """Number of standard splits of data set ``name`` (20; 5 for protein)."""
    return int(np.loadtxt(Path(data_dir) / name / "n_splits.txt"))


def load_uci(name, split, data_dir):
    """One train/test split of a UCI regression benchmark data set.

    Reads the layout of Hernandez-Lobato and Adams (2015): ``data.txt``,
    ``index_features.txt``, ``index_target.txt`` and
    ``index_{train,test}_{split}.txt``. No data are downloaded.

    Parameters
    ----------
    name : str
        Folder name, one of :data:`UCI_DATASETS`.
    split : int
        Split index (0 to 19; 0 to 4 for protein).
    data_dir : str or Path
        Folder holding the data set folders.

    Returns
    -------
    X_train : ndarray of shape (n_train, n_features)
    X_test : ndarray of shape (n_test, n_features)
    y_train : ndarray of shape (n_train,)
    y_test : ndarray of shape (n_test,)

    """
    folder = Path(data_dir) / name
    if not folder.is_dir():
        raise FileNotFoundError(
            f"No UCI data set folder {folder}; pass data_dir= pointing to the folder "
            f"that holds {name}/."
        )
    data = np.loadtxt(folder / "data.txt")
    features = np.loadtxt(folder / "index_features.txt", dtype=int, ndmin=1)
    target = int(np.loadtxt(folder / "index_target.txt"))
    train = np.loadtxt(folder / f"index_train_{split}.txt", dtype=int)
    test = np.loadtxt(folder / f"index_test_{split}.txt", dtype=int)
    X, y = data[:, features], data[:, target]
    return X[train], X[test], y[train], y[test]


def parse_tasks(text):
    """``"concrete:0-4,yacht:0"`` to ``(name, split)`` pairs, in order."""
    for part in text.split(","):
        name, _, splits = part.partition(":")
        lo, _, hi = splits.partition("-")
        for s in range(int(lo), int(hi or lo) + 1):
            yield name, s
