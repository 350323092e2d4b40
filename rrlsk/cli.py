"""The ``rrlsk`` command: simulate, select, train, validate, predict, report.

Run ``rrlsk --help`` or ``rrlsk <command> --help`` for every option. Each
command exits with status 0 on success, 1 with a one-line reason on bad
input or a failed step (``--debug`` shows the traceback instead), and 2 on
a malformed command line.
"""

from __future__ import annotations

import argparse
import difflib
import json
import logging
import math
import os
import re
import sys
import tempfile
import threading
import time
import unicodedata
from collections.abc import Sequence
from contextlib import contextmanager
from pathlib import Path

from ._atomic import write_atomic
from ._registry import BASELINES, network_names
from .pretrained import names as pretrained_names

__all__ = ["main", "build_parser"]

# rrlsk.pipelines.CATALOGUES, repeated so that `--help` does not start TensorFlow
CATALOGUES = ("spline", "spline_nomean", "raw")
#: rrlsk.weights.density_weights' default threshold, /dex (repeated for the same reason)
DENSITY_THRESHOLD = 0.5
#: rrlsk.regressors.TRAINING_DEFAULTS that the network options show (repeated for the same reason)
NETWORK_DEFAULTS = {"epochs": 400, "batch_size": 256, "learning_rate": 0.01, "patience": 40}
#: rrlsk.TransformerRegressor.default_learning_rate (the one network with its own)
TRANSFORMER_LEARNING_RATE = 0.001
#: The networks' default dropout rates, per layer, as --help shows them
NETWORK_DROPOUT = ("0.2/0.2/0.1 in the recurrent nets, 0.2/0.1 in convlstm and convgru, 0.1 in "
                   "transformer, 0 in fcn, resnet and inception")
#: rrlsk.make_pipeline's default n_points, phase points of the spline grid
N_POINTS = 100
GAIA_FORMATS = ("csv", "ecsv", "votable", "fits")
RR_TYPES = ("RRab", "RRc")


# --------------------------------------------------------------------------
# Small helpers shared by the commands
# --------------------------------------------------------------------------


def _say(*parts) -> None:
    print(*parts, flush=True)


def _refuse_overwriting_inputs(output: str | os.PathLike, option: str, inputs: Sequence[tuple[str, object]]) -> None:
    """Refuse an output file that is one of the command's input files, or inside an input folder.

    Parameters
    ----------
    output : path
        The file the command will write.
    option : str
        The option naming it, for the message (``"--csv"``).
    inputs : sequence of (str, path or None)
        What each input is (``"the model file"``) and its path; None for
        inputs not given.

    Raises
    ------
    ValueError
        Naming the output, the option and the input it would overwrite.
    """
    target = Path(output).resolve()
    for what, path in inputs:
        if path is None:
            continue
        source = Path(path).resolve()
        if target == source or (source.is_dir() and source in target.parents):
            where = "is" if target == source else "is inside"
            raise ValueError(f"{option} {output} {where} {what} ({path}); writing there would destroy "
                             f"or mix with an input: give {option} another path")


def models_help() -> str:
    """The models ``--model`` takes, from the registry, without importing TensorFlow.

    Returns
    -------
    str
        ``"networks: fcn, ...; baselines: fourier_relation, ..."``: the
        built-in networks and any other registered in this process.
    """
    return f"networks: {', '.join(network_names())}; baselines: {', '.join(BASELINES)}"


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value}")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {value}")
    return value


def _fraction(text: str) -> float:
    value = _positive_float(text)
    if value >= 1:
        raise argparse.ArgumentTypeError(f"expected a fraction in (0, 1), got {value}")
    return value


def _model_name(text: str) -> str:
    """A model name of :func:`models_help`, in any case; a near miss gets a "did you mean".

    Parameters
    ----------
    text : str
        The name as typed (``"GRU"``, ``"InceptionTime"``).

    Returns
    -------
    str
        The registered name (``"gru"``).

    Raises
    ------
    argparse.ArgumentTypeError
        For a name that is not a model, with the closest names, if any, and
        the list of models.
    """
    name = text.strip().lower()
    known = [*network_names(), *BASELINES]
    if name in known:
        return name
    close = difflib.get_close_matches(name, known, n=2, cutoff=0.6)
    guess = f"did you mean {' or '.join(close)}? " if close else ""
    raise argparse.ArgumentTypeError(f"unknown model {text!r}; {guess}({models_help()})")


def _model_list(text: str) -> list[str]:
    names = [_model_name(name) for name in text.split(",") if name.strip()]
    if not names:
        raise argparse.ArgumentTypeError("expected one or more model names separated by commas")
    return names


def parse_grid(text: str, step: str, estimator=None) -> dict[str, list]:
    """Parse ``--grid``: :func:`rrlsk.model_selection.parse_param_grid`, errors prefixed ``--grid:``."""
    from .model_selection import parse_param_grid

    try:
        return parse_param_grid(text, step, estimator)
    except ValueError as err:
        raise ValueError(f"--grid: {err}") from err


def _model_params(args, model: str, verbose: int = 0) -> dict:
    """Network options given on the command line (others keep their defaults)."""
    from .pipelines import NETWORKS

    if model not in NETWORKS:
        return {}
    names = ("epochs", "batch_size", "learning_rate", "dropout", "patience", "random_state")
    params = {name: getattr(args, name) for name in names if getattr(args, name, None) is not None}
    params["verbose"] = verbose
    return params


def _weights(kind: str, y, feh_error, threshold: float = DENSITY_THRESHOLD):
    """Training weights: ``density`` (paper), ``density_error`` or ``none``."""
    if kind == "none":
        return None
    from .weights import density_weights

    if kind == "density_error" and feh_error is None:
        raise ValueError("--weights density_error needs label errors (a feh_error column or --labels)")
    errors = feh_error.to_numpy() if kind == "density_error" else None
    try:
        return density_weights(y.to_numpy(), errors, threshold=threshold)
    except ValueError as err:
        if "threshold" not in str(err):
            raise
        raise ValueError(f"{err} with --density-threshold (now {threshold:g} /dex; {len(y)} training stars "
                         "spread thinly), or use --weights none") from err


