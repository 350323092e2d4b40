"""The paper's hyperparameter search, by successive halving, resumable.

Monti et al. (2024) tune dropout x learning rate x batch size (60
candidates, :func:`rrlsk.model_selection.paper_param_grid`) by grid search;
this runs that grid as scikit-learn's ``HalvingGridSearchCV`` with training
epochs as the resource (each round keeps the best third of the candidates
and trains them three times as long), on one of two samples:

- ``simulated``: the simulated paper sample (``make_paper_sample(6002,
  random_state=0)``, photometric labels; SIMULATED data), the paper's
  binned stratified 5-fold, repeated twice (``--repeats``);
- ``real``: the 4,013 labelled Gaia DR2 stars of Dékány & Grebel (2022),
  their own nine folds, or those nine in ``--groups`` consecutive groups
  (3: train on six folds, score the other three; REAL data; the chosen
  values are then scored in ``benchmarks/real_data.py`` on the same folds,
  so that figure is not independent of the choice).

Budget (the issue allows 3 CPU-hours a sample): a round costs about
candidates x splits x epochs x CPU-seconds per epoch, and the four rounds
cost about the same. At 100 points with TensorFlow an epoch of 4,800 stars
is about 3 CPU-seconds (far over budget); at 50 points with
``KERAS_BACKEND=jax`` about 0.45 (``docs/networks.md``), so 5 splits (one
repeat) of the simulated sample fit in about 2.5 CPU-hours. The kept fits
are per sample, grid points, splits and Keras backend.

The model is the library's default GRU pipeline (no sample weights),
scored by RMSE. Every prediction of every fit is kept at once in
``benchmarks/measured/search/<name>/`` by
:class:`rrlsk.model_selection.CachedFit` (a small ``.npz`` and its JSON
record: parameters, CPU seconds, epochs, load, date; committed), so a
killed run started again re-fits only what it had not finished, on any
machine. At the end the ranked candidates of every round are written to
``benchmarks/measured/search/<name>.csv`` and a summary (best
values, rounds, CPU spent) to ``.json``.

Usage::

    KERAS_BACKEND=jax nice -n 5 python benchmarks/search.py simulated --points 50 --repeats 1
    KERAS_BACKEND=jax nice -n 5 python benchmarks/search.py real --points 50 --groups 3
    python benchmarks/search.py simulated --tiny      # seconds, a smoke test

Run again with ``--markdown docs/results.md`` (or ``docs/real_data.md``) once
finished: every fit is read from disk, and the rounds are written into the
page.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
# JAX compiles each fit's training step again; kept compilations make the repeats cheap (tiny search:
# 18.2 CPU-s a fit without, 6.2 with a cold cache, 1.8 with a warm one)
os.environ.setdefault("JAX_COMPILATION_CACHE_DIR", str(Path.home() / ".cache" / "rrlsk-jax"))
os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS", "0")
os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES", "0")

import keras  # noqa: E402
import pandas as pd  # noqa: E402
from sklearn.experimental import enable_halving_search_cv  # noqa: E402,F401
from sklearn.base import clone  # noqa: E402
from sklearn.model_selection import HalvingGridSearchCV, PredefinedSplit, cross_validate  # noqa: E402

import rrlsk  # noqa: E402
from rrlsk.model_selection import CachedFit, RepeatedBinnedStratifiedKFold, paper_param_grid  # noqa: E402

from _doc_tables import Run, markdown_table, rewrite  # noqa: E402  (this folder is on sys.path)

HERE = Path(__file__).resolve().parent
MEASURED = HERE / "measured" / "search"
SHARED_ARCHIVE = HERE.parents[1] / "shared" / "data" / "gaia_dr2_rrab_g_folded.tar.gz"
STEP = "estimator__gru"
#: epochs of the first round and of the last (factor 3: 15, 45, 135, 405 epochs for 60 candidates)
MIN_EPOCHS, MAX_EPOCHS = 15, 405


def sample(args):
    """``(X, y, cv)`` of the sample ``args`` name; ``--tiny``: 150 simulated stars and two folds."""
    if args.sample == "real" and not args.tiny:
        X, y, info = rrlsk.datasets.load_dekany2022(args.light_curves)
        folds = info["fold"].to_numpy()
        return X, y, PredefinedSplit(folds // (9 // args.groups))
    X, y, _ = rrlsk.datasets.make_paper_sample(150 if args.tiny else 6002, random_state=0)
    cv = RepeatedBinnedStratifiedKFold(n_splits=2 if args.tiny else 5, n_repeats=1 if args.tiny else args.repeats,
                                       n_bins=5 if args.tiny else 10, random_state=0)
    return X, y, cv


def splits_text(args, cv) -> str:
    """How the sample was split, in words."""
    if args.sample == "real" and not args.tiny:
        return f"the sample's nine folds in {args.groups} groups ({cv.get_n_splits()} splits)"
    return f"binned stratified {cv.n_splits}-fold, {cv.n_repeats} repeat(s) ({cv.get_n_splits()} splits)"


def rounds_table(table: pd.DataFrame, summary: dict, records: list[dict], run: Run) -> str:
    """Markdown: the best candidate of each round, the choice beside the defaults, the cost."""
    rows = []
    for (round_, epochs), candidates in table.groupby(["round", "epochs"]):
        best = candidates.iloc[0]
        rows.append([round_ + 1, epochs, len(candidates), best["dropout"], best["learning_rate"], int(best["batch_size"]),
                     f"{best['rmse']:.4f} +- {best['rmse_std']:.4f}"])
    defaults = rrlsk.make_pipeline("gru")[-1].get_params()
    rows.append(["defaults", summary["epochs_per_round"][-1], 1, str(defaults["dropout"]), defaults["learning_rate"],
                 defaults["batch_size"], f"{summary['defaults_rmse']:.4f} +- {summary['defaults_rmse_std']:.4f}"])
    text = markdown_table(["round", "epochs", "candidates", "best: dropout", "learning rate", "batch size",
                           "its RMSE (dex, mean +- SD over splits)"], rows, "rrrrrrl")
    dates = sorted(r["date"] for r in records)
    loads = [r["load"] for r in records]
    chosen = summary["best"]
    return text + (
        f"\n\nChosen: dropout {chosen['dropout']}, learning rate {chosen['learning_rate']}, batch size "
        f"{chosen['batch_size']}; the last row is the library's defaults trained as long, on the same splits. "
        f"{summary['n_stars']:,} stars, {summary['points']} grid points, {summary['backend']} backend, "
        f"{summary['cv']}; {summary['fits']} fits, {summary['fit_cpu_hours']} CPU-hours in all (each fit's "
        f"own CPU time), run between {dates[0]} and {dates[-1]} at load {min(loads):.1f}-{max(loads):.1f}.\n\n"
        + run.provenance() + f" {summary['fits_this_run']} of the fits ran in that run; the others were read "
        "from their kept predictions."
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sample", choices=("simulated", "real"))
    parser.add_argument("--points", type=int, default=100, help="spline grid points per curve")
    parser.add_argument("--epochs", type=int, nargs=2, default=(MIN_EPOCHS, MAX_EPOCHS), metavar=("FIRST", "LAST"),
                        help="epochs of the first round and the most any round gets")
    parser.add_argument("--repeats", type=int, default=2, help="simulated: repeats of the 5-fold split")
    parser.add_argument("--groups", type=int, default=9, choices=(3, 9), help="real: groups of the nine folds")
    parser.add_argument("--light-curves", default=str(SHARED_ARCHIVE), help="lc_dev_g.tar.gz or its folder")
    parser.add_argument("--out", default=str(MEASURED), help="folder of the kept fits and the results")
    parser.add_argument("--tiny", action="store_true", help="seconds: tiny sample, 4 candidates, 1-3 epochs")
    parser.add_argument("--markdown", nargs="+", metavar="PAGE",
                        help="write the rounds into these pages' '<!-- search.py: SAMPLE -->' blocks")
    args = parser.parse_args(argv)
    run = Run("search.py", argv)

    X, y, cv = sample(args)
    name = f"{'tiny' if args.tiny else args.sample}-{args.points}pts-{cv.get_n_splits()}splits-{keras.backend.backend()}"
    out = Path(args.out)
    pipe = rrlsk.make_pipeline("gru", n_points=args.points, random_state=0)
    grid = paper_param_grid(STEP)
    low, high = args.epochs
    if args.tiny:
        grid = {f"{STEP}__dropout": [0.1, 0.2], f"{STEP}__learning_rate": [0.01], f"{STEP}__batch_size": [32, 64]}
        low, high = 1, 3
    search = HalvingGridSearchCV(
        CachedFit(pipe, out / name), grid, resource=f"{STEP}__epochs", min_resources=low, max_resources=high,
        factor=3, cv=cv, scoring="neg_root_mean_squared_error", refit=False, random_state=0,
        return_train_score=False,
    )
    load_start, start = os.getloadavg()[0], time.perf_counter()
    kept_before = len(list((out / name).glob("*.json")))
    search.fit(X, y)
    # the library's defaults, trained as long as the last round, on the same splits (kept the same way)
    defaults = cross_validate(CachedFit(clone(pipe).set_params(gru__epochs=high), out / name), X, y, cv=cv,
                              scoring="neg_root_mean_squared_error")["test_score"]
    results = pd.DataFrame(search.cv_results_)
    table = pd.DataFrame({
        "round": results["iter"], "epochs": results["n_resources"],
        **{key.removeprefix(STEP + "__"): results[f"param_{key}"] for key in grid},
        "rmse": -results["mean_test_score"], "rmse_std": results["std_test_score"],
        "rank_in_round": results.groupby("iter")["mean_test_score"].rank(ascending=False, method="min").astype(int),
    }).sort_values(["round", "rank_in_round"])
    table.to_csv(out / f"{name}.csv", index=False, float_format="%.5g")
    records = [json.loads(path.read_text()) for path in (out / name).glob("*.json")]
    summary = {
        "sample": "tiny" if args.tiny else args.sample, "points": args.points, "n_stars": len(y), "cv": splits_text(args, cv),
        "backend": keras.backend.backend(),
        "best": {key.removeprefix(STEP + "__"): value for key, value in search.best_params_.items()},
        "best_rmse": round(-float(search.best_score_), 5),
        "defaults_rmse": round(-float(defaults.mean()), 5), "defaults_rmse_std": round(float(defaults.std()), 5),
        "candidates_per_round": [int(n) for n in search.n_candidates_],
        "epochs_per_round": [int(n) for n in search.n_resources_],
        "fits": len(records), "fits_this_run": len(records) - kept_before, "fit_cpu_hours": round(sum(r["fit_cpu_s"] for r in records) / 3600, 2),
        "wall_s_this_run": round(time.perf_counter() - start, 1), "load_start": round(load_start, 2),
        "load_end": round(os.getloadavg()[0], 2), "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "cores": os.cpu_count(), "rrlsk": rrlsk.__version__,
    }
    (out / f"{name}.json").write_text(json.dumps(summary, indent=1) + "\n")
    print(table.to_string(index=False))
    print(json.dumps(summary, indent=1))
    run.finish()
    for page in args.markdown or []:
        rewrite(page, "search.py", {summary["sample"]: rounds_table(table, summary, records, run)})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
