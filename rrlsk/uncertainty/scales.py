"""The arithmetic of per-star scales: normal quantiles, the default
difficulty model and the interpolation between difficulty quantiles.

Public so that studies of the calibration (``benchmarks/calibration_variants.py``)
build their variants from the same pieces as :class:`~rrlsk.uncertainty.CalibratedRegressor`.
"""

from __future__ import annotations

import math
import numbers

import numpy as np
from scipy.special import ndtri
from sklearn.ensemble import HistGradientBoostingRegressor
from threadpoolctl import threadpool_limits

from ..domain import curve_features

__all__ = ["ONE_SIGMA", "abs_normal_quantile", "default_difficulty_model", "one_thread"]

#: Share of a normal distribution within one standard deviation of its mean:
#: ``pred +- std`` is the central interval of this confidence.
ONE_SIGMA = math.erf(1.0 / math.sqrt(2.0))

#: The smallest calibrated factor with label errors, as a share of the factor without them.
_FACTOR_FLOOR = 0.1


def abs_normal_quantile(quantile: float) -> float:
    """The ``quantile`` of ``|N(0, 1)|``.

    Parameters
    ----------
    quantile : float
        In (0, 1).

    Returns
    -------
    float
        The share ``quantile`` of a normal distribution lies within this
        many standard deviations of its mean (0.674 for the median).
    """
    return float(ndtri(0.5 + quantile / 2.0))


def default_difficulty_model(loss: str = "absolute_error") -> HistGradientBoostingRegressor:
    """The difficulty model :class:`~rrlsk.uncertainty.CalibratedRegressor` fits by default.

    A shallow gradient-boosted tree model of the absolute residual on
    :func:`rrlsk.domain.curve_features` and the prediction. The median
    (``"absolute_error"``), not the mean, by default: a few wild labels
    (photometric [Fe/H] from a badly fitted phi31) would otherwise set the
    scale of every star.

    Parameters
    ----------
    loss : str, default "absolute_error"
        Loss of :class:`~sklearn.ensemble.HistGradientBoostingRegressor`
        (``"squared_error"`` for a variance target).

    Returns
    -------
    sklearn.ensemble.HistGradientBoostingRegressor
        Unfitted.
    """
    return HistGradientBoostingRegressor(
        loss=loss, max_depth=3, learning_rate=0.05, max_iter=200, min_samples_leaf=100, random_state=0
    )


def one_thread() -> threadpool_limits:
    """A context in which OpenMP runs one thread.

    The difficulty model is small: OpenMP threads only slow it down on a
    busy machine (HistGradientBoosting on 750 stars: 7.2 s with threads,
    0.26 s with one, load average 10 on 2 cores).

    Returns
    -------
    threadpoolctl.threadpool_limits
        Use it as ``with one_thread(): ...``.
    """
    return threadpool_limits(1, user_api="openmp")


def _difficulty_design(X, prediction: np.ndarray) -> np.ndarray:
    return np.column_stack([curve_features(X).to_numpy(), prediction])


def _interpolate(levels: np.ndarray, scales: np.ndarray, confidence: float) -> np.ndarray:
    """Per-star scale of ``confidence``: linear in the confidence between the
    two bracketing levels, the nearest level's outside them.

    ``scales`` has one column per level (sorted ``levels``)."""
    if scales.shape[1] == 1:
        return scales[:, 0]
    upper = int(np.clip(np.searchsorted(levels, confidence), 1, len(levels) - 1))
    share = float(np.clip((confidence - levels[upper - 1]) / (levels[upper] - levels[upper - 1]), 0.0, 1.0))
    return (1.0 - share) * scales[:, upper - 1] + share * scales[:, upper]


def _check_confidence(confidence) -> float:
    if isinstance(confidence, bool) or not isinstance(confidence, numbers.Real) or not 0 < confidence < 1:
        raise ValueError(f"confidence must be a number in (0, 1), got {confidence!r}")
    return float(confidence)
