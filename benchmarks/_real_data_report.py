"""Tables and figure of ``docs/real_data.md`` from the finished cells of
``benchmarks/real_data.py`` (no training here)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from rrlsk.metrics import mae, r2, rmse

from _doc_tables import Run, markdown_table, rewrite  # noqa: E402  (this folder is on sys.path)
from real_data import (ENSEMBLES, FOLDS, MEASURED, RECIPES, SHIPPED_ALIGN, SIMULATED, fold_models,  # noqa: E402
                       members, oof_predictions)

PUBLISHED = "dekany2022 (published)"
POINT_BINS = (21, 30, 35, 40, 50, 98)  # points per cycle, left-closed
LABEL_BINS = (-2.75, -2.0, -1.75, -1.5, -1.25, -1.0, 0.0)  # [Fe/H] label, dex, left-closed
FIGURE = Path(__file__).resolve().parents[1] / "docs" / "figures" / "real_data.png"


def scores(y: pd.Series, prediction: pd.Series) -> dict[str, float]:
    """MAE, RMSE, R2 and bias (prediction - label) in dex."""
    return {
        "MAE": mae(y, prediction), "RMSE": rmse(y, prediction), "R2": r2(y, prediction),
        "bias": float(np.mean(prediction - y)),
    }


def finished(y: pd.Series, recipes, first=None) -> tuple[dict[str, pd.Series], list[str]]:
    """Out-of-fold predictions of every finished recipe (after ``first``); and the missing ones."""
    done = dict(first or {})
    missing = []
    for recipe in recipes:
        prediction = oof_predictions(recipe, y.index)
        if prediction is None:
            missing.append(recipe)
        else:
            done[recipe] = prediction
    return done, missing


def _cost(recipe: str) -> str:
    records = [json.loads(p.read_text()) for p in sorted((MEASURED / recipe).glob("fold*.json"))]
    if not records or "epochs" not in records[0]:
        return ""
    epochs = [r["epochs"] for r in records]
    if recipe in SIMULATED:
        return f"{epochs[0]} epochs, {records[0]['cpu_s'] / 60:.0f} CPU-min"
    return f"{min(epochs)}-{max(epochs)} epochs, {np.mean([r['cpu_s'] for r in records]) / 60:.0f} CPU-min a fold"


def _what(recipe: str) -> str:
    if recipe == PUBLISHED:
        return "Dékány & Grebel (2022) G-band BiLSTM, their out-of-fold predictions"
    return (ENSEMBLES.get(recipe) or RECIPES.get(recipe) or SIMULATED[recipe])[0]


def summary_table(y, done) -> str:
    rows = []
    for recipe, prediction in sorted(done.items(), key=lambda item: mae(y, item[1])):
        s = scores(y, prediction)
        rows.append([f"`{recipe}`", f"{s['MAE']:.4f}", f"{s['RMSE']:.4f}", f"{s['R2']:.3f}",
                     f"{s['bias']:+.4f}", _what(recipe), _cost(recipe)])
    return markdown_table(["model", "MAE", "RMSE", "R2", "bias", "what", "cost"], rows, "lrrrrll")


def simulation_table(y, done) -> str:
    """Models trained on the simulator, on the real stars: scores and the line prediction = a + b label."""
    rows = []
    for recipe, prediction in done.items():
        s = scores(y, prediction)
        slope, intercept = np.polyfit(y, prediction, 1)
        rows.append([f"`{recipe}`", f"{s['MAE']:.4f}", f"{s['RMSE']:.4f}", f"{s['R2']:.3f}", f"{s['bias']:+.4f}",
                     f"{slope:.3f}", f"{intercept:+.3f}", _what(recipe), _cost(recipe)])
    return markdown_table(["model", "MAE", "RMSE", "R2", "bias", "slope", "intercept", "what", "cost"], rows,
                          "lrrrrrrll")


def fold_table(y, info, done) -> str:
    header = ["model", *(f"fold {k}" for k in FOLDS), "SD over folds"]
    rows = []
    for recipe, prediction in done.items():
        per_fold = [mae(y[info["fold"] == k], prediction[info["fold"] == k]) for k in FOLDS]
        rows.append([f"`{recipe}`", *(f"{v:.4f}" for v in per_fold), f"{np.std(per_fold, ddof=1):.4f}"])
    return markdown_table(header, rows, "l" + "r" * (len(FOLDS) + 1))


def partial_table(y, info, recipes, reference: dict[str, pd.Series]) -> str:
    """Recipes with some folds finished: their MAE beside the ``reference`` models' on the same stars only."""
    header = ["recipe", "folds done", "stars", "MAE", *(f"`{r}` MAE, same stars" for r in reference)]
    rows = []
    for recipe in recipes:
        folds = [k for k in FOLDS if all((MEASURED / m / f"fold{k}.csv").exists() for m in members(recipe))]
        if not folds:
            continue
        columns = [pd.concat([pd.read_csv(MEASURED / m / f"fold{k}.csv", index_col="source_id") for k in folds])
                   ["prediction"] for m in members(recipe)]
        prediction = pd.concat(columns, axis=1).mean(axis=1)
        stars = prediction.index
        rows.append([f"`{recipe}`", ", ".join(map(str, folds)), len(stars), f"{mae(y[stars], prediction):.4f}",
                     *(f"{mae(y[stars], p[stars]):.4f}" for p in reference.values())])
    if not rows:
        return "No recipe has part of its folds done."
    return markdown_table(header, rows, "llrr" + "r" * len(reference))


