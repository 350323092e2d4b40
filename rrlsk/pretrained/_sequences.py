"""The input of the Dékány & Grebel (2022) networks, built as their runs built it.

Vectorised over stars: every function works on the flat values of all stars
and their offsets (see :mod:`rrlsk._ragged`) and fills the padded tensor
with one scatter per channel.

Input of one star, shape ``(n_steps, 2)``, channels ``(time, magnitude)``:

- G (``sequences_g``): the points of one cycle (phase < 1) in phase order,
  the magnitude minus its mean over all of them, then the first
  ``n_steps`` points kept; time = phase x period (d); padded with -1.
- Ks (``sequences_binned``): the cycle extended to phase < 1.2 by copying
  the points of [0, 0.2) to phase + 1, averaged in 60 equal phase bins
  (edges ``linspace(0, 1.2, 61)``, each closed on the left, as
  ``scipy.stats.binned_statistic``), empty bins dropped; time = the bin's
  mean phase x period (d); magnitude = the bin's mean magnitude minus the
  mean over the bins; padded with -1.
"""

from __future__ import annotations

import numpy as np

from ..base.docstrings import fill_doc
from ..preprocessing.encoding import MASK_VALUE

__all__ = ["MASK_VALUE", "sequences_binned", "sequences_g"]


#: The flat light curves both inputs are built from, for :func:`rrlsk.base.docstrings.fill_doc`.
_CURVES_DOC = """\
phase : ndarray of shape (n_values,)
    Flat phases in [0, 1) of all stars, cycles: each observation once, in
    any order within a star.
mag : ndarray of shape (n_values,)
    Flat magnitudes, mag.
offsets : ndarray of int64, shape (n_stars + 1,)
    Star boundaries.
period : ndarray of shape (n_stars,)
    Periods, d.
"""


def _star_of(offsets: np.ndarray) -> np.ndarray:
    return np.repeat(np.arange(offsets.size - 1), np.diff(offsets))


def _sort_by_star_and_phase(phase, mag, offsets):
    star = _star_of(offsets)
    order = np.lexsort((phase, star))
    return phase[order], mag[order], star


@fill_doc(curves=_CURVES_DOC)
def sequences_g(phase: np.ndarray, mag: np.ndarray, offsets: np.ndarray, period: np.ndarray, n_steps: int) -> np.ndarray:
    """The G network's input (see the module notes).

    Parameters
    ----------
    %(curves)s
    n_steps : int
        Length of the sequences (80 for the published model).

    Returns
    -------
    ndarray of float32, shape (n_stars, n_steps, 2)
        Channels (time = phase x period in d, magnitude minus its mean in
        mag), padded with :data:`MASK_VALUE`.
    """
    n_stars = offsets.size - 1
    phase, mag, star = _sort_by_star_and_phase(phase, mag, offsets)
    counts = np.diff(offsets)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.bincount(star, weights=mag, minlength=n_stars) / counts
    rank = np.arange(phase.size) - offsets[star]
    keep = rank < n_steps
    out = np.full((n_stars, n_steps, 2), MASK_VALUE, dtype=np.float32)
    out[star[keep], rank[keep], 0] = phase[keep] * period[star[keep]]
    out[star[keep], rank[keep], 1] = mag[keep] - mean[star[keep]]
    return out


@fill_doc(curves=_CURVES_DOC)
def sequences_binned(
    phase: np.ndarray,
    mag: np.ndarray,
    offsets: np.ndarray,
    period: np.ndarray,
    n_bins: int,
    max_phase: float,
) -> np.ndarray:
    """The binned (Ks) network's input (see the module notes).

    Parameters
    ----------
    %(curves)s
    n_bins : int
        Equal phase bins over [0, ``max_phase``) (60 for the published model).
    max_phase : float
        End of the extended cycle, cycles (1.2 for the published model).

    Returns
    -------
    ndarray of float32, shape (n_stars, n_bins, 2)
        Channels (time = bin mean phase x period in d, bin mean magnitude
        minus the mean over the bins in mag), padded with :data:`MASK_VALUE`.
    """
    n_stars = offsets.size - 1
    star = _star_of(offsets)
    repeat = phase < max_phase - 1.0
    phase = np.concatenate([phase, phase[repeat] + 1.0])
    mag = np.concatenate([mag, mag[repeat]])
    star = np.concatenate([star, star[repeat]])
    edges = np.linspace(0.0, max_phase, n_bins + 1)
    bin_of = np.clip(np.searchsorted(edges, phase, side="right") - 1, 0, n_bins - 1)
    cell = star * n_bins + bin_of
    size = n_stars * n_bins
    count = np.bincount(cell, minlength=size)
    filled = np.flatnonzero(count)  # sorted: star by star, bins in phase order
    bin_phase = np.bincount(cell, weights=phase, minlength=size)[filled] / count[filled]
    bin_mag = np.bincount(cell, weights=mag, minlength=size)[filled] / count[filled]
    bin_star = filled // n_bins
    n_filled = np.bincount(bin_star, minlength=n_stars)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.bincount(bin_star, weights=bin_mag, minlength=n_stars) / n_filled
    first = np.concatenate([[0], np.cumsum(n_filled)[:-1]])
    rank = np.arange(filled.size) - first[bin_star]
    out = np.full((n_stars, n_bins, 2), MASK_VALUE, dtype=np.float32)
    out[bin_star, rank, 0] = bin_phase * period[bin_star]
    out[bin_star, rank, 1] = bin_mag - mean[bin_star]
    return out
