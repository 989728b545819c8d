"""UCI regression benchmark (Hernandez-Lobato and Adams, 2015): skmdn against live probabilistic peers.

For every data set and standard train/test split, fit one of

- ``mdn``: ``MDNRegressor`` with one fixed configuration (``MDN_PARAMS``) for
  every data set. ``--mdn-params JSON --label NAME`` runs another skmdn
  configuration (``MDN_PARAMS`` updated with the JSON, e.g.
  ``'{"n_members": 8}'``) and records it under the method name ``NAME``
  (e.g. ``mdn_k8``), which the report shows as its own row. A
  ``point_regressor`` there may be ``"auto"`` or a name: ``"auto_model"``
  (the model "auto" uses, on every data set), ``"hgbr"``
  (``HistGradientBoostingRegressor()``), ``"lightgbm"`` (``LGBMRegressor``)
  or ``"catboost"`` (``CatBoostRegressor``), each at its defaults on one
  thread; the record then also holds the point model's own test RMSE
  (``info.point_rmse``);
- ``mdn_grid``: ``GridSearchCV`` over ``GRID`` with ``log_likelihood_scorer``,
  3-fold, on the training part only, refitted on the whole training part;
- ``ngboost``: ``NGBRegressor`` (Normal, depth-3 trees, learning rate 0.01,
  up to 2000 stages with early stopping on 10 % of the training part);
- ``xgbdist``: xgboost-distribution's ``XGBDistribution(distribution="normal")``
  at its defaults, except early stopping, which its README recommends
  ("otherwise the determined distribution parameters can become unreliable"):
  ``early_stopping_rounds=10`` (the README's value) on a held-out 10 % of the
  training part (``train_test_split(test_size=0.1, random_state=split)``); the
  model is fitted on the other 90 %. ``n_jobs=1``;
- ``catboost``: ``CatBoostRegressor(loss_function="RMSEWithUncertainty",
  verbose=False, random_seed=split, thread_count=1)``, defaults otherwise (no
  early stopping; ``allow_writing_files=False`` only stops it writing a
  ``catboost_info/`` folder). ``predict(X, prediction_type="RMSEWithUncertainty")``
  returns the columns [mean, variance] (CatBoost 0.24.2 release notes: "now it
  predicts variance, not standard deviation"; the raw second column is
  log(standard deviation)), so the Gaussian is N(mean, variance). Checked on
  heteroscedastic toy data with known noise: reading the column as a variance
  gives a test NLL within 0.01 nats of the true model's, reading it as a
  standard deviation does not;
- ``treeffuser``: ``Treeffuser(seed=split, n_jobs=1)`` at its defaults. It has
  no density, so its NLL is recorded as null (n/a in the report); CRPS and
  RMSE come from ``N_DRAWS`` = 100 draws per test row (RMSE of the draws'
  mean; CRPS by the unbiased sample estimator
  ``mean_i |S_i - y| - 1/(2 m (m - 1)) sum_{i != j} |S_i - S_j|``).

Every record holds the test NLL (nats, in the units of y; null for
treeffuser), the CRPS (units of y), the RMSE and the fit seconds. The CRPS is
closed-form: skmdn's exact Gaussian-mixture CRPS (``skmdn.metrics.mean_crps``)
and the Gaussian CRPS for NGBoost, xgboost-distribution and CatBoost.

Wine (``wine-quality-red``) has integer targets, on which a density can earn an
unbounded likelihood by putting spikes on the integers. So for wine every
method with a density is also fitted separately on dequantized targets,
``y_train + U(-0.5, 0.5)``, and scored on ``y_test + U(-0.5, 0.5)`` (noise from
``np.random.default_rng(split)``, the same for every method), and that NLL is
recorded as ``nll_deq``. Dequantization is standard practice when a
continuous density is scored on discrete data (e.g. Theis et al., 2016;
Uria et al., 2013): the dequantized NLL is an upper bound on the discrete
model's negative log-probability, and density spikes on the integers earn
nothing.

Results go to a JSON-lines file, one line per (data set, split, method), so
runs can be split across processes and resumed; ``--report`` prints
reStructuredText tables (mean +- standard error over the splits that were
run) beside the published NGBoost and Deep Ensembles figures. Fit seconds
are wall-clock seconds of the ``fit`` call alone; they are only comparable
when the machine was otherwise idle (``--loaded`` marks them in the report as
measured under load).

Examples
--------
::

    OMP_NUM_THREADS=1 python benchmarks/uci.py path/to/uci --datasets yacht \\
        --splits 0-4 --methods mdn,ngboost,xgbdist,catboost,treeffuser --out uci.jsonl
    OMP_NUM_THREADS=1 python benchmarks/uci.py path/to/uci --datasets yacht \\
        --splits 0-4 --methods mdn --mdn-params '{"n_members": 8}' --label mdn_k8 \\
        --out uci.jsonl
    python benchmarks/uci.py --report --out uci.jsonl
"""

