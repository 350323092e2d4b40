"""Plausibility of a prediction: the training domain and unit-mistake checks.

A valid light curve can still be the wrong input: a period in hours, fluxes
in the ``mag`` column, Julian dates instead of Gaia's time system, a flat or
pure-noise curve, or a star unlike any the model was trained on. The network
then returns a number, and that number is wrong. This module tells such
stars apart, so that :func:`rrlsk.catalogue.predict_catalogue` writes them with
status ``"flagged"`` and the reason, never ``"ok"``:

- :class:`TrainingDomain` is a pass-through pipeline step that records, at
  ``fit``, the range of the training stars' period, amplitude, points per
  curve, mean magnitude, scatter (:func:`curve_features`) and labels.
  :func:`rrlsk.make_pipeline` puts one first in every pipeline; any other
  fitted model can carry one through :func:`record_training_domain`.
- :class:`PlausibilityLimits` holds the unit-mistake thresholds and the
  physical [Fe/H] range, with documented defaults.
- :func:`plausibility` applies both to stars and their predictions;
  :func:`model_plausibility` with the domain a given model carries.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.utils.validation import check_is_fitted

from .base.table import TableTransformer
from .curve_features import FEATURES, _curve_features, _flats, _scalar, curve_features
from .io.gaia import TIME_SYSTEM

__all__ = [
    "FEATURES",
    "PlausibilityLimits",
    "TrainingDomain",
    "curve_features",
    "find_training_domain",
    "fitted_parts",
    "model_plausibility",
    "per_star_scalars",
    "plausibility",
    "record_training_domain",
    "value_ranges",
]

#: Features that cannot be negative: a domain range widened below zero is shown from 0.
NON_NEGATIVE = ("period", "amplitude", "n_points", "scatter")


@dataclass(frozen=True)
class PlausibilityLimits:
    """Thresholds of the plausibility checks (see :func:`plausibility`).

    Parameters
    ----------
    period : (float, float), default (0.1, 2.0)
        Plausible RRab periods, d. Outside: a unit mistake (hours, minutes)
        or not an RRab star.
    max_mag : float, default 30.0
        Brightest-to-faintest limit of a G magnitude, mag. Above it the
        ``mag`` column most likely holds fluxes (e-/s).
    amplitude : (float, float), default (0.0, 3.0)
        Peak-to-peak amplitude (max - min of ``mag``), mag: it must be
        above the first and at most the second. 0 is a constant curve;
        above 3 mag, outliers or wrong units.
    time : (float, float), default (1000.0, 4500.0)
        Transit times, d, in Gaia's system BJD(TCB) - 2455197.5 (Gaia DR3
        spans about 1666 to 2704). Outside: JD, MJD or another offset. An
        ``epoch`` beyond the upper limit (either sign) is JD or MJD too.
    feh : (float, float), default (-4.0, 1.0)
        Physical [Fe/H] range, dex. A prediction outside it is flagged.
    domain_margin : float, default 0.1
        Slack added on each side of every training range, as a fraction of
        that range, before a star counts as outside the training domain.
    """

    period: tuple[float, float] = (0.1, 2.0)
    max_mag: float = 30.0
    amplitude: tuple[float, float] = (0.0, 3.0)
    time: tuple[float, float] = (1000.0, 4500.0)
    feh: tuple[float, float] = (-4.0, 1.0)
    domain_margin: float = 0.1

    def __post_init__(self):
        for name in ("period", "amplitude", "time", "feh"):
            low, high = getattr(self, name)
            if not (np.isfinite(low) and np.isfinite(high) and low < high):
                raise ValueError(f"PlausibilityLimits.{name} must be a finite (low, high) with low < high, "
                                 f"got {getattr(self, name)!r}")
        if not np.isfinite(self.max_mag):
            raise ValueError(f"PlausibilityLimits.max_mag must be finite, got {self.max_mag!r}")
        if not (np.isfinite(self.domain_margin) and self.domain_margin >= 0):
            raise ValueError(f"PlausibilityLimits.domain_margin must be >= 0, got {self.domain_margin!r}")


class TrainingDomain(TableTransformer):
    """Pass-through step that records the domain of the training stars.

    At ``fit`` it records, for each feature of :func:`curve_features`, the
    range of the training stars (between the ``quantiles``), and the range
    of the labels ``y``. ``transform`` returns ``X`` unchanged.
    :func:`plausibility` uses the record to flag stars outside it.

    Parameters
    ----------
    quantiles : (float, float), default (0.001, 0.999)
        Lower and upper quantile of each feature taken as its range, so that
        a handful of odd training stars do not widen the domain.

    Attributes
    ----------
    ranges_ : dict of str to (float, float)
        Feature name -> (low, high), units of :data:`FEATURES`.
    label_range_ : (float, float) or None
        Smallest and largest training label, dex (None without ``y``).
    types_ : list of str or None
        The pulsation types of the training stars (their ``type`` column;
        None without one): a star of another type is outside the domain.
    n_stars_ : int
        Training stars.
    """

    _required = ("mag",)

    def __init__(self, quantiles: tuple[float, float] = (0.001, 0.999)):
        self.quantiles = quantiles

    def fit(self, X, y=None):
        """Record the ranges of the training stars' features and labels.

        Parameters
        ----------
        X : pandas.DataFrame
            Light-curve table.
        y : array-like of shape (n_stars,), optional
            [Fe/H] labels, dex.

        Returns
        -------
        self
            The fitted step (``ranges_``, ``label_range_``, ``n_stars_``).
        """
        low_q, high_q = self.quantiles
        if not 0.0 <= low_q < high_q <= 1.0:
            raise ValueError(f"quantiles must satisfy 0 <= low < high <= 1, got {self.quantiles!r}")
        super().fit(X, y)
        self.ranges_ = value_ranges(curve_features(X)[list(FEATURES)], self.quantiles)
        labels = None if y is None else np.asarray(y, dtype=np.float64).ravel()
        labels = None if labels is None else labels[np.isfinite(labels)]
        self.label_range_ = None if labels is None or not labels.size else (float(labels.min()), float(labels.max()))
        types = _types(X)
        self.types_ = None if types is None else sorted(set(types) - {""}) or None
        self.n_stars_ = len(X)
        return self

    def transform(self, X):
        """Return ``X`` unchanged (the step only records at fit).

        Parameters
        ----------
        X : pandas.DataFrame
            Light-curve table.

        Returns
        -------
        pandas.DataFrame
            ``X`` itself.
        """
        check_is_fitted(self, "ranges_")
        return X

    def _transform(self, X):
        return X


def value_ranges(values: pd.DataFrame, quantiles: tuple[float, float] = (0.001, 0.999)) -> dict:
    """The range of each column of per-star values, between two quantiles of its finite values.

    Parameters
    ----------
    values : pandas.DataFrame
        One row per training star, one column per quantity.
    quantiles : (float, float), default (0.001, 0.999)
        Lower and upper quantile taken as the range.

    Returns
    -------
    dict of str to (float, float)
        Column -> (low, high); columns without a finite value are left out.
    """
    ranges = {}
    for name in values.columns:
        finite = values[name].to_numpy(dtype=np.float64)
        finite = finite[np.isfinite(finite)]
        if finite.size:
            ranges[str(name)] = (float(np.quantile(finite, quantiles[0])), float(np.quantile(finite, quantiles[1])))
    return ranges


def per_star_scalars(model, X: pd.DataFrame) -> list[tuple[str, np.ndarray, tuple[float, float]]]:
    """The per-star scalars a model is fed (``make_pipeline(meta=...)``), for the stars of ``X``.

    The first pipeline among :func:`fitted_parts` with a fitted
    :class:`rrlsk.preprocessing.PerStarScalars` step computes them (its
    steps up to that one); each comes with the training range that step
    recorded.

    Parameters
    ----------
    model : estimator
        A fitted model, pipeline or meta-estimator.
    X : pandas.DataFrame
        Light-curve table of stars the model predicted.

    Returns
    -------
    list of (str, ndarray, (float, float))
        ``("meta <name>", values, (low, high))`` per scalar; empty for a
        model without per-star scalars.
    """
    from .preprocessing.scalars import META_PREFIX, PerStarScalars

    for part in fitted_parts(model):
        for position, (_, step) in enumerate(getattr(part, "steps", None) or []):
            if isinstance(step, PerStarScalars) and hasattr(step, "ranges_"):
                table = part[: position + 1].transform(X)
                return [(f"meta {name}", table[META_PREFIX + name].to_numpy(dtype=np.float64), span)
                        for name, span in step.ranges_.items()]
    return []


def record_training_domain(model, X: pd.DataFrame, y=None):
    """Attach the training domain to a model fitted without a :class:`TrainingDomain` step.

    Parameters
    ----------
    model : fitted estimator
        Any model; gets the attribute ``training_domain_``.
    X : pandas.DataFrame
        The light-curve table it was trained on.
    y : array-like, optional
        Its [Fe/H] labels, dex.

    Returns
    -------
    model
        The same object.
    """
    model.training_domain_ = TrainingDomain().fit(X, y)
    return model


def fitted_parts(model, depth: int = 4):
    """The model and the fitted estimators inside it, outermost first.

    Follows pipeline steps, ``estimator_`` (e.g.
    :class:`rrlsk.uncertainty.CalibratedRegressor`) and ``estimators_``
    (e.g. :class:`rrlsk.ensemble.FoldEnsembleRegressor`), ``depth`` levels
    deep.

    Parameters
    ----------
    model : estimator
        A fitted model, pipeline or meta-estimator.
    depth : int, default 4
        Levels of nesting followed.

    Yields
    ------
    estimator
    """
    yield model
    if depth == 0:
        return
    inner = [step for _, step in getattr(model, "steps", [])]
    inner += [getattr(model, "estimator_", None), *(getattr(model, "estimators_", None) or [])]
    for part in inner:
        if part is not None and not isinstance(part, str):
            yield from fitted_parts(part, depth - 1)


def find_training_domain(model) -> TrainingDomain | None:
    """The training-domain record a fitted model carries, or None.

    The first of :func:`fitted_parts` that is a fitted
    :class:`TrainingDomain` step or has a ``training_domain_`` attribute
    (see :func:`record_training_domain`). For a fold ensemble that is the
    first member's record.

    Parameters
    ----------
    model : estimator
        A fitted model, pipeline or meta-estimator.

    Returns
    -------
    TrainingDomain or None
        The record, or None when the model carries none.
    """
    for part in fitted_parts(model):
        found = getattr(part, "training_domain_", None)
        if isinstance(found, TrainingDomain):
            return found
        if isinstance(part, TrainingDomain) and hasattr(part, "ranges_"):
            return part
    return None


def _types(X: pd.DataFrame) -> np.ndarray | None:
    """Each star's pulsation type from the ``type`` column (``""`` where missing), or None without one."""
    if "type" not in X.columns:
        return None
    return X["type"].astype("string").str.strip().fillna("").to_numpy(dtype=object)


