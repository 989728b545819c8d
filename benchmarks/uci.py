"""UCI regression benchmark (Hernandez-Lobato and Adams, 2015): skmdn against NGBoost.

For every data set and standard train/test split, fit

- ``mdn``: ``MDNRegressor`` with one fixed configuration (``MDN_PARAMS``) for
  every data set;
- ``mdn_grid``: ``GridSearchCV`` over ``GRID`` with ``log_likelihood_scorer``,
  3-fold, on the training part only, refitted on the whole training part;
- ``ngboost``: ``NGBRegressor`` (Normal, depth-3 trees, learning rate 0.01,
  up to 2000 stages with early stopping on 10 % of the training part),

and record the test NLL (nats, in the units of y) and RMSE. Results go to a
JSON-lines file, one line per (data set, split, method), so runs can be split
across processes and resumed; ``--report`` prints the table (mean +- standard
error over the splits that were run) beside the published NGBoost and Deep
Ensembles figures.

Examples
--------
::

    OMP_NUM_THREADS=1 python benchmarks/uci.py path/to/uci --datasets yacht \\
        --splits 0-4 --out uci.jsonl
    python benchmarks/uci.py --report --out uci.jsonl
"""

import argparse
import json
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.model_selection import GridSearchCV

from skmdn import MDNRegressor
from skmdn.metrics import log_likelihood_scorer
from uci_data import UCI_DATASETS, load_uci, n_splits

#: The one configuration used for every data set (everything else at its default).
MDN_PARAMS = {}

#: The per-data-set grid of the ``mdn_grid`` row.
GRID = {"n_components": [1, 3, 5]}

#: Published test NLL (NGBoost paper, Duan et al. 2020, table 1): NGBoost, Deep Ensembles.
PUBLISHED = {
    "bostonHousing": (2.43, 2.41),
    "concrete": (3.04, 3.06),
    "energy": (0.60, 1.38),
    "kin8nm": (-0.49, -1.20),
    "naval-propulsion-plant": (-5.34, -5.63),
    "power-plant": (2.79, 2.79),
    "protein-tertiary-structure": (2.81, 2.83),
    "wine-quality-red": (0.91, 0.94),
    "yacht": (0.20, 1.18),
}

METHODS = ("mdn", "mdn_grid", "ngboost")


def fit_mdn(X, y, seed):
    return MDNRegressor(**MDN_PARAMS, random_state=seed).fit(X, y)


def fit_mdn_grid(X, y, seed):
    base = MDNRegressor(**MDN_PARAMS, random_state=seed)
    search = GridSearchCV(base, GRID, cv=3, scoring=log_likelihood_scorer)
    return search.fit(X, y).best_estimator_


def evaluate_mdn(model, X, y):
    nll = -float(np.mean(model.score_samples(X, y)))
    rmse = float(np.sqrt(np.mean((model.predict(X) - y) ** 2)))
    return nll, rmse, {k: v for k, v in model.get_params().items() if k in GRID}


def run_ngboost(X, y, X_test, y_test, seed):
    from ngboost import NGBRegressor

    model = NGBRegressor(n_estimators=2000, learning_rate=0.01, verbose=False,
                         random_state=seed, validation_fraction=0.1, early_stopping_rounds=50)
    model.fit(X, y)
    dist = model.pred_dist(X_test)
    nll = -float(np.mean(dist.logpdf(y_test)))
    rmse = float(np.sqrt(np.mean((dist.loc - y_test) ** 2)))
    return nll, rmse, {"n_estimators": int(model.best_val_loss_itr or model.n_estimators)}


def run_one(name, split, method, data_dir):
    X, X_test, y, y_test = load_uci(name, split, data_dir=data_dir)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if method == "ngboost":
            nll, rmse, info = run_ngboost(X, y, X_test, y_test, split)
        else:
            fit = fit_mdn if method == "mdn" else fit_mdn_grid
            nll, rmse, info = evaluate_mdn(fit(X, y, split), X_test, y_test)
    return dict(dataset=name, split=split, method=method, nll=nll, rmse=rmse,
                seconds=time.perf_counter() - start, info=info)


def parse_splits(text):
    """``"0-4"`` or ``"0,3,7"`` or ``"all"`` to a list of ints (or None for all)."""
    if text == "all":
        return None
    out = []
    for part in text.split(","):
        lo, _, hi = part.partition("-")
        out += list(range(int(lo), int(hi or lo) + 1))
    return out