def binned_table(y, done, key: pd.Series, edges, what: str, unit: str) -> str:
    groups = pd.cut(key, edges, right=False)
    header = [what, "stars", "label SD", *(f"`{r}` MAE / bias" for r in done)]
    rows = []
    for interval, members in y.groupby(groups, observed=True).groups.items():
        label = f"{interval.left:g} to {interval.right:g}{unit}"
        cells = [f"{mae(y[members], p[members]):.3f} / {np.mean(p[members] - y[members]):+.3f}" for p in done.values()]
        rows.append([label, len(members), f"{y[members].std():.3f}", *cells])
    return markdown_table(header, rows, "lrr" + "r" * len(done))


def interval_coverage(X, y, info, recipe: str) -> pd.DataFrame | None:
    """Out-of-fold coverage of the shipped model's calibrated intervals, fold by fold.

    The fold models align phases as the shipped model does
    (``SHIPPED_ALIGN``). For each fold k the calibration of ``scripts/make_rrlsk_gaia_g.py``
    (``CalibratedRegressor(cv="prefit")`` on the fold ensemble's out-of-fold
    residuals) is refitted without fold k: on the other eight folds and
    their fold models. Fold k's stars then get intervals whose half-widths
    come from that calibration and whose centre is their out-of-fold
    prediction (the fold-k model, which never saw them). Returns one row per
    star (``fold``, ``residual``, ``half68``, ``half95``), or None when the
    recipe kept no fold models.
    """
    from rrlsk.ensemble import FoldEnsembleRegressor
    from rrlsk.uncertainty import CalibratedRegressor
    from sklearn.base import clone
    from sklearn.model_selection import PredefinedSplit

    models = fold_models(recipe, lambda pipe: pipe.set_params(**SHIPPED_ALIGN))
    if models is None:
        return None
    everything = PredefinedSplit(info["fold"].to_numpy())
    oof = pd.Series(FoldEnsembleRegressor.from_fitted(clone(models[0]), everything, models, X, y).oof_prediction_,
                    y.index)
    rows = []
    for k in FOLDS:
        held = (info["fold"] == k).to_numpy()
        others = [j for j in FOLDS if j != k]
        cv = PredefinedSplit(info["fold"].to_numpy()[~held])
        ensemble = FoldEnsembleRegressor.from_fitted(clone(models[0]), cv, [models[j] for j in others], X[~held], y[~held])
        calibrated = CalibratedRegressor(ensemble, cv="prefit", random_state=0).fit(X[~held], y[~held])
        halves = {}
        for confidence in (0.68, 0.95):
            lower, upper = calibrated.predict_interval(X[held], confidence=confidence)
            halves[f"half{round(confidence * 100)}"] = (np.asarray(upper) - np.asarray(lower)) / 2
        rows.append(pd.DataFrame({"fold": k, "residual": (y[held] - oof[held]).to_numpy(), **halves},
                                 index=y.index[held]))
    return pd.concat(rows).reindex(y.index)