import argparse
import json
import time
import traceback
import warnings
from pathlib import Path

import numpy as np
from scipy import stats
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

#: Live peers (not skmdn), in report order.
PEERS = ("ngboost", "xgbdist", "catboost", "treeffuser")

METHODS = ("mdn", "mdn_grid") + PEERS

#: Data sets with integer targets, also scored dequantized.
DEQUANTIZE = ("wine-quality-red",)

#: Draws per test row for the sample-based metrics of treeffuser.
N_DRAWS = 100

#: Methods without a density (NLL n/a).
NO_DENSITY = ("treeffuser",)


# ---------------------------------------------------------------- metrics
def gaussian_crps(mu, sigma, y):
    """Closed-form CRPS of N(mu, sigma^2) at y, per row (Gneiting et al., 2005)."""
    z = (y - mu) / sigma
    return sigma * (z * (2 * stats.norm.cdf(z) - 1) + 2 * stats.norm.pdf(z) - 1 / np.sqrt(np.pi))


def sample_crps(draws, y):
    """Unbiased CRPS estimate ``E|S - y| - E|S - S'| / 2`` from draws of shape (m, n)."""
    m = draws.shape[0]
    first = np.mean(np.abs(draws - y), axis=0)
    s = np.sort(draws, axis=0)
    # sum_{i,j} |s_i - s_j| = 2 sum_i (2 i - m - 1) s_(i), i = 1..m
    weights = (2 * np.arange(1, m + 1) - m - 1)[:, None]
    pair_sum = 2 * np.sum(weights * s, axis=0)
    return first - pair_sum / (2 * m * (m - 1))


def _gaussian_metrics(mu, sigma, y):
    mu, sigma = np.asarray(mu, dtype=float), np.asarray(sigma, dtype=float)
    return {"nll": -float(np.mean(stats.norm.logpdf(y, mu, sigma))),
            "crps": float(np.mean(gaussian_crps(mu, sigma, y))),
            "rmse": float(np.sqrt(np.mean((mu - y) ** 2)))}


def _timed_fit(model, *args, **kwargs):
    start = time.perf_counter()
    model.fit(*args, **kwargs)
    return model, time.perf_counter() - start


# ---------------------------------------------------------------- methods
# Each returns (metrics, fit_seconds, info); metrics has nll, crps, rmse.
def _mdn_metrics(model, X_test, y_test):
    from skmdn.metrics import mean_crps, mean_nll

    return {"nll": float(mean_nll(model, X_test, y_test)),
            "crps": float(mean_crps(model, X_test, y_test)),
            "rmse": float(np.sqrt(np.mean((model.predict(X_test) - y_test) ** 2)))}


