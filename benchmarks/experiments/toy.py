import json, sys, time
import numpy as np
from skmdn import MDNRegressor
from skmdn.datasets import make_inverted_sinusoid, make_bishop_toy, make_robot_arm, robot_arm_forward
task = sys.argv[1]; params = json.loads(sys.argv[2]) if len(sys.argv) > 2 else {}
seeds = [0]
if task == "sin":
    X, y = make_inverted_sinusoid(4000, random_state=0); Xt, yt = make_inverted_sinusoid(36000, random_state=1); K = 5
elif task == "sin2k":
    X, y = make_inverted_sinusoid(2000, random_state=0); Xt, yt = make_inverted_sinusoid(20000, random_state=1); K = 5
elif task == "bishop":
    X, y = make_bishop_toy(1000, random_state=0); Xt, yt = make_bishop_toy(20000, random_state=1); K = 3
elif task == "arm":
    X, y = make_robot_arm(5000, random_state=0); Xt, yt = make_robot_arm(5000, random_state=1); K = 2
p = dict(n_components=K, random_state=0); p.update(params)
t = time.time(); m = MDNRegressor(**p).fit(X, y); ft = time.time() - t
nll = -m.score_samples(Xt, yt).mean()
extra = ""
if task == "arm":
    d = m.sample(Xt, 1, random_state=0)[:, 0]
    extra = f" ikerr={np.mean(np.sum((robot_arm_forward(d)-Xt)**2,1)):.2e}"
print(f"{task} {params} nll={nll:.4f}{extra} epochs={m.n_iter_} time={ft:.1f}s", flush=True)
