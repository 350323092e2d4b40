"""The paper's experiment on the simulated Gaia DR3 sample (Monti et al. 2024).

Every network and baseline is cross-validated on the same binned stratified
folds of a simulated 6,002-star RRab sample selected with the paper's cuts
(:func:`rrlsk.datasets.make_paper_sample`) with photometric labels, trained
with density weights and scored with 1/sigma^2 evaluation weights; a reduced
grid search tunes the GRU. Results are SIMULATED-DATA figures: they measure
the method and the library, not Gaia.

Each model's report is written to ``<out>/<labels>/reports/<model>.joblib`` as
soon as it is done and skipped on a re-run, so a long run can be stopped and
resumed; its small summary (validation mean and std per metric, out-of-fold
scores against the simulator's true [Fe/H], epochs, minutes, date and load)
goes to ``benchmarks/measured/reproduce_paper_cv/<labels>/<model>.json``,
committed, and ``--table`` (without ``--split``) prints the comparison from
those files, models not yet run shown as missing. ``gru_meta`` and
``lstm_meta`` are the GRU and the LSTM with the Fourier parameters of the
raw folded curve as per-star scalars (``make_pipeline("gru",
meta=FEATURE_NAMES)``).

The paper trains every network for up to 20,000 epochs on a GPU; on 2 CPU
cores the budget is epochs: by default the GRU (the paper's best and
rrlsk's default) gets up to 100 and the other networks up to 20, which
keeps the whole run to about 2 hours; the epochs each fit really ran are in
the reports' learning curves.

``--split`` runs the converged comparison instead (Table A1 layout): every
network on each of the paper's catalogues (``--catalogues``), trained once
on the paper's 80/20 split (4,801/1,201 stars, binned stratified on
[Fe/H]) under rrlsk's default training loop, each fit stopped by its own
early stopping under the ``--epochs`` cap (a fit that reaches the cap is
marked). Each finished (labels, model, catalogue, split) cell is written at
once to ``benchmarks/measured/reproduce_paper/<labels>/<model>-<catalogue>.json``
(small, committed), so a later run on any machine continues where the last
one stopped; ``--table`` prints the Markdown tables from those files, with
cells not yet run shown as missing, ``--markdown PAGE`` writes them into
PAGE (between its ``<!-- reproduce_paper.py: split -->`` markers) with the
command, each cell's date and load, and which network is best on each
catalogue, and ``--plot FIGURE`` draws every cell's learning curve.

Usage::

    python benchmarks/reproduce_paper.py                     # the full run
    nice python benchmarks/reproduce_paper.py --split --models gru fcn --catalogues spline
    python benchmarks/reproduce_paper.py --split --table      # tables from the committed cells
    python benchmarks/reproduce_paper.py --split --table --markdown docs/results.md --plot docs/figures/split_learning_curves.png
    python benchmarks/reproduce_paper.py --models gru svr --epochs 30
    python benchmarks/reproduce_paper.py --tiny              # seconds, for a smoke test
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import joblib  # noqa: E402
import pandas as pd  # noqa: E402
import sklearn  # noqa: E402
from sklearn.model_selection import GridSearchCV  # noqa: E402

import _doc_tables  # noqa: E402
import rrlsk  # noqa: E402
from rrlsk import metrics, plotting  # noqa: E402
from rrlsk.datasets import make_paper_sample  # noqa: E402
from rrlsk.evaluation import compare, cross_validate_report  # noqa: E402
from rrlsk.model_selection import BinnedStratifiedKFold  # noqa: E402
from rrlsk.pipelines import CATALOGUES, MODELS, NETWORKS, make_pipeline  # noqa: E402
from rrlsk.preprocessing.fourier_features import FEATURE_NAMES  # noqa: E402
from rrlsk.weights import density_weights  # noqa: E402

BASELINES = ["fourier_relation", "fourier_linear", "svr", "random_forest", "gradient_boosting", "minirocket"]
#: Networks with per-star scalars beside the sequence: name -> (network, scalars).
META_MODELS = {"gru_meta": ("gru", FEATURE_NAMES), "lstm_meta": ("lstm", FEATURE_NAMES)}
ALL_MODELS = [*NETWORKS, *META_MODELS, *BASELINES]
#: The reduced GRU grid: the paper's values around its optimum (Table 3).
GRU_GRID = {"gru__dropout": [0.1, 0.2], "gru__learning_rate": [0.003, 0.01], "gru__batch_size": [64, 256]}


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n-stars", type=int, default=6002, help="simulated stars (default 6002, the paper's sample)")
    parser.add_argument("--labels", default="photometric", choices=["photometric", "spectroscopic"])
    parser.add_argument("--folds", type=int, default=5, help="folds of the binned stratified CV (default 5)")
    parser.add_argument("--epochs", type=int, default=100, help="most epochs per GRU fit (default 100)")
    parser.add_argument("--epochs-others", type=int, default=20,
                        help="most epochs per fit of the other networks (default 20)")
    parser.add_argument("--patience", type=int, default=None,
                        help="early-stopping patience, epochs (default: the regressors' own)")
    parser.add_argument("--n-points", type=int, default=100, help="points of the resampled curves (default 100)")
    parser.add_argument("--models", nargs="+", default=ALL_MODELS, choices=ALL_MODELS)
    parser.add_argument("--grid", action="store_true", help="also run the reduced GRU grid search (3-fold)")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/reproduce_paper"))
    parser.add_argument("--tiny", action="store_true", help="200 stars, 2 epochs, 3 folds: a smoke test")
    parser.add_argument("--split", action="store_true",
                        help="the converged comparison on the paper's 80/20 split (see the module notes)")
    parser.add_argument("--catalogues", nargs="+", default=list(CATALOGUES), choices=list(CATALOGUES))
    parser.add_argument("--measured", type=Path, default=None,
                        help="folder of the per-cell results (default benchmarks/measured/reproduce_paper, "
                             "and benchmarks/measured/reproduce_paper_cv without --split)")
    parser.add_argument("--table", action="store_true", help="only print the tables from the measured results")
    parser.add_argument("--markdown", type=Path, metavar="PAGE",
                        help="write the table into PAGE between its reproduce_paper.py markers")
    parser.add_argument("--plot", type=Path, metavar="FIGURE",
                        help="with --split: draw every cell's learning curve into FIGURE (PNG)")
    args = parser.parse_args(argv)
    if args.measured is None:
        args.measured = Path("benchmarks/measured/reproduce_paper" if args.split else "benchmarks/measured/reproduce_paper_cv")
    if args.tiny:
        args.n_stars, args.epochs, args.epochs_others, args.folds, args.patience = 200, 2, 2, 3, 2
    return args


def model_params(name: str, args: argparse.Namespace) -> dict:
    """Constructor parameters of one model for this run."""
    if name in NETWORKS or name in META_MODELS:
        epochs = args.epochs if name in ("gru", *META_MODELS) else args.epochs_others
        params = {"epochs": epochs, "random_state": 0}
        if args.patience is not None:
            params["patience"] = min(args.patience, epochs)
        return params
    if name == "minirocket":
        return {"num_kernels": 2_000 if args.tiny else 10_000}
    return {}


def build(name: str, args: argparse.Namespace):
    """The pipeline of one model name of this benchmark."""
    if name in META_MODELS:
        network, scalars = META_MODELS[name]
        return make_pipeline(network, n_points=args.n_points, meta=scalars, **model_params(name, args))
    return make_pipeline(name, n_points=args.n_points, **model_params(name, args))


def _scores(truth, pred) -> dict:
    return {"mae": metrics.mae(truth, pred), "rmse": metrics.rmse(truth, pred), "r2": metrics.r2(truth, pred)}


def cv_summary(name: str, report, y, info, cpu_min: float, args) -> dict:
    """The small, committed record of one model's cross-validation."""
    epochs = [len(h["loss"]) for h in report.histories if h] if report.histories else []
    truth = info["feh_true"]
    return {
        "model": name, "labels": args.labels, "n_points": args.n_points, "folds": args.folds, "n_stars": len(y),
        "label_sd": float(y.std()), "epochs_per_fold": epochs,
        "cap": model_params(name, args).get("epochs"), "cpu_min": cpu_min,
        "fit_min": float(report.folds["fit_time"].sum() / 60), "load": os.getloadavg()[0],
        "date": time.strftime("%Y-%m-%d"),
        **{part: {m: {"mean": float(report.summary[part].loc[m, "mean"]), "std": float(report.summary[part].loc[m, "std"])}
                  for m in report.summary[part].index} for part in ("train", "validation")},
        "against_truth": _scores(truth, report.oof["pred_mean"].loc[truth.index]),
        "labels_against_truth": _scores(truth, y.loc[truth.index]),
    }


