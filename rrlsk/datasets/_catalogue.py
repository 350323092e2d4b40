"""A mixed RRab + RRc catalogue, as a whole-sky Gaia DR3 prediction run meets it."""

from __future__ import annotations

import numbers

import numpy as np
import pandas as pd

from ._population_rrc import RRC_FRACTION_DR3
from ._simulate import make_gaia_rrab, make_gaia_rrc

__all__ = ["make_gaia_catalogue"]


def make_gaia_catalogue(
    n_stars: int = 1000,
    *,
    rrc_fraction: float = RRC_FRACTION_DR3,
    labels: str = "photometric",
    random_state: int = 0,
) -> tuple[pd.DataFrame, pd.Series, pd.DataFrame]:
    """Simulated Gaia DR3 RRab and RRc stars in one table, sorted by source_id.

    The prediction path's test bed: one light-curve table whose ``type``
    column says which model each star needs (see
    :class:`rrlsk.PerTypeRegressor`). The two types come from
    :func:`make_gaia_rrab` and :func:`make_gaia_rrc` with seeds derived
    from ``random_state``; their source_ids never collide.

    Parameters
    ----------
    n_stars : int, default 1000
        Stars in all.
    rrc_fraction : float, default ``RRC_FRACTION_DR3`` (0.349)
        Share of RRc stars, rounded to a whole number: by default that of
        Gaia DR3 (93,952 RRc to 174,947 RRab; Clementini et al. 2023).
    labels : {"photometric", "spectroscopic"}, default "photometric"
        Label recipe of both types, as in :func:`make_gaia_rrab`.
    random_state : int, default 0
        Seed; the RRab and RRc stars take independent streams from it.

    Returns
    -------
    X, y, sample_info
        As :func:`make_gaia_rrab`, concatenated; ``X["type"]`` and
        ``sample_info["type"]`` are ``"RRab"`` or ``"RRc"``.

    Raises
    ------
    ValueError
        For a bad ``n_stars`` or ``rrc_fraction``.
    """
    if isinstance(n_stars, bool) or not isinstance(n_stars, numbers.Integral) or n_stars < 1:
        raise ValueError(f"n_stars must be a positive integer, got {n_stars!r}")
    if not 0.0 <= rrc_fraction <= 1.0:
        raise ValueError(f"rrc_fraction must lie in [0, 1], got {rrc_fraction!r}")
    n_rrc = int(round(n_stars * rrc_fraction))
    seeds = np.random.SeedSequence(random_state).spawn(2)
    parts = []
    for make, n, seed in ((make_gaia_rrab, n_stars - n_rrc, seeds[0]), (make_gaia_rrc, n_rrc, seeds[1])):
        if n:
            X, y, info = make(n, labels=labels, random_state=np.random.default_rng(seed))
            parts.append((X, y, info.assign(type=X["type"])))
    X, y, info = (pd.concat(p).sort_index() for p in zip(*parts))
    return X, y, info