def coverage_table(y, info, coverage: pd.DataFrame) -> str:
    """Share of real labels inside the 68 and 95 % intervals, overall and by label and by points."""
    inside = {c: (coverage["residual"].abs() <= coverage[f"half{c}"]) for c in (68, 95)}
    groups = [("all stars", np.ones(len(y), bool))]
    for edges, key, unit in ((LABEL_BINS, y, " dex"), (POINT_BINS, info["n_points"], " points")):
        cut = pd.cut(key, edges, right=False)
        groups += [(f"{iv.left:g} to {iv.right:g}{unit}", (cut == iv).to_numpy()) for iv in cut.cat.categories
                   if (cut == iv).any()]
    rows = []
    for name, mask in groups:
        n = int(mask.sum())
        rows.append([name, n, f"{100 * inside[68][mask].mean():.1f}", f"{100 * inside[95][mask].mean():.1f}",
                     f"{np.median(coverage['half68'][mask]):.3f}",
                     f"{100 * np.sqrt(0.68 * 0.32 / n):.1f}"])
    return markdown_table(["stars", "n", "68 % covered", "95 % covered", "median 68 % half-width (dex)",
                           "1-sigma noise of the 68 % share"], rows, "lrrrrr")


def figure(y, done, best: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(9, 4.4), sharex=True, sharey=True, constrained_layout=True)
    lims = (-2.9, 0.2)
    for ax, recipe in zip(axes, (best, PUBLISHED)):
        prediction = done[recipe]
        ax.scatter(y, prediction, s=3, alpha=0.35, color="C0" if recipe == best else "C1", rasterized=True)
        ax.plot(lims, lims, color="k", lw=0.8)
        s = scores(y, prediction)
        ax.set_title(f"{recipe}\nMAE {s['MAE']:.3f}, RMSE {s['RMSE']:.3f}, R2 {s['R2']:.3f} dex", fontsize=9)
        ax.set_xlabel("[Fe/H] label (OGLE-IV I-band photometric), dex")
        ax.set_xlim(lims)
        ax.set_ylim(lims)
    axes[0].set_ylabel("out-of-fold predicted [Fe/H], dex")
    fig.suptitle(f"{len(y):,} real Gaia DR2 RRab stars, 9 folds", fontsize=10)
    FIGURE.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(FIGURE, dpi=110)
    plt.close(fig)


def _intervals(X, y, info, ranked) -> str:
    for recipe in ranked:
        coverage = interval_coverage(X, y, info, recipe)
        if coverage is not None:
            return f"Recipe `{recipe}`:\n\n" + coverage_table(y, info, coverage)
    return "No recipe with fold models has finished all nine folds."


def write_report(X, y, info, page: str | None) -> str:
    """Score the finished recipes; rewrite ``page``'s tables when given; return the summary."""
    run = Run("real_data.py", ["report", *(["--markdown", page] if page else [])])
    done, missing = finished(y, [*RECIPES, *ENSEMBLES], {PUBLISHED: info["dekany_oof"]})
    simulated, sim_missing = finished(y, SIMULATED)
    missing += sim_missing
    ranked = sorted((r for r in done if r != PUBLISHED), key=lambda r: mae(y, done[r]))
    best = ranked[0] if ranked else None
    shown = {r: done[r] for r in [PUBLISHED, *ranked[:3]]}
    tables = {
        "summary": summary_table(y, done),
        "folds": fold_table(y, info, done),
        "points": binned_table(y, shown, info["n_points"], POINT_BINS, "points per cycle", ""),
        "labels": binned_table(y, shown, y, LABEL_BINS, "[Fe/H] label", " dex"),
        "intervals": _intervals(X, y, info, ranked),
        "simulation": simulation_table(y, {PUBLISHED: info["dekany_oof"], **simulated}),
        "missing": ", ".join(f"`{m}`" for m in missing) if missing else "none",
        "partial": partial_table(y, info, missing, {r: done[r] for r in (PUBLISHED, "gru") if r in done}),
    }
    run.finish()
    tables = {name: f"{table}\n\n{run.provenance()}" if name != "missing" else table
              for name, table in tables.items()}
    if best is not None:
        figure(y, done, best)
    if page:
        rewrite(page, "real_data.py", tables)
    return tables["summary"]
