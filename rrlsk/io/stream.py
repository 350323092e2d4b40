"""One entry point that streams light-curve tables for batch prediction."""

from __future__ import annotations

import os
import re
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from ._tables import PathLike, describe, format_ids, list_table_files, read_tables
from .epoch_photometry import _check_columns, transits_to_light_curves
from .parquet import iter_parquet
from .rrlyrae import pulsation_period, read_vari_rrlyrae, star_type

__all__ = ["DROPPED_COLUMN", "iter_light_curves", "iter_named_light_curves", "parquet_files"]


#: Column naming why a star was dropped while reading (``""`` when kept),
#: with ``keep_dropped=True``; :mod:`rrlsk.catalogue` writes such stars as skipped.
DROPPED_COLUMN = "rrlsk_dropped"
_PARQUET_SUFFIXES = (".parquet", ".pq")


def _is_parquet(path: PathLike) -> bool:
    return str(path).lower().endswith(_PARQUET_SUFFIXES)


def parquet_files(source: PathLike | Sequence[PathLike]) -> list[Path] | None:
    """The Parquet files of ``source``, or None when it is not Parquet.

    ``source`` is Parquet when it is a ``.parquet`` (``.pq``) file, a folder
    holding such files, or a list of those.

    Raises
    ------
    FileNotFoundError
        For a path that does not exist.
    ValueError
        When Parquet and other files are mixed.
    """
    items = [source] if isinstance(source, (str, os.PathLike)) else list(source)
    files, other = [], []
    for item in map(Path, items):
        if not item.exists():
            raise FileNotFoundError(f"{item}: no such file or directory")
        found = sorted(p for p in item.iterdir() if p.is_file() and _is_parquet(p)) if item.is_dir() else [item]
        (files if found and all(_is_parquet(f) for f in found) else other).extend(found or [item])
    if files and other:
        raise ValueError(f"light-curve sources mix Parquet files ({files[0]}) and other files ({other[0]}); "
                         "give one kind at a time")
    return files or None


