"""Gaia DR3 epoch photometry (DataLink EPOCH_PHOTOMETRY) -> light-curve table."""

from __future__ import annotations

import os
import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..base import ragged as _ragged
from ._tables import (
    PathLike,
    as_bool,
    describe,
    format_ids,
    list_table_files,
    parse_source_ids,
    read_tables,
    to_frame,
)
from .gaia import mag_err_from_flux_over_error, mag_from_flux

__all__ = ["read_epoch_photometry", "transits_to_light_curves"]

_FLAGS = ("rejected_by_photometry", "rejected_by_variability")

def _check_columns(frame: pd.DataFrame, source: str, drop_rejected: bool = True) -> None:
    missing = [c for c in ("source_id", "band", "time") if c not in frame]
    if "mag" not in frame and "flux" not in frame:
        missing.append("mag (or flux)")
    if "flux_over_error" not in frame and not {"flux", "flux_error"} <= set(frame.columns):
        missing.append("flux_over_error (or flux and flux_error)")
    if drop_rejected:
        missing += [c for c in _FLAGS if c not in frame]
    if missing:
        hint = " (or pass drop_rejected=False)" if any(c in _FLAGS for c in missing) else ""
        raise ValueError(f"{source}: epoch photometry lacks column(s) {missing}{hint}")
    if frame["source_id"].isna().any():
        raise ValueError(f"{source}: {int(frame['source_id'].isna().sum())} row(s) without source_id")


