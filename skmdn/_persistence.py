"""Pickling of a fitted estimator: a version stamp, and the device after loading.

:class:`VersionedPickle` is a base class of :class:`~skmdn.MDNRegressor`. A
pickle records the skmdn version that wrote it, and loading it with another
version warns. A model trained on a GPU loads on a machine without CUDA
(skorch maps the network to the CPU); the estimator's ``device_`` follows.
"""

import warnings

import torch

from ._version import __version__


class VersionedPickle:
    """Stamp pickles with the skmdn version; warn on loading another's."""

    def __getstate__(self):
        state = super().__getstate__()
        state["_skmdn_version"] = __version__
        return state

    def __setstate__(self, state):
        saved = state.pop("_skmdn_version", "unknown")
        state.pop("dtype_", None)  # now read from the network (older pickles stored it)
        if saved != __version__:
            warnings.warn(
                f"This {type(self).__name__} was pickled with skmdn {saved} and is loaded "
                f"with skmdn {__version__}. It may not work, or give different results; "
                "refit it with this version, or load it with the version that saved it.",
                UserWarning,
                stacklevel=2,
            )
        super().__setstate__(state)
        if hasattr(self, "net_"):
            # skorch maps a CUDA-trained net to the CPU where CUDA is missing.
            self.device_ = torch.device(self.net_.device)
