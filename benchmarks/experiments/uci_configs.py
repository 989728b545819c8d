import json, os, sys, time, warnings
import numpy as np
warnings.simplefilter("ignore")
from skmdn import MDNRegressor
from skmdn.datasets import load_uci
name = sys.argv[1]; splits = [int(s) for s in sys.argv[2].split(",")]
for cfg in sys.argv[3:]:
    params = json.loads(cfg); res = []
    t = time.time()
    for sp in splits:
        X, Xt, y, yt = load_uci(name, sp, data_dir=os.environ.get("UCI_DIR"))
        m = MDNRegressor(**{"n_components": 3, "random_state": sp, **params}).fit(X, y)
        res.append((-m.score_samples(Xt, yt).mean(), np.sqrt(np.mean((m.predict(Xt)-yt)**2)), m.n_iter_))
    r = np.array(res)
    print(f"{name} {params} nll={r[:,0].mean():.3f} rmse={r[:,1].mean():.3f} ep={r[:,2].mean():.0f} per-split={np.round(r[:,0],2).tolist()} t={time.time()-t:.0f}s", flush=True)