def iter_light_curves(
    source: PathLike | Sequence[PathLike],
    chunk_size: int = 10_000,
    rrlyrae=None,
    *,
    band: str = "G",
    drop_rejected: bool = True,
    keep_dropped: bool = False,
) -> Iterator[pd.DataFrame]:
    """Stream light-curve tables from Parquet or Gaia epoch-photometry files.

    Parameters
    ----------
    source : path, directory or list of paths
        Parquet light-curve table(s) (``.parquet`` files or a folder of
        them, see :func:`read_parquet`), or DataLink EPOCH_PHOTOMETRY
        file(s) or a directory of them (any format of
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
        Photometric band to keep.
    drop_rejected : bool, default True
        See :func:`read_epoch_photometry` (epoch-photometry sources only).
    keep_dropped : bool, default False
        Instead of dropping stars with a warning (no valid transit, no
        ``vari_rrlyrae`` row, no ``pf`` or ``epoch_g``), keep them as rows
        with empty curves and the reason in the column ``rrlsk_dropped``
        (``""`` for the other stars), so that a caller can account for
        every star. A file without any transit row is kept as a star only
        when its name holds a source_id (as DataLink names them).

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
    for _, X in iter_named_light_curves(source, chunk_size, rrlyrae, band=band, drop_rejected=drop_rejected,
                                        keep_dropped=keep_dropped):
        yield X


def iter_named_light_curves(
    source: PathLike | Sequence[PathLike],
    chunk_size: int = 10_000,
    rrlyrae=None,
    *,
    band: str = "G",
    drop_rejected: bool = True,
    keep_dropped: bool = False,
) -> Iterator[tuple[str, pd.DataFrame]]:
    """:func:`iter_light_curves`, each chunk with the name of the file(s) it was read from.

    Parameters
    ----------
    source, chunk_size, rrlyrae, band, drop_rejected, keep_dropped
        As for :func:`iter_light_curves`.

    Yields
    ------
    (str, DataFrame)
        The file(s) of the chunk (:func:`rrlsk.io._tables.describe`), and
        the chunk.
    """
    chunk_size = int(chunk_size)
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be a positive integer, got {chunk_size!r}")
    catalogue = None if rrlyrae is None else read_vari_rrlyrae(rrlyrae)
    files = parquet_files(source)
    if files is not None:
        chunks = ((str(f), X) for f in files for X in iter_parquet(f, chunk_size))
    else:
        chunks = _iter_files(source, chunk_size, band, drop_rejected, keep_dropped)
    for name, X in chunks:
        if keep_dropped and DROPPED_COLUMN not in X.columns:
            X = X.assign(**{DROPPED_COLUMN: ""})
        if catalogue is not None:
            X = _join_timing(X, catalogue, keep_dropped)
        if len(X):
            yield name, X


def _iter_files(source, chunk_size: int, band: str, drop_rejected: bool,
                keep_dropped: bool) -> Iterator[tuple[str, pd.DataFrame]]:
    """Chunks of light curves from epoch-photometry files, each with the name of its files."""
    files = list_table_files(source)
    seen: set[int] = set()
    pending: pd.DataFrame | None = None
    pending_files: list[Path] = []
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
        if keep_dropped:
            X = _with_dropped(X, counts, band, _empty_files(group, transits, name))
        elif len(empty):
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
        pending_files += group
        while len(pending) >= chunk_size:
            yield describe(pending_files), pending.iloc[:chunk_size]
            pending = pending.iloc[chunk_size:]
            pending_files = list(group) if len(pending) else []
    if pending is not None and len(pending):
        yield describe(pending_files), pending


#: A source_id in a file name (as DataLink names per-star files), not part of a longer word.
_ID_IN_NAME = re.compile(r"(?<![0-9A-Za-z])(\d{6,})(?![0-9A-Za-z])")


def _empty_files(group: Sequence[Path], transits: pd.DataFrame, name: str) -> dict[int, str]:
    """source_id -> reason, for the files whose name holds a source_id without transit rows."""
    present = set(transits["source_id"].dropna().astype(np.int64).tolist()) if len(transits) else set()
    found = {}
    for path in group:
        ids = [int(i) for i in _ID_IN_NAME.findall(path.name)]
        if len(ids) == 1 and ids[0] not in present:
            found[ids[0]] = f"{path}: file holds no transit rows"
    if not len(transits) and not found:
        warnings.warn(f"{name}: no transit rows and no source_id in the file name; nothing to predict",
                      UserWarning, stacklevel=4)
    return found


def _with_dropped(X: pd.DataFrame, counts: pd.DataFrame, band: str, empty_files: dict[int, str]) -> pd.DataFrame:
    """``X`` plus one row per star left without a valid transit, reason in DROPPED_COLUMN."""
    gone = counts.loc[counts["n_kept"] == 0]
    reasons = {int(i): (f"no valid {band}-band transit ({r.n_band} in {band}: {r.n_rejected} rejected, "
                        f"{r.n_nan} with NaN time or magnitude)")
               for i, r in zip(gone.index, gone.itertuples())}
    reasons.update(empty_files)
    X = X.assign(**{DROPPED_COLUMN: ""})
    if not reasons:
        return X
    index = pd.Index(list(reasons), dtype=np.int64, name="source_id")
    rows = pd.DataFrame({c: pd.Series([np.empty(0)] * len(index), index=index, dtype=object)
                         for c in ("time", "mag", "mag_err")}, index=index)
    rows[DROPPED_COLUMN] = list(reasons.values())
    return pd.concat([X, rows]).sort_index(kind="stable")


def _join_timing(X: pd.DataFrame, catalogue: pd.DataFrame, keep_dropped: bool = False) -> pd.DataFrame:
    if "epoch_g" not in catalogue:
        raise ValueError("vari_rrlyrae: no column 'epoch_g'")
    rows = catalogue.reindex(X.index)
    period = pulsation_period(rows)
    kind = star_type(rows)
    epoch = rows["epoch_g"].to_numpy(dtype=np.float64, na_value=np.nan)
    ok = np.isfinite(period) & np.isfinite(epoch)
    X = X.copy()
    X["period"] = period
    X["epoch"] = epoch
    if kind is not None:
        X["type"] = kind
    if keep_dropped:
        listed = X.index.isin(catalogue.index)
        why = np.where(~listed, "no row in vari_rrlyrae", "no period (pf or p1_o) or epoch_g in vari_rrlyrae")
        fresh = ~ok & (X[DROPPED_COLUMN].to_numpy(dtype=object) == "")
        X.loc[fresh, DROPPED_COLUMN] = why[fresh]
        return X
    if not ok.all():
        warnings.warn(f"iter_light_curves: no period (pf or p1_o) or epoch_g in vari_rrlyrae for "
                      f"{format_ids(X.index[~ok])}; skipped", UserWarning, stacklevel=3)
    return X.loc[ok]
