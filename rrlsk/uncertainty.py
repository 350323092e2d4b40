"""Per-star [Fe/H] uncertainties made honest by conformal calibration.

A model spread is rarely a standard error: the spread of a fold ensemble
(Dekany & Grebel 2022) measures how much the fold models disagree, not how
far the truth is, and is several times too small (``docs/accuracy.md``).
:class:`CalibratedRegressor` turns a per-star *scale* ``s(x)`` into
intervals that hold, by split conformal prediction with a normalised
conformity score ``|y - f(x)| / s(x)`` (Papadopoulos et al. 2002; Lei et al.
2018): the model is fitted on one part of the training stars, and the
scale is stretched on the other part, which the model never saw, until the
intervals cover the wanted share of it. Two scales are offered:

``"difficulty"`` (default)
    a per-star difficulty model: a regressor of the median absolute
    out-of-fold residual (Lei et al. 2018) on what makes a curve hard to
    read, :func:`rrlsk.domain.curve_features` (number of points, mean G,
    point-to-point scatter, amplitude, period) and the prediction itself,
    turned into a standard deviation from which the mean label variance
    (``y_err``) is removed in quadrature. Sparse, faint curves get wide
    intervals because the data say so.
``"ensemble"``
    the spread of a model that returns one, ``predict(X, return_std=True)``
    (a :class:`~rrlsk.ensemble.FoldEnsembleRegressor`).

The scale can only be as wide as the stars it learns from and is
calibrated on: trained on the paper's sample (>= 50 epochs, mostly
G < 18), the difficulty model has never seen a sparse or a faint curve and
gives a 20-epoch, G = 20 star the interval of a good one
(``docs/accuracy.md``, "Accuracy over the whole catalogue"). With
``degrade`` (a :class:`~rrlsk.degrade.LightCurveDegrader`) the difficulty
model and the calibration also see degraded copies of the training stars
(fewer epochs, fainter, noisier; same label and label error):

- the copies of the stars the model is fitted on join the difficulty
  model's training set, each predicted by the fold models that never saw
  its star (out of fold, like the stars' own residuals;
  :meth:`FoldEnsembleRegressor.predict_out_of_fold
  <rrlsk.ensemble.FoldEnsembleRegressor.predict_out_of_fold>`, which a
  fold ensemble records at no extra fit);
- the copies of the calibration stars join the calibration, predicted by
  the model, which never saw their stars.

So no residual comes from a model that trained on the star it was made
from (a copy keeps its star's true curve and label: predicting it with a
model that trained on the star would be as optimistic as a training
error), the difficulty model and the calibration still share no star, and
the calibration keeps all its held-out stars. The conformal quantile then
holds for the mixture of real stars and copies, and in every part of it as
far as the scale follows the difficulty; copies of one star share its
label, so the calibration rests on fewer independent stars than rows.
With ``spread="ensemble"`` only the calibration sees the copies.

The difficulty model predicts the median absolute residual, read as a
standard deviation, and every confidence stretches that one scale: right
when the residuals have the same shape everywhere. Sparse curves have
heavier-tailed errors than well-sampled ones (``docs/accuracy.md``, "In
every bin?"), so their 95 % intervals are too short and the well-sampled
stars' too long. ``difficulty_quantiles`` fits one difficulty model per
quantile of the absolute residual (HistGradientBoosting's quantile loss),
and each is calibrated on its own, so the interval of each of these
confidences holds overall whatever its model. The calibrated half-widths
are sorted per star, so that intervals nest even where two quantile
models cross (rearrangement; Chernozhukov, Fernandez-Val & Galichon 2010),
and interpolated linearly in the confidence between two quantiles; a
confidence outside them takes the nearest quantile's scale, calibrated.

With label errors, removing the *mean* label variance from a quantile of
the absolute residual is exact on average but not star by star: where the
model's own error is small beside the label noise (bright, well-sampled
curves) the difference is mostly noise and the scale too small.
``difficulty_target="variance"`` learns instead the mean of each star's
squared residual less its own label variance, an unbiased estimate of the
model's error variance (the price: a few wild labels would dominate it, so
it is for labels with honest errors, not photometric ones).

Two kinds of interval (``interval``; the default ``"auto"`` takes
``"classical"`` when ``fit`` is given label errors ``y_err``, ``"prediction"``
otherwise):

``"prediction"``
    around the model's prediction: the conformal interval, which holds for
    stars drawn like the calibration stars. A regression model pulls its
    predictions toward the training sample's mean (regression dilution):
    at the metal-poor and metal-rich ends the error has a sign that the
    light curve does not reveal, and there the intervals cover the true
    [Fe/H] less often than the wanted share, and more often near the mean.
``"classical"``
    classical calibration (inverse prediction; Eisenhart 1939, Osborne
    1991): a straight line ``prediction = intercept + slope [Fe/H]`` is
    fitted to the out-of-fold predictions of the fit stars (a Huber fit,
    its slope corrected for the label errors by the reliability ratio
    ``1 - mean(y_err**2) / var(y)``; Fuller 1987) and inverted: the
    [Fe/H] is ``(prediction - intercept) / slope``. The interval around it,
    from a difficulty model of the inverted estimate's own out-of-fold
    errors (larger at the ends of the range, where the model learnt from
    fewer stars), is calibrated on the held-out stars. The estimate is
    unbiased at every [Fe/H] as far as the line describes the model, and
    the intervals hold there, also for a catalogue whose metallicity distribution is not the
    training sample's, at the price of a larger scatter (``1 / slope``) and
    wider intervals. Use it to map metallicity distributions and gradients
    (which prediction intervals would compress) and to trust the ends of
    the range; ``"prediction"`` for the smallest error per star.

Labels with errors (spectroscopic [Fe/H], ``y_err``) widen the residuals
with noise that is not the model's. With ``y_err`` the calibration finds the
scale factor ``k`` for which the label intervals
``f(x) +- z sqrt(k**2 s(x)**2 + y_err**2)`` hold, and reports the interval of
the *true* value, ``f(x) +- z k s(x)`` (exact when the label errors are
Gaussian with the given sigmas); without ``y_err`` this is the plain
normalised split-conformal interval.
"""

