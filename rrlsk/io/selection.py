"""The sample selection of Monti et al. (2024), Section 3."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .rrlyrae import pulsation_period, read_labels, read_vari_rrlyrae, star_type

__all__ = ["select_paper_sample"]


def _column(table: pd.DataFrame, name: str) -> np.ndarray:
    if name not in table:
        raise ValueError(f"select_paper_sample: vari_rrlyrae has no column {name!r} needed by the cut")
    return table[name].to_numpy(dtype=np.float64, na_value=np.nan)


def select_paper_sample(
    rrlyrae,
    labels=None,
    *,
    classification: str | None = "RRab",
    require_period: bool = True,
    max_feh_error: float | None = 0.4,
    max_amplitude: float | None = 1.4,
    min_epochs: int | None = 50,
    max_phi31_error: float | None = 0.1,
    feh_column: str | None = None,
    feh_error_column: str | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Apply the paper's selection cuts to the ``vari_rrlyrae`` table.

    Monti et al. (2024) keep RRab stars with sigma[Fe/H] <= 0.4 dex,
    AmpG <= 1.4 mag, N_ep >= 50 and sigma(phi31) <= 0.10, and a period.
    Each cut is a parameter; ``None`` (or ``False``) disables it. Missing
    values fail a cut.

    Parameters
    ----------
    rrlyrae : path, list of paths, astropy Table or DataFrame
        The ``vari_rrlyrae`` table (see :func:`read_vari_rrlyrae`).
    labels : path, list of paths, astropy Table or DataFrame, optional
        [Fe/H] labels (see :func:`read_labels`), joined as ``feh`` and
        ``feh_error`` columns; by default the cut uses Gaia's
        ``metallicity_error``.
    classification : str or None, default "RRab"
        Required ``best_classification`` (case-insensitive): ``"RRab"``
        for the paper's sample, ``"RRc"`` for first-overtone stars (see
        :func:`rrlsk.datasets.make_paper_sample`), None for all.
    require_period : bool, default True
        Require a finite, positive period: ``pf``, or ``p1_o`` where ``pf``
        is empty (RRc stars), d.
    max_feh_error : float or None, default 0.4
        Largest [Fe/H] error, dex.
    max_amplitude : float or None, default 1.4
        Largest ``peak_to_peak_g``, mag.
    min_epochs : int or None, default 50
        Smallest ``num_clean_epochs_g``.
    max_phi31_error : float or None, default 0.1
        Largest ``phi31_g_error``, rad.
    feh_column, feh_error_column : str, optional
        Label column names, see :func:`read_labels`.

    Returns
    -------
    selected : DataFrame
        The rows of ``rrlyrae`` (indexed by ``source_id``) passing every cut,
        with ``feh`` and ``feh_error`` when ``labels`` is given.
    cuts : DataFrame
        One row per step, in order: ``cut`` (str; first ``"input"``),
        ``n_removed`` and ``n_remaining`` (int).
    """
    table = read_vari_rrlyrae(rrlyrae)
    if labels is not None:
        table = table.join(read_labels(labels, feh_column=feh_column, feh_error_column=feh_error_column), how="left")
        error_column = "feh_error"
    else:
        error_column = (feh_error_column or "metallicity_error").lower()

    tests: list[tuple[str, object]] = []
    if classification is not None:
        if "best_classification" not in table:
            raise ValueError("select_paper_sample: vari_rrlyrae has no column 'best_classification'")
        wanted = classification.strip().lower()
        tests.append((f"best_classification == {classification!r}",
                      lambda t: np.char.lower(star_type(t).astype(str)) == wanted))
    if require_period:
        tests.append(("period (pf or p1_o) > 0", lambda t: pulsation_period(t) > 0))
    if max_feh_error is not None:
        tests.append((f"{error_column} <= {max_feh_error}", lambda t: _column(t, error_column) <= max_feh_error))
    if max_amplitude is not None:
        tests.append((f"peak_to_peak_g <= {max_amplitude}", lambda t: _column(t, "peak_to_peak_g") <= max_amplitude))
    if min_epochs is not None:
        tests.append((f"num_clean_epochs_g >= {min_epochs}", lambda t: _column(t, "num_clean_epochs_g") >= min_epochs))
    if max_phi31_error is not None:
        tests.append((f"phi31_g_error <= {max_phi31_error}", lambda t: _column(t, "phi31_g_error") <= max_phi31_error))

    rows = [("input", 0, len(table))]
    for label, test in tests:
        before = len(table)
        table = table.loc[test(table)]
        rows.append((label, before - len(table), len(table)))
    cuts = pd.DataFrame(rows, columns=["cut", "n_removed", "n_remaining"]).astype(
        {"n_removed": np.int64, "n_remaining": np.int64}
    )
    return table, cuts