def _eval_weights(feh_error):
    """Evaluation weights ``1 / feh_error**2`` (dex^-2), None without errors."""
    from .metrics import evaluation_weights

    return None if feh_error is None else evaluation_weights(feh_error)


def _pipeline(args, model: str, verbose: int = 0):
    from .pipelines import make_pipeline

    kwargs = {"catalogue": args.catalogue, "rr_type": getattr(args, "type", "RRab")}
    if getattr(args, "n_points", None) is not None:
        kwargs["n_points"] = args.n_points
    return make_pipeline(model, **kwargs, **_model_params(args, model, verbose))


def _cv(args):
    from .model_selection import BinnedStratifiedKFold, RepeatedBinnedStratifiedKFold

    if args.repeats > 1:
        return RepeatedBinnedStratifiedKFold(
            n_splits=args.splits, n_repeats=args.repeats, n_bins=args.n_bins,
            random_state=args.random_state,
        )
    return BinnedStratifiedKFold(
        n_splits=args.splits, n_bins=args.n_bins, shuffle=True, random_state=args.random_state
    )


def _print_table(frame, floatfmt: str = ".4f") -> None:
    import pandas as pd

    with pd.option_context("display.width", 120, "display.max_columns", 30,
                           "display.float_format", lambda v: format(v, floatfmt)):
        _say(frame.to_string())


# --------------------------------------------------------------------------
# Commands
# --------------------------------------------------------------------------


def _note_if_shadowed(model: str | None) -> None:
    """Tell the user when a registered pretrained name is also a file here (the name wins)."""
    from .pretrained import is_pretrained_name

    if model and is_pretrained_name(model) and Path(model).exists():
        print(f"rrlsk: note: {model!r} is a registered pretrained model and also a file here; using the "
              f"pretrained model (write ./{model} for the file)", file=sys.stderr)


def _info_pretrained(name: str, as_json: bool) -> int:
    """``rrlsk info NAME`` for a registered pretrained model (reads no weights)."""
    from .pretrained import describe

    info = describe(name)
    if as_json:
        _say(json.dumps(info, indent=2, sort_keys=True))
        return 0
    _say(f"pretrained  {info['name']}")
    for key, label in (("summary", "model"), ("band", "band"), ("training_data", "training"),
                       ("licence", "licence"), ("citation", "cite"), ("files", "files"), ("notes", "notes")):
        _say(f"{label:<11} {info[key]}")
    return 0


def cmd_info(args) -> int:
    from .persistence import model_info
    from .pretrained import closest_name, is_pretrained_name

    if is_pretrained_name(args.model):
        _note_if_shadowed(args.model)
        return _info_pretrained(args.model, args.json)
    close = None if Path(args.model).exists() else closest_name(args.model)
    if close:
        raise ValueError(f"{args.model}: no such model file; did you mean the pretrained model {close!r}?")
    info = model_info(args.model)
    if args.json:
        _say(json.dumps(info, indent=2, sort_keys=True))
        return 0
    info = _escaped(info)  # what a file says is shown, never run by the terminal
    model = info["model"]
    _say(f"file        {args.model}")
    _say(f"saved       {info['saved_at']}")
    _say("versions    " + ", ".join(f"{k} {v}" for k, v in sorted(info["versions"].items()) if v))
    _say(f"model       {model['class']}")
    if model.get("steps"):
        _say("steps       " + " -> ".join(name for name, _ in model["steps"]))
    training = info.get("training")
    if training:
        _say(
            f"training    {training.get('n_stars', '?')} stars, [Fe/H] {_number(training.get('feh_min'), '.2f')} .. "
            f"{_number(training.get('feh_max'), '.2f')} dex (mean {_number(training.get('feh_mean'), '.2f')}, std "
            f"{_number(training.get('feh_std'), '.2f')})"
        )
    calibration = (info.get("user") or {}).get("calibration")
    if calibration:
        _say("calibration " + _calibration_line(calibration))
    elif model["class"] == "CalibratedRegressor":
        _say("calibration calibrated (details not recorded: not saved by rrlsk train --calibrate)")
    else:
        _say("calibration none: predictions carry no uncertainty (feh_std NaN); see rrlsk train --calibrate")
    if info.get("cv"):
        import pandas as pd

        _say("cross-validation:")
        _print_table(pd.DataFrame(info["cv"]).T)
    params = model.get("params", {})
    if params:
        _say("parameters:")
        width = max(map(len, params))
        for key, value in params.items():
            _say(f"  {key:<{width}}  {value}")
    if info.get("user"):
        _say("notes       " + json.dumps(info["user"], sort_keys=True))
    return 0


#: Names that moved to rrlsk.io, kept here as aliases (read on first use: importing rrlsk.io costs a
#: second that ``rrlsk --help`` need not pay).
_MOVED_TO_IO = ("PLAIN_CSV_ARRAYS", "is_plain_csv", "read_plain_csv")


