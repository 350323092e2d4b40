"""What the training options of ``rrlsk train`` and ``rrlsk cv`` make: labelled data, pipelines, CV
splitters, sample weights, grids."""

from __future__ import annotations

from pathlib import Path

from .defaults import DENSITY_THRESHOLD

__all__ = ["cv_splitter", "eval_weights", "parse_grid", "pipeline", "read_labelled", "training_weights"]


def read_labelled(args):
    """``DATA`` and ``--labels`` of ``rrlsk train``/``cv`` as ``(X, y, feh_error)``.

    :func:`rrlsk.io.read_labelled_light_curves`, plus plain light-curve
    CSVs and the options naming the label columns.
    """
    from ..io import is_plain_csv, read_gaia_dr3, read_labelled_light_curves, read_labels, read_parquet, read_plain_csv

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


def parse_grid(text: str, step: str, estimator=None) -> dict[str, list]:
    """Parse ``--grid``: :func:`rrlsk.model_selection.parse_param_grid`, errors prefixed ``--grid:``."""
    from ..model_selection import parse_param_grid

    try:
        return parse_param_grid(text, step, estimator)
    except ValueError as err:
        raise ValueError(f"--grid: {err}") from err


def model_params(args, model: str, verbose: int = 0) -> dict:
    """Network options given on the command line (others keep their defaults)."""
    from ..pipelines import NETWORKS

    if model not in NETWORKS:
        return {}
    names = ("epochs", "batch_size", "learning_rate", "dropout", "patience", "random_state")
    params = {name: getattr(args, name) for name in names if getattr(args, name, None) is not None}
    params["verbose"] = verbose
    return params


def pipeline(args, model: str, verbose: int = 0):
    """:func:`rrlsk.pipelines.make_pipeline` of ``model`` with the options' catalogue, type and network settings."""
    from ..pipelines import make_pipeline

    kwargs = {"catalogue": args.catalogue, "rr_type": getattr(args, "type", "RRab")}
    if getattr(args, "n_points", None) is not None:
        kwargs["n_points"] = args.n_points
    return make_pipeline(model, **kwargs, **model_params(args, model, verbose))


def training_weights(kind: str, y, feh_error, threshold: float = DENSITY_THRESHOLD):
    """Training weights: ``density`` (paper), ``density_error`` or ``none``."""
    if kind == "none":
        return None
    from ..weights import density_weights

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


def eval_weights(feh_error):
    """Evaluation weights ``1 / feh_error**2`` (dex^-2), None without errors."""
    from ..metrics import evaluation_weights

    return None if feh_error is None else evaluation_weights(feh_error)


def cv_splitter(args):
    """The binned stratified K-fold of ``--splits``, ``--repeats``, ``--n-bins`` and ``--random-state``."""
    from ..model_selection import BinnedStratifiedKFold, RepeatedBinnedStratifiedKFold

    if args.repeats > 1:
        return RepeatedBinnedStratifiedKFold(
            n_splits=args.splits, n_repeats=args.repeats, n_bins=args.n_bins,
            random_state=args.random_state,
        )
    return BinnedStratifiedKFold(
        n_splits=args.splits, n_bins=args.n_bins, shuffle=True, random_state=args.random_state
    )
