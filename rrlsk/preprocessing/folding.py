"""Phase folding and alignment (Monti et al. 2024, Eq. 1)."""

from __future__ import annotations

from numbers import Integral

import numpy as np
import pandas as pd
from numba import njit

from ..base.constraints import Interval, StrOptions
from ..base.ragged import ARRAY_COLUMNS, CHUNK_STARS, flatten, split
from ..base.table import TableTransformer
from ..fourier import evaluate_fourier, fit_fourier

__all__ = ["PhaseFolder", "fold_phase"]

# Phase grid on which the low-order Fourier fit is searched for maximum light.
_N_SEARCH = 1000


def fold_phase(time: np.ndarray, period: np.ndarray, epoch: np.ndarray) -> np.ndarray:
    """Eq. 1: ``frac((time - epoch) / period)``, in ``[0, 1)``.

    Parameters
    ----------
    time, period, epoch : ndarray
        Broadcastable arrays, days.

    Returns
    -------
    ndarray
        Phase, cycles, in ``[0, 1)``.
    """
    cycles = (np.asarray(time, dtype=np.float64) - epoch) / period
    phase = cycles - np.floor(cycles)
    # rounding can turn a tiny negative fraction into exactly 1.0
    phase[phase >= 1.0] = 0.0
    return phase


@njit(cache=True, nogil=True)
def _phase_order(phase, offsets):  # pragma: no cover - compiled
    """Indices that sort each star's phases, stars kept in place (stable:
    equal phases keep their order), as ``np.lexsort((phase, star))``."""
    order = np.arange(phase.shape[0])
    for star in range(offsets.shape[0] - 1):
        lo, hi = offsets[star], offsets[star + 1]
        for q in range(lo + 1, hi):
            if phase[q] < phase[q - 1]:
                order[lo:hi] = lo + np.argsort(phase[lo:hi], kind="mergesort")
                break
    return order


def reorder_by_phase(
    X: pd.DataFrame, phase: np.ndarray, offsets: np.ndarray, flat: dict[str, np.ndarray] | None = None
) -> pd.DataFrame:
    """A copy of ``X`` with ``phase`` set and every array column of each star sorted by phase.

    Parameters
    ----------
    X : pandas.DataFrame
        Light-curve table.
    phase : ndarray of shape (n_values,)
        Flat phases of all stars, cycles.
    offsets : ndarray of int64, shape (n_stars + 1,)
        Star boundaries (:func:`rrlsk.base.flatten`).
    flat : dict of str to ndarray, optional
        Array columns already flattened (not flattened again).

    Returns
    -------
    pandas.DataFrame
        The copy; ``phase`` in cycles.
    """
    order = _phase_order(phase, offsets)
    flat = flat or {}
    out = X.copy()
    for col in ARRAY_COLUMNS:
        if col in X.columns and col != "phase":
            values = flat[col] if col in flat else flatten(X[col].to_numpy())[0]
            out[col] = split(values[order], offsets)
    out["phase"] = split(phase[order], offsets)
    return out


