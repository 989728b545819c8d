"""One network or an ensemble of 6 past 2,000 rows: test NLL, paired, and fit cost.

Quality (may run under load; give it ``OMP_NUM_THREADS=1``)::

    OMP_NUM_THREADS=1 python benchmarks/ensemble_size.py record --out ens.jsonl \\
        --tasks friedman-2500:0-4,friedman-5000:0-4,friedman-10000:0-4
    OMP_NUM_THREADS=1 python benchmarks/uci.py PATH/TO/uci --methods mdn \\
        --mdn-params '{"n_members": 6}' --label mdn_k6 \\
        --datasets kin8nm,power-plant,naval-propulsion-plant --splits 0-9 --out uci.jsonl
    python benchmarks/ensemble_size.py report --out ens.jsonl --uci-results uci.jsonl

Cost (a quiet machine, nothing else running; the two sizes in turns)::

    python benchmarks/ensemble_size.py time PATH/TO/uci \\
        --tasks friedman-2500:0,friedman-5000:0,friedman-10000:0,kin8nm:0,power-plant:0

``friedman-N`` is scikit-learn's Friedman #1 problem (ten features, five of
them used, with an interaction and a sine) with unit Gaussian noise, N
training rows drawn with seed s and 10,000 test rows with seed 1000 + s. The
report gives, per data set, the mean paired difference of the test NLL
(ensemble minus one network, negative: the ensemble is better), its standard
error, and whether the ensemble is better by more than two of them; ``time``
prints the fit seconds of each and their ratio.
"""

import argparse
import json
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from uci_data import parse_tasks  # noqa: E402

#: The two sizes compared; everything else at its default.
CONFIGS = {"one": {"n_members": 1}, "k6": {"n_members": 6}}


def load_task(name, seed, data_dir=None):
    """(X, y, X_test, y_test) of ``friedman-N`` or of a UCI data set's split ``seed``."""
    if name.startswith("friedman-"):
        from sklearn.datasets import make_friedman1

        n = int(name.split("-")[1])
        X, y = make_friedman1(n, noise=1.0, random_state=seed)
        X_test, y_test = make_friedman1(10_000, noise=1.0, random_state=1000 + seed)
        return X, y, X_test, y_test
    from uci_data import load_uci

    X, X_test, y, y_test = load_uci(name, seed, data_dir)
    return X, y, X_test, y_test


def fit(config, X, y, seed):
    from skmdn import MDNRegressor

    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = MDNRegressor(random_state=seed, **CONFIGS[config]).fit(X, y)
    return model, time.perf_counter() - start


def record(args):
    out = Path(args.out)
    done = set()
    if out.exists():
        done = {(r["dataset"], r["split"], r["method"]) for r in map(json.loads, out.open())}
    for name, seed in parse_tasks(args.tasks):
        X, y, X_test, y_test = load_task(name, seed, args.data_dir)
        for config in CONFIGS:
            if (name, seed, config) in done:
                continue
            model, secs = fit(config, X, y, seed)
            rec = dict(dataset=name, split=seed, method=config, seconds=secs,
                       nll=-float(np.mean(model.score_samples(X_test, y_test))),
                       n_iter=model.n_iter_)
            with out.open("a") as fh:
                fh.write(json.dumps(rec) + "\n")
            print(f"{name} {seed} {config}: NLL {rec['nll']:.4f}, {secs:.1f} s, "
                  f"{model.n_iter_} epochs", flush=True)


def report(args):
    recs = [json.loads(line) for line in Path(args.out).open()] if Path(args.out).exists() else []
    if args.uci_results:  # uci.py records: the default (one network here) and "mdn_k6"
        rename = {args.one_label: "one", "mdn_k6": "k6"}
        recs += [dict(r, method=rename[r["method"]])
                 for r in map(json.loads, Path(args.uci_results).open())
                 if r["method"] in rename]
    by = {}
    for r in recs:
        by.setdefault(r["dataset"], {}).setdefault(r["method"], {})[r["split"]] = r
    print(f"{'data set':<28s} {'splits':>6s} {'NLL one':>8s} {'NLL k6':>8s} "
          f"{'k6 - one':>16s} {'better by 2 SE':>14s} {'fit s ratio':>11s}")
    for name, methods in by.items():
        if not {"one", "k6"} <= set(methods):
            continue
        common = sorted(set(methods["one"]) & set(methods["k6"]))
        one = np.array([methods["one"][s]["nll"] for s in common])
        k6 = np.array([methods["k6"][s]["nll"] for s in common])
        d = k6 - one
        se = d.std(ddof=1) / np.sqrt(len(d)) if len(d) > 1 else float("nan")
        ratio = (sum(methods["k6"][s]["seconds"] for s in common)
                 / sum(methods["one"][s]["seconds"] for s in common))
        print(f"{name:<28s} {len(common):>6d} {one.mean():8.3f} {k6.mean():8.3f} "
              f"{d.mean():+8.3f} ± {se:5.3f} {'yes' if d.mean() < -2 * se else 'no':>14s} "
              f"{ratio:11.2f}")
    print("fit s ratio: from the quality runs, which may have run under load; the cost table "
          "comes from `time` on a quiet machine.")


def time_fits(args):
    import os

    print(f"load average {os.getloadavg()[0]:.2f} at start")
    print(f"{'task':<28s} {'one s':>7s} {'k6 s':>7s} {'ratio':>6s} {'epochs':>10s}")
    for name, seed in parse_tasks(args.tasks):
        X, y, _, _ = load_task(name, seed, args.data_dir)
        fit("one", X[:300], y[:300], seed)  # load the libraries
        (one, t1), (k6, t6) = fit("one", X, y, seed), fit("k6", X, y, seed)
        print(f"{name + ':' + str(seed):<28s} {t1:7.1f} {t6:7.1f} {t6 / t1:6.2f} "
              f"{one.n_iter_:>4d}/{k6.n_iter_:<4d}", flush=True)
    print(f"load average {os.getloadavg()[0]:.2f} at the end")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("mode", choices=["record", "report", "time"])
    p.add_argument("data_dir", nargs="?", help="the UCI folder (for UCI tasks)")
    p.add_argument("--tasks", default="friedman-2500:0-4")
    p.add_argument("--out", default="ensemble_size.jsonl")
    p.add_argument("--uci-results", default=None)
    p.add_argument("--one-label", default="mdn",
                   help="the method name of one network's records in --uci-results")
    args = p.parse_args(argv)
    {"record": record, "report": report, "time": time_fits}[args.mode](args)


if __name__ == "__main__":
    main()