def run_cv(name, X, y, w_train, w_eval, cv, info, args):
    """Cross-validate one model, or read its report from an earlier run; record its summary."""
    path = args.out / args.labels / "reports" / f"{name}.joblib"
    if path.exists():
        print(f"{name}: already done, reading {path}")
        return joblib.load(path)
    pipe = build(name, args)
    start, cpu = time.perf_counter(), time.process_time()
    report = cross_validate_report(pipe, X, y, cv=cv, train_weight=w_train, eval_weight=w_eval)
    cpu = (time.process_time() - cpu) / 60
    epochs = [len(h["loss"]) for h in report.histories if h] if report.histories else []
    print(f"{name}: {time.perf_counter() - start:.0f} s; epochs run per fold: {epochs or 'n/a'}\n"
          f"{report.to_markdown()}\n", flush=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    joblib.dump(report, path)
    summary = args.measured / args.labels / f"{name}.json"
    summary.parent.mkdir(parents=True, exist_ok=True)
    summary.write_text(json.dumps(cv_summary(name, report, y, info, cpu, args), indent=1))
    if name == "gru":
        plotting.plot_report(report, args.out / args.labels / "figures", y_kind="label")
    return report


def not_run_line(missing: list[str]) -> str:
    """The one line that lists the cells never run (left out of the table), or nothing."""
    return f"\n\nNot run, so not in the table: {', '.join(missing)}." if missing else ""


def cv_table(args) -> str:
    """Validation (mean ± std over folds) and out-of-fold scores against the true [Fe/H], from the records.

    Models never run are left out of the table and listed once beneath it.
    """
    folder = args.measured / args.labels
    lines = ["| model | val MAE | val RMSE | val R2 | vs true [Fe/H]: MAE | RMSE | R2 | label SD | epochs per fold (cap) "
             "| CPU-min | run on (load) |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    labels_row, missing = None, []
    for name in args.models:
        path = folder / f"{name}.json"
        if not path.exists():
            missing.append(f"`{name}`")
            continue
        c = json.loads(path.read_text())
        v, t = c["validation"], c["against_truth"]
        epochs = f"{min(c['epochs_per_fold'])}-{max(c['epochs_per_fold'])} ({c['cap']})" if c["epochs_per_fold"] else "-"
        lines.append(f"| {name} | {v['wmae']['mean']:.4f} ± {v['wmae']['std']:.4f} | {v['wrmse']['mean']:.4f} ± "
                     f"{v['wrmse']['std']:.4f} | {v['r2']['mean']:.3f} ± {v['r2']['std']:.3f} | {t['mae']:.4f} | "
                     f"{t['rmse']:.4f} | {t['r2']:.3f} | {c['label_sd']:.3f} | {epochs} | {c['cpu_min']:.1f} | "
                     f"{c['date']} ({c['load']:.1f}) |")
        labels_row = labels_row or c.get("labels_against_truth")
    if labels_row:
        lines.append(f"| the labels themselves | | | | {labels_row['mae']:.4f} | {labels_row['rmse']:.4f} | "
                     f"{labels_row['r2']:.3f} | | | | |")
    return "\n".join(lines) + not_run_line(missing)


def markdown(table: pd.DataFrame) -> str:
    """A DataFrame of strings as a GitHub Markdown table (index first)."""
    header = [table.index.name or "", *map(str, table.columns)]
    lines = ["| " + " | ".join(header) + " |", "|---|" + "---:|" * len(table.columns)]
    lines += ["| " + " | ".join([str(name), *map(str, row)]) + " |" for name, row in table.iterrows()]
    return "\n".join(lines) + "\n"


def validation_table(reports: dict) -> pd.DataFrame:
    """One row per model: validation metrics (mean ± std over folds), cost."""
    rows = {}
    for name, report in reports.items():
        val = report.summary["validation"]
        row = {metric: f"{val.loc[metric, 'mean']:.4f} ± {val.loc[metric, 'std']:.4f}" for metric in val.index}
        row["fit min (all folds)"] = f"{report.folds['fit_time'].sum() / 60:.1f}"
        epochs = [len(h["loss"]) for h in report.histories if h]
        row["epochs per fold"] = f"{min(epochs)}-{max(epochs)}" if epochs else "-"
        rows[name] = row
    return pd.DataFrame(rows).T.rename_axis("model")


def against_truth(reports: dict, y, info) -> pd.DataFrame:
    """Out-of-fold predictions scored against the simulator's true [Fe/H].

    The labels themselves carry noise (photometric labels: the relation
    applied to a noisy phi31); this table says how close each model, and the
    labels, come to the truth the simulator knows.
    """
    truth = info["feh_true"]
    rows = {"labels": {"rmse": metrics.rmse(truth, y), "mae": metrics.mae(truth, y), "r2": metrics.r2(truth, y)}}
    for name, report in reports.items():
        pred = report.oof["pred_mean"].loc[truth.index]
        rows[name] = {"rmse": metrics.rmse(truth, pred), "mae": metrics.mae(truth, pred), "r2": metrics.r2(truth, pred)}
    return pd.DataFrame(rows).T.rename_axis("against true [Fe/H]")


def grid_search(X, y, w_train, w_eval, args) -> pd.DataFrame:
    sklearn.set_config(enable_metadata_routing=True)
    pipe = metrics.route_weights(make_pipeline("gru", n_points=args.n_points, **model_params("gru", args)))
    search = GridSearchCV(
        pipe,
        GRU_GRID,
        cv=BinnedStratifiedKFold(3, random_state=0),
        scoring=metrics.scorers(eval_weight=True),
        refit=False,
    )
    search.fit(X, y, train_weight=w_train, eval_weight=w_eval)
    sklearn.set_config(enable_metadata_routing=False)
    results = pd.DataFrame(search.cv_results_)
    keep = ["params", "mean_test_wrmse", "std_test_wrmse", "mean_test_wmae", "mean_test_r2", "mean_fit_time"]
    return results[keep].sort_values("mean_test_wrmse", ascending=False)


def split_cell(name: str, catalogue: str, X, y, w_train, train, val, args) -> dict:
    """Train one network on the paper's split; its Table A1 row and learning curve."""
    params = {"epochs": args.epochs, "random_state": 0}
    if args.tiny:
        params["patience"] = args.patience
    pipe = make_pipeline(name, catalogue, n_points=args.n_points, **params)
    wall, cpu = time.perf_counter(), time.process_time()
    pipe.fit(X.iloc[train], y.iloc[train], **{f"{name}__sample_weight": w_train[train]})
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    est = pipe[-1]
    row = {"model": name, "catalogue": catalogue, "labels": args.labels, "n_points": args.n_points,
           "epochs_run": len(est.history_["loss"]), "best_epoch": est.best_epoch_,
           "hit_cap": len(est.history_["loss"]) >= est.epochs, "cpu_min": cpu / 60, "wall_min": wall / 60,
           "load": os.getloadavg()[0], "date": time.strftime("%Y-%m-%d"),
           "history": {k: v for k, v in est.history_.items() if k in ("loss", "val_loss")}}
    for part, rows in (("train", train), ("validation", val)):
        truth = y.iloc[rows].to_numpy()
        pred = pipe.predict(X.iloc[rows])
        row[part] = {"mae": metrics.mae(truth, pred), "rmse": metrics.rmse(truth, pred),
                     "r2": metrics.r2(truth, pred), "label_sd": float(truth.std())}
    return row


def split_cells(args) -> list[dict]:
    """Run (or read) every requested cell of the converged comparison."""
    folder = args.measured / args.labels
    cells, todo = [], [(m, c) for c in args.catalogues for m in args.models
                       if m in NETWORKS and (c != "raw" or MODELS[m].masks_padding)]
    data = None
    for name, catalogue in todo:
        path = folder / f"{name}-{catalogue}.json"
        if path.exists():
            cells.append(json.loads(path.read_text()))
            continue
        if args.table:
            continue
        if data is None:
            X, y, info = make_paper_sample(args.n_stars, labels=args.labels, random_state=0)
            train, val = next(BinnedStratifiedKFold(5, shuffle=True, random_state=0).split(X, y))
            data = (X, y, density_weights(y, info["feh_error"]), train, val)
        cell = split_cell(name, catalogue, *data, args)
        folder.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(cell, indent=1))
        print(f"{name} on {catalogue}: validation MAE {cell['validation']['mae']:.4f}, "
              f"{cell['epochs_run']} epochs{' (cap)' if cell['hit_cap'] else ''}, {cell['cpu_min']:.1f} CPU-min", flush=True)
        cells.append(cell)
    return cells


def _requested(args) -> list[tuple[str, str]]:
    """The (network, catalogue) cells of this run, in table order."""
    return [(name, catalogue) for catalogue in args.catalogues for name in args.models
            if name in NETWORKS and (catalogue != "raw" or MODELS[name].masks_padding)]


def split_table(cells: list[dict], args) -> str:
    """Table A1 layout: one row per network, train and validation metrics per catalogue.

    Cells never run are left out of the table and listed once beneath it.
    """
    by_key = {(c["model"], c["catalogue"]): c for c in cells}
    lines = ["| network | catalogue | train MAE | train R2 | val MAE | val RMSE | val R2 | label SD | epochs (best) "
             "| CPU-min | run on (load) |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    missing = []
    for name, catalogue in _requested(args):
        c = by_key.get((name, catalogue))
        if c is None:
            missing.append(f"`{name}` on `{catalogue}`")
            continue
        t, v = c["train"], c["validation"]
        cap = ", cap" if c["hit_cap"] else ""
        lines.append(f"| {name} | {catalogue} | {t['mae']:.4f} | {t['r2']:.3f} | {v['mae']:.4f} | {v['rmse']:.4f} | "
                     f"{v['r2']:.3f} | {v['label_sd']:.3f} | {c['epochs_run']} ({c['best_epoch']}{cap}) | "
                     f"{c['cpu_min']:.1f} | {c['date']} ({c['load']:.1f}) |")
    return "\n".join(lines) + not_run_line(missing)


def split_ranking(cells: list[dict], args) -> str:
    """One sentence per catalogue: the best network by validation MAE, and its lead over the next."""
    sentences = []
    for catalogue in args.catalogues:
        run = sorted((c for c in cells if c["catalogue"] == catalogue and c["model"] in args.models),
                     key=lambda c: c["validation"]["mae"])
        expected = sum(1 for _, cat in _requested(args) if cat == catalogue)
        if not run:
            continue
        best = run[0]
        text = (f"On `{catalogue}`, {len(run)} of {expected} networks run: the best is {best['model']} "
                f"(validation MAE {best['validation']['mae']:.4f} dex")
        if len(run) > 1:
            nxt, worst = run[1], run[-1]
            text += (f"), {nxt['validation']['mae'] - best['validation']['mae']:.4f} dex ahead of {nxt['model']}; "
                     f"the worst, {worst['model']}, is {worst['validation']['mae'] - best['validation']['mae']:.4f} dex behind")
        else:
            text += ")"
        sentences.append(text + ".")
    return " ".join(sentences)


def plot_split(cells: list[dict], path: Path) -> None:
    """Inner-validation RMSE (dex) per epoch of every cell, one panel per catalogue."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    catalogues = [c for c in CATALOGUES if any(cell["catalogue"] == c for cell in cells)]
    fig, axes = plt.subplots(1, len(catalogues), figsize=(5.2 * len(catalogues), 4.2), sharey=True, squeeze=False)
    for ax, catalogue in zip(axes[0], catalogues):
        for cell in (c for c in cells if c["catalogue"] == catalogue):
            rmse = [v ** 0.5 for v in cell["history"]["val_loss"]]
            ax.plot(range(1, len(rmse) + 1), rmse, lw=1, label=f"{cell['model']} ({cell['validation']['mae']:.3f})")
        ax.set_yscale("log")
        ax.set_ylim(top=0.5)  # the first epochs of the convolutional nets reach several dex
        ax.set_xlabel("epoch")
        ax.set_title(f"{catalogue} catalogue", fontsize="small")
        ax.legend(fontsize="x-small", title="network (val MAE, dex)", title_fontsize="x-small")
    axes[0][0].set_ylabel("inner-validation weighted RMSE [dex]")
    fig.suptitle("Simulated paper sample, photometric labels: learning curves on the 80/20 split", fontsize="small")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv=None) -> None:
    args = parse_args(argv)
    if args.split:
        run = _doc_tables.Run("reproduce_paper.py", argv)
        cells = split_cells(args)
        table, ranking = split_table(cells, args), split_ranking(cells, args)
        print(table, ranking, sep="\n\n")
        if args.markdown:
            run.finish()
            block = (f"{table}\n\n{ranking}\n\n{run.provenance()} The cells ran at other times, each with its own "
                     f"date and load (last column); the table is read from `{args.measured / args.labels}`.")
            _doc_tables.rewrite(args.markdown, "reproduce_paper.py", {"split": block})
        if args.plot:
            plot_split(cells, args.plot)
        return
    if args.table:
        run = _doc_tables.Run("reproduce_paper.py", argv)
        table = cv_table(args)
        print(table)
        if args.markdown:
            run.finish()
            block = (f"{table}\n\n{run.provenance()} Each model ran at its own time (last column); the table is "
                     f"read from `{args.measured / args.labels}`.")
            _doc_tables.rewrite(args.markdown, "reproduce_paper.py", {f"cv-{args.labels}": block})
        return
    out = args.out / args.labels
    out.mkdir(parents=True, exist_ok=True)
    X, y, info = make_paper_sample(args.n_stars, labels=args.labels, random_state=0)
    w_train = density_weights(y, info["feh_error"])
    w_eval = metrics.evaluation_weights(info["feh_error"])
    cv = BinnedStratifiedKFold(args.folds, random_state=0)
    plotting.plot_label_distribution(y, w_train, path=out / "figures" / "labels.png")
    print(f"rrlsk {rrlsk.__version__}: {len(X)} simulated stars, {args.labels} labels, {args.folds}-fold CV, "
          f"<= {args.epochs} GRU epochs, <= {args.epochs_others} for the other networks "
          f"(patience {args.patience or 'default'})", flush=True)

    reports = {name: run_cv(name, X, y, w_train, w_eval, cv, info, args) for name in args.models}
    comparison = compare(reports)
    (out / "comparison.md").write_text(comparison.to_markdown())
    comparison.to_csv(out / "comparison.csv")
    print(comparison.to_markdown())
    validation = validation_table(reports)
    (out / "validation.md").write_text(markdown(validation))
    print(validation.to_string())
    truth = against_truth(reports, y, info)
    truth.to_csv(out / "against_truth.csv")
    (out / "against_truth.md").write_text(markdown(truth.map(lambda v: f"{v:.4f}")))
    print(truth.round(4).to_string())

    if args.grid:
        results = grid_search(X, y, w_train, w_eval, args)
        results.to_csv(out / "gru_grid.csv", index=False)
        print(results.to_string())


if __name__ == "__main__":
    main()
