"""Write a simulated sample as the Gaia archive serves it."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from ..base import ragged as _ragged
from .._atomic import write_atomic
from ..io.gaia import (
    EPOCH_PHOTOMETRY_COLUMNS,
    G_ZEROPOINT,
    MAG_ERR_PER_INVERSE_SNR,
    VARI_RRLYRAE_COLUMNS,
)

__all__ = ["to_gaia_files", "SIMULATED_SOLUTION_ID"]

#: ``solution_id`` written for simulated data (not a real Gaia solution).
SIMULATED_SOLUTION_ID = 1
#: file suffix and astropy writer of each format
_FORMATS = {"votable": (".xml", "votable"), "csv": (".csv", None), "ecsv": (".ecsv", "ascii.ecsv"),
            "fits": (".fits", "fits")}
# units every format writes and reads back (FITS and VOUnit lack e-/s and dex)
_UNITS = {"time": "d", "mag": "mag", "pf": "d", "pf_error": "d", "epoch_g": "d", "int_average_g": "mag",
          "int_average_g_error": "mag", "peak_to_peak_g": "mag", "phi21_g": "rad", "phi31_g": "rad",
          "phi31_g_error": "rad", "reference_time_g": "d"}
_X_COLUMNS = ("time", "mag", "mag_err", "period", "epoch")
_INFO_COLUMNS = ("feh", "feh_error", "feh_true", "n_harmonics_fit", "amplitude_fit", "int_average_fit",
                 "A0_fit", "R21_fit", "R31_fit", "phi21_fit", "phi31_fit", "phi31_fit_error")


def _transits(X: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """Transit rows and the number of unflagged transits per star."""
    time, offsets = _ragged.flatten(X["time"].to_numpy())
    mag, _ = _ragged.flatten(X["mag"].to_numpy())
    mag_err, _ = _ragged.flatten(X["mag_err"].to_numpy())
    if not (len(time) == len(mag) == len(mag_err)):
        raise ValueError("to_gaia_files: time, mag and mag_err differ in length for some star")
    if "rejected" in X:
        rejected, _ = _ragged.flatten(X["rejected"].to_numpy(), dtype=bool)
    else:
        rejected = np.zeros(time.size, dtype=bool)
    star = np.repeat(np.arange(len(X)), np.diff(offsets))
    source_id = X.index.to_numpy(dtype=np.int64)[star]
    n_clean = np.bincount(star[~rejected], minlength=len(X))
    snr = (MAG_ERR_PER_INVERSE_SNR / mag_err).astype(np.float32)
    flux = 10.0 ** (-0.4 * (mag - G_ZEROPOINT))
    columns = {
        "source_id": source_id,
        "transit_id": np.rint(time * 86400.0 * 1e4).astype(np.int64),
        "band": np.full(time.size, "G"),
        "time": time,
        "mag": mag,
        "flux": flux,
        "flux_error": flux / snr.astype(np.float64),
        "flux_over_error": snr,
        "rejected_by_photometry": np.zeros(time.size, dtype=bool),
        "rejected_by_variability": rejected,
        "other_flags": np.zeros(time.size, dtype=np.int64),
        "solution_id": np.full(time.size, SIMULATED_SOLUTION_ID, dtype=np.int64),
    }
    frame = pd.DataFrame({name: np.asarray(columns[name], dtype=None if dtype == "str" else dtype)
                          for name, dtype in EPOCH_PHOTOMETRY_COLUMNS})
    return frame, n_clean


def _vari_rrlyrae(X: pd.DataFrame, info: pd.DataFrame, n_clean: np.ndarray) -> pd.DataFrame:
    n = len(X)
    nan = np.full(n, np.nan)
    kind = X["type"].to_numpy(dtype=object) if "type" in X else np.full(n, "RRab", dtype=object)
    period = X["period"].to_numpy(dtype=np.float64)
    overtone = kind == "RRc"
    # Gaia's cosine convention: phi21(cos) = phi21(sin) + pi/2, phi31(cos) = phi31(sin) + pi
    columns = {
        "solution_id": np.full(n, SIMULATED_SOLUTION_ID),
        "source_id": X.index.to_numpy(dtype=np.int64),
        "pf": np.where(overtone, np.nan, period),
        "pf_error": nan,
        "p1_o": np.where(overtone, period, np.nan),
        "p1_o_error": nan,
        "epoch_g": X["epoch"].to_numpy(dtype=np.float64),
        "epoch_g_error": nan,
        "int_average_g": info["int_average_fit"].to_numpy(),
        "int_average_g_error": nan,
        "peak_to_peak_g": info["amplitude_fit"].to_numpy(),
        "peak_to_peak_g_error": nan,
        "metallicity": info["feh"].to_numpy(),
        "metallicity_error": info["feh_error"].to_numpy(),
        "r21_g": info["R21_fit"].to_numpy(),
        "r21_g_error": nan,
        "r31_g": info["R31_fit"].to_numpy(),
        "r31_g_error": nan,
        "phi21_g": np.mod(info["phi21_fit"].to_numpy() + np.pi / 2, 2 * np.pi),
        "phi21_g_error": nan,
        "phi31_g": np.mod(info["phi31_fit"].to_numpy() + np.pi, 2 * np.pi),
        "phi31_g_error": info["phi31_fit_error"].to_numpy(),
        "num_clean_epochs_g": n_clean,
        "zp_mag_g": info["A0_fit"].to_numpy(),
        "num_harmonics_for_p1_g": info["n_harmonics_fit"].to_numpy(),
        "reference_time_g": X["epoch"].to_numpy(dtype=np.float64),
        "best_classification": kind.astype(str),
        "g_absorption": nan,
        "g_absorption_error": nan,
    }
    return pd.DataFrame({name: np.asarray(columns[name], dtype=None if dtype == "str" else dtype)
                         for name, dtype in VARI_RRLYRAE_COLUMNS})


def _write(frame: pd.DataFrame, path: Path, fmt: str) -> None:
    if fmt == "csv":
        # float32 values written at float64 precision, so that they read back
        # bit for bit as the float32 values that binary formats carry
        wide = frame.astype({c: np.float64 for c in frame.columns if frame[c].dtype == np.float32})
        write_atomic(path, lambda tmp: wide.to_csv(tmp, index=False))
        return
    from astropy.table import Table

    table = Table.from_pandas(frame)
    for name, unit in _UNITS.items():
        if name in table.colnames:
            table[name].unit = unit
    write_atomic(path, lambda tmp: table.write(tmp, format=_FORMATS[fmt][1], overwrite=True))


def to_gaia_files(
    X: pd.DataFrame,
    sample_info: pd.DataFrame,
    directory: str | os.PathLike,
    format: str = "votable",
    per_star: bool = False,
) -> dict[str, Path]:
    """Write a simulated sample as the Gaia archive serves it.

    Three tables: DataLink EPOCH_PHOTOMETRY (one row per G transit,
    columns :data:`rrlsk.io.gaia.EPOCH_PHOTOMETRY_COLUMNS`: ``flux =
    10**(-0.4 (mag - G_ZEROPOINT))`` e-/s, ``flux_over_error`` (float32) from
    ``mag_err``, ``flux_error = flux / flux_over_error``, flagged transits
    (X's ``rejected`` column, see ``make_gaia_rrab(keep_rejected=True)``) as
    ``rejected_by_variability``, band ``"G"``, ``transit_id`` from the time
    in units of 0.1 ms, ``solution_id`` :data:`SIMULATED_SOLUTION_ID`); a
    ``vari_rrlyrae`` table (:data:`rrlsk.io.gaia.VARI_RRLYRAE_COLUMNS`:
    ``pf``, ``epoch_g``, the fitted ``int_average_g``, ``peak_to_peak_g``,
    ``r21_g``, ``r31_g`` and ``phi21_g``, ``phi31_g`` in Gaia's **cosine**
    convention (sine phi31 - pi, sine phi21 + pi/2, mod 2 pi),
    ``phi31_g_error``, ``metallicity`` and ``metallicity_error`` = the
    label, ``num_clean_epochs_g``, ``best_classification`` = X's ``type``
    (``"RRab"`` without one); as in Gaia DR3, the period of an RRc star is
    ``p1_o`` and its ``pf`` is empty; other errors NaN); and a labels table (``source_id``, ``feh``, ``feh_error``,
    ``feh_true``; float64, exact).

    Parameters
    ----------
    X : pandas.DataFrame
        Light-curve table with ``time``, ``mag``, ``mag_err``, ``period``,
        ``epoch`` (and optionally ``rejected``), as made by
        :func:`make_gaia_rrab`.
    sample_info : pandas.DataFrame
        The matching ``sample_info`` of :func:`make_gaia_rrab`.
    directory : path
        Output directory (created if needed; files are overwritten).
    format : {"votable", "csv", "ecsv", "fits"}, default "votable"
    per_star : bool, default False
        Write the epoch photometry as one file per star,
        ``epoch_photometry/EPOCH_PHOTOMETRY-Gaia DR3 <source_id>.<ext>``, as
        DataLink delivers it; by default one file for all stars.

    Returns
    -------
    dict
        ``{"epoch_photometry": path, "vari_rrlyrae": path, "labels": path}``;
        the epoch-photometry path is a directory when ``per_star``. Read them
        back with ``rrlsk.io.read_gaia_dr3(paths["epoch_photometry"],
        paths["vari_rrlyrae"], labels=paths["labels"])``.

    Raises
    ------
    ValueError
        For an unknown format, or missing columns in X or ``sample_info``.
    """
    if format not in _FORMATS:
        raise ValueError(f"to_gaia_files: format must be one of {sorted(_FORMATS)}, got {format!r}")
    missing = [c for c in _X_COLUMNS if c not in X]
    if missing:
        raise ValueError(f"to_gaia_files: X lacks column(s) {missing}")
    missing = [c for c in _INFO_COLUMNS if c not in sample_info]
    if missing:
        raise ValueError(f"to_gaia_files: sample_info lacks column(s) {missing} (use make_gaia_rrab's sample_info)")
    if not X.index.equals(sample_info.index):
        raise ValueError("to_gaia_files: X and sample_info are not indexed by the same source_ids")

    suffix = _FORMATS[format][0]
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    transits, n_clean = _transits(X)
    paths = {
        "epoch_photometry": directory / f"epoch_photometry{suffix}",
        "vari_rrlyrae": directory / f"vari_rrlyrae{suffix}",
        "labels": directory / f"labels{suffix}",
    }
    if per_star:
        paths["epoch_photometry"] = directory / "epoch_photometry"
        paths["epoch_photometry"].mkdir(exist_ok=True)
        for source_id, rows in transits.groupby("source_id", sort=True):
            _write(rows, paths["epoch_photometry"] / f"EPOCH_PHOTOMETRY-Gaia DR3 {source_id}{suffix}", format)
    else:
        _write(transits, paths["epoch_photometry"], format)
    _write(_vari_rrlyrae(X, sample_info, n_clean), paths["vari_rrlyrae"], format)
    labels = pd.DataFrame({"source_id": X.index.to_numpy(dtype=np.int64),
                           **{c: sample_info[c].to_numpy(dtype=np.float64) for c in ("feh", "feh_error", "feh_true")}})
    _write(labels, paths["labels"], format)
    return paths