from __future__ import annotations

import math
import numbers
import warnings
from numbers import Integral, Real

import numpy as np
import pandas as pd
from scipy.special import ndtri
from sklearn.base import BaseEstimator, MetaEstimatorMixin, RegressorMixin, clone
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.linear_model import HuberRegressor
from sklearn.model_selection import train_test_split
from sklearn.utils.validation import check_is_fitted
from threadpoolctl import threadpool_limits

from .base.constraints import HasMethods, Interval, StrOptions
from .base.predict import predicts_std
from .base.validation import check_labels_and_weights, check_params
from .domain import curve_features
from .ensemble import FoldEnsembleRegressor
from .model_selection import fit_with_sample_weight, take_rows

__all__ = ["ONE_SIGMA", "CalibratedRegressor", "make_calibrated_ensemble"]

#: The smallest calibrated factor with label errors, as a share of the factor without them.
_FACTOR_FLOOR = 0.1

#: Share of a normal distribution within one standard deviation of its mean:
#: ``pred +- std`` is the central interval of this confidence.
ONE_SIGMA = math.erf(1.0 / math.sqrt(2.0))

def _difficulty_design(X, prediction: np.ndarray) -> np.ndarray:
    return np.column_stack([curve_features(X).to_numpy(), prediction])


def _one_thread():
    """The difficulty model is small: OpenMP threads only slow it down on a
    busy machine (HistGradientBoosting on 750 stars: 7.2 s with threads,
    0.26 s with one, load average 10 on 2 cores)."""
    return threadpool_limits(1, user_api="openmp")


def _default_difficulty(loss: str = "absolute_error"):
    # the median, not the mean, by default: a few wild labels (photometric
    # [Fe/H] from a badly fitted phi31) would otherwise set the scale of every star
    return HistGradientBoostingRegressor(
        loss=loss, max_depth=3, learning_rate=0.05, max_iter=200, min_samples_leaf=100, random_state=0
    )


def _abs_normal_quantile(quantile: float) -> float:
    """The ``quantile`` of ``|N(0, 1)|``: the share ``quantile`` of a normal lies within this many sigma."""
    return float(ndtri(0.5 + quantile / 2.0))


def _interpolate(levels: np.ndarray, scales: np.ndarray, confidence: float) -> np.ndarray:
    """Per-star scale of ``confidence``: linear in the confidence between the
    two bracketing levels, the nearest level's outside them.

    ``scales`` has one column per level (sorted ``levels``)."""
    if scales.shape[1] == 1:
        return scales[:, 0]
    upper = int(np.clip(np.searchsorted(levels, confidence), 1, len(levels) - 1))
    share = float(np.clip((confidence - levels[upper - 1]) / (levels[upper] - levels[upper - 1]), 0.0, 1.0))
    return (1.0 - share) * scales[:, upper - 1] + share * scales[:, upper]


