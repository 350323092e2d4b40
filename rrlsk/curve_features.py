"""Summary features of light curves, vectorised over stars: period,
amplitude, observed points, mean magnitude and point-to-point scatter.

They describe how well a star is observed and what it looks like: the
training domain (:mod:`rrlsk.domain`) records their ranges, and the
difficulty models of :class:`rrlsk.uncertainty.CalibratedRegressor` learn
the error from them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .base.ragged import flatten

__all__ = ["FEATURES", "curve_features"]

#: Per-star features of :func:`curve_features`, with their units.
FEATURES = {"period": "d", "amplitude": "mag", "n_points": "", "mean_mag": "mag", "scatter": "mag"}


def _flat(X: pd.DataFrame, column: str) -> tuple[np.ndarray, np.ndarray]:
    values, offsets = flatten(list(X[column].to_numpy()))
    return values, np.repeat(np.arange(len(X)), np.diff(offsets))


def _scalar(X: pd.DataFrame, column: str) -> np.ndarray:
    if column not in X.columns:
        return np.full(len(X), np.nan)
    return pd.to_numeric(X[column], errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)


def _star_phase_order(star: np.ndarray, phase: np.ndarray) -> np.ndarray:
    """``np.lexsort((phase, star))`` for a non-decreasing ``star``, ten times faster.

    One stable sort of ``star + phase``: rounding keeps the order of the
    sums, so with phases in [0, 1] it can only tie two phases of one star
    closer than the rounding step (about 1e-16 times the star's position).
    Where the result is not lexsort's (such a tie reversed, or phases
    outside [0, 1]), lexsort's order is returned.
    """
    order = np.argsort(star + phase, kind="stable")
    s, p = star[order], phase[order]
    same = s[1:] == s[:-1]
    if ((s[1:] < s[:-1]) | same & ((p[1:] < p[:-1]) | (p[1:] == p[:-1]) & (order[1:] < order[:-1]))).any():
        return np.lexsort((phase, star))
    return order


def _flats(X: pd.DataFrame):
    """``column -> _flat(X, column)``, each column of ``X`` flattened once."""
    done: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    def flat(column: str) -> tuple[np.ndarray, np.ndarray]:
        if column not in done:
            done[column] = _flat(X, column)
        return done[column]

    return flat


def curve_features(X: pd.DataFrame) -> pd.DataFrame:
    """Summary features of each light curve, vectorised over stars.

    Parameters
    ----------
    X : pandas.DataFrame
        Light-curve table with ``mag`` and, for ``scatter``, ``phase`` or
        ``time`` and ``period`` (``epoch`` optional). Array columns of one
        star must have equal lengths (as :func:`rrlsk.preprocessing.check_light_curves`
        requires).

    Returns
    -------
    pandas.DataFrame
        Indexed like ``X``, the columns of :data:`FEATURES`: ``period`` (d),
        ``amplitude`` (max - min of the finite magnitudes, mag),
        ``n_points`` (finite magnitudes), ``mean_mag`` (mag) and
        ``scatter`` (mag: root mean square of the differences between
        successive points in phase order, divided by sqrt 2; the noise for
        a well-sampled curve, much more for noise or a wrong period). NaN
        where a feature cannot be computed.
    """
    return _curve_features(X, _flats(X))


def _curve_features(X: pd.DataFrame, flat) -> pd.DataFrame:
    """:func:`curve_features`, the array columns flattened by ``flat`` (see :func:`_flats`)."""
    n = len(X)
    mag, star = flat("mag")
    finite = np.isfinite(mag)
    n_points = np.bincount(star[finite], minlength=n)
    high, low = np.full(n, -np.inf), np.full(n, np.inf)
    np.maximum.at(high, star[finite], mag[finite])
    np.minimum.at(low, star[finite], mag[finite])
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.bincount(star[finite], weights=mag[finite], minlength=n) / n_points
        amplitude = np.where(n_points > 0, high - low, np.nan)
    period = _scalar(X, "period")
    scatter = np.full(n, np.nan)
    if "phase" in X.columns:
        phase = flat("phase")[0]
    elif "time" in X.columns:
        epoch = np.nan_to_num(_scalar(X, "epoch"))
        with np.errstate(invalid="ignore", divide="ignore"):
            phase = np.mod((flat("time")[0] - epoch[star]) / period[star], 1.0)
    else:
        phase = None
    if phase is not None:
        use = finite & np.isfinite(phase)
        order = _star_phase_order(star[use], phase[use])
        s, m = star[use][order], mag[use][order]
        same = s[1:] == s[:-1]
        pairs = np.bincount(s[1:][same], minlength=n)
        squares = np.bincount(s[1:][same], weights=np.diff(m)[same] ** 2, minlength=n)
        with np.errstate(invalid="ignore", divide="ignore"):
            scatter = np.where(pairs > 0, np.sqrt(squares / pairs / 2.0), np.nan)
    return pd.DataFrame(
        {"period": period, "amplitude": amplitude, "n_points": n_points.astype(np.float64),
         "mean_mag": mean, "scatter": scatter},
        index=X.index,
    )