def _mean_se(values):
    values = np.asarray(values, dtype=float)
    se = values.std(ddof=1) / np.sqrt(len(values)) if len(values) > 1 else float("nan")
    return values.mean(), se


def report(records):
    """reStructuredText table of mean +- standard error per data set and method."""
    by = {}
    for r in records:
        by.setdefault((r["dataset"], r["method"]), {})[r["split"]] = r
    header = ["data set", "splits", "skmdn NLL", "skmdn grid NLL", "NGBoost NLL (live)",
              "NGBoost NLL (pub.)", "Deep Ens. NLL (pub.)", "skmdn RMSE", "NGBoost RMSE (live)"]
    rows, wins = [], 0
    fmt = lambda ms: f"{ms[0]:.2f} ± {ms[1]:.2f}"  # noqa: E731
    for name in UCI_DATASETS:
        splits = sorted(by.get((name, "mdn"), {}))
        if not splits:
            continue
        cells = {}
        for method in METHODS:
            own = by.get((name, method), {})
            recs = [own[s] for s in sorted(own)]
            if not recs:
                cells[method] = ("n/a", "n/a")
                continue
            nll = fmt(_mean_se([r["nll"] for r in recs]))
            rmse = fmt(_mean_se([r["rmse"] for r in recs]))
            if sorted(own) != splits:  # say which splits, when they differ from skmdn's
                nll, rmse = f"{nll} [{_compact(sorted(own))}]", f"{rmse} [{_compact(sorted(own))}]"
            cells[method] = (nll, rmse)
        pub = PUBLISHED[name]
        mdn_nll = _mean_se([by[(name, "mdn")][s]["nll"] for s in splits])[0]
        wins += mdn_nll <= pub[0]
        rows.append([name, _compact(splits), cells["mdn"][0], cells["mdn_grid"][0],
                     cells["ngboost"][0], f"{pub[0]:.2f}", f"{pub[1]:.2f}",
                     cells["mdn"][1], cells["ngboost"][1]])
    widths = [max(len(str(c)) for c in col) for col in zip(header, *rows)]
    line = " ".join("=" * w for w in widths)
    out = [line, " ".join(h.ljust(w) for h, w in zip(header, widths)), line]
    out += [" ".join(str(c).ljust(w) for c, w in zip(r, widths)) for r in rows]
    out.append(line)
    out.append("")
    out.append(f"skmdn (fixed configuration) at or below NGBoost's published NLL on "
               f"{wins} of {len(rows)} data sets run.")
    return "\n".join(out)


def _compact(splits):
    if splits == list(range(splits[0], splits[-1] + 1)):
        return f"{splits[0]}-{splits[-1]}" if len(splits) > 1 else str(splits[0])
    return ",".join(map(str, splits))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("data_dir", nargs="?",
                        help="folder holding the UCI data set folders (not needed with --report)")
    parser.add_argument("--datasets", default="all",
                        help="comma-separated folder names, or 'all'")
    parser.add_argument("--splits", default="all", help="'all', '0-4' or '0,3,7'")
    parser.add_argument("--methods", default=",".join(METHODS))
    parser.add_argument("--out", default="uci_results.jsonl", help="JSON-lines results file")
    parser.add_argument("--report", action="store_true",
                        help="only print the table of the results in --out")
    args = parser.parse_args(argv)
    if args.data_dir is None and not args.report:
        parser.error("give the folder that holds the UCI data set folders")
    out = Path(args.out)
    done = []
    if out.exists():
        done = [json.loads(line) for line in out.read_text().splitlines() if line.strip()]
    if not args.report:
        names = UCI_DATASETS if args.datasets == "all" else args.datasets.split(",")
        wanted = parse_splits(args.splits)
        seen = {(r["dataset"], r["split"], r["method"]) for r in done}
        for name in names:
            splits = range(n_splits(name, args.data_dir)) if wanted is None else [
                s for s in wanted if s < n_splits(name, args.data_dir)]
            for split in splits:
                for method in args.methods.split(","):
                    if (name, split, method) in seen:
                        continue
                    rec = run_one(name, split, method, args.data_dir)
                    print(f"{name} split {split} {method}: NLL {rec['nll']:.3f} "
                          f"RMSE {rec['rmse']:.3f} ({rec['seconds']:.0f} s)", flush=True)
                    with out.open("a") as fh:
                        fh.write(json.dumps(rec) + "\n")
                    done.append(rec)
    print(report(done))


if __name__ == "__main__":
    main()
