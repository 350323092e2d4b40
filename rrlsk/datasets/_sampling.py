"""Gaia-like transit times for many stars at once."""

from __future__ import annotations

import numpy as np
from scipy.stats import norm

__all__ = ["FOV_DELAY", "SPIN_PERIOD", "draw_n_epochs", "transit_times"]

#: Delay between the preceding and the following field of view, d (106.5 min).
FOV_DELAY: float = 106.5 / 1440.0
#: Gaia spin period, d (6 h): consecutive scans of a visit are this far apart.
SPIN_PERIOD: float = 0.25


def draw_n_epochs(median: float, sigma: float, low: int, high: int, n: int, rng) -> np.ndarray:
    """Number of G transits per star: log-normal, truncated to ``[low, high]`` (int64)."""
    lo, hi = np.log(low - 0.5), np.log(high + 0.5)
    mu = np.log(median)
    # inverse-CDF sampling of the truncated normal in ln N
    u = rng.uniform(norm.cdf((lo - mu) / sigma), norm.cdf((hi - mu) / sigma), n)
    return np.clip(np.rint(np.exp(mu + sigma * norm.ppf(u))), low, high).astype(np.int64)


def transit_times(n_epochs: np.ndarray, time_range: tuple, scans_per_visit: float, rng):
    """Transit times of every star, sorted per star.

    Each star's transits come in scans of two (preceding then following
    field of view, :data:`FOV_DELAY` apart); consecutive scans of a visit are
    one spin period apart; each scan opens a new visit with probability
    ``1 / scans_per_visit``; visits start at uniform random times within
    ``time_range``, so visits are weeks apart. Stars with an odd number of
    transits lose the last transit of their last scan.

    Parameters
    ----------
    n_epochs : ndarray of int64, shape (n_stars,)
        Transits per star.
    time_range : (float, float)
        First and last possible time, d.
    scans_per_visit : float
        Mean scans per visit (>= 1).
    rng : numpy.random.Generator

    Returns
    -------
    times : ndarray of shape (n_epochs.sum(),)
        Flat times, d, star after star, increasing within each star.
    offsets : ndarray of int64, shape (n_stars + 1,)
    """
    n_epochs = np.asarray(n_epochs, dtype=np.int64)
    n_stars = n_epochs.size
    n_scans = (n_epochs + 1) // 2
    scan_offsets = np.zeros(n_stars + 1, dtype=np.int64)
    np.cumsum(n_scans, out=scan_offsets[1:])
    total = scan_offsets[-1]
    star_of_scan = np.repeat(np.arange(n_stars), n_scans)

    new_visit = rng.random(total) < 1.0 / scans_per_visit
    new_visit[scan_offsets[:-1]] = True
    visit_of_scan = np.cumsum(new_visit) - 1
    visit_first = np.flatnonzero(new_visit)
    t0, t1 = time_range
    max_scans = np.diff(np.append(visit_first, total))
    visit_start = t0 + rng.random(visit_first.size) * (t1 - t0 - (max_scans - 1) * SPIN_PERIOD - FOV_DELAY).clip(0)
    scan_time = visit_start[visit_of_scan] + (np.arange(total) - visit_first[visit_of_scan]) * SPIN_PERIOD

    times = np.stack([scan_time, scan_time + FOV_DELAY], axis=1).ravel()
    star = np.repeat(star_of_scan, 2)
    # odd counts: drop the second transit of each such star's last scan
    drop = 2 * scan_offsets[1:][n_epochs % 2 == 1] - 1
    keep = np.ones(times.size, dtype=bool)
    keep[drop] = False
    times, star = times[keep], star[keep]
    order = np.lexsort((times, star))
    offsets = np.zeros(n_stars + 1, dtype=np.int64)
    np.cumsum(n_epochs, out=offsets[1:])
    return times[order], offsets
