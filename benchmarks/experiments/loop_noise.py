"""Run-to-run noise of skmdn against hand-written loops at one batch size.

Times, in turns and best of 4, 20 epochs on 20000 rows (K=5, default network,
float32): a hand loop with skmdn's optimizer slicing a randperm (``hand``), the
same loop fed by skmdn's ``BatchIterator`` (``hand_iter``), skmdn's ``fit``
without validation (``skmdn``), and ``benchmarks/speed.py``'s hand loop
(``speed_hand``). Prints milliseconds per candidate; run it several times to
see how far the same code moves between runs.

    python benchmarks/experiments/loop_noise.py [BATCH]   (default 1024)
"""
import os, sys, warnings

import numpy as np
import torch
warnings.simplefilter("ignore")
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [os.path.dirname(HERE), os.path.dirname(os.path.dirname(HERE))]
import speed
from skmdn import MDNRegressor
from skmdn._data import BatchIterator, TensorBatches
from skmdn._module import MDNModule, MixtureNLLLoss
X,y=speed.make_inverted_sinusoid(20000,random_state=0); X=X.astype(np.float32); y=y.astype(np.float32)
cls, settings = speed.skmdn_optimizer(X,y)
EP=20; BS=int(sys.argv[1]) if len(sys.argv)>1 else 1024
def hand(iterator=False, grad_none=True):
    def f():
        torch.manual_seed(0)
        xs = torch.as_tensor((X - X.mean(0)) / X.std(0))
        ys = torch.as_tensor(((y - y.mean()) / y.std()).astype(X.dtype)).reshape(len(y), 1)
        module = MDNModule(1, 1, 5, "full", (64, 64), "tanh").to(xs.dtype)
        crit = MixtureNLLLoss(); opt = cls(module.parameters(), **settings)
        gen = torch.Generator().manual_seed(0)
        if iterator:
            it = BatchIterator(TensorBatches(xs, ys), BS, shuffle=True, seed=0)
        for _ in range(EP):
            if iterator:
                batches = it
            else:
                perm = torch.randperm(len(xs), generator=gen)
                batches = ((xs[perm[s:s+BS]], ys[perm[s:s+BS]]) for s in range(0, len(xs), BS))
            for xb, yb in batches:
                opt.zero_grad(); crit(module(xb), yb).backward(); opt.step()
    return f
sk = lambda: MDNRegressor(5,batch_size=BS,max_iter=EP,early_stopping=False,random_state=0).fit(X,y)
c={"hand":hand(),"hand_iter":hand(True),"skmdn":sk,"speed_hand":lambda: speed.hand_loop(X,y,BS,EP,5,optimizer=(cls,settings))}
b=speed.best_of(c,4)
print(BS, {k:round(v[0]*1e3,1) for k,v in b.items()})
