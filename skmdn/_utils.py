"""Small helpers shared by the estimator and the distribution object."""

import numpy as np
import torch
from sklearn.utils import check_random_state

_MAX_SEED = np.iinfo(np.int32).max


def seed_from(random_state):
    """An integer seed for a ``torch.Generator`` from a scikit-learn ``random_state``.

    Parameters
    ----------
    random_state : int, RandomState instance or None
        As everywhere in scikit-learn: an int gives a fixed seed, a
        ``RandomState`` is drawn from (and advanced), None draws from numpy's
        global generator.

    Returns
    -------
    int
    """
    return int(check_random_state(random_state).randint(_MAX_SEED))


def resolve_device(device):
    """Turn the ``device`` parameter into a ``torch.device``, or raise ValueError.

    Parameters
    ----------
    device : str or torch.device
        ``"cpu"``, ``"cuda"``, ``"cuda:N"`` or ``"auto"`` (CUDA when available,
        else CPU).

    Returns
    -------
    torch.device
    """
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ValueError(
            f"device={device!r} is not a valid device; use 'cpu', 'cuda', 'cuda:N' or 'auto'."
        ) from exc
    if dev.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(
                f"device={device!r} was requested but CUDA is not available on this "
                "machine; use device='cpu' or device='auto'."
            )
        if dev.index is not None and dev.index >= torch.cuda.device_count():
            raise ValueError(
                f"device={device!r} was requested but only "
                f"{torch.cuda.device_count()} CUDA device(s) are visible."
            )
    elif dev.type != "cpu":
        raise ValueError(
            f"device={device!r} is not supported; use 'cpu', 'cuda', 'cuda:N' or 'auto'."
        )
    return dev
