"""The floor: what the best possible predictor achieves on the simulator (SIMULATED data).

Two floors bound every model of ``docs/results.md``:

* **against the true [Fe/H]**: a gradient-boosted regressor fitted on a
  large simulated sample of the *noise-free* light-curve shape parameters
  and period (what the simulator drew: ``period_true``, ``amplitude``,
  ``A1``, ``R21``, ``R31``, ``phi21``, ``phi31``) and scored on other
  stars. The simulator ties the shape to [Fe/H] through a relation with
  intrinsic scatter, so no predictor, however good its data, does better.
* **against the photometric labels, from the smoothed curve**: the labels
  are a P-phi31 relation applied to a Fourier fit of the *raw* points; a
  network fed the spline-smoothed, resampled curve (the paper's
  catalogue) sees a curve whose phi31 differs from the raw fit's. The
  floor is the relation applied to the smoothed curve's period and phi31,
  published and refitted to the labels (5-fold cross-fitted), which is the
  form the labels were made with.

Results go to ``benchmarks/measured/floor.json`` (committed, with the
run's date and load) and are printed as a Markdown table; ``--markdown
PAGE`` measures nothing: it reads that record and rewrites the table
between PAGE's ``<!-- floor.py: floors -->`` and ``<!-- /floor.py -->``
lines, with the command and the record's own date and load.

Usage::

    python benchmarks/floor.py               # about a minute
    python benchmarks/floor.py --markdown docs/results.md   # the table, from the record
    python benchmarks/floor.py --tiny        # seconds, for a smoke test
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
from sklearn.ensemble import HistGradientBoostingRegressor  # noqa: E402
from sklearn.linear_model import LinearRegression  # noqa: E402
from sklearn.model_selection import cross_val_predict  # noqa: E402

from rrlsk import metrics  # noqa: E402
from rrlsk.datasets import RRabPopulation, feh_from_phi31, make_gaia_rrab, make_paper_sample  # noqa: E402
from rrlsk.model_selection import BinnedStratifiedKFold  # noqa: E402
from rrlsk.preprocessing import FourierFeatures, PhaseFolder, SplineResampler  # noqa: E402
from rrlsk.relations import unwrap_phi31  # noqa: E402

from _doc_tables import Run, markdown_table, rewrite  # noqa: E402  (this folder is on sys.path)

TRUE_SHAPE = ["period_true", "amplitude", "A1", "R21", "R31", "phi21", "phi31"]


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n-train", type=int, default=60_000, help="simulated stars to fit the truth floor on")
    parser.add_argument("--n-stars", type=int, default=6002, help="stars of the paper sample")
    parser.add_argument("--n-points", type=int, default=50, help="points of the resampled curves")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/measured/floor.json"))
    parser.add_argument("--tiny", action="store_true", help="2,000 + 300 stars: a smoke test")
    parser.add_argument("--markdown", type=Path, metavar="PAGE",
                        help="rewrite PAGE's floor.py table from the record at --out (measures nothing)")
    args = parser.parse_args(argv)
    if args.tiny:
        args.n_train, args.n_stars = 2_000, 300
    return args


def scores(truth, pred) -> dict:
    truth, pred = np.asarray(truth, float), np.asarray(pred, float)
    return {"mae": metrics.mae(truth, pred), "rmse": metrics.rmse(truth, pred), "r2": metrics.r2(truth, pred),
            "bias": float(np.mean(pred - truth)), "sd": float(truth.std())}


def table(result: dict) -> str:
    """Markdown table of one record: each floor, what it is scored against, its scores."""
    rows = [
        (f"best predictor from noise-free shape and period (gradient boosting on {result['n_train']:,} other "
         "simulated stars)", "true [Fe/H]", result["truth_floor_vs_true_feh"]),
        ("the photometric labels themselves", "true [Fe/H]", result["photometric_labels_vs_true_feh"]),
        ("published P-phi31 relation on the smoothed curve's phi31", "photometric labels",
         result["relation_on_smoothed_curve_vs_labels"]),
        ("P-phi31 relation refitted on the smoothed curve (5-fold)", "photometric labels",
         result["smoothed_curve_floor_vs_labels"]),
    ]
    return markdown_table(
        ["floor", "scored against", "MAE (dex)", "RMSE (dex)", "R2", "SD of the reference (dex)"],
        [[name, against, f"{s['mae']:.4f}", f"{s['rmse']:.4f}", f"{s['r2']:.3f}", f"{s['sd']:.3f}"]
         for name, against, s in rows],
        "llrrrr",
    )


def markdown_block(result: dict, run: Run, record: Path) -> str:
    """The page's block: what wrote it, when the record was measured, the table.

    Parameters
    ----------
    result : dict
        The record :func:`main` wrote.
    run : Run
        This invocation, finished.
    record : Path
        Where the record was read from.

    Returns
    -------
    str
        The Markdown that goes between the page's ``floor.py`` markers; a
        record without a date or load says "not recorded".
    """
    date = f"on {result['date']}" if "date" in result else "on a date not recorded"
    load = (f"{result['cores']} cores, load average {result['load_start']:.1f} at the start and "
            f"{result['load']:.1f} at the end" if "load" in result else "load not recorded")
    return (f"{table(result)}\n\n{run.provenance()} It read `{record}` (measuring nothing), measured {date} "
            f"({load}; it took {result['seconds']:.0f} s): {result['n_stars']:,} SIMULATED stars of the paper "
            f"sample, {result['n_points']} points per smoothed curve.")


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    run = Run("floor.py", argv)
    if args.markdown:
        result = json.loads(args.out.read_text())
        print(table(result))
        run.finish()
        rewrite(args.markdown, "floor.py", {"floors": markdown_block(result, run, args.out)})
        return
    date, load_start = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), os.getloadavg()[0]
    start = time.perf_counter()
    # 1. against the truth: noise-free shape parameters of a large, independent sample
    _, _, big = make_gaia_rrab(args.n_train, labels="spectroscopic", random_state=1)
    truth_model = HistGradientBoostingRegressor(max_iter=400, learning_rate=0.05, random_state=0)
    truth_model.fit(big[TRUE_SHAPE], big["feh_true"])

    X, y, info = make_paper_sample(args.n_stars, labels="photometric", random_state=0)
    floor_truth = scores(info["feh_true"], truth_model.predict(info[TRUE_SHAPE]))
    labels_truth = scores(info["feh_true"], y)

    # 2. against the photometric labels, from the smoothed, resampled curve
    smoothed = SplineResampler(n_points=args.n_points).fit_transform(PhaseFolder().fit_transform(X))
    fourier = FourierFeatures().fit_transform(smoothed)
    relation = feh_from_phi31(fourier["period"].to_numpy(), fourier["phi31"].to_numpy(), RRabPopulation.relation)
    cv = BinnedStratifiedKFold(5, shuffle=True, random_state=0)
    inputs = np.column_stack([fourier["period"], unwrap_phi31(fourier["phi31"])])
    learned = cross_val_predict(LinearRegression(), inputs, y, cv=cv.split(X, y))
    result = {
        "n_train": args.n_train,
        "n_stars": args.n_stars,
        "n_points": args.n_points,
        "seconds": time.perf_counter() - start,
        "date": date,
        "cores": os.cpu_count(),
        "load_start": load_start,
        "load": os.getloadavg()[0],
        "truth_floor_vs_true_feh": floor_truth,
        "photometric_labels_vs_true_feh": labels_truth,
        "relation_on_smoothed_curve_vs_labels": scores(y, relation),
        "smoothed_curve_floor_vs_labels": scores(y, learned),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1))
    print(table(result))


if __name__ == "__main__":
    main()
