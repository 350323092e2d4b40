"""Gaia DR3 constants shared by the readers and by anything that writes
Gaia-format files (one place, so readers and writers cannot drift apart).

References: Gaia DR3 data model, tables ``gaiadr3.epoch_photometry`` (as
served by the archive's DataLink, one row per transit) and
``gaiadr3.vari_rrlyrae``; Riello et al. (2021, A&A 649, A3) for the G zero
point.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "BANDS",
    "EPOCH_PHOTOMETRY_COLUMNS",
    "G_ZEROPOINT",
    "MAG_ERR_PER_INVERSE_SNR",
    "TIME_OFFSET_JD",
    "TIME_SCALE",
    "TIME_SYSTEM",
    "VARI_RRLYRAE_COLUMNS",
    "mag_err_from_flux_over_error",
    "mag_from_flux",
]

#: DR3 G-band photometric zero point (Vega), mag: ``G = -2.5 log10(flux) + G_ZEROPOINT``
#: with ``flux`` in e-/s (Riello et al. 2021).
G_ZEROPOINT: float = 25.6874

#: Transit times are barycentric JD in TCB minus this offset, days
#: (``time = BJD(TCB) - 2455197.5``, i.e. days since J2010.0).
TIME_OFFSET_JD: float = 2455197.5

#: Time scale of the transit times (astropy name).
TIME_SCALE: str = "tcb"

#: Human-readable time system of ``time`` and ``epoch_g``.
TIME_SYSTEM: str = "BJD(TCB) - 2455197.5 d"

#: Photometric bands of the epoch photometry, as written in the ``band`` column.
BANDS: tuple[str, ...] = ("G", "BP", "RP")

#: ``sigma_mag = MAG_ERR_PER_INVERSE_SNR / (flux / flux_error)``, i.e. 2.5 / ln 10 (mag).
MAG_ERR_PER_INVERSE_SNR: float = 2.5 / np.log(10.0)

#: DataLink EPOCH_PHOTOMETRY (``data_structure="INDIVIDUAL"``): one row per
#: transit, in archive order, with the numpy dtype of each column.
#: ``time`` in d (see :data:`TIME_SYSTEM`), ``mag`` in mag, ``flux`` and
#: ``flux_error`` in e-/s; ``other_flags`` is a bit mask.
EPOCH_PHOTOMETRY_COLUMNS: tuple[tuple[str, str], ...] = (
    ("source_id", "int64"),
    ("transit_id", "int64"),
    ("band", "str"),
    ("time", "float64"),
    ("mag", "float64"),
    ("flux", "float64"),
    ("flux_error", "float64"),
    ("flux_over_error", "float32"),
    ("rejected_by_photometry", "bool"),
    ("rejected_by_variability", "bool"),
    ("other_flags", "int64"),
    ("solution_id", "int64"),
)

#: The ``gaiadr3.vari_rrlyrae`` columns rrlsk uses (G band and the star's
#: pulsation), in archive order, with numpy dtypes. The archive table has more
#: columns (BP, RP, RV, harmonic amplitudes); readers pass them through.
#: Periods and epochs in d, magnitudes and amplitudes in mag, phases in rad,
#: metallicities in dex.
VARI_RRLYRAE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("solution_id", "int64"),
    ("source_id", "int64"),
    ("pf", "float64"),
    ("pf_error", "float32"),
    ("p1_o", "float64"),
    ("p1_o_error", "float32"),
    ("epoch_g", "float64"),
    ("epoch_g_error", "float32"),
    ("int_average_g", "float32"),
    ("int_average_g_error", "float32"),
    ("peak_to_peak_g", "float32"),
    ("peak_to_peak_g_error", "float32"),
    ("metallicity", "float32"),
    ("metallicity_error", "float32"),
    ("r21_g", "float32"),
    ("r21_g_error", "float32"),
    ("r31_g", "float32"),
    ("r31_g_error", "float32"),
    ("phi21_g", "float32"),
    ("phi21_g_error", "float32"),
    ("phi31_g", "float32"),
    ("phi31_g_error", "float32"),
    ("num_clean_epochs_g", "int16"),
    ("zp_mag_g", "float32"),
    ("num_harmonics_for_p1_g", "int16"),
    ("reference_time_g", "float64"),
    ("best_classification", "str"),
    ("g_absorption", "float32"),
    ("g_absorption_error", "float32"),
)


def mag_from_flux(flux: np.ndarray) -> np.ndarray:
    """G magnitude from the G flux, mag; NaN where ``flux <= 0``.

    Parameters
    ----------
    flux : array-like
        G-band flux, e-/s.

    Returns
    -------
    ndarray of float64
        ``-2.5 log10(flux) + G_ZEROPOINT``.
    """
    flux = np.asarray(flux, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(flux > 0, -2.5 * np.log10(flux) + G_ZEROPOINT, np.nan)


def mag_err_from_flux_over_error(flux_over_error: np.ndarray) -> np.ndarray:
    """Magnitude uncertainty from the signal-to-noise ratio, mag.

    Parameters
    ----------
    flux_over_error : array-like
        ``flux / flux_error`` (dimensionless).

    Returns
    -------
    ndarray of float64
        ``2.5 / ln(10) / flux_over_error``; NaN where the ratio is not positive.
    """
    snr = np.asarray(flux_over_error, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(snr > 0, MAG_ERR_PER_INVERSE_SNR / snr, np.nan)
