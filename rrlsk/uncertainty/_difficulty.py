"""The per-star scale that the calibration stretches: a difficulty model
of the out-of-fold residuals (``spread="difficulty"``; one model per
difficulty quantile) or the model's own spread (``spread="ensemble"``)."""

from __future__ import annotations

import math

import numpy as np
from sklearn.base import clone

from ..ensemble import FoldEnsembleRegressor
from ..model_selection import take_rows
from .scales import _difficulty_design, _interpolate, abs_normal_quantile, default_difficulty_model, one_thread


class _DifficultySpread:
    """The scales of a :class:`~rrlsk.uncertainty.CalibratedRegressor`, fitted and predicted."""

    def _target(self) -> str:
        """The difficulty target: chosen at fit, else the parameter ("abs" for models pickled before it existed)."""
        return getattr(self, "difficulty_target_", getattr(self, "difficulty_target", "abs"))

    def _levels(self) -> np.ndarray:
        """The sorted ``difficulty_quantiles`` (one level with ``spread="ensemble"``)."""
        if self.spread == "ensemble":
            return np.array([0.5])
        levels = np.asarray(self.difficulty_quantiles, dtype=np.float64).reshape(-1)
        if not (levels.size and np.all((levels > 0) & (levels < 1)) and np.unique(levels).size == levels.size):
            raise ValueError(
                f"difficulty_quantiles must be distinct numbers in (0, 1), got {self.difficulty_quantiles!r}"
            )
        if getattr(self, "difficulty_target", "abs") == "variance" and levels.size > 1:
            raise ValueError(
                "difficulty_target='variance' models one variance per star, not quantiles: "
                f"leave difficulty_quantiles at (0.5,), got {self.difficulty_quantiles!r}"
            )
        return np.sort(levels)

    def _difficulty_model(self, quantile: float | None):
        """An unfitted difficulty model of the ``quantile`` of the absolute
        residual (None: of the variance, ``difficulty_target="variance"``)."""
        if self.difficulty is not None:
            model = clone(self.difficulty)
        else:
            model = default_difficulty_model("squared_error" if quantile is None else "absolute_error")
        if quantile is None or quantile == 0.5:
            return model
        if not {"loss", "quantile"} <= set(model.get_params()):
            raise ValueError(
                f"difficulty_quantiles other than 0.5 need a difficulty model with 'loss' and 'quantile' "
                f"parameters (such as HistGradientBoostingRegressor), got {type(model).__name__}"
            )
        return model.set_params(loss="quantile", quantile=quantile)

    def _out_of_fold(
        self, X, y, weight, X_copies=None, copy_rows=None, rows=None
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """Out-of-fold predictions of the fit stars and of their copies.

        ``copy_rows`` gives, for each row of ``X_copies``, the position in
        ``X`` of its star. The estimator's own record is used when it has
        one (a fold ensemble's ``oof_prediction_`` and, for copies,
        ``predict_out_of_fold``); otherwise a fold ensemble of ``cv`` clones
        is fitted for the purpose. With ``cv="prefit"``, ``rows`` are the
        positions of ``X``'s stars among those the ensemble was fitted on.
        """
        if self.cv == "prefit":
            oof = self.estimator_.predict_out_of_fold(X, rows)
            copies = None if X_copies is None else self.estimator_.predict_out_of_fold(X_copies, rows[copy_rows])
            return oof, copies
        oof = getattr(self.estimator_, "oof_prediction_", None)
        own = oof is not None and np.isfinite(oof).all()
        if own and X_copies is not None:
            own = hasattr(self.estimator_, "predict_out_of_fold")
        folds = self.estimator_ if own else FoldEnsembleRegressor(
            clone(self.estimator), cv=self.cv, random_state=self.random_state
        ).fit(X, y, weight)
        oof = np.asarray(folds.oof_prediction_, dtype=np.float64)
        if X_copies is None:
            return oof, None
        return oof, np.asarray(folds.predict_out_of_fold(X_copies, copy_rows), dtype=np.float64)

    def _fit_difficulty(self, X_fit, y_fit, w_fit, fit_rows, X_copies, origin, fit_copies, values, error) -> None:
        """Fit the difficulty models (``difficulty_models_``, ``scale_floor_``,
        ``label_variance_``) on the out-of-fold residuals of the fit stars
        ``fit_rows`` and of their copies (``fit_copies`` of ``X_copies``,
        whose stars are ``origin``), and for ``interval="classical"`` the line
        first; ``values`` and ``error`` are every star's label and label error."""
        X_fit_copies = None if X_copies is None else take_rows(X_copies, fit_copies)
        oof, oof_copies = self._out_of_fold(
            X_fit, y_fit, w_fit, X_fit_copies, np.searchsorted(fit_rows, origin[fit_copies]), fit_rows
        )
        if self.interval_ == "classical":
            # with copies in the calibration, the line is that of the stars and their copies, as the
            # catalogue will mix them; copies for the difficulty model alone leave it to the stars
            mixed = oof_copies is not None and getattr(self, "degraded_copies_", "") == "difficulty and calibration"
            on_copies = origin[fit_copies] if mixed else np.zeros(0, dtype=np.int64)
            self._fit_line(
                np.concatenate([oof, oof_copies if mixed else np.zeros(0)]),
                np.concatenate([y_fit, values[on_copies]]),
                np.concatenate([error[fit_rows], error[on_copies]]),
                stacklevel=4,
            )
        if self.interval_ == "classical":  # still, unless "auto" fell back
            # the difficulty model learns the errors of the inverted estimate
            oof = self._invert(oof)
            oof_copies = None if oof_copies is None else self._invert(oof_copies)
        design, residual = _difficulty_design(X_fit, oof), y_fit - oof
        label_error = error[fit_rows]
        if X_fit_copies is not None:
            design = np.vstack([design, _difficulty_design(X_fit_copies, oof_copies)])
            residual = np.concatenate([residual, values[origin[fit_copies]] - oof_copies])
            label_error = np.concatenate([label_error, error[origin[fit_copies]]])
        self.difficulty_models_, floors = [], []
        with one_thread():
            if self._target() == "variance":
                # each star's squared residual less its own label variance: unbiased for the model's
                model = self._difficulty_model(None).fit(design, residual**2 - label_error**2)
                self.difficulty_models_.append(model)
                floors.append(max(0.1 * math.sqrt(max(float(np.median(model.predict(design))), 0.0)), 1e-6))
                self.label_variance_ = 0.0
            else:
                for level in self._levels():
                    model = self._difficulty_model(level).fit(design, np.abs(residual))
                    self.difficulty_models_.append(model)
                    typical = float(np.median(model.predict(design))) / abs_normal_quantile(level)
                    floors.append(max(0.1 * typical, 1e-6))
                self.label_variance_ = float(np.mean(error[fit_rows] ** 2))
        self.difficulty_ = self.difficulty_models_[0]
        self.scale_floor_ = np.array(floors)

    def _predict_scales(self, X, prediction=None) -> tuple[np.ndarray, np.ndarray]:
        """The [Fe/H] estimate (dex; :meth:`_invert`) and the uncalibrated
        per-star scale at each difficulty quantile (dex), shape
        ``(n_stars, n_quantiles)``; of the model's ``prediction`` when given."""
        if self.spread == "ensemble":
            prediction, scale = self.estimator_.predict(X, return_std=True)
            prediction = self._invert(prediction)
            scales = np.asarray(scale, dtype=np.float64).reshape(-1, 1) / getattr(self, "slope_", 1.0)
        else:
            prediction = self._invert(self.estimator_.predict(X) if prediction is None else prediction)
            # models pickled before difficulty_quantiles have one median model
            models = getattr(self, "difficulty_models_", [self.difficulty_])
            levels = self._levels() if hasattr(self, "difficulty_models_") else np.array([0.5])
            design = _difficulty_design(X, prediction)
            floor = np.atleast_1d(self.scale_floor_)
            with one_thread():
                if self._target() == "variance":
                    return prediction, np.sqrt(np.maximum(models[0].predict(design), floor**2)).reshape(-1, 1)
                sigma = np.column_stack([
                    model.predict(design) / abs_normal_quantile(level) for model, level in zip(models, levels)
                ])
            scales = np.sqrt(np.maximum(sigma**2 - self.label_variance_, floor**2))
        return prediction, np.maximum(scales, 1e-9)

    def _estimate_half(self, X, confidence: float) -> tuple[np.ndarray, np.ndarray]:
        """The [Fe/H] estimate and the calibrated half-width of the
        ``confidence`` interval, both dex.

        With several difficulty quantiles, each one's calibrated half-widths
        are sorted per star (the quantile models may cross; rearrangement,
        Chernozhukov, Fernandez-Val & Galichon 2010), so that intervals
        nest. Between two quantiles the half-width is interpolated linearly
        in the confidence; outside them it is the nearest one's on the same
        scale, stretched by the conformal factors.
        """
        estimate, scales = self._predict_scales(X)
        if scales.shape[1] == 1:
            return estimate, self.factor(confidence) * scales[:, 0]
        levels = self._levels()
        factors = np.array([self.factor(level) for level in levels])
        halves = np.sort(scales * factors, axis=1)
        if confidence <= levels[0]:
            return estimate, halves[:, 0] * self.factor(confidence) / factors[0]
        if confidence >= levels[-1]:
            return estimate, halves[:, -1] * self.factor(confidence) / factors[-1]
        return estimate, _interpolate(levels, halves, confidence)