def point_model(name):
    """A point regressor named in ``--mdn-params`` (``"auto"`` and None pass through)."""
    if name in (None, "auto"):
        return name
    if name == "auto_model":  # the model "auto" uses where its rule turns it on
        from skmdn._point import auto_point_model

        return auto_point_model()
    if name == "hgbr":
        from sklearn.ensemble import HistGradientBoostingRegressor

        return HistGradientBoostingRegressor()
    if name == "lightgbm":
        from lightgbm import LGBMRegressor

        return LGBMRegressor(n_jobs=1, verbose=-1)
    if name == "catboost":
        from catboost import CatBoostRegressor

        return CatBoostRegressor(thread_count=1, verbose=False, allow_writing_files=False)
    raise ValueError(f"unknown point regressor {name!r}: use auto, hgbr, lightgbm or catboost")


def run_mdn(X, y, X_test, y_test, seed, mdn_params=None):
    from skmdn import MDNRegressor

    params = {**MDN_PARAMS, **(mdn_params or {})}
    built = dict(params)
    if "point_regressor" in built:
        built["point_regressor"] = point_model(built["point_regressor"])
    model, secs = _timed_fit(MDNRegressor(**built, random_state=seed), X, y)
    info = {"params": params}
    if getattr(model, "point_regressor_", None) is not None:
        pred = model.point_regressor_.predict(X_test)
        info["point_rmse"] = float(np.sqrt(np.mean((pred - y_test) ** 2)))
    return _mdn_metrics(model, X_test, y_test), secs, info


def run_mdn_grid(X, y, X_test, y_test, seed, mdn_params=None):
    from sklearn.model_selection import GridSearchCV

    from skmdn import MDNRegressor
    from skmdn.metrics import log_likelihood_scorer

    base = MDNRegressor(**{**MDN_PARAMS, **(mdn_params or {})}, random_state=seed)
    search, secs = _timed_fit(GridSearchCV(base, GRID, cv=3, scoring=log_likelihood_scorer), X, y)
    model = search.best_estimator_
    info = {k: v for k, v in model.get_params().items() if k in GRID}
    return _mdn_metrics(model, X_test, y_test), secs, info


def run_ngboost(X, y, X_test, y_test, seed, mdn_params=None):
    from ngboost import NGBRegressor

    model = NGBRegressor(n_estimators=2000, learning_rate=0.01, verbose=False,
                         random_state=seed, validation_fraction=0.1, early_stopping_rounds=50)
    model, secs = _timed_fit(model, X, y)
    dist = model.pred_dist(X_test)
    return (_gaussian_metrics(dist.loc, dist.scale, y_test), secs,
            {"n_estimators": int(model.best_val_loss_itr or model.n_estimators)})


def run_xgbdist(X, y, X_test, y_test, seed, mdn_params=None):
    from sklearn.model_selection import train_test_split
    from xgboost_distribution import XGBDistribution

    X_fit, X_val, y_fit, y_val = train_test_split(X, y, test_size=0.1, random_state=seed)
    model = XGBDistribution(distribution="normal", early_stopping_rounds=10,
                            random_state=seed, n_jobs=1)
    model, secs = _timed_fit(model, X_fit, y_fit, eval_set=[(X_val, y_val)], verbose=False)
    pred = model.predict(X_test)
    return (_gaussian_metrics(pred.loc, pred.scale, y_test), secs,
            {"best_iteration": int(model.best_iteration)})


def run_catboost(X, y, X_test, y_test, seed, mdn_params=None):
    from catboost import CatBoostRegressor

    model = CatBoostRegressor(loss_function="RMSEWithUncertainty", verbose=False,
                              random_seed=seed, thread_count=1,
                              allow_writing_files=False)  # no catboost_info/ folder
    model, secs = _timed_fit(model, X, y)
    pred = model.predict(X_test, prediction_type="RMSEWithUncertainty")  # [mean, variance]
    return _gaussian_metrics(pred[:, 0], np.sqrt(pred[:, 1]), y_test), secs, {}


def run_treeffuser(X, y, X_test, y_test, seed, mdn_params=None):
    from treeffuser import Treeffuser

    model, secs = _timed_fit(Treeffuser(seed=seed, n_jobs=1), X, y)
    draws = np.asarray(model.sample(X_test, n_samples=N_DRAWS, seed=seed), dtype=float)
    draws = draws.reshape(N_DRAWS, len(y_test))
    return ({"nll": None, "crps": float(np.mean(sample_crps(draws, y_test))),
             "rmse": float(np.sqrt(np.mean((draws.mean(axis=0) - y_test) ** 2)))},
            secs, {"n_draws": N_DRAWS})


