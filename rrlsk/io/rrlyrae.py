"""The Gaia DR3 ``vari_rrlyrae`` catalogue, [Fe/H] labels, and the joined
``(X, y, sample_info)`` training set."""

from __future__ import annotations

import os
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from ._tables import PathLike, array_columns, format_ids, list_table_files, parse_source_ids, read_tables, to_frame
from .epoch_photometry import load_transits, transits_to_light_curves

__all__ = ["pulsation_period", "read_gaia_dr3", "read_labels", "read_vari_rrlyrae", "star_type"]

#: Column names tried, in order, for [Fe/H] and its error in a label table.
FEH_COLUMNS = ("feh", "[fe/h]", "fe_h", "feh_phot", "metallicity")
FEH_ERROR_COLUMNS = ("feh_error", "e_feh", "feh_err", "sigma_feh", "e_[fe/h]", "e_fe_h", "metallicity_error")


def _as_frame(source, what: str) -> tuple[pd.DataFrame, str]:
    if isinstance(source, pd.DataFrame) or hasattr(source, "colnames") or hasattr(source, "to_table"):
        return to_frame(source, f"{what} table"), f"{what} table"
    files = list_table_files(source)
    name = str(source) if isinstance(source, (str, os.PathLike)) else f"{what} files"
    return read_tables(files), name


