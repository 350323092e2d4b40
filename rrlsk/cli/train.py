"""``rrlsk train``: fit a network or baseline, optionally grid-searched and calibrated, and save it."""

from __future__ import annotations

import math
import time

from .common import print_table, refuse_overwriting_inputs, say
from .info import calibration_line
from .training import cv_splitter, eval_weights, parse_grid, pipeline, read_labelled, training_weights

__all__ = ["cmd_train"]


def _grid_search(args, pipe, X, y, weights, feh_error):
    """``--grid``: density weights to the model, error weights to the scorers; best by (w)RMSE."""
    from ..model_selection import grid_search, search_results
    from ..pipelines import NETWORKS

    step = pipe.steps[-1][0]
    if args.grid.strip().lower() == "paper" and args.model not in NETWORKS:
        raise ValueError(f"--grid paper searches network hyperparameters; {args.model} is not a network")
    grid = parse_grid(args.grid, step, pipe.steps[-1][1])
    n_candidates = math.prod(len(values) for values in grid.values())
    refit = "rmse" if feh_error is None else "wrmse"
    say(f"grid search: {n_candidates} candidates x {cv_splitter(args).get_n_splits()} folds, best by {refit}")
    search = grid_search(pipe, grid, X, y, cv=cv_splitter(args), refit=refit, train_weight=weights,
                         eval_weight=eval_weights(feh_error), n_jobs=args.n_jobs, verbose=0 if args.quiet else 1)
    table = search_results(search)
    metrics = [name for name in table if not name.endswith("_std")]
    print_table(table[metrics].head(10))
    say(f"best: {search.best_params_}")
    best = table.iloc[0]
    return search.best_estimator_, {m: {"mean": float(best[m]), "std": float(best[f"{m}_std"])} for m in metrics}


def _calibrate(args, model, X, y, weights, feh_error):
    """``--calibrate``: :func:`rrlsk.uncertainty.make_calibrated_ensemble` of ``model``, fitted."""
    from ..uncertainty import make_calibrated_ensemble

    if args.label_errors and feh_error is None:
        raise ValueError(f"{args.data}: --label-errors needs a feh_error column")
    degrade = "auto"  # copies teach the difficulty model wherever the table has point errors
    if args.degraded_copies:
        from ..degrade import LightCurveDegrader

        degrade = LightCurveDegrader(n_copies=args.degraded_copies, random_state=args.random_state)
    calibrated = make_calibrated_ensemble(model, n_folds=args.splits, calibration_size=args.calibration_size,
                                          degrade=degrade, interval=args.interval,
                                          difficulty_target=args.difficulty_target, random_state=args.random_state)
    y_err = feh_error if args.label_errors else None  # a Series: errors name the stars
    return calibrated.fit(X, y.to_numpy(), sample_weight=weights, y_err=y_err)


def cmd_train(args) -> int:
    """Run ``rrlsk train``."""
    from ..model_selection import fit_with_sample_weight
    from ..persistence import save_model

    refuse_overwriting_inputs(args.out, "--out", [("the training data", args.data), ("the labels file", args.labels)])
    X, y, feh_error = read_labelled(args)
    # a progress bar over epochs for a single fit; the grid search reports per fit instead
    pipe = pipeline(args, args.model, verbose=0 if args.quiet or args.grid else 1)
    weights = training_weights(args.weights, y, feh_error, args.density_threshold)
    say(f"training {args.model} ({args.catalogue} catalogue, {args.weights} weights) on {len(X)} stars "
        f"from {args.data}")
    t0 = time.perf_counter()
    if args.grid:
        model, cv_summary = _grid_search(args, pipe, X, y, weights, feh_error)
    else:
        model, cv_summary = fit_with_sample_weight(pipe, X, y.to_numpy(), weights), None
    metadata = {"command": "rrlsk train", "data": str(args.data), "weights": args.weights, "grid": args.grid}
    if args.calibrate:
        model = _calibrate(args, model, X, y, weights, feh_error)
        metadata["calibration"] = {**model.calibration_info(), "fold_models": args.splits}
        say("calibrated: " + calibration_line(metadata["calibration"]))
    say(f"trained in {time.perf_counter() - t0:.1f} s")
    path = save_model(model, args.out, y=y, cv_summary=cv_summary, metadata=metadata)
    say(f"saved the model to {path}  (inspect it with: rrlsk info {path})")
    return 0