def __getattr__(name: str):
    if name in _MOVED_TO_IO:
        from . import io

        return getattr(io, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@contextmanager
def _as_readable_source(source, rrlyrae):
    """``rrlsk predict``'s sources, with each plain light-curve CSV as a temporary Parquet file."""
    from .io import is_plain_csv

    paths = [source] if isinstance(source, (str, os.PathLike)) else list(source)
    if not any(is_plain_csv(path) for path in paths):
        yield source
        return
    from .io import read_plain_csv, write_parquet

    with tempfile.TemporaryDirectory(prefix="rrlsk-csv-") as scratch:
        readable = []
        for i, path in enumerate(paths):
            if not is_plain_csv(path):
                readable.append(path)
                continue
            X = read_plain_csv(path)
            missing = [c for c in ("period", "epoch") if c not in X]
            if missing and rrlyrae is None:
                raise ValueError(f"{path}: no {' and '.join(missing)} column; add it (days, on each of a "
                                 "star's rows) or give --rrlyrae FILE")
            readable.append(Path(scratch) / f"{i:05d}-{Path(path).stem}.parquet")
            write_parquet(X, readable[-1])
        yield readable[0] if len(readable) == 1 else readable


def _read_labelled(args):
    """``DATA`` and ``--labels`` of ``rrlsk train``/``cv`` as ``(X, y, feh_error)``.

    :func:`rrlsk.io.read_labelled_light_curves`, plus plain light-curve
    CSVs and the options naming the label columns.
    """
    from .io import is_plain_csv, read_gaia_dr3, read_labelled_light_curves, read_labels, read_parquet, read_plain_csv

    path = Path(args.data)
    columns = {"feh_column": args.feh_column, "feh_error_column": args.feh_error_column}
    if path.is_dir():
        X, y, info = read_gaia_dr3(path, labels=args.labels, **columns)
        return X, y, info["feh_error"]
    plain = is_plain_csv(path)
    if not plain and (path.suffix.lower() != ".parquet" or not any(columns.values())):
        return read_labelled_light_curves(path, labels=args.labels)
    X = read_plain_csv(path) if plain else read_parquet(path)
    if args.labels is not None:
        table = read_labels(args.labels, **columns)
        X = X.drop(columns=[c for c in table.columns if c in X.columns]).join(table, how="inner")
        if X.empty:
            raise ValueError(f"{args.labels}: no source_id in common with {path}")
    else:
        by_lower = {str(c).lower(): c for c in X.columns}
        for name, option in (("feh", "feh_column"), ("feh_error", "feh_error_column")):
            given = columns[option]
            if given is not None and given.lower() not in by_lower:
                raise ValueError(f"{path}: no column {given!r} (--{option.replace('_', '-')})")
            if given is not None:
                X = X.rename(columns={by_lower[given.lower()]: name})
    if "feh" not in X.columns:
        raise ValueError(f"{path}: no feh column; name it with --feh-column, or pass --labels FILE "
                         "with source_id, feh, feh_error")
    unlabelled = X.index[X["feh"].isna()]
    if len(unlabelled):
        raise ValueError(f"{path}: no feh for {len(unlabelled)} star(s), source_id {unlabelled[:5].tolist()}")
    feh_error = X["feh_error"].astype(float) if "feh_error" in X.columns else None
    return X, X["feh"].astype(float).rename("feh"), feh_error


def _with_labels(X, sample_info):
    """X plus the label columns ``feh``, ``feh_error`` (for Parquet files)."""
    return X.join(sample_info[["feh", "feh_error"]])


def cmd_simulate(args) -> int:
    from .datasets import make_gaia_rrab, make_gaia_rrc, to_gaia_files
    from .io import write_parquet

    make = make_gaia_rrc if args.type == "RRc" else make_gaia_rrab
    X, y, info = make(args.n_stars, labels=args.labels, random_state=args.random_state)
    out = Path(args.out)
    if args.format == "parquet":
        if out.suffix.lower() != ".parquet":
            raise ValueError(f"{out}: Parquet output must end in .parquet (or choose --format csv|ecsv|votable|fits)")
        out.parent.mkdir(parents=True, exist_ok=True)
        write_parquet(_with_labels(X, info), out)
        _say(f"wrote {len(X)} simulated {args.type} stars with feh and feh_error (dex) to {out}")
        return 0
    paths = to_gaia_files(X, info, out, format=args.format, per_star=args.per_star)
    _say(f"wrote {len(X)} simulated {args.type} stars as Gaia DR3 {args.format} tables:")
    for name, path in paths.items():
        _say(f"  {name:<17} {path}")
    return 0


def cmd_select(args) -> int:
    from .io import read_gaia_dr3, select_paper_sample, write_parquet

    X, y, info = read_gaia_dr3(args.source, args.rrlyrae, args.labels, feh_column=args.feh_column,
                               feh_error_column=args.feh_error_column)
    selected, cuts = select_paper_sample(
        info, feh_error_column="feh_error", classification=args.type, max_feh_error=args.max_feh_error,
        max_amplitude=args.max_amplitude, min_epochs=args.min_epochs,
        max_phi31_error=args.max_phi31_error,
    )
    _say(f"the paper's selection (Monti et al. 2024, Sect. 3) on the {len(X)} stars with "
         "light curves, period, epoch and label:")
    _print_table(cuts.set_index("cut"))
    if selected.empty:
        raise ValueError("no star passes the selection cuts")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    write_parquet(_with_labels(X.loc[selected.index], info.loc[selected.index]), out)
    _say(f"wrote {len(selected)} selected light curves with feh, feh_error (dex) to {out}")
    return 0


def _grid_search(args, pipe, X, y, weights, feh_error):
    """``--grid``: density weights to the model, error weights to the scorers; best by (w)RMSE."""
    from .model_selection import grid_search, search_results
    from .pipelines import NETWORKS

    step = pipe.steps[-1][0]
    if args.grid.strip().lower() == "paper" and args.model not in NETWORKS:
        raise ValueError(f"--grid paper searches network hyperparameters; {args.model} is not a network")
    grid = parse_grid(args.grid, step, pipe.steps[-1][1])
    n_candidates = math.prod(len(values) for values in grid.values())
    refit = "rmse" if feh_error is None else "wrmse"
    _say(f"grid search: {n_candidates} candidates x {_cv(args).get_n_splits()} folds, best by {refit}")
    search = grid_search(pipe, grid, X, y, cv=_cv(args), refit=refit, train_weight=weights,
                         eval_weight=_eval_weights(feh_error), n_jobs=args.n_jobs, verbose=0 if args.quiet else 1)
    table = search_results(search)
    metrics = [name for name in table if not name.endswith("_std")]
    _print_table(table[metrics].head(10))
    _say(f"best: {search.best_params_}")
    best = table.iloc[0]
    return search.best_estimator_, {m: {"mean": float(best[m]), "std": float(best[f"{m}_std"])} for m in metrics}


def _calibrate(args, model, X, y, weights, feh_error):
    """``--calibrate``: :func:`rrlsk.uncertainty.make_calibrated_ensemble` of ``model``, fitted."""
    from .uncertainty import make_calibrated_ensemble

    if args.label_errors and feh_error is None:
        raise ValueError(f"{args.data}: --label-errors needs a feh_error column")
    degrade = None
    if args.degraded_copies:
        from .degrade import LightCurveDegrader

        degrade = LightCurveDegrader(n_copies=args.degraded_copies, random_state=args.random_state)
    calibrated = make_calibrated_ensemble(model, n_folds=args.splits, calibration_size=args.calibration_size,
                                          degrade=degrade, interval=args.interval,
                                          difficulty_target=args.difficulty_target, random_state=args.random_state)
    y_err = feh_error if args.label_errors else None  # a Series: errors name the stars
    return calibrated.fit(X, y.to_numpy(), sample_weight=weights, y_err=y_err)


def _escaped(value):
    """Metadata read from a file, its text with control and format characters escaped (``\\x1b``).

    Parameters
    ----------
    value : object
        JSON-like metadata: dicts, lists, text, numbers.

    Returns
    -------
    object
        The same structure; a terminal shows its text, never obeys it.
    """
    if isinstance(value, str):
        return "".join(repr(c)[1:-1] if unicodedata.category(c) in ("Cc", "Cf") else c for c in value)
    if isinstance(value, dict):
        return {_escaped(key): _escaped(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_escaped(item) for item in value]
    return value


def _number(value, spec: str) -> str:
    """``value`` formatted by ``spec`` when it is a number, else as it is (``?`` when missing)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return format(value, spec)
    return "?" if value is None else str(value)


def _calibration_line(calibration: dict) -> str:
    target = "true [Fe/H] (label errors removed)" if calibration.get("label_errors") else "labels"
    interval = calibration.get("interval", "prediction")
    inverted = (f"classical intervals ([Fe/H] = (prediction - {_number(calibration.get('intercept'), '.3f')}) / "
                f"{_number(calibration.get('slope'), '.3f')}), " if interval == "classical" else "")
    return (inverted + f"{calibration.get('spread', '?')} spread of {calibration.get('fold_models', '?')} fold models, "
            f"calibrated on {calibration.get('n_calibration', '?')} held-out stars"
            + (f" and {calibration['n_degraded']} degraded copies" if calibration.get("n_degraded") else "")
            + f" against the {target}; {interval} intervals, difficulty target "
            f"{calibration.get('difficulty_target', 'abs')}; median 68 % std "
            f"{_number(calibration.get('median_std'), '.3f')} dex")


def cmd_train(args) -> int:
    from .model_selection import fit_with_sample_weight
    from .persistence import save_model

    _refuse_overwriting_inputs(args.out, "--out", [("the training data", args.data), ("the labels file", args.labels)])
    X, y, feh_error = _read_labelled(args)
    # a progress bar over epochs for a single fit; the grid search reports per fit instead
    pipe = _pipeline(args, args.model, verbose=0 if args.quiet or args.grid else 1)
    weights = _weights(args.weights, y, feh_error, args.density_threshold)
    _say(f"training {args.model} ({args.catalogue} catalogue, {args.weights} weights) on {len(X)} stars "
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
        _say("calibrated: " + _calibration_line(metadata["calibration"]))
    _say(f"trained in {time.perf_counter() - t0:.1f} s")
    path = save_model(model, args.out, y=y, cv_summary=cv_summary, metadata=metadata)
    _say(f"saved the model to {path}  (inspect it with: rrlsk info {path})")
    return 0


#: Sub-folder of a run folder (``rrlsk demo``, ``rrlsk cv``) holding the reports.
RUN_REPORTS = "reports"


def load_reports(run: Path) -> dict:
    """Read the reports of a run folder (:func:`rrlsk.evaluation.load_reports`)."""
    from .evaluation import REPORTS_INDEX
    from .evaluation import load_reports as load

    if not (run / RUN_REPORTS / REPORTS_INDEX).is_file():
        raise ValueError(f"{run}: no {RUN_REPORTS}/{REPORTS_INDEX}; not a run folder of 'rrlsk demo' or 'rrlsk cv'")
    return load(run / RUN_REPORTS)


def make_report(run: Path, reports: dict | None = None, *, figures: bool = True) -> str:
    """Table A1 in Markdown of a run folder, written there (:func:`rrlsk.evaluation.write_table_a1`)."""
    from .evaluation import write_table_a1

    reports = load_reports(run) if reports is None else reports
    return write_table_a1(reports, run, figures=figures).to_markdown()


def cmd_cv(args) -> int:
    from .evaluation import cross_validate_models, save_reports

    X, y, feh_error = _read_labelled(args)
    out = Path(args.out)
    _say(f"cross-validating {', '.join(args.models)} on {len(X)} stars "
         f"({args.splits} folds x {args.repeats} repeat(s), {args.n_bins} [Fe/H] bins)")
    reports = cross_validate_models(
        {model: _pipeline(args, model) for model in args.models}, X, y, cv=_cv(args),
        train_weight=_weights(args.weights, y, feh_error, args.density_threshold),
        eval_weight=_eval_weights(feh_error), progress=not args.quiet,
    )
    save_reports(reports, out / RUN_REPORTS)
    _say(make_report(out, reports, figures=False))
    _say(f"wrote the reports and table_a1.md to {out}/ (figures: rrlsk report {out})")
    return 0


def cmd_report(args) -> int:
    run = Path(args.run)
    if not run.is_dir():
        raise FileNotFoundError(f"{run}: no such run folder")
    _say(make_report(run))
    _say(f"wrote {run / 'table_a1.md'}, {run / 'table_a1.csv'} and figures in {run / 'figures'}/")
    return 0


def _predict_model(model: str | None, model_rrab: str | None, model_rrc: str | None):
    """The model path, or a PerTypeRegressor of the --model-rrab/--model-rrc files."""
    per_type = {name: path for name, path in (("RRab", model_rrab), ("RRc", model_rrc)) if path}
    if not model and not per_type:
        raise ValueError("give a MODEL file (one model, or a combined PerTypeRegressor) "
                         "or --model-rrab and/or --model-rrc")
    if not per_type:
        return model  # a path: each worker process loads it itself
    from .batch import load_fitted
    from .per_type import PerTypeRegressor

    return PerTypeRegressor({name: load_fitted(path) for name, path in per_type.items()})


def cmd_predict(args) -> int:
    from .batch import predict_catalogue, read_predictions

    model, sources = args.model, list(args.source)
    if model and (args.model_rrab or args.model_rrc):
        # with per-type models every positional argument is a light-curve source
        model, sources = None, [model, *sources]
    for given in (model, args.model_rrab, args.model_rrc):
        _note_if_shadowed(given)

    for source in sources:
        if not Path(source).exists():
            raise FileNotFoundError(f"{source}: no such file or folder")
    if args.csv:
        _refuse_overwriting_inputs(args.csv, "--csv", [
            *(("the light curves", s) for s in sources), ("the model file", model),
            ("the --model-rrab file", args.model_rrab), ("the --model-rrc file", args.model_rrc),
            ("the --rrlyrae file", args.rrlyrae)])
    source = sources[0] if len(sources) == 1 else sources
    with _as_readable_source(source, args.rrlyrae) as readable:
        summary = predict_catalogue(
            _predict_model(model, args.model_rrab, args.model_rrc), readable, args.out, chunk_size=args.chunk_size,
            n_jobs=args.n_jobs, rrlyrae=args.rrlyrae, progress=not args.quiet,
        )
    table = read_predictions(args.out)
    csv = Path(args.csv) if args.csv else Path(args.out) / "predictions.csv"
    write_atomic(csv, table.to_csv)
    _say(f"{summary.n_ok} ok, {summary.n_flagged} flagged, {summary.n_skipped} skipped, {summary.n_failed} failed, "
         f"{summary.n_already_done} already done; {summary.seconds.get('wall', 0.0):.1f} s")
    if summary.n_flagged:
        _say("flagged stars were predicted but look implausible (a unit mistake, outside the training domain "
             "or outside the physical [Fe/H] range): see their reason column")
    predicted = table["status"].isin(("ok", "flagged"))
    if predicted.any() and table.loc[predicted, "feh_std"].isna().all():
        _say("feh_std, feh_lower and feh_upper are empty: the model is not calibrated (rrlsk train --calibrate "
             "trains one with per-star uncertainties; rrlsk info MODEL tells which a file is)")
    _print_table(table.head(args.show))
    _say(f"wrote {len(table)} predictions to {csv} (and Parquet parts in {args.out}/)")
    return 0


#: ``rrlsk demo`` sizes: (training stars, held-out stars, epochs, CV folds, phase points).
DEMO_DEFAULT = {"n_stars": 1000, "n_holdout": 200, "epochs": 60, "splits": 5, "n_points": 100}
DEMO_QUICK = {"n_stars": 100, "n_holdout": 20, "epochs": 2, "splits": 2, "n_points": 50}
DEMO_BASELINE = "fourier_relation"
DEMO_LABELS = "spectroscopic"


def cmd_demo(args) -> int:
    import numpy as np
    import pandas as pd
    from tqdm.auto import tqdm

    from .batch import predict_catalogue, read_predictions
    from .datasets import make_gaia_rrab
    from .evaluation import cross_validate_models, save_reports
    from .io import write_parquet
    from .metrics import evaluation_weights, rmse
    from .model_selection import BinnedStratifiedKFold
    from .persistence import save_model
    from .pipelines import make_pipeline
    from .pretrained.real_stars import DEMO_MODEL, plot_demo_stars, predict_demo_stars
    from .pretrained.real_stars import summary as real_summary
    from .weights import density_weights

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
    write_parquet(_with_labels(X, info), out / "train.parquet")
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

    _say(f"\nTable A1 ({sizes['splits']}-fold binned stratified CV on {len(X)} simulated stars with "
         f"{DEMO_LABELS} [Fe/H] labels; training weights: density, evaluation weights: 1/feh_error^2)")
    _say(table)
    if args.quick:
        _say(f"(--quick trains {sizes['epochs']} epochs: a check that everything runs, not a usable model)")
    if len(ok):
        w = evaluation_weights(ok["feh_label_error"])
        _say(f"held-out stars: {len(ok)} predicted ({summary.n_skipped} skipped, {summary.n_failed} failed); "
             f"against their labels RMSE {rmse(ok['feh_label'], ok['feh']):.3f} dex, "
             f"wRMSE {rmse(ok['feh_label'], ok['feh'], w):.3f} dex; "
             f"against the true [Fe/H] RMSE {rmse(ok['feh_true'], ok['feh']):.3f} dex")
    _say(f"\nReal stars: {len(real)} Gaia DR2 RRab curves shipped with rrlsk, predicted by {DEMO_MODEL} "
         f"(ready for your G curves: rrlsk predict {DEMO_MODEL} YOUR.parquet --out DIR). Out of fold "
         "against their OGLE-IV photometric [Fe/H] labels (dex), beside the published model:")
    _say(real_summary(real))
    _say(f"done in {time.perf_counter() - t_start:.0f} s. Written to {out}/:")
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
        _say(f"  {str(path):<{width}}  {what}")
    return 0


# --------------------------------------------------------------------------
# Parser
# --------------------------------------------------------------------------


class _Formatter(argparse.HelpFormatter):
    """Shows ``(default: ...)`` where there is a default to show; a list as typed (``gru,svr``)."""

    def _get_help_string(self, action):
        text = action.help or ""
        default = action.default
        if "default" in text or default is None or default is False or default == argparse.SUPPRESS \
                or not action.option_strings:
            return text
        if isinstance(default, (list, tuple)):
            return f"{text} (default: {','.join(map(str, default))})".replace("%", "%%")
        return f"{text} (default: %(default)s)"


def _add_network_options(parser) -> None:
    group = parser.add_argument_group("network training (ignored by classical baselines)")
    group.add_argument("--epochs", type=_positive_int, default=None,
                       help=f"maximum training epochs per fit; early stopping usually ends sooner "
                       f"(default: {NETWORK_DEFAULTS['epochs']})")
    group.add_argument("--batch-size", type=_positive_int, default=None,
                       help=f"mini-batch size, stars (default: {NETWORK_DEFAULTS['batch_size']})")
    group.add_argument("--learning-rate", type=_positive_float, default=None,
                       help=f"initial Adam learning rate (default: {NETWORK_DEFAULTS['learning_rate']:g}; "
                       f"{TRANSFORMER_LEARNING_RATE:g} for transformer)")
    group.add_argument("--dropout", type=_fraction, default=None,
                       help="one dropout rate in (0, 1) for every layer (default: per layer, "
                       f"{NETWORK_DROPOUT})")
    group.add_argument("--patience", type=_positive_int, default=None,
                       help="early-stopping patience, epochs without improvement "
                       f"(default: {NETWORK_DEFAULTS['patience']})")


def _add_data_options(parser) -> None:
    parser.add_argument("data", help="labelled light curves: an rrlsk Parquet file with feh, "
                        "feh_error columns (from 'rrlsk simulate' or 'rrlsk select'), a folder "
                        "of Gaia tables, or a plain CSV with one row per observation (source_id, time, "
                        "mag, optionally mag_err) and per-star period, epoch, feh, feh_error repeated "
                        "on each of a star's rows")
    parser.add_argument("--labels", default=None,
                        help="table of source_id, [Fe/H] and its error (dex) replacing the data's labels")
    _add_label_column_options(parser)
    parser.add_argument("--catalogue", choices=CATALOGUES, default="spline",
                        help="preprocessing: spline-resampled and mean-subtracted (paper's best), "
                        "spline without mean subtraction, or raw padded curves")
    parser.add_argument("--n-points", type=_positive_int, default=None,
                        help=f"phase points of the resampled curve (default: {N_POINTS})")
    parser.add_argument("--weights", choices=("density", "density_error", "none"), default="density",
                        help="training sample weights: inverse [Fe/H] density (paper), the same "
                        "divided by feh_error^2, or none")
    parser.add_argument("--density-threshold", type=_positive_float, default=DENSITY_THRESHOLD,
                        help="density weights: the [Fe/H] density, /dex, below which the tails get the "
                        "weight of its edge; lower it for small training sets")
    parser.add_argument("--random-state", type=int, default=0,
                        help="seed for splits and network initialisation")
    _add_type_option(parser, "pulsation type of the stars: sets the phase alignment of the preprocessing")


def _add_label_column_options(parser) -> None:
    parser.add_argument("--feh-column", default=None,
                        help="the [Fe/H] column of --labels (or of the data), any case (default: the first "
                        "of feh, [fe/h], fe_h, feh_phot, metallicity)")
    parser.add_argument("--feh-error-column", default=None,
                        help="the column of its error, dex (default: the first of feh_error, e_feh, "
                        "feh_err, sigma_feh, e_[fe/h], e_fe_h, metallicity_error)")


def _add_type_option(parser, help_text: str) -> None:
    parser.add_argument("--type", choices=RR_TYPES, default="RRab", help=help_text)


def _add_cv_options(parser, splits: int = 5) -> None:
    parser.add_argument("--splits", type=_positive_int, default=splits, help="number of CV folds")
    parser.add_argument("--repeats", type=_positive_int, default=1, help="CV repetitions with new shuffles")
    parser.add_argument("--n-bins", type=_positive_int, default=10,
                        help="[Fe/H] bins for stratification")


def build_parser() -> argparse.ArgumentParser:
    """The ``rrlsk`` argument parser (all sub-commands).

    Returns
    -------
    argparse.ArgumentParser
        Parses the arguments of :func:`main` (without the program name);
        each sub-command sets ``func``, the function that runs it.
    """
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--debug", action="store_true", help="show the full traceback on errors")
    common.add_argument("--quiet", action="store_true", help="no progress bars")
    common.add_argument("--verbose", action="store_true",
                        help="let TensorFlow's start-up log lines through (hidden by default)")

    parser = argparse.ArgumentParser(
        prog="rrlsk",
        description="Photometric [Fe/H] of RRab stars from Gaia G light curves "
        "(Monti et al. 2024). Run 'rrlsk <command> --help' for a command's options.",
        formatter_class=_Formatter,
    )
    from ._version import __version__

    parser.add_argument("--version", action="version", version=f"rrlsk {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="<command>")

    def add(name, func, help_text, description=None):
        p = sub.add_parser(name, parents=[common], help=help_text,
                           description=description or help_text, formatter_class=_Formatter)
        p.set_defaults(func=func)
        return p

    p = add("demo", cmd_demo, "simulate a sample, cross-validate the GRU and a baseline, save, plot, predict",
            "The whole method on a simulated Gaia DR3 RRab sample with known [Fe/H] "
            "(spectroscopic-like labels): "
            "default GRU pipeline with density weights, 5-fold binned stratified CV "
            "(Table A1) next to the classical Fourier-parameter relation, the final "
            "model saved, figures, and predictions on held-out simulated stars.")
    p.add_argument("--out", default="rrlsk-demo", help="output folder")
    p.add_argument("--n-stars", type=_positive_int, default=None,
                   help=f"simulated training stars (default {DEMO_DEFAULT['n_stars']}; "
                   f"{DEMO_QUICK['n_stars']} with --quick)")
    p.add_argument("--n-holdout", type=_positive_int, default=None,
                   help=f"more simulated stars, held out and predicted at the end (default "
                   f"{DEMO_DEFAULT['n_holdout']}; {DEMO_QUICK['n_holdout']} with --quick)")
    p.add_argument("--epochs", type=_positive_int, default=None,
                   help=f"maximum GRU training epochs per fit, early stopping may end sooner (default "
                   f"{DEMO_DEFAULT['epochs']}; {DEMO_QUICK['epochs']} with --quick)")
    p.add_argument("--quick", action="store_true",
                   help=f"tiny run ({DEMO_QUICK['splits']} folds, {DEMO_QUICK['n_points']} phase points) that "
                   "checks the installation in about a minute")
    p.add_argument("--random-state", type=int, default=0, help="seed of simulation, splits and networks")

    p = add("simulate", cmd_simulate, "write a simulated Gaia-like RRab sample with known [Fe/H]",
            "Simulated Gaia DR3 RRab stars (rrlsk.datasets.make_gaia_rrab): an rrlsk Parquet "
            "file with feh and feh_error columns, or the Gaia archive tables epoch_photometry, "
            "vari_rrlyrae and labels in a folder.")
    p.add_argument("out", help="output: a .parquet file, or a folder for Gaia archive tables")
    p.add_argument("--n-stars", type=_positive_int, default=1000, help="number of stars")
    p.add_argument("--format", choices=("parquet", *GAIA_FORMATS), default="parquet",
                   help="rrlsk Parquet, or Gaia archive tables in this format")
    p.add_argument("--per-star", action="store_true",
                   help="Gaia formats: one epoch-photometry file per star, as DataLink delivers them")
    p.add_argument("--labels", choices=("photometric", "spectroscopic"), default="photometric",
                   help="label model: the paper's photometric [Fe/H] (P-phi31 relation on the noisy "
                   "curve) or true [Fe/H] plus spectroscopic-like noise")
    p.add_argument("--random-state", type=int, default=0, help="seed")
    _add_type_option(p, "simulate fundamental-mode (RRab) or first-overtone (RRc) stars")

    p = add("select", cmd_select, "apply the paper's sample selection to Gaia DR3 tables",
            "Keep the RRab stars with a period, sigma[Fe/H] <= 0.4 dex, AmpG <= 1.4 mag, "
            "N_ep >= 50 and sigma(phi31) <= 0.1 rad (Monti et al. 2024, Sect. 3), print the "
            "count after each cut, and write their light curves and labels as rrlsk Parquet.")
    p.add_argument("source", help="folder of Gaia tables (epoch_photometry, vari_rrlyrae, optionally "
                   "labels; as written by 'rrlsk simulate --format ...'), or the epoch-photometry "
                   "file(s) folder when --rrlyrae is given")
    p.add_argument("--rrlyrae", default=None, help="vari_rrlyrae table, when SOURCE is epoch photometry only")
    p.add_argument("--labels", default=None,
                   help="labels table: source_id, [Fe/H], its error, dex (default: the folder's "
                   "labels file, else Gaia's metallicity and metallicity_error)")
    _add_label_column_options(p)
    p.add_argument("--max-feh-error", type=_positive_float, default=0.4, help="largest sigma[Fe/H], dex")
    p.add_argument("--max-amplitude", type=_positive_float, default=1.4, help="largest G peak-to-peak amplitude, mag")
    p.add_argument("--min-epochs", type=_positive_int, default=50, help="fewest clean G epochs")
    p.add_argument("--max-phi31-error", type=_positive_float, default=0.1, help="largest sigma(phi31), rad")
    _add_type_option(p, "keep stars of this best_classification")
    p.add_argument("--out", required=True, help="output .parquet file of the selected light curves")

    p = add("train", cmd_train, "train a network or baseline (optionally grid-searched) and save it")
    _add_data_options(p)
    p.add_argument("--model", type=_model_name, default="gru", help=models_help() + " (any case)")
    p.add_argument("--grid", default=None,
                   help="grid search before the final fit: 'paper' (dropout x learning rate x batch "
                   "size, 60 candidates) or e.g. 'dropout=0.1,0.2;batch_size=128,256'")
    _add_cv_options(p)
    p.add_argument("--n-jobs", type=int, default=1, help="parallel grid-search fits (-1: all cores)")
    group = p.add_argument_group("uncertainties (docs/accuracy.md)")
    group.add_argument("--calibrate", action="store_true",
                       help="train a fold ensemble (--splits models) with per-star uncertainties, "
                       "conformally calibrated on held-out stars")
    group.add_argument("--calibration-size", type=_fraction, default=0.25,
                       help="share of the stars held out for the calibration")
    group.add_argument("--degraded-copies", type=_positive_int, default=None, metavar="N",
                       help="with --calibrate: also learn and calibrate the uncertainties on N sparser, "
                       "fainter copies of each star (20 or more of its epochs, up to 3 mag fainter), "
                       "for catalogues beyond the training stars' cuts (docs/accuracy.md)")
    group.add_argument("--interval", choices=("auto", "prediction", "classical"), default="auto",
                       help="with --calibrate: 'prediction' intervals around the model's [Fe/H] (smallest "
                       "error per star), or 'classical': the [Fe/H] inverted through its line against the "
                       "labels, unbiased and covered at every [Fe/H], for metallicity distributions and "
                       "gradients; 'auto': classical with --label-errors, else prediction (docs/accuracy.md)")
    group.add_argument("--difficulty-target", choices=("auto", "abs", "variance"), default="auto",
                       help="with --calibrate: what the difficulty model learns, quantiles of the absolute "
                       "residual ('abs'), or with --label-errors each star's squared residual less its own "
                       "label variance ('variance'; with --interval classical, docs/accuracy.md); 'auto': "
                       "variance with --label-errors, else abs")
    group.add_argument("--label-errors", action="store_true",
                       help="feh_error is independent noise of the labels (spectroscopic [Fe/H]): "
                       "calibrate intervals for the true [Fe/H]; not for photometric labels")
    _add_network_options(p)
    p.add_argument("--out", required=True, help="model file to write (.joblib)")

    p = add("cv", cmd_cv, "cross-validate one or several models: Table A1")
    _add_data_options(p)
    p.add_argument("--models", type=_model_list, default=["gru"],
                   help="comma-separated model names; " + models_help())
    _add_cv_options(p)
    _add_network_options(p)
    p.add_argument("--out", default="rrlsk-cv", help="run folder for reports (read by 'rrlsk report')")

    p = add("predict", cmd_predict, "predict [Fe/H] with a saved model, streamed and resumable")
    p.add_argument("model", nargs="?", default=None,
                   help="model file from 'rrlsk train', 'rrlsk demo', rrlsk.persistence.save_model "
                   "or joblib.dump (a PerTypeRegressor for mixed types); loading runs code, so use "
                   "trusted files only. Or a pretrained model's name (" + ", ".join(pretrained_names())
                   + "; write ./NAME for a file of that name). Omit it to give --model-rrab/--model-rrc instead")
    p.add_argument("source", nargs="+",
                   help="light curves: rrlsk Parquet file(s)/folder, Gaia epoch-photometry files, or a "
                   "plain CSV with one row per observation: source_id, time (d), mag, optionally mag_err, "
                   "and period, epoch (d) repeated on each of a star's rows (or --rrlyrae)")
    p.add_argument("--out", required=True, help="output folder of Parquet parts (rerun to resume)")
    p.add_argument("--csv", default=None, help="combined table (default: OUT/predictions.csv)")
    p.add_argument("--rrlyrae", default=None,
                   help="vari_rrlyrae file with period and epoch, for Gaia epoch-photometry sources")
    p.add_argument("--model-rrab", default=None, help="model file for the RRab stars (by the type column)")
    p.add_argument("--model-rrc", default=None,
                   help="model file for the RRc stars; stars of a type without a model are written as skipped")
    p.add_argument("--chunk-size", type=_positive_int, default=20_000, help="stars per chunk")
    p.add_argument("--n-jobs", type=int, default=1, help="worker processes (-1: all cores)")
    p.add_argument("--show", type=int, default=5, help="rows of the result to print")

    p = add("report", cmd_report, "tables and figures from a run folder of 'rrlsk demo' or 'rrlsk cv'")
    p.add_argument("run", help="run folder")

    p = add("info", cmd_info, "what a saved model is: versions, training data, parameters, CV metrics")
    p.add_argument("model", help="model file (read without unpickling: safe on any file), or a pretrained "
                   "model's name (" + ", ".join(pretrained_names()) + ")")
    p.add_argument("--json", action="store_true", help="print the metadata as JSON")
    return parser


#: Remedies that the library's messages give in Python terms, and what to do at the shell instead.
CLI_REMEDIES = (
    (re.compile(r"cannot find the \[Fe/H\] column among (.*); pass it explicitly"),
     r"cannot find the [Fe/H] column among \1; name it with --feh-column"),
    (re.compile(r"cannot find the \[Fe/H\] error column among (.*); pass it explicitly"),
     r"cannot find the [Fe/H] error column among \1; name it with --feh-error-column"),
    (re.compile(r" \(or pass drop_rejected=False\)"),
     " (Gaia epoch photometry has them; a plain light-curve CSV has no band column: one row per "
     "observation with source_id, time, mag, optionally mag_err, and period, epoch or --rrlyrae)"),
    (re.compile(r"pass --labels FILE \(labels=FILE in Python\)"), "pass --labels FILE"),
)


def _reason(err: BaseException) -> str:
    """One line for the shell: the error's first line, its remedies in command-line terms."""
    if isinstance(err, OSError) and err.filename is not None and err.strerror:
        return f"{err.filename}: {err.strerror[0].lower()}{err.strerror[1:]}"
    text = str(err).strip().splitlines()
    text = text[0] if text else ""
    for pattern, remedy in CLI_REMEDIES:
        text = pattern.sub(remedy, text)
    if isinstance(err, (ValueError, FileNotFoundError)):
        return text or type(err).__name__
    return f"{type(err).__name__}: {text}" if text else type(err).__name__


#: Lines that TensorFlow's C++ runtime writes to stderr at start-up whatever
#: TF_CPP_MIN_LOG_LEVEL says (absl log lines such as "I0000 00:00:... port.cc:153]
#: oneDNN custom operations are on", the second line of its CPU-instructions
#: notice, and absl's note before its initialisation).
NATIVE_LOG_LINE = re.compile(rb"^([IWE]\d{4} \d\d:\d\d:\d\d|WARNING: All log messages before absl::InitializeLog"
                             rb"|To enable the following instructions: )")


@contextmanager
def _without_native_logs(enabled: bool):
    """Drop :data:`NATIVE_LOG_LINE` lines from file descriptor 2 inside the block.

    Native libraries (and worker processes, which inherit the descriptor)
    write to fd 2 directly, below Python: the descriptor is pointed at a
    pipe whose other end forwards every other line to the real stderr.
    """
    if not enabled:
        yield
        return
    sys.stderr.flush()
    read_end, write_end = os.pipe()
    real = os.dup(2)
    os.dup2(write_end, 2)
    os.close(write_end)
    forward = os.dup(real)  # the pump's own copy, made before the block can end and close `real`

    def pump():
        with os.fdopen(read_end, "rb") as source, os.fdopen(forward, "wb", buffering=0) as sink:
            for line in source:
                if not NATIVE_LOG_LINE.match(line):
                    sink.write(line)

    thread = threading.Thread(target=pump, daemon=True, name="rrlsk-stderr-filter")
    thread.start()
    try:
        yield
    finally:
        sys.stderr.flush()
        os.dup2(real, 2)  # closes this process's write end of the pipe: the pump sees its end
        os.close(real)
        thread.join(timeout=2.0)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``rrlsk`` command line.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments without the program name (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        Exit status: 0 success, 1 failure (one-line reason on stderr), 2
        malformed command line.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    # TensorFlow's Python-side chatter (retracing notices) is not for command-line users
    logging.getLogger("tensorflow").setLevel(logging.ERROR)
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        with _without_native_logs(not args.verbose):
            return args.func(args)
    except BrokenPipeError:  # output piped into `head` and the like
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except KeyboardInterrupt:
        print(f"rrlsk {args.command}: interrupted", file=sys.stderr)
        return 130
    except Exception as err:  # one line for users, traceback with --debug
        if args.debug:
            raise
        print(f"rrlsk {args.command}: error: {_reason(err)}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
