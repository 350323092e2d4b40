"""Classical calibration (``interval="classical"``): invert the line that
the predictions follow against the labels, so that the [Fe/H] estimate is
unbiased at every [Fe/H] (Eisenhart 1939; Osborne 1991)."""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.linear_model import HuberRegressor

__all__ = ["inverse_line"]


def inverse_line(prediction: np.ndarray, labels: np.ndarray, errors: np.ndarray) -> tuple[float, float]:
    """``prediction = intercept + slope [Fe/H]``, from noisy labels.

    A Huber fit of the predictions on the labels (robust to a few wild
    labels or predictions) whose slope is divided by the reliability ratio
    ``1 - mean(errors**2) / var(labels)``: regressing on labels with errors
    flattens the slope by that ratio (errors-in-variables; Fuller 1987,
    ch. 1.1). The intercept is the median of ``prediction - slope labels``.

    Parameters
    ----------
    prediction : ndarray of shape (n_stars,)
        Out-of-fold predictions, dex.
    labels : ndarray of shape (n_stars,)
        Their labels, dex.
    errors : ndarray of shape (n_stars,)
        The labels' standard errors, dex (zeros for exact labels).

    Returns
    -------
    intercept : float
        Dex.
    slope : float
        Prediction per dex of [Fe/H].

    Raises
    ------
    ValueError
        When the labels are hardly wider than their errors, or the
        predictions do not follow the labels (no skill to invert).
    """
    reliability = 1.0 - float(np.mean(errors**2)) / float(np.var(labels))
    if not reliability > 0.2:
        raise ValueError(
            f"interval='classical' needs labels spread wider than their errors: the label variance "
            f"{np.var(labels):.3g} dex**2 against a mean squared error of {np.mean(errors**2):.3g} dex**2"
        )
    slope = float(HuberRegressor().fit(labels.reshape(-1, 1), prediction).coef_[0]) / reliability
    if not slope > 0.1:
        raise ValueError(
            f"interval='classical' needs predictions that follow the labels, but their slope against the "
            f"labels is {slope:.3g}: the model has no skill to invert"
        )
    return float(np.median(prediction - slope * labels)), slope


class _ClassicalInterval:
    """The line of :func:`inverse_line` in a :class:`~rrlsk.uncertainty.CalibratedRegressor`."""

    def _fit_line(self, prediction: np.ndarray, labels: np.ndarray, errors: np.ndarray, stacklevel: int = 3) -> None:
        """Fit the classical line (:func:`inverse_line`); with ``interval="auto"``, fall back to
        prediction intervals, with a warning, where the data cannot support it."""
        try:
            self.intercept_, self.slope_ = inverse_line(prediction, labels, errors)
        except ValueError as err:
            if self.interval != "auto":
                raise
            warnings.warn(f"interval='auto' uses prediction intervals: {err}", UserWarning, stacklevel=stacklevel)
            self.interval_ = "prediction"

    def _invert(self, prediction) -> np.ndarray:
        """The [Fe/H] estimate of a model prediction (dex): itself, or for
        ``interval="classical"`` its inversion through the fitted line."""
        prediction = np.asarray(prediction, dtype=np.float64).reshape(-1)
        # models pickled before interval= have no line
        return (prediction - getattr(self, "intercept_", 0.0)) / getattr(self, "slope_", 1.0)