class PhaseFolder(TableTransformer):
    """Fold light curves at their period and align maximum light at phase 0.

    Implements Eq. 1 of Monti et al. (2024),
    ``phase = frac((t - epoch) / P)``, vectorised over stars, and re-orders
    each star's ``time``, ``mag``, ``mag_err`` by phase.

    Parameters
    ----------
    align : {"epoch", "maximum", "first_phase"}, default "epoch"
        ``"epoch"``: the ``epoch`` column is the epoch of maximum light (Gaia
        DR3 ``epoch_g``), so phase 0 is maximum light. ``"maximum"``: find
        maximum light (minimum magnitude) from the data: fold with the
        ``epoch`` column (0 when absent or NaN), fit a Fourier series of ``order``
        harmonics (:func:`rrlsk.fourier.fit_fourier`), and shift the phases
        so that the fitted curve's minimum magnitude falls at phase 0.
        ``"first_phase"``: the same fit, and the phases shifted so that its
        first Fourier phase is zero (``m = A0 + A1 sin(2 pi phase) + ...``):
        the alignment of the published curves of Dékány & Grebel (2022),
        and of models trained on them (``rrlsk.datasets.load_dekany2022``).
        Both make the phases independent of the epoch.
    order : int, default 3
        Harmonics of the Fourier fit used by ``align="maximum"`` or
        ``"first_phase"``; stars need
        at least ``2 * order + 1`` points. ``order=1`` aligns on the maximum
        of the first harmonic: the choice for near-sinusoidal first-overtone
        (RRc) curves, whose broad maximum a fold at ``epoch`` or a
        higher-order fit places less reproducibly (``make_pipeline(...,
        rr_type="RRc")`` uses it).

    Attributes
    ----------
    feature_names_in_ : ndarray of str
        Columns of the table seen in ``fit``.
    n_features_in_ : int
        Their number.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from rrlsk.preprocessing import PhaseFolder
    >>> t = np.array([0.0, 0.15, 0.3, 0.45])
    >>> X = pd.DataFrame({"time": [t], "mag": [t * 0 + 15.0], "period": [0.6],
    ...                   "epoch": [0.0]}, index=pd.Index([1], name="source_id"))
    >>> PhaseFolder().fit_transform(X)["phase"].iloc[0]
    array([0.  , 0.25, 0.5 , 0.75])
    """

    _parameter_constraints: dict = {
        "align": [StrOptions({"epoch", "maximum", "first_phase"})],
        "order": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(self, align: str = "epoch", order: int = 3):
        self.align = align
        self.order = order

    @property
    def _required(self) -> tuple[str, ...]:
        return ("time", "mag", "period", "epoch") if self.align == "epoch" else ("time", "mag", "period")

    def _min_points(self) -> int:
        return 1 if self.align == "epoch" else 2 * self.order + 1

    def transform(self, X) -> pd.DataFrame:
        """Fold and sort each curve by phase.

        Parameters
        ----------
        X : pandas.DataFrame
            Light-curve table.

        Returns
        -------
        pandas.DataFrame
            Copy of ``X`` with ``phase`` (cycles, ``[0, 1)``) added and array
            columns sorted by phase. With ``align="maximum"`` or
            ``"first_phase"`` also the scalar column ``phase_shift``
            (cycles): the phase of maximum light (or of zero first Fourier
            phase) found in the fold at ``epoch``, which was subtracted.

        Raises
        ------
        ValueError
            Naming the source_ids whose curves are unusable, or (for
            ``align="maximum"``) whose Fourier fit is ill-posed.
        """
        return self._transform(self._check_transform(X))

    def _transform(self, X: pd.DataFrame) -> pd.DataFrame:
        time, offsets = flatten(X["time"].to_numpy())
        lengths = np.diff(offsets)
        period = np.repeat(X["period"].to_numpy(dtype=np.float64), lengths)
        if "epoch" in X.columns:
            # align="maximum" does not need the epoch: a missing one folds at 0
            epoch = np.nan_to_num(X["epoch"].to_numpy(dtype=np.float64), nan=0.0, posinf=0.0, neginf=0.0)
            epoch = np.repeat(epoch, lengths)
        else:
            epoch = 0.0
        phase = fold_phase(time, period, epoch)
        if self.align == "epoch":
            return reorder_by_phase(X, phase, offsets, {"time": time})

        mag, _ = flatten(X["mag"].to_numpy())
        coefs, info = fit_fourier(phase, mag, offsets, self.order, return_info=True)
        if not info.ok.all():
            bad = X.index[~info.ok]
            raise ValueError(
                f"PhaseFolder(align={self.align!r}): the order-{self.order} Fourier fit is ill-posed "
                f"(phases too clumped) for source_id(s) {list(bad[:10])}"
                + (f" and {len(bad) - 10} more" if len(bad) > 10 else "")
                + "; lower `order` or drop these stars"
            )
        if self.align == "first_phase":
            # a1 sin + b1 cos = A1 sin(2 pi (phase + phi1 / 2 pi)), phi1 = atan2(b1, a1) (rrlsk.fourier)
            shift = -np.arctan2(coefs[:, 2], coefs[:, 1]) / (2.0 * np.pi)
        else:
            grid = np.arange(_N_SEARCH) / _N_SEARCH
            shift = np.empty(len(X))
            for lo in range(0, len(X), CHUNK_STARS):
                curves = evaluate_fourier(coefs[lo : lo + CHUNK_STARS], grid)
                shift[lo : lo + CHUNK_STARS] = grid[np.argmin(curves, axis=1)]
        phase = phase - np.repeat(shift, lengths)
        phase -= np.floor(phase)
        phase[phase >= 1.0] = 0.0
        out = reorder_by_phase(X, phase, offsets, {"time": time, "mag": mag})
        out["phase_shift"] = shift
        return out

