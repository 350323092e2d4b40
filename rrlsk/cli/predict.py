"""``rrlsk predict``: [Fe/H] of whole catalogues with a saved or pretrained model, streamed and resumable."""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

from .._atomic import write_atomic
from .common import note_if_shadowed, print_table, refuse_overwriting_inputs, say

__all__ = ["cmd_predict"]


@contextmanager
def _as_readable_source(source, rrlyrae):
    """``rrlsk predict``'s sources, with each plain light-curve CSV as a temporary Parquet file."""
    from ..io import is_plain_csv

    paths = [source] if isinstance(source, (str, os.PathLike)) else list(source)
    if not any(is_plain_csv(path) for path in paths):
        yield source
        return
    from ..io import read_plain_csv, write_parquet

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


def _predict_model(model: str | None, model_rrab: str | None, model_rrc: str | None):
    """The model path, or a PerTypeRegressor of the --model-rrab/--model-rrc files."""
    per_type = {name: path for name, path in (("RRab", model_rrab), ("RRc", model_rrc)) if path}
    if not model and not per_type:
        raise ValueError("give a MODEL file (one model, or a combined PerTypeRegressor) "
                         "or --model-rrab and/or --model-rrc")
    if not per_type:
        return model  # a path: each worker process loads it itself
    from ..catalogue import load_fitted
    from ..per_type import PerTypeRegressor

    return PerTypeRegressor({name: load_fitted(path) for name, path in per_type.items()})


def cmd_predict(args) -> int:
    """Run ``rrlsk predict``."""
    from ..catalogue import predict_catalogue, read_predictions

    model, sources = args.model, list(args.source)
    if model and (args.model_rrab or args.model_rrc):
        # with per-type models every positional argument is a light-curve source
        model, sources = None, [model, *sources]
    for given in (model, args.model_rrab, args.model_rrc):
        note_if_shadowed(given)

    for source in sources:
        if not Path(source).exists():
            raise FileNotFoundError(f"{source}: no such file or folder")
    if args.csv:
        refuse_overwriting_inputs(args.csv, "--csv", [
            *(("the light curves", s) for s in sources), ("the model file", model),
            ("the --model-rrab file", args.model_rrab), ("the --model-rrc file", args.model_rrc),
            ("the --rrlyrae file", args.rrlyrae)])
    source = sources[0] if len(sources) == 1 else sources
    with _as_readable_source(source, args.rrlyrae) as readable:
        summary = predict_catalogue(
            _predict_model(model, args.model_rrab, args.model_rrc), readable, args.out, chunk_size=args.chunk_size,
            n_jobs=args.n_jobs, n_threads=args.n_threads, rrlyrae=args.rrlyrae, progress=not args.quiet,
        )
    table = read_predictions(args.out)
    csv = Path(args.csv) if args.csv else Path(args.out) / "predictions.csv"
    write_atomic(csv, table.to_csv)
    say(f"{summary.n_ok} ok, {summary.n_flagged} flagged, {summary.n_skipped} skipped, {summary.n_failed} failed, "
        f"{summary.n_already_done} already done; {summary.seconds.get('wall', 0.0):.1f} s")
    if summary.n_flagged:
        say("flagged stars were predicted but look implausible (a unit mistake, outside the training domain "
            "or outside the physical [Fe/H] range): see their reason column")
    predicted = table["status"].isin(("ok", "flagged"))
    if predicted.any() and table.loc[predicted, "feh_std"].isna().all():
        say("feh_std, feh_lower and feh_upper are empty: the model is not calibrated (rrlsk train --calibrate "
            "trains one with per-star uncertainties; rrlsk info MODEL tells which a file is)")
    print_table(table.head(args.show))
    say(f"wrote {len(table)} predictions to {csv} (and Parquet parts in {args.out}/)")
    return 0
