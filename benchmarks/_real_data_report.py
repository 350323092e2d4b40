"""Tables and figure of ``docs/real_data.md`` from the finished cells of
``benchmarks/real_data.py`` (no training here)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from rrlsk.metrics import mae, r2, rmse

from _doc_tables import Run, markdown_table, rewrite  # noqa: E402  (this folder is on sys.path)
from real_data import ENSEMBLES, FOLDS, MEASURED, RECIPES, SIMULATED, oof_predictions  # noqa: E402

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


def binned_table(y, done, key: pd.Series, edges, what: str, unit: str) -> str:
    groups = pd.cut(key, edges, right=False)
    header = [what, "stars", "label SD", *(f"`{r}` MAE / bias" for r in done)]
    rows = []
    for interval, members in y.groupby(groups, observed=True).groups.items():
        label = f"{interval.left:g} to {interval.right:g}{unit}"
        cells = [f"{mae(y[members], p[members]):.3f} / {np.mean(p[members] - y[members]):+.3f}" for p in done.values()]
        rows.append([label, len(members), f"{y[members].std():.3f}", *cells])
    return markdown_table(header, rows, "lrr" + "r" * len(done))


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
        "simulation": simulation_table(y, {PUBLISHED: info["dekany_oof"], **simulated}),
        "missing": ", ".join(f"`{m}`" for m in missing) if missing else "none",
    }
    run.finish()
    tables = {name: f"{table}\n\n{run.provenance()}" if name != "missing" else table
              for name, table in tables.items()}
    if best is not None:
        figure(y, done, best)
    if page:
        rewrite(page, "real_data.py", tables)
    return tables["summary"]
