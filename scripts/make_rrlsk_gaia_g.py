"""Build ``rrlsk-gaia-g``, rrlsk's own model of real Gaia G curves, from the
real-data benchmark's fold models.

The benchmark (``benchmarks/real_data.py``) trains a recipe on eight of the
nine folds of the 4,013 labelled Gaia DR2 RRab stars of Dékány & Grebel
(2022) and keeps each fold model; for an ensemble recipe, fold k's model is
the mean of its members' fold-k models (``real_data.fold_models``). Those
nine models, together, are the shipped model: a :class:`rrlsk.ensemble.FoldEnsembleRegressor` (mean
[Fe/H] of the nine; every star was left out by one of them), calibrated on
its own out-of-fold residuals (:class:`rrlsk.uncertainty.CalibratedRegressor`,
``cv="prefit"``), so that ``predict_interval`` holds for real stars like
these, and carrying the training stars' domain. The fold models folded the
published curves at their epoch (the curves are aligned on their first
Fourier phase); the shipped model aligns every curve that way itself
(``PhaseFolder(align="first_phase")``), so any epoch works, and this script
measures what that changes on the training stars.

Seeds are fixed in the benchmark's recipes; this script trains nothing and
is deterministic. Run from the repository root::

    python scripts/make_rrlsk_gaia_g.py --recipe gru_pretrained+gru_raw_pretrained [--light-curves lc_dev_g.tar.gz]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
from sklearn.base import clone
from sklearn.model_selection import PredefinedSplit
from sklearn.pipeline import Pipeline

import rrlsk
from rrlsk.datasets import DEKANY2022_CITATION, load_dekany2022
from rrlsk.domain import record_training_domain
from rrlsk.ensemble import FoldEnsembleRegressor
from rrlsk.metrics import mae, r2, rmse
from rrlsk.pretrained._band import BandCheck
from rrlsk.uncertainty import CalibratedRegressor

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from real_data import ENSEMBLES, RECIPES, SHARED_ARCHIVE, SHIPPED_ALIGN, fold_models, members  # noqa: E402

TARGET = ROOT / "rrlsk" / "pretrained" / "data" / "rrlsk-gaia-g.joblib"
CALIBRATION_SEED = 0


def scores(y, prediction) -> dict[str, float]:
    return {"MAE": round(mae(y, prediction), 4), "RMSE": round(rmse(y, prediction), 4), "R2": round(r2(y, prediction), 4)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--recipe", required=True, choices=sorted([*RECIPES, *ENSEMBLES]))
    parser.add_argument("--light-curves", default=str(SHARED_ARCHIVE))
    args = parser.parse_args(argv)

    X, y, info = load_dekany2022(args.light_curves)
    split = PredefinedSplit(info["fold"].to_numpy())
    as_trained_models = fold_models(args.recipe)
    if as_trained_models is None:
        raise SystemExit(f"{args.recipe}: fold models missing; run "
                         f"`python benchmarks/real_data.py run {' '.join(members(args.recipe))}` first")
    as_trained = FoldEnsembleRegressor.from_fitted(clone(as_trained_models[0]), split, as_trained_models, X, y)
    # the shipped fold models refuse other bands and align phases themselves (any epoch works)
    band = ("band", BandCheck("G", "rrlsk-gaia-g, a Gaia G-band model"))
    models = fold_models(args.recipe, lambda pipe: Pipeline([band, *pipe.steps]).set_params(**SHIPPED_ALIGN))
    ensemble = FoldEnsembleRegressor.from_fitted(clone(models[0]), split, models, X, y)
    shift = np.abs(ensemble.oof_prediction_ - as_trained.oof_prediction_)

    calibrated = CalibratedRegressor(ensemble, cv="prefit", random_state=CALIBRATION_SEED).fit(X, y)
    record_training_domain(calibrated, X, y)
    record = {
        "recipe": args.recipe,
        "members": list(members(args.recipe)),
        "what": (ENSEMBLES.get(args.recipe) or RECIPES[args.recipe])[0],
        "n_fold_models": len(models),
        "fold_model": type(models[0]).__name__,
        "training_stars": len(y),
        "out_of_fold_as_trained": scores(y, as_trained.oof_prediction_),
        "out_of_fold_first_phase": scores(y, ensemble.oof_prediction_),
        "first_phase_change_dex": {"median": round(float(np.median(shift)), 5),
                                   "p99": round(float(np.quantile(shift, 0.99)), 5),
                                   "max": round(float(shift.max()), 5)},
        "std_factor": round(float(calibrated.std_factor_), 4),
        "data": "4,013 Gaia DR2 RRab stars with OGLE-IV I-band photometric [Fe/H] labels; " + DEKANY2022_CITATION,
    }
    rrlsk.save_model(calibrated, TARGET, y=y, metadata=record)
    (TARGET.with_suffix(".json")).write_text(json.dumps(record, indent=1, ensure_ascii=False) + "\n")
    print(json.dumps(record, indent=1, ensure_ascii=False))
    print(f"wrote {TARGET} ({TARGET.stat().st_size / 1024:.0f} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
