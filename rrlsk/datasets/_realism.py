"""Statistics for comparing simulated and real light curves like with like."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from ..base import ragged as _ragged
from ..fourier import fit_fourier, fourier_parameters
from ._population import unwrap_phi31

__all__ = ["REALISM_STATISTICS", "light_curve_statistics", "subsample_epochs"]

#: Columns of :func:`light_curve_statistics` compared in docs/realism.md.
REALISM_STATISTICS = ("amplitude", "R21", "R31", "phi21", "phi31", "rms")


def light_curve_statistics(phase: np.ndarray, mag: np.ndarray, offsets: np.ndarray, order: int = 4) -> pd.DataFrame:
    """Shape and scatter of folded curves from one unweighted Fourier fit.

    Parameters
    ----------
    phase, mag : ndarray of shape (n_values,)
        Flat phases (cycles) and magnitudes (mag), star after star.
    offsets : ndarray of int64, shape (n_stars + 1,)
        Where each star's values start in ``phase`` and ``mag``.
    order : int, default 4
        Harmonics of the fit (the same for every sample compared).

    Returns
    -------
    pandas.DataFrame
        One row per star whose fit is defined: ``amplitude`` (peak-to-peak of
        the fit, mag), ``R21``, ``R31``, ``phi21``, ``phi31`` (sine
        convention, rad; phi31 unwrapped into ``[2, 2 + 2 pi)``), ``rms``
        (residual scatter about the fit, mag), ``mean_mag`` (``A0``, mag)
        and ``n_epochs`` (observed points; ``n_points``, its former name,
        is kept as a deprecated copy).
    """
    coefs, info = fit_fourier(phase, mag, offsets, order, return_info=True)
    params = fourier_parameters(coefs)
    out = pd.DataFrame(
        {
            "amplitude": params["amplitude"].to_numpy(),
            "R21": params["R21"].to_numpy(),
            "R31": params["R31"].to_numpy(),
            "phi21": params["phi21"].to_numpy(),
            "phi31": unwrap_phi31(params["phi31"].to_numpy()),
            "rms": info.rms,
            "mean_mag": params["A0"].to_numpy(),
            "n_epochs": info.n_epochs,
            "n_points": info.n_epochs,  # deprecated alias of n_epochs
        }
    )
    return out[info.ok].reset_index(drop=True)


def subsample_epochs(
    X: pd.DataFrame, n_epochs: np.ndarray | None = None, random_state=0, *, n_points: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Random subsets of each star's transits, folded at period and epoch.

    Parameters
    ----------
    X : pandas.DataFrame
        Light-curve table with ``time``, ``mag``, ``period``, ``epoch``.
    n_epochs : ndarray of int, shape (n_stars,)
        Wanted points per star (capped at what each star has), e.g. drawn
        from a real survey's distribution of points per curve.
    random_state : int, numpy.random.Generator or None
        Seed of the random subsets.
    n_points : ndarray of int, optional
        Former name of ``n_epochs`` (deprecated, with a ``FutureWarning``).

    Returns
    -------
    phase : ndarray of float64
        Flat folded phases of the subsets (cycles, phase 0 at ``epoch``),
        each star's points sorted by phase.
    mag : ndarray of float64
        Their G magnitudes, mag.
    offsets : ndarray of int64, shape (n_stars + 1,)
        Where each star's points start in ``phase`` and ``mag``.
    """
    if n_points is not None:
        warnings.warn("subsample_epochs(n_points=...) is renamed n_epochs=...", FutureWarning, stacklevel=2)
        n_epochs = n_points
    if n_epochs is None:
        raise TypeError("subsample_epochs() needs n_epochs, the wanted points per star")
    rng = np.random.default_rng(random_state)
    time, offsets = _ragged.flatten(X["time"].to_numpy())
    mag, _ = _ragged.flatten(X["mag"].to_numpy())
    lengths = np.diff(offsets)
    star = np.repeat(np.arange(len(X)), lengths)
    # rank of each point in a random order within its star
    order = np.lexsort((rng.random(time.size), star))
    rank = np.empty(time.size, dtype=np.int64)
    rank[order] = np.arange(time.size) - offsets[star[order]]
    want = np.minimum(np.asarray(n_epochs, dtype=np.int64), lengths)
    keep = rank < want[star]
    period = X["period"].to_numpy(dtype=np.float64)
    epoch = X["epoch"].to_numpy(dtype=np.float64)
    phase = np.mod((time - epoch[star]) / period[star], 1.0)
    star, phase, mag = star[keep], phase[keep], mag[keep]
    by_phase = np.lexsort((phase, star))
    new_offsets = np.zeros(len(X) + 1, dtype=np.int64)
    np.cumsum(want, out=new_offsets[1:])
    return phase[by_phase], mag[by_phase], new_offsets
