"""Would an exponential moving average (EMA) of the weights help? A probe.

Fits MDNRegressor with its defaults (but ``ema_decay=None``) on SEEDS A (n given by N, K=5) while a
callback keeps an EMA of the weights (decay per optimizer step from argv).
At every epoch it scores the raw and the averaged weights on the validation
split and on the test set. Reports the test NLL at the epoch with the best
validation NLL, for the raw weights (what early stopping keeps) and the EMA.

    python benchmarks/experiments/ema_probe.py 0.99 0.999
    TASK=concrete UCI_DIR=path/to/uci python benchmarks/experiments/ema_probe.py 0.99

The probe is a skorch callback passed through ``callbacks=``.
"""
import os
import sys
import warnings

import numpy as np
import torch
from skorch.callbacks import Callback
from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn

from skmdn import MDNRegressor, _mixture
from skmdn.datasets import make_inverted_sinusoid

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from uci_data import load_uci  # noqa: E402

warnings.simplefilter("ignore")
task = os.environ.get("TASK", "sin")
if task == "sin":
    n = int(os.environ.get("N", 4000))
    X, y = make_inverted_sinusoid(n, random_state=0)
    Xt, yt = make_inverted_sinusoid(36000, random_state=1)
else:
    X, Xt, y, yt = load_uci(task, int(os.environ.get("SPLIT", 0)), os.environ["UCI_DIR"])
decays = [float(a) for a in sys.argv[1:]]


def nll(module, Xs, ys):
    with torch.no_grad():
        lg, mu, sc = module(Xs)
        return -_mixture.log_prob(lg, mu, sc, ys).mean().item()


class Probe(Callback):
    def on_train_begin(self, net, **kw):
        self.avg = [AveragedModel(net.module_, multi_avg_fn=get_ema_multi_avg_fn(d))
                    for d in decays]
        self.rows = []

    def on_batch_end(self, net, training=True, **kw):
        if training:
            for a in self.avg:
                a.update_parameters(net.module_)

    def on_epoch_end(self, net, dataset_valid=None, **kw):
        xm, xs = X.mean(0), X.std(0)
        ym, ys_ = y.mean(0), y.std(0)
        xt = torch.as_tensor((Xt - xm) / xs)
        yy = torch.as_tensor(((yt - ym) / ys_).reshape(len(yt), -1))
        xv, yv = dataset_valid.X, dataset_valid.y
        row = [net.history[-1]["valid_loss"], nll(net.module_, xt, yy)]
        for a in self.avg:
            row += [nll(a.module, xv, yv), nll(a.module, xt, yy)]
        self.rows.append(row)


# The built-in average is off (the probe compares raw and averaged weights);
# BATCH overrides the automatic batch size (the probe tables in evidence.rst,
# evidence-weight-averaging, ran when "auto" was a tenth of the training rows,
# not a twentieth).
batch = int(os.environ["BATCH"]) if "BATCH" in os.environ else "auto"
m = MDNRegressor(n_components=5, random_state=0, ema_decay=None, batch_size=batch,
                 callbacks=[("probe", Probe())]).fit(X, y)
r = np.array(dict(m.net_.callbacks_)["probe"].rows)
shift = np.log(np.std(y, axis=0)).sum()
best = r[:, 0].argmin()
print(f"{task}: raw test at best valid epoch {best + 1}: {r[best, 1] + shift:.4f} "
      f"(epochs run {len(r)})")
for i, d in enumerate(decays):
    b = r[:, 2 + 2 * i].argmin()
    print(f"  EMA {d}: test at its best valid epoch {b + 1}: {r[b, 3 + 2 * i] + shift:.4f}")
