"""The estimator: a model with per-star, conformally calibrated uncertainties."""

from __future__ import annotations

import math
from numbers import Integral, Real

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, MetaEstimatorMixin, RegressorMixin, clone
from sklearn.model_selection import train_test_split
from sklearn.utils.validation import check_is_fitted

from ..base.constraints import HasMethods, Interval, StrOptions
from ..base.docstrings import fill_doc
from ..base.predict import INTERVAL_DOC, predicts_std
from ..base.validation import check_labels_and_weights, check_params
from ..model_selection import fit_with_sample_weight, take_rows
from ._calibration import _ConformalCalibration
from ._difficulty import _DifficultySpread
from .classical import _ClassicalInterval
from .scales import ONE_SIGMA, _check_confidence

__all__ = ["CalibratedRegressor"]


class CalibratedRegressor(_DifficultySpread, _ConformalCalibration, _ClassicalInterval, MetaEstimatorMixin,
                          RegressorMixin, BaseEstimator):
    """A regressor with per-star, conformally calibrated uncertainties.

    Parameters
    ----------
    estimator : regressor or Pipeline
        The [Fe/H] model (any rrlsk pipeline, or a
        :class:`~rrlsk.ensemble.FoldEnsembleRegressor`); cloned, never
        fitted itself. Its parameters are reachable as ``estimator__...``.
    spread : {"difficulty", "ensemble"}, default "difficulty"
        The per-star scale that calibration stretches (see
        :doc:`accuracy`, "How the calibration works"). ``"ensemble"`` needs an ``estimator`` whose ``predict``
        takes ``return_std``.
    difficulty : regressor, optional
        Model of the absolute out-of-fold residual (dex) for
        ``spread="difficulty"``, on :func:`rrlsk.domain.curve_features`
        plus the prediction. None: a shallow
        :class:`~sklearn.ensemble.HistGradientBoostingRegressor`.
    calibration_size : float, default 0.25
        Share of the training stars held out for calibration; the model
        and the difficulty model are fitted on the rest.
    cv : int or "prefit", default 5
        Folds of the out-of-fold predictions that train the difficulty
        model, when ``estimator`` does not record its own
        (``oof_prediction_`` of a fold ensemble, and with ``degrade`` its
        ``predict_out_of_fold``, which cost no fit). ``"prefit"``:
        ``estimator`` is a :class:`~rrlsk.ensemble.FoldEnsembleRegressor`
        already fitted on the same ``X, y`` (for example assembled with
        :meth:`~rrlsk.ensemble.FoldEnsembleRegressor.from_fitted`); it is
        neither cloned nor refitted, and both the difficulty model and the
        calibration use its out-of-fold predictions, so every residual is
        that of a model that never saw the star. Its fold models predict
        new stars together, more accurately than one of them predicts a
        held-out star, so these intervals err on the wide side.
        ``spread="difficulty"`` only.
    random_state : int or None, default None
        Seed of the calibration split and of the folds.
    difficulty_quantiles : tuple of float, default (0.5,)
        Quantiles of the absolute out-of-fold residual that difficulty
        models predict, each in (0, 1); one model each (``difficulty``,
        with ``loss="quantile"`` and the quantile set, for all but 0.5),
        read as standard deviations through the same quantile of
        ``|N(0, 1)|``. The scale of a confidence is interpolated between
        them (see :doc:`accuracy`): ``(ONE_SIGMA, 0.95)`` follows the
        shape of each star's error distribution at the usual confidences.
        ``spread="difficulty"`` only.
    interval : {"auto", "prediction", "classical"}, default "auto"
        ``"prediction"``: intervals around the model's prediction, for
        stars drawn like the training stars. ``"classical"``: the
        prediction inverted through its fitted line against [Fe/H], and an
        interval that holds at every true [Fe/H] (see :doc:`accuracy`);
        :meth:`predict` then returns the inverted estimate. ``"auto"``:
        classical when :meth:`fit` is given ``y_err`` (falling back to
        prediction intervals, with a warning, where the labels or the model
        cannot support the line), prediction otherwise; ``interval_`` says
        which.
    difficulty_target : {"auto", "abs", "variance"}, default "auto"
        What the difficulty model learns. ``"auto"``: ``"variance"`` when
        :meth:`fit` is given ``y_err`` (with ``spread="difficulty"`` and one
        difficulty quantile), ``"abs"`` otherwise; ``difficulty_target_``
        says which. ``"abs"``: quantiles of the
        absolute out-of-fold residual (``difficulty_quantiles``), from which
        the mean label variance is removed; robust to a few wild labels.
        ``"variance"``: the model's error variance, from each star's squared
        residual less its own label variance (``y_err**2``), unbiased
        whatever each star's label error (``difficulty`` then a regressor
        of the mean; the default one has ``loss="squared_error"``). Needs
        ``y_err``: for labels with errors, best with ``interval="classical"``
        (``docs/accuracy.md``); without label errors a few wild labels would
        set its scale. ``spread="difficulty"`` only.
    degrade : "auto", LightCurveDegrader or None, default "auto"
        Makes degraded copies of the training stars (anything with
        ``degrade(X) -> (X_degraded, info)`` and ``info["origin"]``, the
        position of each copy's star in ``X``) that the difficulty model
        and the calibration also see (see :doc:`accuracy`), so that the
        intervals widen on sparse and faint stars as their errors do; its
        own ``random_state`` seeds the copies. ``"auto"``: one copy of each
        star by ``LightCurveDegrader(random_state=random_state)``, seen by
        the difficulty model only, when the training table can be degraded
        (it has finite ``mag_err``: see
        :func:`rrlsk.degrade.degradation_problem`), none otherwise (real
        archives without point errors): the difficulty model learns how the
        error grows on sparser, fainter curves, while the calibration factor
        (and the line of ``interval="classical"``) come from the held-out
        stars alone, so stars like the training stars keep their coverage.
        A degrader given here: its copies join the calibration as well, for
        a catalogue sparser or fainter than the training stars as a whole
        (``docs/accuracy.md``). None: the training stars only.
        ``degraded_copies_`` says which.

    Attributes
    ----------
    estimator_ : estimator
        The model fitted on the non-calibration stars.
    interval_, difficulty_target_ : str
        The interval and difficulty target used (``"auto"`` resolved).
    degrade_ : LightCurveDegrader or None
        What made the degraded copies (``degrade`` with ``"auto"``
        resolved); None: no copies.
    degraded_copies_ : {"none", "difficulty", "difficulty and calibration"}
        Where the copies were used.
    difficulty_ : estimator
        The fitted difficulty model of the first of ``difficulty_quantiles``
        (``spread="difficulty"`` only).
    difficulty_models_ : list of estimator
        One fitted difficulty model per sorted ``difficulty_quantiles``.
    intercept_, slope_ : float
        The line ``prediction = intercept_ + slope_ [Fe/H]`` that
        ``interval="classical"`` inverts (dex, and dimensionless); 0 and 1
        for ``interval="prediction"``.
    label_variance_ : float
        Mean ``y_err**2`` of the training stars, dex**2, removed from the
        difficulty model's variance (``spread="difficulty"`` only).
    calibration_ : pandas.DataFrame
        One row per calibration star, then one per degraded copy of one:
        ``residual`` (label minus the [Fe/H] estimate, dex), ``scale`` (the uncalibrated per-star scale at one sigma, dex),
        ``label_error`` (dex, 0 without ``y_err``) and ``degraded`` (bool,
        True for a copy).
    calibration_scales_ : ndarray of shape (n_rows, n_quantiles)
        The calibration rows' scales at each difficulty quantile, dex.
    std_factor_ : float
        Calibrated ``std / scale`` (the factor ``k`` at one sigma).

    Notes
    -----
    MAPIE (``mapie.regression.SplitConformalRegressor`` with
    ``StdConformityScore``) computes the same normalised split-conformal
    interval when labels are exact, but is not used: it fixes the
    confidence levels when it is built (``predict_interval`` here takes any
    confidence after fitting), it has no notion of label errors (with
    spectroscopic labels it would calibrate intervals to the noisy labels,
    too wide against the truth, as ``docs/accuracy.md`` measures), and it is not a scikit-learn estimator (no
    ``get_params``), so it could not be cloned or grid-searched anyway. The
    calibration is a single order statistic (:meth:`factor`), the
    conformal quantile ``ceil((n + 1) c) / n``.

    Examples
    --------
    >>> import rrlsk
    >>> X, y, info = rrlsk.datasets.make_gaia_rrab(600, labels="spectroscopic", random_state=0)
    >>> model = CalibratedRegressor(rrlsk.make_pipeline("fourier_linear"), random_state=0)
    >>> model = model.fit(X, y, y_err=info["feh_error"])
    >>> feh, std = model.predict(X.iloc[:3], return_std=True)
    >>> lower, upper = model.predict_interval(X.iloc[:3], confidence=0.95)
    >>> bool((lower < feh - std).all() and (feh + std < upper).all())
    True
    """

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit", "predict"])],
        "spread": [StrOptions({"difficulty", "ensemble"})],
        "difficulty": [None, HasMethods(["fit", "predict"])],
        "calibration_size": [Interval(Real, 0, 1, closed="neither")],
        "cv": [Interval(Integral, 2, None, closed="left"), StrOptions({"prefit"})],
        "random_state": ["random_state"],
        "difficulty_quantiles": ["array-like"],
        "interval": [StrOptions({"auto", "prediction", "classical"})],
        "difficulty_target": [StrOptions({"auto", "abs", "variance"})],
        "degrade": [None, StrOptions({"auto"}), HasMethods(["degrade"])],
    }

    def __init__(
        self,
        estimator,
        *,
        spread: str = "difficulty",
        difficulty=None,
        calibration_size: float = 0.25,
        cv: int = 5,
        random_state: int | None = None,
        difficulty_quantiles: tuple[float, ...] = (0.5,),
        interval: str = "auto",
        difficulty_target: str = "auto",
        degrade="auto",
    ):
        self.estimator = estimator
        self.spread = spread
        self.difficulty = difficulty
        self.calibration_size = calibration_size
        self.cv = cv
        self.random_state = random_state
        self.difficulty_quantiles = difficulty_quantiles
        self.interval = interval
        self.difficulty_target = difficulty_target
        self.degrade = degrade


    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False  # a light-curve table (curve_features reads it), not a 2-D array
        return tags

    def _check_params(self) -> None:
        # scikit-learn's constraints, worded as before they were declared
        check_params(self, {"spread": "be 'difficulty' or 'ensemble'", "calibration_size": "be a fraction in (0, 1)"})
        self._levels()

    def _resolve(self, label_errors: bool) -> tuple[str, str]:
        """``interval`` and ``difficulty_target``, each ``"auto"`` chosen from the inputs.

        With label errors (``y_err``): classical intervals, and the variance
        target where it applies (``spread="difficulty"``, one difficulty
        quantile), the setting that covers the true [Fe/H]
        (``docs/accuracy.md``); without: prediction intervals, absolute
        residuals.
        """
        interval = self.interval
        if interval == "auto":
            interval = "classical" if label_errors else "prediction"
        target = self.difficulty_target
        if target == "auto":
            single = self.spread == "difficulty" and len(self._levels()) == 1
            target = "variance" if label_errors and single else "abs"
        return interval, target

    def fit(self, X, y, sample_weight=None, y_err=None):
        """Fit the model, its difficulty model, and the calibration.

        Parameters
        ----------
        X : light-curve table
            Training stars (index ``source_id``).
        y : array-like of shape (n_stars,)
            [Fe/H] labels, dex.
        sample_weight : array-like of shape (n_stars,), optional
            Training weights of the model (for example density weights);
            calibration counts every star once.
        y_err : array-like of shape (n_stars,), optional
            Standard errors of the labels, dex. Given, the intervals are for
            the true [Fe/H] rather than for a new noisy label.

        Returns
        -------
        self
            The fitted, calibrated regressor.
        """
        self._check_params()
        values, weight = check_labels_and_weights(X, y, sample_weight)
        _, error = check_labels_and_weights(X, y, y_err, weight_name="y_err", all_zero="exact labels need no y_err: leave it out "
                                "(rrlsk train: drop --label-errors)")
        if error is None and self.difficulty_target == "variance" and self.spread == "difficulty":
            raise ValueError(
                "difficulty_target='variance' is for labels with errors: give y_err (without it a few wild "
                "labels, such as photometric [Fe/H] from a badly fitted phi31, would set every star's scale)"
            )
        self.interval_, self.difficulty_target_ = self._resolve(error is not None)
        error = np.zeros_like(values) if error is None else error
        self._check_sizes(len(values))
        rows = np.arange(len(values))
        fit_rows, cal_rows = train_test_split(rows, test_size=self.calibration_size, random_state=self.random_state)
        fit_rows, cal_rows = np.sort(fit_rows), np.sort(cal_rows)
        X_fit, y_fit = take_rows(X, fit_rows), values[fit_rows]
        w_fit = None if weight is None else weight[fit_rows]

        X_copies, origin = self._copies(X)
        fit_copies = np.flatnonzero(np.isin(origin, fit_rows))

        if self.cv == "prefit":
            self.estimator_ = self._prefit_ensemble(len(values))
        else:
            self.estimator_ = fit_with_sample_weight(clone(self.estimator), X_fit, y_fit, w_fit)
        self.intercept_, self.slope_ = 0.0, 1.0
        if self.spread == "ensemble":
            self._check_ensemble()
            if self.interval_ == "classical":
                oof, _ = self._out_of_fold(X_fit, y_fit, w_fit)
                self._fit_line(oof, y_fit, error[fit_rows])
        else:
            self._fit_difficulty(X_fit, y_fit, w_fit, fit_rows, X_copies, origin, fit_copies, values, error)
        calibrated_copies = X_copies if self.degraded_copies_ == "difficulty and calibration" else None
        self._calibrate(X, values, error, cal_rows, calibrated_copies, origin, fit_copies)
        return self

    def _check_sizes(self, n_stars: int) -> None:
        """Refuse, in the user's terms, too few stars to split between the model and the calibration.

        Raises
        ------
        ValueError
            When ``calibration_size`` holds out fewer than 3 stars (a 68 %
            interval needs 3) or leaves fewer stars to fit than the folds
            of the out-of-fold predictions (``cv``, or the estimator's).
        """
        n_cal = math.ceil(self.calibration_size * n_stars)
        folds = [c for c in (self.cv, getattr(self.estimator, "cv", None))
                 if isinstance(c, Integral) and not isinstance(c, bool)]
        need = max(folds, default=1)
        if n_cal < 3 or n_stars - n_cal < need:
            raise ValueError(
                f"{n_stars} stars are too few for calibration_size={self.calibration_size:g}: it holds out {n_cal} "
                f"star(s) for the calibration (a 68 % interval needs at least 3) and leaves {n_stars - n_cal} to fit "
                f"the model on (its {need}-fold out-of-fold predictions need at least {need}); use more stars or "
                "another calibration_size (rrlsk train: --calibration-size, --splits)"
            )

    def _copies(self, X) -> tuple[pd.DataFrame | None, np.ndarray]:
        """``degrade``'s copies of the stars of ``X`` and each one's star (position in ``X``); sets ``degrade_``."""
        self.degrade_ = self.degrade
        self.degraded_copies_ = "difficulty and calibration"
        if isinstance(self.degrade, str):  # "auto": copies for the difficulty model wherever the table allows them
            from ..degrade import LightCurveDegrader, degradation_problem

            can = degradation_problem(X) is None
            self.degrade_ = LightCurveDegrader(random_state=self.random_state) if can else None
            self.degraded_copies_ = "difficulty"
        if self.degrade_ is None:
            self.degraded_copies_ = "none"
            return None, np.empty(0, dtype=np.int64)
        X_copies, info = self.degrade_.degrade(X)
        return X_copies, np.asarray(info["origin"], dtype=np.int64)

    def _prefit_ensemble(self, n_stars: int):
        """The ``cv="prefit"`` estimator, checked: a fitted fold ensemble of these stars."""
        if self.spread != "difficulty":
            raise ValueError("cv='prefit' calibrates on out-of-fold residuals: it needs spread='difficulty'")
        oof = getattr(self.estimator, "oof_prediction_", None)
        if oof is None or not hasattr(self.estimator, "predict_out_of_fold"):
            raise ValueError(
                f"cv='prefit' needs a fitted FoldEnsembleRegressor, got {type(self.estimator).__name__} "
                "(fit it, or assemble it with FoldEnsembleRegressor.from_fitted)"
            )
        if len(oof) != n_stars or not np.isfinite(oof).all():
            raise ValueError(
                f"cv='prefit': the ensemble has out-of-fold predictions of {len(oof)} stars "
                f"({int(np.isfinite(oof).sum())} finite); fit the calibration on the {n_stars} stars it was fitted on, "
                "each in one test fold"
            )
        return self.estimator

    def _check_ensemble(self) -> None:
        if not predicts_std(self.estimator_):
            raise ValueError(
                f"spread='ensemble' needs an estimator whose predict takes return_std "
                f"(e.g. FoldEnsembleRegressor), got {type(self.estimator).__name__}"
            )

    def calibration_info(self) -> dict:
        """What the calibration was done on, as JSON-serialisable values.

        Returns
        -------
        dict
            ``spread``; ``n_calibration`` (held-out stars); ``n_degraded``
            (their degraded copies, 0 without copies in the calibration);
            ``degraded_copies`` (where copies were used: ``"none"``,
            ``"difficulty"`` or ``"difficulty and calibration"``); ``label_errors
            (whether ``y_err`` was given: intervals for the true [Fe/H]);
            ``std_factor`` (calibrated std over the raw scale);
            ``coverage_68`` (share of calibration rows, copies included,
            whose label lies in ``pred +- std``, with their label error
            added in quadrature); ``median_std`` (dex, over the same rows).
        """
        check_is_fitted(self, "calibration_")
        cal = self.calibration_
        std = self.std_factor_ * cal["scale"].to_numpy()
        covered = np.abs(cal["residual"].to_numpy()) <= np.hypot(std, cal["label_error"].to_numpy())
        # models pickled before degraded copies existed have no such column
        n_degraded = int(cal["degraded"].sum()) if "degraded" in cal else 0
        return {
            "spread": self.spread,
            "interval": getattr(self, "interval_", getattr(self, "interval", "prediction")),
            "difficulty_target": self._target(),
            "difficulty_quantiles": [float(level) for level in self._levels()] if hasattr(self, "calibration_scales_") else [0.5],
            "n_calibration": len(cal) - n_degraded,
            "n_degraded": n_degraded,
            "degraded_copies": getattr(self, "degraded_copies_", "difficulty and calibration" if n_degraded else "none"),
            "label_errors": bool((cal["label_error"] > 0).any()),
            "std_factor": float(self.std_factor_),
            "coverage_68": float(covered.mean()),
            "median_std": float(np.median(std)),
            "intercept": float(getattr(self, "intercept_", 0.0)),
            "slope": float(getattr(self, "slope_", 1.0)),
        }

    def factor(self, confidence: float) -> float:
        """Calibrated half-width of the ``confidence`` interval, in scales.

        The smallest ``z k`` such that ``|residual| <= z sqrt(k**2 scale**2 +
        label_error**2)`` for at least ``ceil((n + 1) confidence)`` of the
        ``n`` calibration stars, where ``z`` is the normal quantile of
        ``confidence``, ``scale`` each star's scale of that confidence and
        ``residual`` the label minus the [Fe/H] estimate (the prediction,
        or for ``interval="classical"`` its inversion). Without label
        errors this is the conformal quantile of ``|residual| / scale``.
        With label errors it is never less than a tenth of that quantile
        (:meth:`fit` warns when the floor holds): label errors as large as
        the residuals would otherwise make it 0.

        Parameters
        ----------
        confidence : float
            In (0, 1).

        Returns
        -------
        float
            Half-width of the interval of the true value over the scale.

        Raises
        ------
        ValueError
            When there are too few calibration stars for ``confidence``
            (fewer than ``1 / (1 - confidence) - 1``).
        """
        return max(self._factors(_check_confidence(confidence)))

    def predict(self, X, return_std: bool = False):
        """[Fe/H] and, optionally, its calibrated per-star uncertainty.

        Parameters
        ----------
        X : light-curve table
            Stars to predict.
        return_std : bool, default False
            Also return ``std`` (dex): ``pred +- std`` is the central
            interval of confidence :data:`ONE_SIGMA` (68.3 %).

        Returns
        -------
        pred : ndarray of shape (n_stars,)
            [Fe/H], dex: the model's prediction, or for
            ``interval="classical"`` its inversion ``(prediction -
            intercept_) / slope_``.
        std : ndarray of shape (n_stars,)
            Calibrated standard deviation, dex; only with ``return_std``.
        """
        check_is_fitted(self, "calibration_")
        if not return_std:
            return self._invert(self.estimator_.predict(X))
        return self._estimate_half(X, ONE_SIGMA)

    @fill_doc(interval=INTERVAL_DOC)
    def predict_interval(self, X, confidence: float = 0.68) -> tuple[np.ndarray, np.ndarray]:
        """Central interval of the given confidence for each star.

        Parameters
        ----------
        X : light-curve table
            Stars to predict.
        %(interval)s
        """
        centre, half = self._estimate_half(X, _check_confidence(confidence))
        return centre - half, centre + half