RUNNERS = {"mdn": run_mdn, "mdn_grid": run_mdn_grid, "ngboost": run_ngboost,
           "xgbdist": run_xgbdist, "catboost": run_catboost, "treeffuser": run_treeffuser}


def run_one(name, split, method, data_dir, mdn_params=None, label=None):
    """Fit and score one (data set, split, method); the record is stored under ``label``."""
    X, X_test, y, y_test = load_uci(name, split, data_dir=data_dir)
    runner = RUNNERS[method]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        metrics, secs, info = runner(X, y, X_test, y_test, split, mdn_params)
        rec = dict(dataset=name, split=split, method=label or method, **metrics,
                   nll_deq=None, seconds=secs, info=info)
        if name in DEQUANTIZE and method not in NO_DENSITY:
            rng = np.random.default_rng(split)
            u_train = rng.uniform(-0.5, 0.5, size=len(y))
            u_test = rng.uniform(-0.5, 0.5, size=len(y_test))
            deq, deq_secs, _ = runner(X, y + u_train, X_test, y_test + u_test, split, mdn_params)
            rec.update(nll_deq=deq["nll"], seconds_deq=deq_secs)
    return rec


# ---------------------------------------------------------------- report
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


def _fmt(values, digits=2):
    if not values or any(v is None for v in values):
        return "n/a"
    m, se = _mean_se(values)
    return f"{m:.{digits}f} ± {se:.{digits}f}" if np.isfinite(se) else f"{m:.{digits}f}"


def _digits(records):
    """Enough decimals that the smallest mean RMSE shows three significant figures."""
    rmse = [abs(r["rmse"]) for r in records if r.get("rmse")]
    if not rmse:
        return 2
    return int(min(max(2, 2 - np.floor(np.log10(np.mean(rmse)))), 6))