def _join(reasons: np.ndarray, mask: np.ndarray, texts) -> None:
    """Append ``texts`` (one str, or one per star where ``mask``) to ``reasons`` where ``mask``."""
    rows = np.flatnonzero(mask)
    texts = np.broadcast_to(np.asarray(texts, dtype=object), rows.shape)
    for i, text in zip(rows, texts):
        reasons[i] = f"{reasons[i]}; {text}" if reasons[i] else text


def _fmt(values: np.ndarray, unit: str) -> np.ndarray:
    unit = f" {unit}" if unit else ""
    return np.array([f"{v:.4g}{unit}" for v in values], dtype=object)


def plausibility(
    X: pd.DataFrame,
    feh=None,
    *,
    domain: TrainingDomain | None = None,
    limits: PlausibilityLimits | None = None,
    scalars: Sequence[tuple[str, np.ndarray, tuple[float, float]]] = (),
) -> pd.DataFrame:
    """Flag stars whose input or prediction is implausible.

    Parameters
    ----------
    X : pandas.DataFrame
        Light-curve table of stars that passed
        :func:`rrlsk.preprocessing.check_light_curves`.
    feh : array-like of shape (n_stars,), optional
        Predicted [Fe/H], dex.
    domain : TrainingDomain, optional
        The model's training domain (see :func:`find_training_domain`);
        without it only the unit and range checks apply.
    limits : PlausibilityLimits, optional
        Thresholds; default :class:`PlausibilityLimits()`.
    scalars : sequence of (str, ndarray, (float, float)), optional
        Further per-star quantities with their training ranges (see
        :func:`per_star_scalars`), checked like the curve features.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``X``: ``flagged`` (bool), ``outside_training_domain``
        (bool: a feature or the prediction lies outside the training ranges
        widened by ``limits.domain_margin``, or the star's ``type`` is not
        one of the training stars'; False without a ``domain``) and
        ``reason`` (str, ``""`` when not flagged; several reasons joined by
        ``"; "``).
    """
    limits = PlausibilityLimits() if limits is None else limits
    n = len(X)
    reasons = np.full(n, "", dtype=object)
    flat = _flats(X)
    features = _curve_features(X, flat)
    period = features["period"].to_numpy()
    amplitude = features["amplitude"].to_numpy()

    low, high = limits.period
    bad = np.isfinite(period) & ((period < low) | (period > high))
    _join(reasons, bad, "period " + _fmt(period[bad], "d") + f" outside [{low:g}, {high:g}] d for an RRab (hours instead of days?)")
    mags, star = flat("mag")
    too_faint = np.bincount(star, weights=mags > limits.max_mag, minlength=n) > 0
    _join(reasons, too_faint, f"magnitudes above {limits.max_mag:g} (fluxes in the mag column?)")
    low, high = limits.amplitude
    bad = np.isfinite(amplitude) & ((amplitude <= low) | (amplitude > high))
    _join(reasons, bad, "amplitude " + _fmt(amplitude[bad], "mag") + f" outside ({low:g}, {high:g}] mag "
          "(a constant curve, outliers or wrong units?)")
    if "time" in X.columns:
        times, star = flat("time")
        low, high = limits.time
        outside = np.bincount(star, weights=(times < low) | (times > high), minlength=n) > 0
        _join(reasons, outside, f"times outside [{low:g}, {high:g}] d; expected {TIME_SYSTEM} (JD or MJD given?)")
        epoch = _scalar(X, "epoch")  # any value folds, but not one in another time system than the times
        bad = np.isfinite(epoch) & (np.abs(epoch) > high)
        _join(reasons, bad, "epoch " + _fmt(epoch[bad], "d") + f" beyond +-{high:g} d; expected the times' system, "
              f"{TIME_SYSTEM} (JD or MJD given?)")

    predicted = None if feh is None else np.asarray(feh, dtype=np.float64).reshape(-1)
    if predicted is not None:
        low, high = limits.feh
        bad = np.isfinite(predicted) & ((predicted < low) | (predicted > high))
        _join(reasons, bad, "[Fe/H] " + _fmt(predicted[bad], "dex") + f" outside the physical range [{low:g}, {high:g}] dex")

    outside = np.zeros(n, dtype=bool)
    known, types = getattr(domain, "types_", None), _types(X)  # models pickled before types_ have none
    if known and types is not None:
        bad = (types != "") & ~np.isin(types, known)
        texts = [f"outside the training domain: type {t!r}, the model was trained on {', '.join(known)} stars "
                 "(predict it with a model of its type: PerTypeRegressor, rrlsk predict --model-rrc)"
                 for t in types[bad]]
        outside |= bad
        _join(reasons, bad, texts)
    checks = [(name, np.asarray(values, dtype=np.float64), "", span) for name, values, span in scalars]
    if domain is not None:
        checks += [(name, features[name].to_numpy(), FEATURES[name], rng) for name, rng in domain.ranges_.items()]
        if predicted is not None and domain.label_range_ is not None:
            checks.append(("[Fe/H]", predicted, "dex", domain.label_range_))
    for name, values, unit, (low, high) in checks:
        slack = limits.domain_margin * (high - low)
        low, high = low - slack, high + slack
        bad = np.isfinite(values) & ((values < low) | (values > high))
        outside |= bad
        shown_low = max(low, 0.0) if name in NON_NEGATIVE else low  # no value lies below 0 anyway
        _join(reasons, bad, f"outside the training domain: {name} " + _fmt(values[bad], unit)
              + f" not in [{shown_low:.4g}, {high:.4g}]" + (f" {unit}" if unit else ""))
    return pd.DataFrame(
        {"flagged": reasons != "", "outside_training_domain": outside, "reason": reasons.astype(str)},
        index=X.index,
    )


def model_plausibility(model, X: pd.DataFrame, feh, *, limits: PlausibilityLimits | None = None) -> pd.DataFrame:
    """:func:`plausibility` of a model's predictions, against that model's own training domain.

    A model that judges its stars itself declares ``plausibility(X, feh,
    limits=None)`` (e.g. :class:`rrlsk.PerTypeRegressor`: each star against
    its type's model); any other is judged by :func:`plausibility` with
    :func:`find_training_domain` and :func:`per_star_scalars`.

    Parameters
    ----------
    model : fitted estimator
        The model that predicted ``feh``.
    X : pandas.DataFrame
        Light-curve table of the predicted stars.
    feh : array-like of shape (n_stars,)
        Their predicted [Fe/H], dex.
    limits : PlausibilityLimits, optional
        Thresholds; default :class:`PlausibilityLimits()`.

    Returns
    -------
    pandas.DataFrame
        As :func:`plausibility`: ``flagged``, ``outside_training_domain``,
        ``reason``, indexed like ``X``.
    """
    declared = getattr(model, "plausibility", None)
    if callable(declared):
        return declared(X, feh, limits=limits)
    return plausibility(X, feh, domain=find_training_domain(model), limits=limits, scalars=per_star_scalars(model, X))
