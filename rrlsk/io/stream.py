"""One entry point that streams light-curve tables for batch prediction."""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator, Sequence

import numpy as np
import pandas as pd

from ._tables import PathLike, describe, format_ids, list_table_files, read_tables
from .epoch_photometry import _check_columns, transits_to_light_curves
from .parquet import iter_parquet
from .rrlyrae import pulsation_period, read_vari_rrlyrae, star_type

__all__ = ["iter_light_curves"]


def _is_parquet(source) -> bool:
    return isinstance(source, (str, os.PathLike)) and str(source).lower().endswith((".parquet", ".pq"))


def iter_light_curves(
    source: PathLike | Sequence[PathLike],
    chunk_size: int = 10_000,
    rrlyrae=None,
    *,
    band: str = "G",
    drop_rejected: bool = True,
) -> Iterator[pd.DataFrame]:
    """Stream light-curve tables from Parquet or Gaia epoch-photometry files.

    Parameters
    ----------
    source : path, directory or list of paths
        A ``.parquet`` file written by :func:`write_parquet`, or DataLink
        EPOCH_PHOTOMETRY file(s) or a directory of them (any format of
        :func:`read_epoch_photometry`). Files are read in groups of about
        ``chunk_size`` stars, so memory stays bounded; each star's transits
        must then lie in a single file.
    chunk_size : int, default 10000
        Stars per yielded table (the last may be smaller).
    rrlyrae : path, astropy Table or DataFrame, optional
        ``vari_rrlyrae`` rows; when given, ``period`` (= ``pf``, or
        ``p1_o`` for RRc stars), ``epoch`` (= ``epoch_g``) and, with
        ``best_classification``, ``type`` columns are joined, and stars
        without a period or epoch are dropped with a warning naming them.
    band : str, default "G"
    drop_rejected : bool, default True
        See :func:`read_epoch_photometry` (epoch-photometry sources only).

    Yields
    ------
    DataFrame
        Light-curve tables of at most ``chunk_size`` stars.

    Raises
    ------
    ValueError
        If a star's transits are spread over files read in different groups,
        or for the file errors of :func:`read_epoch_photometry`.
    """
    chunk_size = int(chunk_size)
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be a positive integer, got {chunk_size!r}")
    catalogue = None if rrlyrae is None else read_vari_rrlyrae(rrlyrae)
    chunks = iter_parquet(source, chunk_size) if _is_parquet(source) else _iter_files(
        source, chunk_size, band, drop_rejected)
    for X in chunks:
        if catalogue is not None:
            X = _join_timing(X, catalogue)
        if len(X):
            yield X


def _iter_files(source, chunk_size: int, band: str, drop_rejected: bool) -> Iterator[pd.DataFrame]:
    files = list_table_files(source)
    seen: set[int] = set()
    pending: pd.DataFrame | None = None
    start, per_file = 0, None  # per_file: mean stars per file seen so far
    n_files = n_stars = 0
    while start < len(files):
        size = 1 if per_file is None else max(1, int(chunk_size / max(per_file, 1e-9)))
        group = files[start:start + size]
        start += size
        transits = read_tables(group, check=lambda f, s: _check_columns(f, s, drop_rejected))
        name = describe(group)
        X, counts = transits_to_light_curves(transits, band, drop_rejected, name)
        empty = counts.index[counts["n_kept"] == 0]
        if len(empty):
            warnings.warn(f"{name}: no valid {band}-band transit for {format_ids(empty)}", UserWarning, stacklevel=3)
        ids = X.index.to_numpy()
        again = [i for i in ids.tolist() if i in seen]
        if again:
            raise ValueError(f"iter_light_curves: transits of {format_ids(again)} lie in files read in "
                             "different groups; use read_epoch_photometry on the whole set instead")
        seen.update(ids.tolist())
        n_files, n_stars = n_files + len(group), n_stars + len(counts)
        per_file = n_stars / n_files
        pending = X if pending is None else pd.concat([pending, X])
        while len(pending) >= chunk_size:
            yield pending.iloc[:chunk_size]
            pending = pending.iloc[chunk_size:]
    if pending is not None and len(pending):
        yield pending


def _join_timing(X: pd.DataFrame, catalogue: pd.DataFrame) -> pd.DataFrame:
    if "epoch_g" not in catalogue:
        raise ValueError("vari_rrlyrae: no column 'epoch_g'")
    rows = catalogue.reindex(X.index)
    period = pulsation_period(rows)
    kind = star_type(rows)
    epoch = rows["epoch_g"].to_numpy(dtype=np.float64, na_value=np.nan)
    ok = np.isfinite(period) & np.isfinite(epoch)
    if not ok.all():
        warnings.warn(f"iter_light_curves: no period (pf or p1_o) or epoch_g in vari_rrlyrae for {format_ids(X.index[~ok])}; "
                      "skipped", UserWarning, stacklevel=3)
    X = X.loc[ok].copy()
    X["period"] = period[ok]
    X["epoch"] = epoch[ok]
    if kind is not None:
        X["type"] = kind[ok]
    return X