def _rst_table(header, rows):
    widths = [max(len(str(c)) for c in col) for col in zip(header, *rows)]
    line = " ".join("=" * w for w in widths)
    out = [line, " ".join(h.ljust(w) for h, w in zip(header, widths)), line]
    out += [" ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
    out.append(line)
    return out


def _method_order(methods):
    skmdn = [m for m in methods if m not in PEERS]
    skmdn.sort(key=lambda m: (m != "mdn", m != "mdn_grid", m))
    return skmdn + [m for m in PEERS if m in methods]


def report(records, loaded=False):
    """reStructuredText tables: one per data set, then the counts against the peers."""
    by = {}
    for r in records:
        by.setdefault((r["dataset"], r["method"]), {})[r["split"]] = r
    methods = _method_order({r["method"] for r in records})
    skmdn_methods = [m for m in methods if m not in PEERS]
    out = []
    counts = {m: {"crps": 0, "rmse": 0, "pub": 0, "sets": 0, "pub_sets": 0} for m in skmdn_methods}
    summary = []
    for name in UCI_DATASETS:
        present = [m for m in methods if by.get((name, m))]
        if not present:
            continue
        deq = name in DEQUANTIZE
        all_recs = [r for m in present for r in by[(name, m)].values()]
        digits = _digits(all_recs)
        header = ["method", "splits", "NLL"] + (["NLL dequant."] if deq else []) + [
            "CRPS", "RMSE", "fit s" + ("*" if loaded else "")]
        rows = []
        for m in present:
            own = by[(name, m)]
            recs = [own[s] for s in sorted(own)]
            row = [m, _compact(sorted(own)), _fmt([r["nll"] for r in recs])]
            if deq:
                row.append(_fmt([r.get("nll_deq") for r in recs]))
            row += [_fmt([r["crps"] for r in recs], digits), _fmt([r["rmse"] for r in recs], digits),
                    f"{np.mean([r['seconds'] for r in recs]):.1f}"]
            rows.append(row)
        pub = PUBLISHED[name]
        for label, value in (("NGBoost (published)", pub[0]), ("Deep Ens. (published)", pub[1])):
            rows.append([label, "20" if name != "protein-tertiary-structure" else "5",
                         f"{value:.2f}"] + (["n/a"] if deq else []) + ["n/a", "n/a", "n/a"])
        title = f"{name}"
        out += [title, "-" * len(title), ""] + _rst_table(header, rows) + [""]
        # Counts: skmdn against every live peer, each pair on the splits both have.
        peers = [m for m in PEERS if by.get((name, m))]
        for m in skmdn_methods:
            if not by.get((name, m)):
                continue
            own = by[(name, m)]
            nll_key = "nll_deq" if deq and all(r.get("nll_deq") is not None
                                               for r in own.values()) else "nll"
            nll = _mean_se([r[nll_key] for r in own.values()])[0]
            counts[m]["pub_sets"] += 1
            counts[m]["pub"] += nll <= pub[0]
            note = " (dequant.)" if nll_key == "nll_deq" else ""
            verdict = {"nll": f"{nll:.2f} vs {pub[0]:.2f}{note}"}
            pairs = []
            for p in peers:
                common = sorted(set(own) & set(by[(name, p)]))
                if common:
                    ours = {k: np.mean([own[s][k] for s in common]) for k in ("crps", "rmse")}
                    theirs = {k: np.mean([by[(name, p)][s][k] for s in common])
                              for k in ("crps", "rmse")}
                    pairs.append((p, len(common), ours, theirs))
            if pairs:
                counts[m]["sets"] += 1
                crps_ok = all(o["crps"] <= t["crps"] for _, _, o, t in pairs)
                rmse_ok = all(o["rmse"] <= 1.05 * t["rmse"] for _, _, o, t in pairs)
                counts[m]["crps"] += crps_ok
                counts[m]["rmse"] += rmse_ok
                best_crps = min(pairs, key=lambda q: q[3]["crps"])
                best_rmse = min(pairs, key=lambda q: q[3]["rmse"])
                verdict.update(
                    crps=f"{'yes' if crps_ok else 'no'} (best {best_crps[0]})",
                    rmse=f"{'yes' if rmse_ok else 'no'} (best {best_rmse[0]})")
            summary.append([name, m, verdict.get("crps", "n/a"), verdict.get("rmse", "n/a"),
                            verdict["nll"]])
    if loaded:
        out.append("\\* Fit seconds: wall-clock seconds of the fit call, measured while another "
                   "process loaded the machine; they are not valid timings.")
        out.append("")
    out.append("NLL in nats in the units of y; treeffuser has no density (NLL n/a). "
               "Mean ± standard error over the splits run; published figures are over all "
               "20 splits (5 for protein). NLL dequant.: separate fit on y + U(-0.5, 0.5).")
    out.append("")
    out += ["Against the peers", "-----------------", ""]
    out += _rst_table(["data set", "skmdn", "CRPS <= every live peer", "RMSE <= 1.05 x every live peer",
                       "NLL vs NGBoost published"], summary)
    out.append("")
    for m in skmdn_methods:
        c = counts[m]
        out.append(f"- {m}: CRPS at or below the best live peer on {c['crps']} of {c['sets']} "
                   f"data sets; RMSE within 5 % of the best live peer on {c['rmse']} of "
                   f"{c['sets']}; NLL at or below NGBoost's published NLL on {c['pub']} of "
                   f"{c['pub_sets']} (wine scored dequantized where available). Each peer is "
                   f"compared with {m} on the splits both have.")
    return "\n".join(out)


def _compact(splits):
    if splits == list(range(splits[0], splits[-1] + 1)):
        return f"{splits[0]}-{splits[-1]}" if len(splits) > 1 else str(splits[0])
    return ",".join(map(str, splits))


def _fmt_metric(value):
    return "n/a" if value is None else f"{value:.3f}"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("data_dir", nargs="?",
                        help="folder holding the UCI data set folders (not needed with --report)")
    parser.add_argument("--datasets", default="all",
                        help="comma-separated folder names, or 'all'")
    parser.add_argument("--splits", default="all", help="'all', '0-4' or '0,3,7'")
    parser.add_argument("--methods", default=",".join(METHODS),
                        help=f"comma-separated, from {', '.join(METHODS)}")
    parser.add_argument("--mdn-params", default=None,
                        help="JSON dict updating MDN_PARAMS for mdn / mdn_grid; needs --label")
    parser.add_argument("--label", default=None,
                        help="method name to record the skmdn run under (with --mdn-params)")
    parser.add_argument("--out", default="uci_results.jsonl", help="JSON-lines results file")
    parser.add_argument("--budget-minutes", type=float, default=None,
                        help="start no new fit after this many minutes")
    parser.add_argument("--loaded", action="store_true",
                        help="mark the fit seconds in the report as measured under load")
    parser.add_argument("--report", action="store_true",
                        help="only print the table of the results in --out")
    args = parser.parse_args(argv)
    if args.data_dir is None and not args.report:
        parser.error("give the folder that holds the UCI data set folders")
    methods = args.methods.split(",")
    unknown = [m for m in methods if m not in RUNNERS]
    if unknown:
        parser.error(f"unknown methods {unknown}; choose from {list(RUNNERS)}")
    mdn_params = json.loads(args.mdn_params) if args.mdn_params else None
    if (mdn_params is None) != (args.label is None):
        parser.error("--mdn-params and --label go together")
    if args.label is not None:
        if args.label in RUNNERS:
            parser.error(f"--label {args.label!r} is a method name; choose another")
        if any(m not in ("mdn", "mdn_grid") for m in methods) or len(methods) != 1:
            parser.error("--label records one skmdn method: use --methods mdn (or mdn_grid)")
    out = Path(args.out)
    done = []
    if out.exists():
        done = [json.loads(line) for line in out.read_text().splitlines() if line.strip()]
    if not args.report:
        start = time.monotonic()
        names = UCI_DATASETS if args.datasets == "all" else args.datasets.split(",")
        wanted = parse_splits(args.splits)
        seen = {(r["dataset"], r["split"], r["method"]) for r in done}
        for name in names:
            splits = range(n_splits(name, args.data_dir)) if wanted is None else [
                s for s in wanted if s < n_splits(name, args.data_dir)]
            for split in splits:
                for method in methods:
                    label = args.label or method
                    if (name, split, label) in seen:
                        continue
                    if (args.budget_minutes is not None
                            and time.monotonic() - start > 60 * args.budget_minutes):
                        print(f"{time.strftime('%H:%M:%S')} time budget spent; "
                              f"not starting {name} split {split} {label}", flush=True)
                        print(report(done, loaded=args.loaded))
                        return
                    print(f"{time.strftime('%H:%M:%S')} start {name} split {split} {label}",
                          flush=True)
                    try:
                        rec = run_one(name, split, method, args.data_dir, mdn_params, args.label)
                    except Exception:  # noqa: BLE001 - log, keep going, retried on resume
                        print(f"{time.strftime('%H:%M:%S')} FAILED {name} split {split} "
                              f"{label}:\n{traceback.format_exc()}", flush=True)
                        continue
                    with out.open("a") as fh:  # store first, then log
                        fh.write(json.dumps(rec) + "\n")
                    done.append(rec)
                    deq = (f" NLL deq {_fmt_metric(rec['nll_deq'])}"
                           if rec["nll_deq"] is not None else "")
                    print(f"{time.strftime('%H:%M:%S')} {name} split {split} {label}: "
                          f"NLL {_fmt_metric(rec['nll'])}{deq} CRPS {rec['crps']:.4f} "
                          f"RMSE {rec['rmse']:.4f} (fit {rec['seconds']:.1f} s)", flush=True)
    print(report(done, loaded=args.loaded))


if __name__ == "__main__":
    main()
