"""First-overtone (RRc) stars: the GRU and the Fourier baselines on a simulated
RRc paper-like sample (SIMULATED DATA), and the realism figure of the
simulated RRc Fourier parameters.

Sample: ``make_paper_sample(n, rr_type="RRc")``, the RRab cuts of Monti et al.
(2024) applied to ``best_classification == "RRc"`` (the follow-up paper's RRc
cuts could not be retrieved). 5-fold binned stratified CV, density-weighted
training, 1/sigma^2-weighted evaluation, photometric and spectroscopic-like
labels, every model on the same folds.

Each (labels, model) cell is written to ``benchmarks/rrc_results/<labels>/<model>.json``
as soon as it is done and skipped on a re-run (delete the file to redo it);
the tables are rebuilt from these small files, so a run can be stopped,
resumed, and run in parts (baselines first, the GRU after, under ``nice``),
and written into docs/rrc.md between its ``<!-- rrc.py: LABELS -->`` and
``<!-- /rrc.py -->`` markers with the command, the date and the load.
A GRU fit that ran its whole epoch budget is marked ``*`` (capped: it might
have improved with more epochs). Cells never run are left out of the tables and listed beneath them.

Usage::

    python benchmarks/rrc.py --models fourier_relation fourier_linear svr random_forest gradient_boosting
    nice -n 10 python benchmarks/rrc.py --models gru         # early-stopped, the regressors' own defaults
    python benchmarks/rrc.py --models none --figure     # tables and figure from the cached cells
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

import rrlsk  # noqa: E402
from _doc_tables import rewrite  # noqa: E402
from reproduce_paper import against_truth, markdown, validation_table  # noqa: E402
from rrlsk import metrics  # noqa: E402
from rrlsk.datasets import RRcPopulation, make_gaia_rrab, make_gaia_rrc, make_paper_sample  # noqa: E402
from rrlsk.evaluation import cross_validate_report  # noqa: E402
from rrlsk.model_selection import BinnedStratifiedKFold  # noqa: E402
from rrlsk.pipelines import make_pipeline  # noqa: E402
from rrlsk.regressors import TRAINING_DEFAULTS  # noqa: E402
from rrlsk.weights import density_weights  # noqa: E402

BASELINES = ["fourier_relation", "fourier_linear", "svr", "random_forest", "gradient_boosting"]
#: GRU cells: the default pipeline, and with batches of 64 (the smallest of
#: the paper's grid), which takes four times the gradient steps per epoch on
#: a sample this small (1,200 training stars per fold: 5 steps at 256).
NETWORK_CELLS = {"gru": {}, "gru_bs64": {"batch_size": 64}}
MODELS = [*BASELINES, *NETWORK_CELLS]
LABELS = ["photometric", "spectroscopic"]
#: Monti et al. (2025, A&A 702, A148), GRU on real Gaia DR3 RRc curves with
#: literature photometric labels: validation MAE, RMSE, R2.
MONTI_2025_RRC = {"mae": 0.0505, "rmse": 0.0720, "r2": 0.9625}


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n-stars", type=int, default=1500, help="simulated RRc stars after the cuts (default 1500)")
    parser.add_argument("--labels", nargs="+", default=LABELS, choices=LABELS)
    parser.add_argument("--models", nargs="+", default=MODELS, choices=[*MODELS, "none"])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=TRAINING_DEFAULTS["epochs"],
                        help=f"most epochs per GRU fit (default {TRAINING_DEFAULTS['epochs']}, the regressors' own)")
    parser.add_argument("--patience", type=int, default=TRAINING_DEFAULTS["patience"],
                        help=f"early-stopping patience, epochs (default {TRAINING_DEFAULTS['patience']}, the regressors' own)")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/rrc_results"))
    parser.add_argument("--figure", type=Path, nargs="?", const=Path("docs/figures/rrc_fourier_parameters.png"),
                        default=None, help="also draw the realism figure (default path docs/figures/...)")
    parser.add_argument("--page", type=Path, default=Path("docs/rrc.md"),
                        help="page whose rrc.py tables are rewritten ('none': no page)")
    parser.add_argument("--tiny", action="store_true", help="100 stars, 2 epochs, 3 folds, to --out tiny/")
    args = parser.parse_args(argv)
    if args.tiny:
        args.n_stars, args.epochs, args.folds, args.patience = 100, 2, 3, 2
        args.out, args.page = args.out / "tiny", Path("none")
    return args


def model_params(name: str, args) -> dict:
    if name in NETWORK_CELLS:
        return {"epochs": args.epochs, "patience": min(args.patience, args.epochs), "random_state": 0,
                **NETWORK_CELLS[name]}
    return {}  # fourier_relation: make_pipeline(rr_type="RRc") applies the labels' relation


def _load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3]) if Path("/proc/loadavg").exists() else "n/a"


def run_cell(name: str, labels: str, sample, args) -> dict:
    """Cross-validate one model on one label set, or read its cached cell."""
    path = args.out / labels / f"{name}.json"
    if path.exists():
        return json.loads(path.read_text())
    X, y, info = sample
    load_before = _load()
    start = time.perf_counter()
    report = cross_validate_report(
        make_pipeline("gru" if name in NETWORK_CELLS else name, rr_type="RRc", **model_params(name, args)), X, y,
        cv=BinnedStratifiedKFold(args.folds, random_state=0),
        train_weight=density_weights(y, info["feh_error"]),
        eval_weight=metrics.evaluation_weights(info["feh_error"]),
    )
    epochs = [len(h["loss"]) for h in report.histories if h]
    cell = {
        "model": name, "labels": labels, "n_stars": len(X), "folds": args.folds,
        "validation": validation_table({name: report}).loc[name].to_dict(),
        "against_truth": against_truth({name: report}, y, info).loc[name].round(4).to_dict(),
        "epochs_per_fold": epochs, "epoch_cap": args.epochs if name in NETWORK_CELLS else None,
        "capped_folds": sum(e >= args.epochs for e in epochs) if name in NETWORK_CELLS else 0,
        "wall_s": round(time.perf_counter() - start, 1), "loadavg_before": load_before, "loadavg_after": _load(),
        "rrlsk": rrlsk.__version__,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(cell, indent=1))
    print(f"{labels} {name}: {cell['wall_s']} s (load {load_before} -> {cell['loadavg_after']}); "
          f"{cell['validation']}", flush=True)
    return cell


def table(labels: str, args) -> pd.DataFrame:
    """Validation metrics of every model run (cached cells); ``attrs["not_run"]`` lists the others."""
    rows, missing = {}, []
    for name in MODELS:
        path = args.out / labels / f"{name}.json"
        if not path.exists():
            missing.append(name)
            continue
        cell = json.loads(path.read_text())
        val = cell["validation"]
        epochs = cell["epochs_per_fold"]
        rows[name] = {
            "MAE": val["mae"], "RMSE": val["rmse"], "R²": val["r2"], "wMAE": val["wmae"], "wRMSE": val["wrmse"],
            "RMSE vs true [Fe/H]": f"{cell['against_truth']['rmse']:.4f}",
            "fit min (all folds)": val["fit min (all folds)"],
            "epochs per fold": (f"{min(epochs)}-{max(epochs)}" + (f" ({cell['capped_folds']} capped at "
                                f"{cell['epoch_cap']}*)" if cell["capped_folds"] else "")) if epochs else "-",
        }
    frame = pd.DataFrame(rows).T.rename_axis("model").fillna("")
    frame.attrs["not_run"] = missing
    return frame


def page_block(labels: str, tab: pd.DataFrame, args) -> str:
    """The table with what made it: command, date, load of each cell."""
    cells = [json.loads(p.read_text()) for p in sorted((args.out / labels).glob("*.json"))]
    loads = [float(c[key].split()[0]) for c in cells for key in ("loadavg_before", "loadavg_after")]
    made = (f"Written by `python benchmarks/rrc.py` from the cached cells on "
            f"{datetime.date.today().isoformat()}; 1-minute load average while the cells ran: "
            f"{min(loads):.1f}-{max(loads):.1f} (2 cores; per cell in `{args.out / labels}/*.json`). "
            f"{cells[0]['n_stars']} simulated RRc stars, {cells[0]['folds']}-fold CV.") if cells else "No cell run yet."
    missing = tab.attrs.get("not_run", [])
    not_run = f"\n\nNot run, so not in the table: {', '.join(f'`{m}`' for m in missing)}." if missing else ""
    return markdown(tab).rstrip("\n") + not_run + "\n\n" + made


def draw_figure(path: Path) -> None:
    """Simulated RRc (and RRab) Fourier parameters as Gaia DR3 would publish them,
    with the published RRc ranges the simulator is built on."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rrc = make_gaia_rrc(5000, random_state=0)[2]
    rrab = make_gaia_rrab(5000, random_state=0)[2]
    # Gaia's cosine convention for the phases (as in vari_rrlyrae): phi21 + pi/2, phi31 + pi
    panels = [
        ("period", "period (d)", None, (0.2, 0.42), "typical RRc 0.2-0.42 d (Clementini+2023)"),
        ("amplitude_fit", "peak-to-peak G (mag)", None, (0.1, 0.5), "SOS: > 0.1 mag; RRc up to ~0.5 mag (V)"),
        ("R21_fit", "R21", None, None, None),
        ("R31_fit", "R31", None, None, None),
        ("phi21_fit", "phi21 (rad, Gaia cosine convention)", np.pi / 2, None, None),
        ("phi31_fit", "phi31 (rad, Gaia cosine convention)", np.pi, None, None),
    ]
    fig, axes = plt.subplots(2, 4, figsize=(16, 7.5))
    for ax, (column, label, shift, band, note) in zip(axes.ravel(), panels):
        for info, name, colour in ((rrab, "RRab", "tab:grey"), (rrc, "RRc", "tab:blue")):
            values = info[column].to_numpy()
            values = np.mod(values + shift, 2 * np.pi) if shift is not None else values
            lo, hi = np.nanpercentile(np.r_[rrab[column], rrc[column]], [0.5, 99.5]) if shift is None else (0, 2 * np.pi)
            ax.hist(values, bins=np.linspace(lo, hi, 50), histtype="step", color=colour, label=f"simulated {name}")
        if band:
            ax.axvspan(*band, color="tab:orange", alpha=0.15, label=note)
        ax.set_xlabel(label)
        ax.legend(fontsize=7)
    ax = axes.ravel()[6]
    for info, name, colour in ((rrab, "RRab", "tab:grey"), (rrc, "RRc", "tab:blue")):
        ax.scatter(info["period"], info["amplitude_fit"], s=2, alpha=0.3, color=colour, label=f"simulated {name}")
    ax.set(xlabel="period (d)", ylabel="peak-to-peak G (mag)", title="period-amplitude (Bailey) diagram")
    ax.legend(fontsize=7, markerscale=4)
    ax = axes.ravel()[7]
    ax.scatter(rrc["period"], np.mod(rrc["phi31_fit"] + np.pi, 2 * np.pi), s=2, alpha=0.3, c=rrc["feh_true"],
               cmap="viridis")
    ax.set(xlabel="period (d)", ylabel="phi31 (rad, cosine)", title="simulated RRc P-phi31, colour: true [Fe/H]")
    fig.suptitle("SIMULATED Gaia DR3 RRc (blue) and RRab (grey): Fourier parameters of order-"
                 f"{RRcPopulation.label_order}/4 fits to the noisy curves, 5,000 stars each. "
                 "Orange: published RRc ranges; the DR3 RRc histograms themselves were not available here.",
                 fontsize=9)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=90)
    print(f"wrote {path}")


def main(argv=None) -> None:
    args = parse_args(argv)
    models = [m for m in MODELS if m in args.models]  # baselines first, the GRU last
    for labels in args.labels:
        todo = [m for m in models if not (args.out / labels / f"{m}.json").exists()]
        if todo:
            sample = make_paper_sample(args.n_stars, rr_type="RRc", labels=labels, random_state=0)
            print(f"{labels}: {len(sample[0])} simulated RRc stars; selection "
                  f"{sample[2].attrs['selection']['n_remaining']}", flush=True)
            for name in todo:
                run_cell(name, labels, sample, args)
        tab = table(labels, args)
        (args.out / f"{labels}.md").parent.mkdir(parents=True, exist_ok=True)
        (args.out / f"{labels}.md").write_text(markdown(tab))
        print(tab.to_string())
        if args.page != Path("none"):
            rewrite(args.page, "rrc.py", {labels: page_block(labels, tab, args)})
    if args.figure:
        draw_figure(args.figure)


if __name__ == "__main__":
    main()
