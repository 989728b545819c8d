"""Piecewise-linear feature embeddings in the default ensemble, on UCI splits.

``rtdl_num_embeddings.PiecewiseLinearEmbeddings`` needs bin edges fitted on
the training inputs, which the estimator's ``input_embedding`` does not offer.
This probe reaches the module through the ``_architecture`` hook: for every
split it fits the bins (``compute_bins``, at most 48 per feature and about one
per 8 rows) on the standardized training inputs, then fits the default
``MDNRegressor`` with those embeddings (16 dimensions, version "B") in place
of the periodic ones. It appends ``benchmarks/uci.py`` records of method
``ple`` to OUT, so ``uci.py --report --out OUT`` tabulates them::

    OMP_NUM_THREADS=1 python benchmarks/experiments/piecewise_linear.py \\
        PATH/TO/uci concrete,energy 0-19 ple.jsonl
"""
import json
import sys
from pathlib import Path

import numpy as np
import rtdl_num_embeddings
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import uci  # noqa: E402

from skmdn import MDNRegressor, _module  # noqa: E402
from skmdn._validation import standardization  # noqa: E402

_BINS = {}
_plain_layer = _module.input_embedding_layer


def _layer(kind, n_features):
    if kind == "piecewise-linear":
        return rtdl_num_embeddings.PiecewiseLinearEmbeddings(
            _BINS["bins"], 16, activation=False, version="B")
    return _plain_layer(kind, n_features)


class PiecewiseLinearMDN(MDNRegressor):
    """The default estimator with piecewise-linear embeddings of the features."""

    def _architecture(self, n_features, n_members):
        return {**super()._architecture(n_features, n_members),
                "input_embedding": "piecewise-linear"}


def run_ple(X, y, X_test, y_test, seed, mdn_params=None):
    loc, scale = standardization(X.astype(np.float64))
    X_std = torch.as_tensor((X - loc) / scale, dtype=torch.float64)
    _BINS["bins"] = rtdl_num_embeddings.compute_bins(X_std, n_bins=min(48, len(X) // 8))
    model, seconds = uci._timed_fit(PiecewiseLinearMDN(random_state=seed), X, y)
    return uci._mdn_metrics(model, X_test, y_test), seconds, {"params": {"embedding": "ple"}}


def main(data_dir, names, splits, out):
    _module.input_embedding_layer = _layer
    uci.RUNNERS["ple"] = run_ple
    with open(out, "a") as f:
        for name in names.split(","):
            for split in uci.parse_splits(splits):
                rec = uci.run_one(name, split, "ple", data_dir)
                print(f"{name} split {split}: NLL {rec['nll']:.3f} CRPS {rec['crps']:.4f} "
                      f"RMSE {rec['rmse']:.4f}", flush=True)
                f.write(json.dumps(rec) + "\n")


if __name__ == "__main__":
    main(*sys.argv[1:5])