def transits_to_light_curves(
    transits: pd.DataFrame,
    band: str = "G",
    drop_rejected: bool = True,
    source: str = "epoch photometry",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Group DataLink transit rows (lower-case column names) into light curves.

    Parameters
    ----------
    transits : DataFrame
        One row per transit, columns as in
        :data:`rrlsk.io.gaia.EPOCH_PHOTOMETRY_COLUMNS` (``mag`` may be
        replaced by ``flux``, ``flux_over_error`` by ``flux`` and
        ``flux_error``).
    band : str, default "G"
        Band to keep (case-insensitive).
    drop_rejected : bool, default True
        Drop transits with either rejection flag set.
    source : str
        Name used in error messages.

    Returns
    -------
    X : DataFrame
        The light-curve table (index ``source_id``; ``time`` [d],
        ``mag`` [mag], ``mag_err`` [mag] float64 arrays, sorted by time).
        ``X.attrs["n_dropped"]`` = ``{"rejected": int, "nan": int}``.
    counts : DataFrame
        Per star present in ``transits`` (index ``source_id``): ``n_band``
        (transits in ``band``), ``n_rejected``, ``n_nan`` (not rejected but
        time or magnitude NaN) and ``n_kept`` (int64).
    """
    _check_columns(transits, source, drop_rejected)
    sid_all = parse_source_ids(transits["source_id"], source)
    in_band = (transits["band"].astype(str).str.strip().str.upper() == band.strip().upper()).to_numpy()
    if len(transits) and not in_band.any():
        raise ValueError(f"{source}: no {band}-band transits (bands present: "
                         f"{sorted(transits['band'].astype(str).str.strip().unique().tolist())})")
    rows = transits.loc[in_band]
    sid = sid_all[in_band]
    if "transit_id" in rows:
        dup = pd.DataFrame({"s": sid, "t": rows["transit_id"].to_numpy()}).duplicated()
        if dup.any():
            raise ValueError(f"{source}: duplicated {band}-band transit_id for "
                             f"{format_ids(np.unique(sid[dup.to_numpy()]))}")
    time = rows["time"].to_numpy(dtype=np.float64, na_value=np.nan)
    if "mag" in rows:
        mag = rows["mag"].to_numpy(dtype=np.float64, na_value=np.nan)
    else:
        mag = mag_from_flux(rows["flux"].to_numpy(dtype=np.float64, na_value=np.nan))
    if "flux_over_error" in rows:
        snr = rows["flux_over_error"].to_numpy(dtype=np.float64, na_value=np.nan)
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            snr = (rows["flux"].to_numpy(dtype=np.float64, na_value=np.nan)
                   / rows["flux_error"].to_numpy(dtype=np.float64, na_value=np.nan))
    rejected = np.zeros(len(rows), dtype=bool)
    if drop_rejected:
        for flag in _FLAGS:
            rejected |= as_bool(rows[flag], flag, source)
    nan = ~rejected & ~(np.isfinite(time) & np.isfinite(mag))
    keep = ~rejected & ~nan

    stars = np.unique(sid_all)
    counts = pd.DataFrame(
        {
            "n_band": np.bincount(np.searchsorted(stars, sid), minlength=len(stars)),
            "n_rejected": np.bincount(np.searchsorted(stars, sid[rejected]), minlength=len(stars)),
            "n_nan": np.bincount(np.searchsorted(stars, sid[nan]), minlength=len(stars)),
            "n_kept": np.bincount(np.searchsorted(stars, sid[keep]), minlength=len(stars)),
        },
        index=pd.Index(stars, name="source_id"),
    ).astype(np.int64)

    sid, time, mag, snr = sid[keep], time[keep], mag[keep], snr[keep]
    order = np.lexsort((time, sid))
    sid, time, mag, snr = sid[order], time[order], mag[order], snr[order]
    ids, starts = np.unique(sid, return_index=True)
    offsets = np.append(starts, len(sid)).astype(np.int64)
    X = pd.DataFrame(
        {
            "time": _ragged.split(time, offsets),
            "mag": _ragged.split(mag, offsets),
            "mag_err": _ragged.split(mag_err_from_flux_over_error(snr), offsets),
        },
        index=pd.Index(ids, dtype=np.int64, name="source_id"),
    )
    X.attrs["n_dropped"] = {"rejected": int(rejected.sum()), "nan": int(nan.sum())}
    return X, counts


def load_transits(
    source: PathLike | Sequence[PathLike] | pd.DataFrame,
    drop_rejected: bool = True,
) -> tuple[pd.DataFrame, str]:
    """Raw transit rows (lower-case columns) and a name for messages."""
    if isinstance(source, pd.DataFrame) or hasattr(source, "colnames") or hasattr(source, "to_table"):
        name = "epoch photometry table"
        frame = to_frame(source, name)
        _check_columns(frame, name, drop_rejected)
        return frame, name
    files = list_table_files(source)
    name = str(source) if isinstance(source, (str, os.PathLike)) else describe(files)
    frame = read_tables(files, check=lambda f, s: _check_columns(f, s, drop_rejected))
    return frame, name


def read_epoch_photometry(
    path_or_table: PathLike | Sequence[PathLike] | pd.DataFrame,
    band: str = "G",
    drop_rejected: bool = True,
    *,
    return_counts: bool = False,
):
    """Read Gaia DR3 epoch photometry into a light-curve table.

    Parameters
    ----------
    path_or_table : path, directory, list of paths, astropy Table or DataFrame
        DataLink EPOCH_PHOTOMETRY (one row per transit; columns
        :data:`rrlsk.io.gaia.EPOCH_PHOTOMETRY_COLUMNS`, any case) as CSV,
        ECSV, VOTable or FITS (``.gz`` allowed), one or many stars per file;
        a directory contributes all its table files.
    band : str, default "G"
        Photometric band to keep.
    drop_rejected : bool, default True
        Drop transits flagged ``rejected_by_photometry`` or
        ``rejected_by_variability``. Transits with NaN time or magnitude are
        always dropped.
    return_counts : bool, default False
        Also return the per-star transit counts.

    Returns
    -------
    X : DataFrame
        Index ``source_id`` (int64, sorted); per-row float64 arrays ``time``
        [d, BJD(TCB) - 2455197.5], ``mag`` [mag] and ``mag_err`` [mag,
        ``2.5 / ln(10) / flux_over_error``], sorted by time.
        ``X.attrs["n_dropped"]`` holds the total numbers of dropped transits:
        ``{"rejected": int, "nan": int}``.
    counts : DataFrame, only if ``return_counts``
        One row per star in the input (including stars left without a
        transit, which are absent from ``X``): ``n_band``, ``n_rejected``,
        ``n_nan``, ``n_kept``.

    Raises
    ------
    ValueError
        Naming the file and the problem: unknown format, unreadable file,
        missing column, no transit in ``band``, duplicated transits.

    Warns
    -----
    UserWarning
        Naming the stars left without any valid transit in ``band``.
    """
    transits, name = load_transits(path_or_table, drop_rejected)
    X, counts = transits_to_light_curves(transits, band, drop_rejected, name)
    empty = counts.index[counts["n_kept"] == 0]
    if len(empty):
        warnings.warn(f"{name}: no valid {band}-band transit for {format_ids(empty)}", UserWarning, stacklevel=2)
    return (X, counts) if return_counts else X