def _index_by_source_id(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    if "source_id" not in frame:
        raise ValueError(f"{name}: no source_id column (columns: {list(frame.columns)[:12]})")
    if frame["source_id"].isna().any():
        raise ValueError(f"{name}: {int(frame['source_id'].isna().sum())} row(s) without source_id")
    frame = frame.set_index(pd.Index(parse_source_ids(frame["source_id"], name), name="source_id"))
    frame = frame.drop(columns="source_id")
    dup = frame.index.duplicated()
    if dup.any():
        raise ValueError(f"{name}: duplicated rows for {format_ids(np.unique(frame.index[dup]))}")
    return frame


def read_vari_rrlyrae(path: PathLike | Sequence[PathLike] | pd.DataFrame) -> pd.DataFrame:
    """Read the Gaia DR3 ``vari_rrlyrae`` table.

    Parameters
    ----------
    path : path, directory, list of paths, astropy Table or DataFrame
        CSV, ECSV, VOTable or FITS; column names in any case (see
        :data:`rrlsk.io.gaia.VARI_RRLYRAE_COLUMNS`).

    Returns
    -------
    DataFrame
        Indexed by ``source_id`` (int64), lower-case columns as read (``pf``
        and ``epoch_g`` in d, magnitudes in mag, ``metallicity`` in dex).

    Raises
    ------
    ValueError
        No ``source_id`` column, duplicated stars, or ``pf <= 0`` (naming
        the stars); see also :func:`rrlsk.io.epoch_photometry.read_epoch_photometry`
        for file errors.
    """
    frame, name = _as_frame(path, "vari_rrlyrae")
    frame = _index_by_source_id(frame, name)
    if "pf" in frame:
        pf = frame["pf"].to_numpy(dtype=np.float64, na_value=np.nan)
        bad = pf <= 0
        if bad.any():
            raise ValueError(f"{name}: period pf <= 0 for {format_ids(frame.index[bad])}")
    return frame


def pulsation_period(catalogue: pd.DataFrame) -> np.ndarray:
    """Each star's pulsation period, d: ``pf``, or ``p1_o`` where ``pf`` is empty.

    Gaia DR3 ``vari_rrlyrae`` fills ``pf`` (fundamental mode) for RRab stars
    and ``p1_o`` (first overtone) for RRc stars; double-mode RRd stars have
    both and are folded at ``pf``.

    Parameters
    ----------
    catalogue : DataFrame
        ``vari_rrlyrae`` rows with ``pf`` and/or ``p1_o``.

    Returns
    -------
    ndarray of float64
        Period, d; NaN where neither is given.

    Raises
    ------
    ValueError
        When the table has neither column.
    """
    if "pf" not in catalogue and "p1_o" not in catalogue:
        raise ValueError("vari_rrlyrae: no period column ('pf' or 'p1_o')")
    nan = np.full(len(catalogue), np.nan)
    pf = catalogue["pf"].to_numpy(dtype=np.float64, na_value=np.nan) if "pf" in catalogue else nan
    p1 = catalogue["p1_o"].to_numpy(dtype=np.float64, na_value=np.nan) if "p1_o" in catalogue else nan
    return np.where(np.isfinite(pf), pf, p1)


def star_type(catalogue: pd.DataFrame) -> np.ndarray | None:
    """Read each star's type from ``best_classification``.

    Parameters
    ----------
    catalogue : pandas.DataFrame
        Gaia DR3 ``vari_rrlyrae`` rows.

    Returns
    -------
    ndarray of object or None
        ``"RRab"``, ``"RRc"``, ``"RRd"`` (stripped, Gaia's capitalisation
        whatever the file's; ``""`` for a star not listed), or None without
        the column.
    """
    if "best_classification" not in catalogue:
        return None
    canonical = {"rrab": "RRab", "rrc": "RRc", "rrd": "RRd"}
    raw = catalogue["best_classification"].fillna("").astype(str).str.strip()  # "" for a star not listed
    return raw.map(lambda v: canonical.get(v.lower(), v)).to_numpy(dtype=object)


def _pick(frame: pd.DataFrame, given: str | None, candidates: Sequence[str], what: str, name: str) -> str:
    if given is not None:
        if given.lower() not in frame:
            raise ValueError(f"{name}: no column {given!r} for {what} (columns: {list(frame.columns)[:12]})")
        return given.lower()
    for candidate in candidates:
        if candidate in frame:
            return candidate
    raise ValueError(f"{name}: cannot find the {what} column among {list(candidates)}; pass it explicitly")


def read_labels(
    labels: PathLike | Sequence[PathLike] | pd.DataFrame,
    *,
    feh_column: str | None = None,
    feh_error_column: str | None = None,
) -> pd.DataFrame:
    """Read a table of [Fe/H] labels.

    Parameters
    ----------
    labels : path, list of paths, astropy Table or DataFrame
        Any table (CSV, ECSV, VOTable or FITS file, or a DataFrame) with one row per star
        and three columns, names in any case:

        - ``source_id``: the Gaia DR3 source identifier (column or index);
        - [Fe/H] in dex: the first of ``feh``, ``[fe/h]``, ``fe_h``,
          ``feh_phot``, ``metallicity`` (``FEH_COLUMNS``);
        - its error in dex: the first of ``feh_error``, ``e_feh``,
          ``feh_err``, ``sigma_feh``, ``e_[fe/h]``, ``e_fe_h``,
          ``metallicity_error`` (``FEH_ERROR_COLUMNS``).

        Other columns are ignored. ``rrlsk simulate --format csv DIR``
        writes an example, ``DIR/labels.csv``.
    feh_column, feh_error_column : str, optional
        Column names (any case) overriding the search above.

    Returns
    -------
    DataFrame
        Index ``source_id`` (int64); columns ``feh`` and ``feh_error``
        (float64, dex).
    """
    frame, name = _as_frame(labels, "labels")
    frame = _index_by_source_id(frame, name)
    feh = _pick(frame, feh_column, FEH_COLUMNS, "[Fe/H]", name)
    err = _pick(frame, feh_error_column, FEH_ERROR_COLUMNS, "[Fe/H] error", name)
    return pd.DataFrame(
        {"feh": _numbers(frame[feh], feh, name), "feh_error": _numbers(frame[err], err, name)},
        index=frame.index,
    )


def _numbers(column: pd.Series, label: str, name: str) -> np.ndarray:
    """A label column as float64 dex (missing values NaN), or a ValueError naming the file, column and stars."""
    values = pd.to_numeric(column, errors="coerce")
    bad = values.isna() & column.notna() & (column.astype("string").str.strip() != "")
    if bad.any():
        shown = ", ".join(f"source_id {i} ({v!r})" for i, v in column[bad].iloc[:5].items())
        more = f" and {int(bad.sum()) - 5} more" if bad.sum() > 5 else ""
        raise ValueError(f"{name}: column {label!r} is not a number for {shown}{more}; give [Fe/H] and its "
                         "error as plain numbers in dex")
    return values.to_numpy(dtype=np.float64, na_value=np.nan)


def _gaia_folder(folder: PathLike) -> tuple[Path, Path, Path | None]:
    """``epoch_photometry``, ``vari_rrlyrae`` and ``labels`` in a folder."""
    folder = Path(folder)

    def find(stem: str) -> Path | None:
        if (folder / stem).is_dir():
            return folder / stem
        found = [p for p in sorted(folder.glob(f"{stem}.*")) if p.is_file()]
        return found[0] if found else None

    epoch, catalogue = find("epoch_photometry"), find("vari_rrlyrae")
    if not folder.is_dir() or epoch is None or catalogue is None:
        raise ValueError(
            f"{folder}: without rrlyrae, expected a folder holding epoch_photometry and vari_rrlyrae "
            "(each a file or a folder, as written by rrlsk.datasets.to_gaia_files or rrlsk.io.fetch_gaia_dr3)"
        )
    return epoch, catalogue, find("labels")


def read_gaia_dr3(
    epoch_photometry,
    rrlyrae=None,
    labels=None,
    *,
    feh_column: str | None = None,
    feh_error_column: str | None = None,
    band: str = "G",
    drop_rejected: bool = True,
) -> tuple[pd.DataFrame, pd.Series, pd.DataFrame]:
    """Gaia DR3 light curves, periods and [Fe/H] labels as ``(X, y, sample_info)``.

    The sample is the stars of ``rrlyrae`` (for example the output of
    :func:`rrlsk.io.select_paper_sample`) that have valid photometry in
    ``band``, a period ``pf``, an epoch ``epoch_g`` and a finite label and
    label error. Every other star is reported in a warning and listed in
    ``sample_info.attrs["excluded"]``.

    Parameters
    ----------
    epoch_photometry : path, directory, list of paths, astropy Table or DataFrame
        DataLink EPOCH_PHOTOMETRY, see :func:`read_epoch_photometry`.
    rrlyrae : path, list of paths, astropy Table or DataFrame, optional
        The ``vari_rrlyrae`` rows, see :func:`read_vari_rrlyrae`. Without
        it, ``epoch_photometry`` is a folder holding ``epoch_photometry``
        and ``vari_rrlyrae`` (each a table file of any supported format, or a
        folder of them) and optionally a ``labels`` file, the layout of
        :func:`rrlsk.datasets.to_gaia_files` and :func:`fetch_gaia_dr3`.
    labels : path, list of paths, astropy Table or DataFrame, optional
        Table with ``source_id``, [Fe/H] and its error (dex). By default
        Gaia's own ``metallicity`` and ``metallicity_error``.
    feh_column, feh_error_column : str, optional
        Label column names; see :func:`read_labels`. Without ``labels`` they
        name columns of ``rrlyrae`` (default ``metallicity``,
        ``metallicity_error``).
    band : str, default "G"
        Photometric band to keep; see :func:`read_epoch_photometry`.
    drop_rejected : bool, default True
        See :func:`read_epoch_photometry`.

    Returns
    -------
    X : DataFrame
        Light-curve table sorted by ``source_id``: ``time`` [d], ``mag``,
        ``mag_err`` [mag] arrays, ``period`` (= ``pf``, or ``p1_o`` for RRc
        stars, d), ``epoch`` (= ``epoch_g``, d, same time system as
        ``time``) and, when ``rrlyrae`` has ``best_classification``, ``type``
        (``"RRab"``, ``"RRc"``, ``"RRd"``, see :func:`star_type`).
    y : Series
        [Fe/H] (dex), named ``feh``, indexed like X.
    sample_info : DataFrame
        Indexed like X: ``feh``, ``feh_error`` (dex), ``period``, ``epoch``
        (d), the transit counts ``n_band``, ``n_rejected``, ``n_nan``,
        ``n_kept``, and every scalar ``vari_rrlyrae`` column.
        ``attrs["excluded"]`` maps each reason to the list of excluded
        source_ids.

    Warns
    -----
    UserWarning
        One per reason for excluding stars, with their number and source_ids.
    """
    if rrlyrae is None:
        epoch_photometry, rrlyrae, found_labels = _gaia_folder(epoch_photometry)
        labels = found_labels if labels is None else labels
    transits, name = load_transits(epoch_photometry, drop_rejected)
    X, counts = transits_to_light_curves(transits, band, drop_rejected, name)
    catalogue = read_vari_rrlyrae(rrlyrae)
    if "epoch_g" not in catalogue:
        raise ValueError("vari_rrlyrae: no column 'epoch_g'")
    if labels is None:
        label_table = read_labels(
            catalogue,
            feh_column=feh_column or "metallicity",
            feh_error_column=feh_error_column or "metallicity_error",
        )
    else:
        label_table = read_labels(labels, feh_column=feh_column, feh_error_column=feh_error_column)

    period = pulsation_period(catalogue)
    epoch = catalogue["epoch_g"].to_numpy(dtype=np.float64, na_value=np.nan)
    label = label_table.reindex(catalogue.index)
    has_lc = catalogue.index.isin(X.index)
    has_timing = np.isfinite(period) & np.isfinite(epoch)
    has_label = np.isfinite(label["feh"].to_numpy()) & np.isfinite(label["feh_error"].to_numpy())
    excluded = {
        "not in vari_rrlyrae": X.index[~X.index.isin(catalogue.index)],
        f"no valid {band} photometry": catalogue.index[~has_lc],
        "no period (pf or p1_o) or epoch_g": catalogue.index[has_lc & ~has_timing],
        "no [Fe/H] label or error": catalogue.index[has_lc & has_timing & ~has_label],
    }
    for reason, ids in excluded.items():
        if len(ids):
            warnings.warn(f"read_gaia_dr3: {reason}: {format_ids(ids)} excluded", UserWarning, stacklevel=2)

    keep = np.sort(catalogue.index[has_lc & has_timing & has_label].to_numpy())
    X = X.loc[keep].copy()
    rows = catalogue.loc[keep]
    X["period"] = pulsation_period(rows)
    X["epoch"] = rows["epoch_g"].to_numpy(dtype=np.float64)
    kind = star_type(rows)
    if kind is not None:
        X["type"] = kind
    arrays = set(array_columns(rows))
    info = pd.concat(
        [
            label_table.loc[keep],
            pd.DataFrame({"period": X["period"], "epoch": X["epoch"]}),
            counts.loc[keep],
            rows[[c for c in rows.columns if c not in arrays | {"feh", "feh_error", "period", "epoch"}]],
        ],
        axis=1,
    )
    info.attrs["excluded"] = {reason: [int(i) for i in ids] for reason, ids in excluded.items()}
    y = info["feh"].rename("feh")
    return X, y, info
