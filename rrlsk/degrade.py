"""Degraded copies of light curves: fewer epochs, fainter, noisier.

A model trained and calibrated on well-observed stars (the paper's sample:
at least 50 epochs, mostly G < 18) has never seen a sparse or a faint
curve, so nothing it learnt says how much worse such curves are.
:class:`LightCurveDegrader` makes such curves out of the good ones: each
copy of a star keeps a random subset of its epochs and is moved to a
fainter magnitude, with the extra noise Gaia would have measured there, so
that the copy keeps the star's label ([Fe/H] does not depend on how well a
star is observed). :class:`rrlsk.uncertainty.CalibratedRegressor` uses the
copies (its ``degrade`` parameter) to learn and calibrate per-star
uncertainties that hold over the whole catalogue.

The noise law is the simulator's, :func:`rrlsk.photometry.transit_sigma`:
the per-transit G error as a function of magnitude, times a per-star
factor ``f``.
"""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

from .base.constraints import Interval
from .base.ragged import ARRAY_COLUMNS, flatten, split
from .base.validation import check_params
from .photometry import GaiaGNoise, NoiseLaw, transit_sigma

__all__ = ["LightCurveDegrader", "degradation_problem"]


class LightCurveDegrader(BaseEstimator):
    """Sparser, fainter copies of light curves, with the same labels.

    Every copy of a star keeps ``k`` of its ``n`` epochs, chosen at random
    without replacement (time order kept), with ``k`` log-uniform between
    ``min(min_epochs, n)`` and ``n``; and it is made fainter by ``Delta G``,
    uniform in ``[0, max_dimming]`` mag: each point moves by ``Delta G``,
    its error grows to ``mag_err * sigma(mag + Delta G) / sigma(mag)``
    (the noise law at the new magnitude, keeping the star's
    own noise factor ``f``) and Gaussian noise of standard deviation
    ``sqrt(new_err**2 - mag_err**2)`` (mag) is added. Nothing is fitted: the
    object only holds the parameters (``get_params``, ``clone``).

    Parameters
    ----------
    n_copies : int, default 1
        Degraded copies per star.
    min_epochs : int, default 20
        Fewest epochs a copy keeps (stars with fewer keep all of theirs).
        The default is the fewest G epochs of a Gaia DR3 RR Lyrae star.
    max_dimming : float, default 3.0
        Largest dimming, mag (0 keeps the magnitudes). The default moves
        the median star of the paper's sample (G ~ 16.7) to G ~ 19.7, near
        the catalogue's faint end (G ~ 20.5).
    population : GaiaGNoise or RRabPopulation, optional
        Whose noise law (``noise_floor``, ``noise_at_g17``,
        ``noise_background_g17``, mag: any
        :class:`rrlsk.photometry.NoiseLaw`) sets the errors; default
        ``GaiaGNoise()``, the law of the default simulated population.
    random_state : int, numpy.random.Generator or None, default None
        Seed; the same integer gives the same copies.

    See Also
    --------
    rrlsk.uncertainty.CalibratedRegressor : Uses the copies to calibrate
        uncertainties of sparse and faint stars.

    Examples
    --------
    >>> import rrlsk
    >>> from rrlsk.degrade import LightCurveDegrader
    >>> X, y, _ = rrlsk.datasets.make_gaia_rrab(50, random_state=0)
    >>> X_deg, info = LightCurveDegrader(n_copies=2, random_state=0).degrade(X)
    >>> len(X_deg), bool((info["n_epochs"] <= X["mag"].map(len).to_numpy()[info["origin"]]).all())
    (100, True)
    >>> y_deg = y.to_numpy()[info["origin"]]  # the labels of the copies
    """

    _parameter_constraints: dict = {
        "n_copies": [Interval(Integral, 1, None, closed="left")],
        "min_epochs": [Interval(Integral, 1, None, closed="left")],
        "max_dimming": [Interval(Real, 0, None, closed="left")],
        "population": [None, NoiseLaw],
        "random_state": [None, Interval(Integral, 0, None, closed="left"), np.random.Generator],
    }

    def __init__(
        self,
        *,
        n_copies: int = 1,
        min_epochs: int = 20,
        max_dimming: float = 3.0,
        population: NoiseLaw | None = None,
        random_state: int | np.random.Generator | None = None,
    ):
        self.n_copies = n_copies
        self.min_epochs = min_epochs
        self.max_dimming = max_dimming
        self.population = population
        self.random_state = random_state

    def degrade(self, X: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Degraded copies of every star of a light-curve table.

        Parameters
        ----------
        X : pandas.DataFrame
            Light-curve table: one row per star, array columns ``mag`` (G,
            mag), ``mag_err`` (mag) and ``time`` (d) or ``phase`` of equal
            lengths per star, and any scalar columns (``period``,
            ``epoch``, ``type``), which the copies keep.

        Returns
        -------
        X_degraded : pandas.DataFrame
            ``n_copies * len(X)`` rows, the copies of every star (all first
            copies, then all second copies...), with the columns of ``X``.
            Its index (named like ``X``'s) holds unique negative integers,
            ``-1, -2, ...``: never a Gaia ``source_id``, so copies and real
            stars can share a table.
        info : pandas.DataFrame
            Indexed like ``X_degraded``: ``origin`` (position in ``X`` of
            the star copied, int: ``np.asarray(y)[info["origin"]]`` are the
            copies' labels), ``origin_id`` (that star's index value in ``X``,
            its ``source_id``), ``copy`` (0 to ``n_copies - 1``), ``n_epochs`` (epochs kept)
            and ``dimming`` (``Delta G``, mag).

        Raises
        ------
        ValueError
            When ``X`` lacks ``mag`` or ``mag_err``, holds an array column
            this class does not know (such as ``rejected``), or has array
            columns of unequal lengths for a star.
        """
        check_params(self)
        arrays = _array_columns(X)
        flat = {column: flatten(list(X[column].to_numpy())) for column in arrays}
        offsets = flat["mag"][1]
        if any(not np.array_equal(o, offsets) for _, o in flat.values()):
            raise ValueError(f"the array columns {arrays} differ in length for some stars")
        law = GaiaGNoise() if self.population is None else self.population
        rng = np.random.default_rng(self.random_state)

        n_stars = len(X)
        origin = np.tile(np.arange(n_stars), self.n_copies)
        n_copies_total = len(origin)
        length = np.diff(offsets)[origin]
        copy_offsets = np.zeros(n_copies_total + 1, dtype=np.int64)
        np.cumsum(length, out=copy_offsets[1:])
        row = np.repeat(np.arange(n_copies_total), length)
        source = np.arange(copy_offsets[-1]) + np.repeat(offsets[origin] - copy_offsets[:-1], length)

        # epochs kept: log-uniform integer in [min(min_epochs, n), n]
        low = np.clip(np.minimum(self.min_epochs, length), 1, None)
        kept = np.floor(np.exp(rng.uniform(np.log(low), np.log(length + 1.0))))
        kept = np.clip(kept, low, length).astype(np.int64)
        dimming = rng.uniform(0.0, self.max_dimming, n_copies_total)
        # a random rank of every point within its copy; the first `kept` stay
        order = np.lexsort((rng.random(len(row)), row))
        rank = np.empty(len(row), dtype=np.int64)
        rank[order] = np.arange(len(row)) - copy_offsets[row[order]]
        keep = rank < kept[row]
        source, row = source[keep], row[keep]

        mag, err = flat["mag"][0][source], flat["mag_err"][0][source]
        shift = dimming[row]
        growth = transit_sigma(law, mag + shift) / transit_sigma(law, mag)
        new_err = err * growth
        new_mag = mag + shift + err * np.sqrt(growth**2 - 1.0) * rng.standard_normal(len(mag))

        new_offsets = np.zeros(n_copies_total + 1, dtype=np.int64)
        np.cumsum(kept, out=new_offsets[1:])
        columns = {column: flat_values[source] for column, (flat_values, _) in flat.items()}
        columns["mag"], columns["mag_err"] = new_mag, new_err
        index = pd.Index(-1 - np.arange(n_copies_total, dtype=np.int64), name=X.index.name)
        degraded = X.iloc[origin].set_axis(index, axis=0)
        for column in arrays:
            degraded[column] = split(columns[column], new_offsets)
        info = pd.DataFrame(
            {
                "origin": origin,
                "origin_id": X.index.to_numpy()[origin],
                "copy": np.repeat(np.arange(self.n_copies), n_stars),
                "n_epochs": kept,
                "dimming": dimming,
            },
            index=index,
        )
        return degraded, info


def degradation_problem(X: pd.DataFrame) -> str | None:
    """Why :meth:`LightCurveDegrader.degrade` cannot copy the stars of ``X``, or None if it can.

    A copy needs each point's G error (``mag_err``, finite: the noise it adds
    grows from it) and only array columns it knows how to subset.

    Parameters
    ----------
    X : pandas.DataFrame
        Light-curve table.

    Returns
    -------
    str or None
        The problem in words, or None.
    """
    if not isinstance(X, pd.DataFrame):
        return f"degrading needs a light-curve table (a pandas DataFrame), got {type(X).__name__}"
    missing = [column for column in ("mag", "mag_err") if column not in X.columns]
    if missing:
        return f"degrading a light curve needs the column(s) {missing}; X has {list(X.columns)}"
    unknown = [
        column for column in X.columns
        if column not in ARRAY_COLUMNS and len(X) and isinstance(X[column].iat[0], (np.ndarray, list))
    ]
    if unknown:
        return f"cannot subset the array column(s) {unknown} (known: {list(ARRAY_COLUMNS)})"
    if len(X) and not np.isfinite(flatten(list(X["mag_err"].to_numpy()))[0]).all():
        return "some mag_err are missing (NaN): a copy's added noise grows from each point's error"
    return None


def _array_columns(X: pd.DataFrame) -> list[str]:
    """The array columns of ``X`` that a copy subsets, checked."""
    problem = degradation_problem(X)
    if problem is not None:
        raise ValueError(problem)
    return [column for column in ARRAY_COLUMNS if column in X.columns]
