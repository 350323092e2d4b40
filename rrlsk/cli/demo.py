"""``rrlsk demo``: the whole method on a simulated sample, then the shipped real stars."""

from __future__ import annotations

import time
from pathlib import Path

from .._atomic import write_atomic
from .common import say, with_labels
from .cv import RUN_REPORTS, make_report

__all__ = ["DEMO_BASELINE", "DEMO_DEFAULT", "DEMO_LABELS", "DEMO_QUICK", "cmd_demo"]

#: ``rrlsk demo`` sizes: (training stars, held-out stars, epochs, CV folds, phase points).
DEMO_DEFAULT = {"n_stars": 1000, "n_holdout": 200, "epochs": 60, "splits": 5, "n_points": 100}
DEMO_QUICK = {"n_stars": 100, "n_holdout": 20, "epochs": 2, "splits": 2, "n_points": 50}
DEMO_BASELINE = "fourier_relation"
DEMO_LABELS = "spectroscopic"


def cmd_demo(args) -> int:
    """Run ``rrlsk demo``."""
    import numpy as np
    import pandas as pd
    from tqdm.auto import tqdm

    from ..catalogue import predict_catalogue, read_predictions
    from ..datasets import make_gaia_rrab
    from ..evaluation import cross_validate_models, save_reports
    from ..io import write_parquet
    from ..metrics import evaluation_weights, rmse
    from ..model_selection import BinnedStratifiedKFold
    from ..persistence import save_model
    from ..pipelines import make_pipeline
    from ..pretrained.real_stars import DEMO_MODEL, plot_demo_stars, predict_demo_stars
    from ..pretrained.real_stars import summary as real_summary
    from ..weights import density_weights

    sizes = dict(DEMO_QUICK if args.quick else DEMO_DEFAULT)
    sizes.update({k: getattr(args, k) for k in ("n_stars", "n_holdout", "epochs") if getattr(args, k) is not None})
    models = {
        "gru": make_pipeline("gru", n_points=sizes["n_points"], epochs=sizes["epochs"],
                             random_state=args.random_state, verbose=0),
        DEMO_BASELINE: make_pipeline(DEMO_BASELINE, n_points=sizes["n_points"]),
    }
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    t_start = time.perf_counter()
    stages = tqdm(total=7, desc="rrlsk demo", unit="step", disable=args.quiet)

    stages.set_postfix_str("simulating")
    n_total = sizes["n_stars"] + sizes["n_holdout"]
    # Spectroscopic-like labels: the paper's photometric labels are made with the
    # very P-phi31 relation of the baseline, which would then reproduce them exactly.
    X_all, y_all, info_all = make_gaia_rrab(n_total, labels=DEMO_LABELS, random_state=args.random_state)
    rng = np.random.default_rng(args.random_state)
    held = np.zeros(n_total, dtype=bool)
    held[rng.choice(n_total, sizes["n_holdout"], replace=False)] = True
    X, y, info = X_all[~held], y_all[~held], info_all[~held]
    write_parquet(with_labels(X, info), out / "train.parquet")
    write_parquet(X_all[held], out / "holdout.parquet")
    write_atomic(out / "holdout_truth.csv", info_all[held].to_csv)
    stages.update()

    stages.set_postfix_str(f"{sizes['splits']}-fold CV of gru and {DEMO_BASELINE}")
    weights = density_weights(y.to_numpy())
    cv = BinnedStratifiedKFold(n_splits=sizes["splits"], shuffle=True, random_state=args.random_state)
    reports = cross_validate_models(models, X, y, cv=cv, train_weight=weights,
                                    eval_weight=evaluation_weights(info["feh_error"]))
    save_reports(reports, out / RUN_REPORTS)
    stages.update()

    stages.set_postfix_str("fitting the final model")
    model = models["gru"].fit(X, y, gru__sample_weight=weights)
    stages.update()

    stages.set_postfix_str("saving")
    model_path = save_model(
        model, out / "gru.joblib", y=y, cv_summary=reports["gru"].summary["validation"],
        metadata={"command": "rrlsk demo", "training_data": "simulated (rrlsk.datasets.make_gaia_rrab)",
                  "random_state": args.random_state},
    )
    stages.update()

    stages.set_postfix_str("figures")
    table = make_report(out, reports, figures=True)
    stages.update()

    stages.set_postfix_str("predicting held-out stars")
    summary = predict_catalogue(model, out / "holdout.parquet", out / "predictions", progress=False)
    truth = pd.read_csv(out / "holdout_truth.csv", index_col="source_id")
    truth = truth[["feh", "feh_error", "feh_true"]].rename(columns={"feh": "feh_label", "feh_error": "feh_label_error"})
    predictions = read_predictions(out / "predictions").join(truth)
    write_atomic(out / "predictions.csv", predictions.to_csv)
    ok = predictions[predictions["status"] == "ok"]
    stages.update()

    stages.set_postfix_str("real stars")
    real = predict_demo_stars()
    write_atomic(out / "real_stars.csv", real.to_csv)
    plot_demo_stars(real, out / "figures" / "real_stars.png")
    stages.update()
    stages.close()

    say(f"\nTable A1 ({sizes['splits']}-fold binned stratified CV on {len(X)} simulated stars with "
         f"{DEMO_LABELS} [Fe/H] labels; training weights: density, evaluation weights: 1/feh_error^2)")
    say(table)
    if args.quick:
        say(f"(--quick trains {sizes['epochs']} epochs: a check that everything runs, not a usable model)")
    if len(ok):
        w = evaluation_weights(ok["feh_label_error"])
        say(f"held-out stars: {len(ok)} predicted ({summary.n_skipped} skipped, {summary.n_failed} failed); "
             f"against their labels RMSE {rmse(ok['feh_label'], ok['feh']):.3f} dex, "
             f"wRMSE {rmse(ok['feh_label'], ok['feh'], w):.3f} dex; "
             f"against the true [Fe/H] RMSE {rmse(ok['feh_true'], ok['feh']):.3f} dex")
    say(f"\nReal stars: {len(real)} Gaia DR2 RRab curves shipped with rrlsk, predicted by {DEMO_MODEL} "
         f"(ready for your G curves: rrlsk predict {DEMO_MODEL} YOUR.parquet --out DIR). Out of fold "
         "against their OGLE-IV photometric [Fe/H] labels (dex), beside the published model:")
    say(real_summary(real))
    say(f"done in {time.perf_counter() - t_start:.0f} s. Written to {out}/:")
    written = (
        (model_path, "the final GRU pipeline (rrlsk info / rrlsk predict)"),
        (out / "table_a1.md", "Table A1: GRU vs the classical P-phi31 relation (also table_a1.csv)"),
        (out / "figures", "predictions, residuals, label distribution, learning curves"),
        (out / "predictions.csv", "held-out predictions next to their labels and true [Fe/H]"),
        (out / "real_stars.csv", f"300 real stars: {DEMO_MODEL}'s [Fe/H] and intervals, labels, published"),
        (out / "figures" / "real_stars.png", "real stars: out-of-fold predictions against their labels"),
        (out / "reports", "per-fold metrics and out-of-fold predictions (rrlsk report)"),
        (out / "train.parquet", "the simulated training stars, with feh and feh_error"),
        (out / "holdout.parquet", "the held-out stars' light curves"),
    )
    width = max(len(str(path)) for path, _ in written)
    for path, what in written:
        say(f"  {str(path):<{width}}  {what}")
    return 0
