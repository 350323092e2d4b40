"""Do rrlsk's per-star uncertainties hold, and how accurate is it over all of Gaia?

Two studies on SIMULATED Gaia DR3 RRab stars (``rrlsk.datasets``), whose
true [Fe/H] is known; the results measure the method and the library, not
Gaia.

1. **Calibration** (``calibration-<labels>.csv``): a fold ensemble is
   trained on ``--n-train`` stars of the whole simulated population (no
   cuts: 20-250 epochs, G 12-20.5), a quarter of them held out for the
   conformal calibration, and scored on ``--n-test`` other stars: with
   spectroscopic-like labels against the TRUE [Fe/H] (calibrated with the
   label errors, ``y_err``), with photometric labels against the labels.
   Coverage of the 68 % and 95 % intervals and their mean full width, overall
   and in bins of G, number of epochs, period and true [Fe/H], for three
   uncertainties: the raw fold-ensemble spread (``+-std``, ``+-1.96 std``,
   as published elsewhere), the same spread calibrated
   (``CalibratedRegressor(spread="ensemble")``) and the difficulty model
   calibrated (``spread="difficulty"``, rrlsk's default), and the setting
   ``docs/accuracy.md`` recommends for the kind of labels
   (``interval="classical"`` with :data:`RECOMMENDED`), whose estimates
   differ from the others'.
2. **Whole catalogue** (``catalogue.csv``): the calibrated ensemble is
   trained on the paper's sample (``make_paper_sample``: >= 50 epochs,
   sigma(phi31) <= 0.1, the paper's cuts; spectroscopic-like labels) and
   predicts ``--n-catalogue`` simulated stars WITHOUT the cuts through
   ``rrlsk.catalogue.predict_table`` (as ``rrlsk predict`` does): bias, MAE,
   RMSE against the true [Fe/H] and coverage, by number of epochs, G,
   amplitude, Blazhko modulation, whether a star passes the paper's cuts and
   whether ``predict_table`` marks it ``outside_training_domain``.
   ``catalogue-degraded.csv``: the same, with the difficulty model and the
   calibration also fed degraded copies of the paper-sample stars
   (``CalibratedRegressor(degrade=LightCurveDegrader())``: fewer epochs,
   fainter, noisier); the point model and its predictions are the same,
   only the intervals change. ``catalogue-quantiles.csv``: degraded copies
   and one difficulty model per confidence
   (``difficulty_quantiles=(ONE_SIGMA, 0.95)``); ``catalogue-classical.csv``:
   the same with ``interval="classical"`` (the prediction inverted through
   its line against [Fe/H]: the estimates change too);
   ``catalogue-variance.csv``: degraded copies, classical intervals and
   ``difficulty_target="variance"``.

The model is a parameter (``--model``, any name of ``rrlsk.make_pipeline``;
``--folds`` fold models). Each stage writes its small result tables to
``--tables`` (committed; a re-run skips a stage whose table exists, so a long
run resumes) and its per-star predictions to ``--cache`` (not committed).

Usage::

    nice -n 10 python benchmarks/uncertainty.py                    # SVR fold ensemble, ~25 CPU-min
    python benchmarks/uncertainty.py --model gru --epochs 50       # a network (hours on 2 CPU cores)
    python benchmarks/uncertainty.py --tiny                        # smoke test, about a minute
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

import rrlsk  # noqa: E402
from _doc_tables import markdown_table, rewrite  # noqa: E402  (this folder is on sys.path)
from rrlsk.datasets import make_gaia_rrab, make_paper_sample  # noqa: E402
from rrlsk.datasets._files import _vari_rrlyrae  # noqa: E402  (the table make_paper_sample selects on)
from rrlsk.degrade import LightCurveDegrader  # noqa: E402
from rrlsk.ensemble import FoldEnsembleRegressor  # noqa: E402
from rrlsk.io import select_paper_sample  # noqa: E402
from rrlsk.uncertainty import ONE_SIGMA, CalibratedRegressor  # noqa: E402

HERE = Path(__file__).resolve().parent
Z95 = 1.959963984540054  # normal quantile of 0.975
#: Bin edges of the tables.
BINS = {
    "G": ("mean_g", [12.0, 15.0, 16.0, 17.0, 18.0, 19.0, 20.5]),
    "epochs": ("n_epochs", [20, 30, 40, 50, 75, 100, 251]),
    "period": ("period_true", [0.3, 0.45, 0.55, 0.65, 1.0]),
    "[Fe/H]": ("feh_true", [-4.0, -2.0, -1.5, -1.0, -0.5, 1.0]),
    "amplitude": ("amplitude", [0.0, 0.4, 0.6, 0.8, 1.0, 1.4, 3.0]),
    "Blazhko": ("blazhko_amplitude", [-0.01, 1e-9, 0.05, 0.1, 0.15, 1.0]),
}
#: Relative amplitude-modulation depths (the simulator's maximum is 0.2).
BLAZHKO_LABELS = ["none", "0-0.05", "0.05-0.1", "0.1-0.15", "0.15-0.2"]


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="svr", help="make_pipeline name of the fold models (default svr)")
    parser.add_argument("--folds", type=int, default=5, help="fold models in the ensemble (default 5)")
    parser.add_argument("--epochs", type=int, default=None, help="most epochs per network fit")
    parser.add_argument("--n-train", type=int, default=8000, help="training + calibration stars, study 1")
    parser.add_argument("--n-test", type=int, default=20000, help="test stars, study 1")
    parser.add_argument("--n-paper", type=int, default=6002, help="paper-sample stars, study 2")
    parser.add_argument("--n-catalogue", type=int, default=50000, help="catalogue stars, study 2")
    parser.add_argument("--random-state", type=int, default=0)
    parser.add_argument("--tables", type=Path, default=None, help="small result tables (default benchmarks/uncertainty/TAG)")
    parser.add_argument("--cache", type=Path, default=None,
                        help="per-star predictions (default benchmarks/results/uncertainty/TAG)")
    parser.add_argument("--tiny", action="store_true", help="a few hundred stars, for a smoke test")
    parser.add_argument("--calibration-only", action="store_true", help="skip the whole-catalogue study")
    parser.add_argument("--markdown", type=Path, default=None,
                        help="rewrite the uncertainty.py tables of this page (docs/accuracy.md)")
    args = parser.parse_args(argv)
    if args.tiny:
        args.n_train, args.n_test, args.n_paper, args.n_catalogue = 800, 800, 600, 1000
    tag = f"{args.model}-x{args.folds}" + (f"-seed{args.random_state}" if args.random_state else "") \
        + ("-tiny" if args.tiny else "")
    args.tables = args.tables or HERE / "uncertainty" / tag
    args.cache = args.cache or HERE / "results" / "uncertainty" / tag
    return args


def make_degrader(args) -> LightCurveDegrader:
    """The degrader of the ``catalogue-degraded`` stage: one copy per star, default settings."""
    return LightCurveDegrader(random_state=args.random_state)


#: The setting docs/accuracy.md recommends per kind of labels, with ``interval="classical"``.
RECOMMENDED = {"spectroscopic": {"difficulty_target": "variance"},
               "photometric": {"difficulty_quantiles": (ONE_SIGMA, 0.95)}}
#: The whole-catalogue stages after ``catalogue``: degraded copies, and the options of ``CalibratedRegressor``.
CATALOGUE_OPTIONS = {
    "catalogue-degraded": {},
    "catalogue-quantiles": {"difficulty_quantiles": (ONE_SIGMA, 0.95)},
    "catalogue-classical": {"difficulty_quantiles": (ONE_SIGMA, 0.95), "interval": "classical"},
    "catalogue-variance": {"difficulty_target": "variance", "interval": "classical"},
}


def make_model(args) -> FoldEnsembleRegressor:
    params = {"random_state": args.random_state} if args.model in rrlsk.pipelines.NETWORKS else {}
    if args.epochs is not None:
        params["epochs"] = args.epochs
    return FoldEnsembleRegressor(rrlsk.make_pipeline(args.model, **params), cv=args.folds,
                                 random_state=args.random_state)


def _bin_labels(name: str, edges) -> list[str]:
    if name == "Blazhko":
        return BLAZHKO_LABELS
    return [f"{lo:g}-{hi:g}" for lo, hi in zip(edges[:-1], edges[1:])]


def binned(stars: pd.DataFrame, summarise, bins=BINS) -> pd.DataFrame:
    """``summarise(group) -> dict`` overall and in every bin of ``bins``."""
    rows = [{"variable": "all", "bin": "all", **summarise(stars)}]
    for name, (column, edges) in bins.items():
        groups = pd.cut(stars[column], edges, labels=_bin_labels(name, edges), right=False)
        for label, group in stars.groupby(groups, observed=False):
            rows.append({"variable": name, "bin": str(label), **summarise(group)})
    return pd.DataFrame(rows)


def coverage_summary(methods: dict[str, tuple[str, ...]]):
    """Coverage and width of each method's (half-width 68, half-width 95[, estimate]) columns
    (the estimate ``feh_pred`` unless given)."""

    def summarise(group: pd.DataFrame) -> dict:
        out = {"n": len(group)}
        for name, (half68, half95, *estimate) in methods.items():
            error = (group["target"] - group[estimate[0] if estimate else "feh_pred"]).abs()
            out[f"{name} cov68"] = float((error <= group[half68]).mean()) if len(group) else np.nan
            out[f"{name} cov95"] = float((error <= group[half95]).mean()) if len(group) else np.nan
            out[f"{name} width68"] = float(2 * group[half68].mean()) if len(group) else np.nan
            out[f"{name} width95"] = float(2 * group[half95].mean()) if len(group) else np.nan
        return out

    return summarise


def accuracy_summary(group: pd.DataFrame) -> dict:
    """Bias, MAE, RMSE against the truth and coverage of the 68/95 % intervals."""
    if not len(group):
        return {"n": 0}
    error = group["feh_pred"] - group["feh_true"]
    return {
        "n": len(group),
        "bias": float(error.mean()),
        "MAE": float(error.abs().mean()),
        "RMSE": float(np.sqrt((error**2).mean())),
        "cov68": float((error.abs() <= group["feh_std"]).mean()),
        "cov95": float((error.abs() <= group["half95"]).mean()),
        "median std": float(group["feh_std"].median()),
    }


def _timed(label: str, func, *args, **kwargs):
    start = time.perf_counter()
    out = func(*args, **kwargs)
    print(f"  {label}: {time.perf_counter() - start:.0f} s", flush=True)
    return out


def calibration_study(args, labels: str) -> pd.DataFrame:
    """Study 1 for one kind of labels; returns the per-star test table."""
    X, y, info = make_gaia_rrab(args.n_train + args.n_test, labels=labels, random_state=args.random_state)
    train, test = slice(0, args.n_train), slice(args.n_train, None)
    y_err = info["feh_error"].iloc[train] if labels == "spectroscopic" else None
    stars = info.iloc[test].copy()
    stars["target"] = stars["feh_true"] if labels == "spectroscopic" else y.iloc[test]
    for spread in ("ensemble", "difficulty"):
        # degrade=None: the figures were measured before degrade="auto" became the default
        model = CalibratedRegressor(make_model(args), spread=spread, random_state=args.random_state, degrade=None)
        _timed(f"{labels} fit, spread={spread}", model.fit, X.iloc[train], y.iloc[train], y_err=y_err)
        feh, std = _timed("predict", model.predict, X.iloc[test], return_std=True)
        stars["feh_pred"] = feh
        stars[f"{spread} half68"] = std
        stars[f"{spread} half95"] = std * model.factor(0.95) / model.factor(ONE_SIGMA)
        if spread == "ensemble":
            _, raw = model.estimator_.predict(X.iloc[test], return_std=True)
            stars["raw half68"], stars["raw half95"] = raw, Z95 * raw
    model = CalibratedRegressor(make_model(args), random_state=args.random_state, interval="classical",
                                degrade=None, **RECOMMENDED[labels])
    _timed(f"{labels} fit, recommended", model.fit, X.iloc[train], y.iloc[train], y_err=y_err)
    for confidence, level in ((ONE_SIGMA, "68"), (0.95, "95")):
        lower, upper = _timed("predict", model.predict_interval, X.iloc[test], confidence)
        stars["recommended pred"], stars[f"recommended half{level}"] = (lower + upper) / 2, (upper - lower) / 2
    return stars


def catalogue_study(args, degrade: LightCurveDegrader | str | None = None, **options) -> pd.DataFrame:
    """Study 2 (calibrated with ``degrade``'s copies too, if given; ``options`` of
    ``CalibratedRegressor``); returns the per-star catalogue table."""
    X, y, info = make_paper_sample(args.n_paper, labels="spectroscopic", random_state=args.random_state)
    model = CalibratedRegressor(make_model(args), random_state=args.random_state, degrade=degrade, **options)
    _timed("paper-sample fit", model.fit, X, y, y_err=info["feh_error"])
    X_cat, _, stars = make_gaia_rrab(args.n_catalogue, labels="spectroscopic", random_state=args.random_state + 1)
    selected, _ = select_paper_sample(_vari_rrlyrae(X_cat, stars, stars["n_epochs"].to_numpy()))
    table = _timed("catalogue predict_table", rrlsk.catalogue.predict_table, model, X_cat)
    stars = stars.join(table.rename(columns={"feh": "feh_pred"}))
    predicted = stars.index[stars["feh_std"].notna()]
    lower, upper = _timed("95 % intervals", model.predict_interval, X_cat.loc[predicted], 0.95)
    stars.loc[predicted, "half95"] = (upper - lower) / 2
    stars["paper_cuts"] = stars.index.isin(selected.index).astype(float)
    return stars


def catalogue_table(stars: pd.DataFrame) -> pd.DataFrame:
    """Accuracy and coverage of the predicted catalogue stars, overall and by bin."""
    predicted = stars[stars["status"].isin(["ok", "flagged"])].copy()
    predicted["outside"] = predicted["outside_training_domain"].astype(float)
    bins = {**{k: BINS[k] for k in ("epochs", "G", "amplitude", "Blazhko", "[Fe/H]")},
            "paper cuts": ("paper_cuts", [0, 0.5, 1.5]), "training domain": ("outside", [0, 0.5, 1.5])}
    table = binned(predicted, accuracy_summary, bins)
    table.loc[table["variable"] == "paper cuts", "bin"] = ["fails", "passes"]
    table.loc[table["variable"] == "training domain", "bin"] = ["inside", "outside"]
    return table


def _markdown(frame: pd.DataFrame) -> str:
    """Rows named ``variable: bin``, then the other columns, as a Markdown table."""
    names = (frame["variable"] + ": " + frame["bin"]).tolist()
    values = frame.drop(columns=["variable", "bin"])
    rows = [[name, *row] for name, row in zip(names, values.to_numpy().tolist())]
    return markdown_table(["stars", *values.columns], rows, "l" + "r" * len(values.columns))


def coverage_markdown(table: pd.DataFrame) -> str:
    """Compact coverage table: per method ``cov68 / cov95 (width68 / width95)``."""
    table = table[table["n"] > 0]
    out = table[["variable", "bin"]].copy()
    out["n"] = table["n"].map("{:,}".format)
    names = {"raw": "raw ensemble spread", "ensemble": "ensemble spread, calibrated",
             "difficulty": "difficulty model, calibrated", "recommended": "recommended: classical"}
    for method, title in names.items():
        if f"{method} cov68" not in table:  # tables from before the recommended setting
            continue
        out[title] = [f"{100 * c68:.1f} / {100 * c95:.1f} ({w68:.2f} / {w95:.2f})" for c68, c95, w68, w95 in
                      table[[f"{method} cov68", f"{method} cov95", f"{method} width68", f"{method} width95"]].to_numpy()]
    return _markdown(out)


def catalogue_markdown(table: pd.DataFrame) -> str:
    table = table[table["n"] > 0]
    out = table[["variable", "bin"]].copy()
    out["n"] = table["n"].map("{:,}".format)
    for column in ("bias", "MAE", "RMSE", "median std"):
        out[f"{column} (dex)"] = table[column].map("{:+.3f}".format if column == "bias" else "{:.3f}".format)
    for column in ("cov68", "cov95"):
        out[column.replace("cov", "coverage ") + " %"] = (100 * table[column]).map("{:.1f}".format)
    return _markdown(out)


def degraded_markdown(tables: dict[str, pd.DataFrame]) -> str:
    """Coverage, median std and MAE over the catalogue, one column per way of calibrating (title: table)."""
    both = None
    for number, table in enumerate(tables.values()):
        table = table.rename(columns={c: f"{c} {number}" for c in table.columns if c not in ("variable", "bin")})
        both = table if both is None else both.merge(table, on=["variable", "bin"])
    both = both[both["variable"].isin(["all", "epochs", "G", "amplitude", "[Fe/H]", "paper cuts", "training domain"])
                & (both["n 0"] > 0)]
    if not all((both["n 0"] == both[f"n {number}"]).all() for number in range(len(tables))):
        raise ValueError("the catalogue tables count different stars: recompute their stages")
    out = both[["variable", "bin"]].copy()
    out["n"] = both["n 0"].map("{:,}".format)
    for number, title in enumerate(tables):
        columns = [f"cov68 {number}", f"cov95 {number}", f"median std {number}", f"MAE {number}"]
        out[title] = [f"{100 * c68:.1f} / {100 * c95:.1f} ({std:.3f}; {mae:.3f})"
                      for c68, c95, std, mae in both[columns].to_numpy()]
    return _markdown(out)


def page_tables(args, command: str) -> dict[str, str]:
    """The Markdown blocks of docs/accuracy.md, from the cached tables."""
    runs = json.loads((args.tables / "runs.json").read_text())
    made = (f"Written by `{command}` (model: fold ensemble of {args.folds} `{args.model}` pipelines), "
            f"{time.strftime('%Y-%m-%d', time.gmtime())}; load average at the start of each stage: "
            + ", ".join(f"{r['stage']} {r['load_at_start']} ({r['seconds']:.0f} s)" for r in runs)
            + f" ({os.cpu_count()} cores). SIMULATED stars.")
    tables = {}
    for labels in ("spectroscopic", "photometric"):
        table = pd.read_csv(args.tables / f"calibration-{labels}.csv")
        tables[f"calibration-{labels}"] = coverage_markdown(table) + "\n\n" + made
    status = json.loads((args.tables / "catalogue-status.json").read_text())
    counts = ", ".join(f"{n:,} {s}" for s, n in status.items())
    tables["catalogue"] = catalogue_markdown(pd.read_csv(args.tables / "catalogue.csv")) + "\n\n" + made \
        + f" Status of the catalogue stars: {counts}; the table counts the predicted ones (ok and flagged)."
    degrader = make_degrader(args)
    copies = f"{degrader.n_copies} degraded cop{'y' if degrader.n_copies == 1 else 'ies'} of each star"
    tables["catalogue-degraded"] = degraded_markdown({title: pd.read_csv(args.tables / f"{stage}.csv") for title, stage in (
        ("paper sample only", "catalogue"), ("with degraded copies", "catalogue-degraded"),
        ("copies, quantiles", "catalogue-quantiles"), ("copies, quantiles, classical", "catalogue-classical"),
        ("copies, variance, classical", "catalogue-variance"))}) + "\n\n" + made \
        + " Each cell: coverage of the true [Fe/H] by the 68 % / 95 % " \
        "interval in percent (median std; MAE against the true [Fe/H], dex), calibrated on the paper's sample " \
        f"alone or with {copies} (`LightCurveDegrader`: {degrader.min_epochs} epochs to all of them, " \
        f"0-{degrader.max_dimming:g} mag fainter); *quantiles*: also `difficulty_quantiles=(ONE_SIGMA, 0.95)`; " \
        "*classical*: also `interval=\"classical\"`; *variance*: copies, `interval=\"classical\"` and " \
        "`difficulty_target=\"variance\"`."
    return tables


def plot_catalogue(by_bin: pd.DataFrame, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    variables = ["epochs", "G", "amplitude", "Blazhko"]
    fig, axes = plt.subplots(2, 4, figsize=(13, 5.5), sharey="row")
    for col, variable in enumerate(variables):
        part = by_bin[(by_bin["variable"] == variable) & (by_bin["n"] > 0)]
        x = np.arange(len(part))
        top, bottom = axes[0, col], axes[1, col]
        top.plot(x, part["RMSE"], "o-", label="RMSE")
        top.plot(x, part["MAE"], "s-", label="MAE")
        top.plot(x, part["bias"], "^-", label="bias")
        top.axhline(0, color="0.7", lw=0.8)
        top.set_xticks(x, [])
        bottom.plot(x, part["cov68"], "o-", label="68 % interval")
        bottom.plot(x, part["cov95"], "s-", label="95 % interval")
        for level in (0.68, 0.95):
            bottom.axhline(level, color="0.7", lw=0.8, ls="--")
        bottom.set_xticks(x, part["bin"], rotation=45, fontsize=8)
        bottom.set_xlabel({"epochs": "G epochs", "G": "mean G (mag)", "amplitude": "G amplitude (mag)",
                           "Blazhko": "Blazhko amplitude"}[variable])
    axes[0, 0].set_ylabel("error vs truth (dex)")
    axes[1, 0].set_ylabel("coverage of the truth")
    axes[0, 0].legend(fontsize=8)
    axes[1, 0].legend(fontsize=8)
    fig.suptitle("SIMULATED Gaia DR3 RRab catalogue, model trained on the paper's cuts", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main(argv=None) -> int:
    args = parse_args(argv)
    args.tables.mkdir(parents=True, exist_ok=True)
    args.cache.mkdir(parents=True, exist_ok=True)
    load = os.getloadavg()
    print(f"model {args.model} x{args.folds}; tables in {args.tables}; load {load[0]:.1f}", flush=True)
    methods = {"raw": ("raw half68", "raw half95"), "ensemble": ("ensemble half68", "ensemble half95"),
               "difficulty": ("difficulty half68", "difficulty half95"),
               "recommended": ("recommended half68", "recommended half95", "recommended pred")}
    for labels in ("spectroscopic", "photometric"):
        out = args.tables / f"calibration-{labels}.csv"
        if out.exists():
            print(f"{out.name} exists: skipped", flush=True)
            continue
        start = time.perf_counter()
        stars = calibration_study(args, labels)
        stars.to_parquet(args.cache / f"calibration-{labels}.parquet")
        binned(stars, coverage_summary(methods), {k: BINS[k] for k in ("G", "epochs", "period", "[Fe/H]")}).to_csv(
            out, index=False, float_format="%.4f")
        _record(args, f"calibration-{labels}", time.perf_counter() - start, load)
    out = args.tables / "catalogue.csv"
    if args.calibration_only:
        for labels in ("spectroscopic", "photometric"):
            print(coverage_markdown(pd.read_csv(args.tables / f"calibration-{labels}.csv")))
        return 0
    if not out.exists():
        start = time.perf_counter()
        stars = catalogue_study(args)
        stars.to_parquet(args.cache / "catalogue.parquet")
        catalogue_table(stars).to_csv(out, index=False, float_format="%.4f")
        (args.tables / "catalogue-status.json").write_text(json.dumps(stars["status"].value_counts().to_dict()))
        _record(args, "catalogue", time.perf_counter() - start, load)
    for stage, options in CATALOGUE_OPTIONS.items():
        if (args.tables / f"{stage}.csv").exists():
            continue
        start = time.perf_counter()
        stars = catalogue_study(args, make_degrader(args), **options)
        stars.to_parquet(args.cache / f"{stage}.parquet")
        catalogue_table(stars).to_csv(args.tables / f"{stage}.csv", index=False, float_format="%.4f")
        _record(args, stage, time.perf_counter() - start, load)
    plot_catalogue(pd.read_csv(out), args.cache / "catalogue.png")
    command = " ".join(["nice", "-n", str(os.nice(0))] * bool(os.nice(0)) + ["python", "benchmarks/uncertainty.py"]
                       + [shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:])])
    tables = page_tables(args, command)
    for text in tables.values():
        print(text, "\n")
    if args.markdown:
        rewrite(args.markdown, "uncertainty.py", tables)
        plot_catalogue(pd.read_csv(out), args.markdown.parent / "figures" / "accuracy_catalogue.png")
    return 0


def _record(args, stage: str, seconds: float, load) -> None:
    path = args.tables / "runs.json"
    runs = json.loads(path.read_text()) if path.exists() else []
    runs.append({"stage": stage, "seconds": round(seconds, 1), "load_at_start": round(load[0], 2),
                 "machine": f"{os.cpu_count()} cores, {platform.machine()}", "rrlsk": rrlsk.__version__,
                 "args": {k: str(v) for k, v in vars(args).items()}})
    path.write_text(json.dumps(runs, indent=1))


if __name__ == "__main__":
    raise SystemExit(main())