def _inverse_line(prediction: np.ndarray, labels: np.ndarray, errors: np.ndarray) -> tuple[float, float]:
    """``prediction = intercept + slope [Fe/H]``, from noisy labels.

    A Huber fit of the predictions on the labels (robust to a few wild
    labels or predictions) whose slope is divided by the reliability ratio
    ``1 - mean(errors**2) / var(labels)``: regressing on labels with errors
    flattens the slope by that ratio (errors-in-variables; Fuller 1987,
    ch. 1.1). The intercept is the median of ``prediction - slope labels``.
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


def _check_confidence(confidence) -> float:
    if isinstance(confidence, bool) or not isinstance(confidence, numbers.Real) or not 0 < confidence < 1:
        raise ValueError(f"confidence must be a number in (0, 1), got {confidence!r}")
    return float(confidence)


class CalibratedRegressor(MetaEstimatorMixin, RegressorMixin, BaseEstimator):
    """A regressor with per-star, conformally calibrated uncertainties.

    Parameters
    ----------
    estimator : regressor or Pipeline
        The [Fe/H] model (any rrlsk pipeline, or a
        :class:`~rrlsk.ensemble.FoldEnsembleRegressor`); cloned, never
        fitted itself. Its parameters are reachable as ``estimator__...``.
    spread : {"difficulty", "ensemble"}, default "difficulty"
        The per-star scale that calibration stretches (see the module
        notes). ``"ensemble"`` needs an ``estimator`` whose ``predict``
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
        them (see the module notes): ``(ONE_SIGMA, 0.95)`` follows the
        shape of each star's error distribution at the usual confidences.
        ``spread="difficulty"`` only.
    interval : {"auto", "prediction", "classical"}, default "auto"
        ``"prediction"``: intervals around the model's prediction, for
        stars drawn like the training stars. ``"classical"``: the
        prediction inverted through its fitted line against [Fe/H], and an
        interval that holds at every true [Fe/H] (see the module notes);
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
    degrade : LightCurveDegrader, optional
        Makes degraded copies of the training stars (anything with
        ``degrade(X) -> (X_degraded, info)`` and ``info["origin"]``, the
        position of each copy's star in ``X``) that the difficulty model
        and the calibration also see (see the module notes); its own
        ``random_state`` seeds the copies. None (default): the training
        stars only.

    Attributes
    ----------
    estimator_ : estimator
        The model fitted on the non-calibration stars.
    interval_, difficulty_target_ : str
        The interval and difficulty target used (``"auto"`` resolved).
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
        "degrade": [None, HasMethods(["degrade"])],
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
        degrade=None,
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

    # ------------------------------------------------------------------
    # fitting
    # ------------------------------------------------------------------

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False  # a light-curve table (curve_features reads it), not a 2-D array
        return tags

    def _check_params(self) -> None:
        # scikit-learn's constraints, worded as before they were declared
        check_params(self, {"spread": "be 'difficulty' or 'ensemble'", "calibration_size": "be a fraction in (0, 1)"})
        self._levels()

    def _target(self) -> str:
        """The difficulty target: chosen at fit, else the parameter ("abs" for models pickled before it existed)."""
        return getattr(self, "difficulty_target_", getattr(self, "difficulty_target", "abs"))

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

    def _fit_line(self, prediction: np.ndarray, labels: np.ndarray, errors: np.ndarray) -> None:
        """Fit the classical line (:func:`_inverse_line`); with ``interval="auto"``, fall back to
        prediction intervals, with a warning, where the data cannot support it."""
        try:
            self.intercept_, self.slope_ = _inverse_line(prediction, labels, errors)
        except ValueError as err:
            if self.interval != "auto":
                raise
            warnings.warn(f"interval='auto' uses prediction intervals: {err}", UserWarning, stacklevel=3)
            self.interval_ = "prediction"

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
            model = _default_difficulty("squared_error" if quantile is None else "absolute_error")
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
            X_fit_copies = None if X_copies is None else take_rows(X_copies, fit_copies)
            oof, oof_copies = self._out_of_fold(
                X_fit, y_fit, w_fit, X_fit_copies, np.searchsorted(fit_rows, origin[fit_copies]), fit_rows
            )
            if self.interval_ == "classical":
                # the line is that of the stars and their copies, as the catalogue will mix them
                on_copies = np.zeros(0, dtype=np.int64) if oof_copies is None else origin[fit_copies]
                self._fit_line(
                    np.concatenate([oof, np.zeros(0) if oof_copies is None else oof_copies]),
                    np.concatenate([y_fit, values[on_copies]]),
                    np.concatenate([error[fit_rows], error[on_copies]]),
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
            with _one_thread():
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
                        typical = float(np.median(model.predict(design))) / _abs_normal_quantile(level)
                        floors.append(max(0.1 * typical, 1e-6))
                    self.label_variance_ = float(np.mean(error[fit_rows] ** 2))
            self.difficulty_ = self.difficulty_models_[0]
            self.scale_floor_ = np.array(floors)

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
        return self

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
        """``degrade``'s copies of the stars of ``X`` and each one's star (position in ``X``)."""
        if self.degrade is None:
            return None, np.empty(0, dtype=np.int64)
        X_copies, info = self.degrade.degrade(X)
        return X_copies, np.asarray(info["origin"], dtype=np.int64)

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

    def _invert(self, prediction) -> np.ndarray:
        """The [Fe/H] estimate of a model prediction (dex): itself, or for
        ``interval="classical"`` its inversion through the fitted line."""
        prediction = np.asarray(prediction, dtype=np.float64).reshape(-1)
        # models pickled before interval= have no line
        return (prediction - getattr(self, "intercept_", 0.0)) / getattr(self, "slope_", 1.0)

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
            with _one_thread():
                if self._target() == "variance":
                    return prediction, np.sqrt(np.maximum(models[0].predict(design), floor**2)).reshape(-1, 1)
                sigma = np.column_stack([
                    model.predict(design) / _abs_normal_quantile(level) for model, level in zip(models, levels)
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

    # ------------------------------------------------------------------
    # calibration and prediction
    # ------------------------------------------------------------------

    def calibration_info(self) -> dict:
        """What the calibration was done on, as JSON-serialisable values.

        Returns
        -------
        dict
            ``spread``; ``n_calibration`` (held-out stars); ``n_degraded``
            (their degraded copies, 0 without ``degrade``); ``label_errors``
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
        z = _abs_normal_quantile(confidence)
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

    def predict_interval(self, X, confidence: float = 0.68) -> tuple[np.ndarray, np.ndarray]:
        """Central interval of the given confidence for each star.

        Parameters
        ----------
        X : light-curve table
            Stars to predict.
        confidence : float, default 0.68
            Wanted coverage, in (0, 1).

        Returns
        -------
        lower : ndarray of shape (n_stars,)
            Lower bound, dex.
        upper : ndarray of shape (n_stars,)
            Upper bound, dex.
        """
        centre, half = self._estimate_half(X, _check_confidence(confidence))
        return centre - half, centre + half


def make_calibrated_ensemble(
    estimator,
    *,
    n_folds: int = 5,
    calibration_size: float = 0.25,
    degrade=None,
    interval: str = "auto",
    difficulty_target: str = "auto",
    random_state: int | None = None,
) -> CalibratedRegressor:
    """A fold ensemble of a model, with calibrated per-star uncertainties.

    What ``rrlsk train --calibrate`` trains: a
    :class:`~rrlsk.ensemble.FoldEnsembleRegressor` of ``n_folds`` clones of
    ``estimator`` inside a :class:`CalibratedRegressor` with the default
    ``spread="difficulty"`` (whose difficulty model learns from the
    ensemble's out-of-fold predictions, at no extra fit).

    Parameters
    ----------
    estimator : regressor or Pipeline
        The [Fe/H] model (for example :func:`rrlsk.make_pipeline`'s); cloned,
        so a fitted model may be given: only its parameters are used.
    n_folds : int, default 5
        Folds of the ensemble, and so the number of fold models.
    calibration_size : float, default 0.25
        Share of the training stars held out for the calibration, in (0, 1).
    degrade : LightCurveDegrader, optional
        Also learn and calibrate the uncertainties on sparser, fainter
        copies of the training stars (see :class:`CalibratedRegressor`);
        for a catalogue with sparser or fainter curves than the training
        stars.
    interval : {"auto", "prediction", "classical"}, default "auto"
        The kind of interval (see :class:`CalibratedRegressor`).
    difficulty_target : {"auto", "abs", "variance"}, default "auto"
        What the difficulty model learns (see :class:`CalibratedRegressor`).
    random_state : int or None, default None
        Seed of the ensemble's folds and of the calibration split.

    Returns
    -------
    CalibratedRegressor
        Unfitted; its ``fit(X, y, sample_weight=..., y_err=...)`` takes
        [Fe/H] labels and their errors in dex, and its
        ``predict(X, return_std=True)`` returns [Fe/H] and its calibrated
        standard deviation, dex.

    See Also
    --------
    CalibratedRegressor : Any model with calibrated uncertainties.

    Examples
    --------
    >>> import rrlsk
    >>> model = make_calibrated_ensemble(rrlsk.make_pipeline("fourier_linear"), n_folds=3, random_state=0)
    >>> type(model.estimator).__name__, model.estimator.cv
    ('FoldEnsembleRegressor', 3)
    """
    ensemble = FoldEnsembleRegressor(clone(estimator), cv=n_folds, random_state=random_state)
    return CalibratedRegressor(
        ensemble, calibration_size=calibration_size, degrade=degrade, interval=interval,
        difficulty_target=difficulty_target, random_state=random_state,
    )
