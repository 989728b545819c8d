import json, sys, time, warnings, torch
import numpy as np
warnings.simplefilter("ignore")
from skorch.callbacks import Callback
from skmdn import MDNRegressor, _regressor, _mixture
from skmdn.datasets import make_inverted_sinusoid
import os
from skmdn.datasets import make_bishop_toy
if os.environ.get("TASK") == "bishop":
    X, y = make_bishop_toy(1000, random_state=0); Xt, yt = make_bishop_toy(20000, random_state=1); K = 3
else:
    X, y = make_inverted_sinusoid(int(os.environ.get("N", 4000)), random_state=0); Xt, yt = make_inverted_sinusoid(36000, random_state=1); K = 5
p = json.loads(sys.argv[1])
est = MDNRegressor(**{"n_components": K, "random_state": 0, **p})
class Trace(Callback):
    def on_epoch_end(self, net, **kw):
        e = len(net.history)
        if e % 25 == 0:
            with torch.no_grad():
                xt = torch.as_tensor((Xt - X.mean(0)) / X.std(0))
                yy = torch.as_tensor(((yt - y.mean()) / y.std())[:, None])
                net.module_.eval(); lg, mu, sc = net.module_(xt); net.module_.train()
                nll = -_mixture.log_prob(lg, mu, sc, yy).mean().item() + np.log(y.std())
            print(e, f"train {net.history[-1]['train_loss']:.4f} valid {net.history[-1].get('valid_loss', float('nan')):.4f} test {nll:.4f} lr {net.optimizer_.param_groups[0]['lr']:.2e}", flush=True)
ob = _regressor.MDNRegressor._build_net
def bn(self, *a):
    net = ob(self, *a); net.callbacks.append(("trace", Trace())); return net
_regressor.MDNRegressor._build_net = bn
t = time.time(); est.fit(X, y)
print(p, "final test", -est.score_samples(Xt, yt).mean(), est.n_iter_, f"{time.time()-t:.0f}s")
