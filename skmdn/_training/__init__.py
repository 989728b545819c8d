"""Training through skorch: the one place in skmdn that knows skorch.

* :mod:`._plan <skmdn._plan>` (one level down) decides how to train;
  :func:`build_net` turns that plan into a :class:`GuardedNet` with skmdn's
  callbacks and the user's.
* :class:`GuardedNet` is skorch's net with the per-batch overhead trimmed,
  batch losses read back once per pass, and Ctrl-C handled.
* The callbacks: :class:`DivergenceGuard`, :class:`WeightAveraging`,
  :class:`ScaledPatience`, :class:`DiagonalWarmup` and :class:`QuietPrintLog`.
* :func:`continue_training` carries weights, optimizer moments and history
  over to a fresh net (``warm_start`` and ``partial_fit``); :func:`set_dtype`
  casts a net between its training and inference dtypes.
* :func:`train_network` builds or continues an estimator's net and trains it
  by the plan, under the thread rule.
"""

from ._build import FUSED_ADAM, OWN_CALLBACKS, build_net, user_callbacks
from ._callbacks import (
    MAX_LOSS, DiagonalWarmup, DivergenceGuard, QuietPrintLog, ScaledPatience, WeightAveraging,
)
from ._net import (
    GUARD_NAME, BatchHistory, GuardedNet, continue_training, is_plain, learning_curves, set_dtype,
)
from ._run import train_network

__all__ = [
    "FUSED_ADAM", "GUARD_NAME", "MAX_LOSS", "OWN_CALLBACKS", "BatchHistory", "DiagonalWarmup",
    "DivergenceGuard", "GuardedNet", "QuietPrintLog", "ScaledPatience", "WeightAveraging",
    "build_net",
    "continue_training", "is_plain", "learning_curves", "set_dtype", "train_network",
    "user_callbacks",
]
