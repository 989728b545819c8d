"""How many threads torch computes with inside skmdn, and the caller's setting put back.

torch's default of one intra-op thread per core pays for large matrix
products but not for the small networks of most fits; and when anything else
keeps a core busy, threads that wait for each other can make a fit many times
slower. So ``fit``, ``partial_fit`` and the predictive methods run under
:func:`limited_threads`, with the count of the thread rule
(:func:`~skmdn._plan.auto_threads`) or of the ``n_threads`` parameter.

The point model of ``point_regressor`` computes in libraries of its own
(OpenMP in scikit-learn's gradient boosting, BLAS in linear models): its fits
and predictions run under :func:`limited_pools`, threadpoolctl's limit (the
way scikit-learn limits them), with one thread per
:data:`~skmdn._plan.POINT_ROWS_PER_THREAD` rows, or ``n_threads``.

The setting is process-wide in torch (each thread also keeps its own OpenMP
copy of it). Concurrent skmdn calls under a threading backend share one
record of the setting they found: every call lowers it for itself, and the
last one to finish puts that setting back, so the process is never left with
a changed one. Every read of the setting happens under the same lock as the
writes (:func:`current_threads`): a thread's first read copies the
process-wide value into the thread and writes it back, and that write, if it
landed after another call had put the caller's setting back, would leave the
lowered value behind.
"""

import threading
from contextlib import contextmanager

import torch
from threadpoolctl import ThreadpoolController

from ._plan import (
    INFER_WORK_PER_THREAD, POINT_ROWS_PER_THREAD, TRAIN_WORK_PER_THREAD, auto_threads,
)

_lock = threading.Lock()
_active = 0  # calls inside limited_threads that changed the setting
_original = None  # the setting the first of them found
_controller = None  # threadpoolctl's view of the loaded libraries, made once


def current_threads():
    """torch's intra-op thread setting, read under the lock that guards the writes."""
    with _lock:
        return torch.get_num_threads()


def work_per_row(module):
    """Weights one row passes through in a forward pass of ``module`` (all its members).

    An ensemble's members share most weights but each computes with them, so
    the count is the module's parameters times its members (an upper bound:
    the members' own heads are counted k times).
    """
    n_params = sum(p.numel() for p in module.parameters())
    return n_params * getattr(module, "n_members", 1)


def thread_count(n_threads, module, rows, training):
    """Threads for a call over ``rows`` rows per step or chunk, or None to leave the setting.

    Parameters
    ----------
    n_threads : int or None
        The estimator's parameter: an int is used as it is; None applies the
        rule, which never exceeds the current setting.
    module : torch.nn.Module
    rows : int
        The batch size of a training step, or the rows of an inference chunk.
    training : bool

    Returns
    -------
    int
    """
    if n_threads is not None:
        return int(n_threads)
    per_thread = TRAIN_WORK_PER_THREAD if training else INFER_WORK_PER_THREAD
    return auto_threads(rows * work_per_row(module), per_thread, current_threads())


@contextmanager
def limited_threads(count, device=None):
    """Run the block with ``count`` torch threads, then put the caller's setting back.

    Nothing is changed when ``count`` is the current setting or the device is
    not the CPU. The setting is restored also when the block raises.

    Parameters
    ----------
    count : int
    device : torch.device, optional

    Examples
    --------
    >>> import torch
    >>> from skmdn._threads import limited_threads
    >>> before = torch.get_num_threads()
    >>> with limited_threads(1):
    ...     torch.get_num_threads()
    1
    >>> torch.get_num_threads() == before
    True
    """
    global _active, _original
    on_cpu = device is None or torch.device(device).type == "cpu"
    with _lock:
        before = torch.get_num_threads()
        change = on_cpu and count != before
        if change:
            if _active == 0:
                _original = before
            _active += 1
            torch.set_num_threads(count)
    if not change:
        yield
        return
    try:
        yield
    finally:
        with _lock:
            _active -= 1
            torch.set_num_threads(_original if _active == 0 else before)


def point_thread_count(n_threads, rows):
    """Threads for the point model's libraries on ``rows`` rows (``n_threads``, or the rule)."""
    if n_threads is not None:
        return int(n_threads)
    return auto_threads(rows, POINT_ROWS_PER_THREAD, current_threads())


@contextmanager
def limited_pools(count):
    """Run the block with the OpenMP and BLAS pools that threadpoolctl finds limited to ``count``.

    threadpoolctl puts the previous limits back afterwards, also when the
    block raises.
    """
    global _controller
    if _controller is None:
        _controller = ThreadpoolController()
    with _controller.limit(limits=int(count)):
        yield
