"""Split-conformal calibration of the per-star scales: the residuals of the
held-out stars (and of their degraded copies) set the factor that makes
the intervals of each confidence hold."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
from sklearn.utils.validation import check_is_fitted

from ..model_selection import take_rows
from .scales import _FACTOR_FLOOR, ONE_SIGMA, _interpolate, abs_normal_quantile


class _ConformalCalibration:
    """The calibration of a :class:`~rrlsk.uncertainty.CalibratedRegressor`."""

    def _calibrate(self, X, values, error, cal_rows, X_copies, origin, fit_copies) -> None:
        """Calibrate on the held-out stars ``cal_rows`` of ``X`` and on the
        copies of theirs (those of ``X_copies`` not in ``fit_copies``; their
        stars are ``origin``): ``calibration_``, ``calibration_scales_``,
        ``std_factor_``."""
        calibration = [
            self._calibration_rows(take_rows(X, cal_rows), values[cal_rows], error[cal_rows], False, cal_rows)
        ]
        if X_copies is not None:
            cal_copies = np.setdiff1d(np.arange(len(origin)), fit_copies)
            calibration.append(self._calibration_rows(
                take_rows(X_copies, cal_copies), values[origin[cal_copies]], error[origin[cal_copies]], True,
                origin[cal_copies]))
        self.calibration_scales_ = np.vstack([scales for _, scales in calibration])
        self.calibration_ = pd.concat([rows for rows, _ in calibration])
        self.calibration_["scale"] = _interpolate(self._levels(), self.calibration_scales_, ONE_SIGMA)
        self._check_label_errors()
        self.std_factor_ = self.factor(ONE_SIGMA)

    def _calibration_rows(
        self, X, labels: np.ndarray, errors: np.ndarray, degraded: bool, rows: np.ndarray
    ) -> tuple[pd.DataFrame, np.ndarray]:
        """Rows of ``calibration_`` for stars (or copies) the model never
        saw (``scale`` is filled in by :meth:`fit`), and their scales.
        ``rows``: each one's star among the fitted ones (``cv="prefit"``:
        predicted by the fold models that never saw it)."""
        prediction = self.estimator_.predict_out_of_fold(X, rows) if self.cv == "prefit" else None
        estimate, scales = self._predict_scales(X, prediction)
        rows = pd.DataFrame(
            {"residual": labels - estimate, "label_error": errors, "degraded": degraded},
            index=getattr(X, "index", None),
        )
        return rows, scales

    def _check_label_errors(self) -> None:
        """Refuse label errors that explain the residuals on their own; warn where the factor is floored.

        Raises
        ------
        ValueError
            When the label errors alone cover a 68 % interval of the
            calibration labels: the calibration factor would be 0 and every
            standard deviation 0.
        """
        cal = self.calibration_
        if not (cal["label_error"] > 0).any():
            return
        raw, _ = self._factors(ONE_SIGMA)
        if raw == 0.0:
            explained = float(np.mean(np.abs(cal["residual"]) <= cal["label_error"]))
            raise ValueError(
                f"the label errors (y_err) alone cover {explained:.0%} of the calibration stars' labels within "
                f"1 sigma (a 68 % interval needs {ONE_SIGMA:.1%}): they are as large as the model's residuals, so "
                "the model's own error cannot be told apart from them and every uncertainty would be 0. Give "
                "y_err only for independent 1-sigma label noise (spectroscopic [Fe/H] with honest errors); for "
                "photometric labels or overstated errors fit without y_err (rrlsk train: drop --label-errors)"
            )
        floored = [c for c in (ONE_SIGMA, 0.95) if math.ceil((len(cal) + 1) * c) <= len(cal)
                   and self._factors(c)[0] < self._factors(c)[1]]
        if floored:
            warnings.warn(
                f"the label errors (y_err) explain nearly all of the residuals at confidence(s) "
                f"{', '.join(f'{c:.3g}' for c in floored)}: the calibrated uncertainty is held at its floor, "
                f"{_FACTOR_FLOOR:g} times that of a calibration without y_err; check that y_err are independent "
                "1-sigma label errors, not overstated",
                UserWarning, stacklevel=3,
            )

    def _factors(self, confidence: float) -> tuple[float, float]:
        """The factor of :meth:`factor` before its floor, and the floor."""
        check_is_fitted(self, "calibration_")
        cal = self.calibration_
        n = len(cal)
        rank = math.ceil((n + 1) * confidence)
        if rank > n:
            raise ValueError(
                f"{n} calibration stars cannot calibrate a {confidence:g} interval; "
                f"use more stars or a larger calibration_size"
            )
        z = abs_normal_quantile(confidence)
        if hasattr(self, "calibration_scales_"):
            scale = _interpolate(self._levels(), self.calibration_scales_, confidence)
        else:  # pickled before difficulty_quantiles
            scale = cal["scale"].to_numpy()
        residual = np.abs(cal["residual"].to_numpy())
        # each star is covered once k reaches its own threshold
        excess = (residual / z) ** 2 - cal["label_error"].to_numpy() ** 2
        thresholds = np.sqrt(np.maximum(excess, 0.0)) / scale
        raw = z * float(np.partition(thresholds, rank - 1)[rank - 1])
        plain = float(np.partition(residual / scale, rank - 1)[rank - 1])  # the labels' own interval
        return raw, _FACTOR_FLOOR * plain
