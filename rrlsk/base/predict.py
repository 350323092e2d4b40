"""How a caller reaches a model's final step and asks it for an uncertainty.

A model is an estimator or a :class:`sklearn.pipeline.Pipeline` (nested or
not) ending in one; what it can give besides [Fe/H] is a fact of its final
step's API: ``predict(X, return_std=True)`` and ``predict_interval``, as
:class:`rrlsk.uncertainty.CalibratedRegressor` has. These helpers read it
in one place, for every caller (the catalogue, the per-type router, the
calibration, the evaluation).

The protocol a model may implement beyond ``predict(X)``, each part
optional and read only here (and, for the last, by
:func:`rrlsk.domain.model_plausibility`):

- ``predict(X, return_std=False)``: with ``return_std=True`` also a
  per-star spread or uncertainty, dex (:func:`predicts_std`);
- ``predict_interval(X, confidence=0.68)``: calibrated bounds, dex; with
  the former it makes the model calibrated (:func:`is_calibrated`);
- ``skip_reasons(X)``: why each star cannot be predicted, ``""`` when it
  can (:func:`skip_reasons`), e.g. a star whose type has no model;
- ``plausibility(X, feh, limits=None)``: the training-domain flags of
  predicted stars (:func:`rrlsk.domain.model_plausibility`).

:class:`rrlsk.PerTypeRegressor` implements all four from its models, so
that a caller treats a router of models as any model.
"""

from __future__ import annotations

import inspect

import numpy as np

from .docstrings import fill_doc

__all__ = ["final_estimator", "is_calibrated", "predict_interval", "predict_with_std", "predicts_std", "skip_reasons"]

#: The ``confidence`` parameter and the Returns section of every
#: ``predict_interval`` (:func:`predict_interval` and the models' methods),
#: for :func:`rrlsk.base.docstrings.fill_doc`.
INTERVAL_DOC = """\
confidence : float, default 0.68
    Wanted coverage, in (0, 1).

Returns
-------
lower : ndarray of shape (n_stars,)
    Lower bound, dex.
upper : ndarray of shape (n_stars,)
    Upper bound, dex.
"""


def final_estimator(model):
    """The estimator that predicts: a pipeline's last step, nested pipelines walked.

    Parameters
    ----------
    model : estimator or Pipeline
        Any object; one with ``steps`` (a list of ``(name, step)``) is
        walked to its last step.

    Returns
    -------
    estimator
        ``model`` itself when it has no steps.

    Examples
    --------
    >>> from sklearn.linear_model import Ridge
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> final_estimator(make_pipeline(StandardScaler(), make_pipeline(Ridge())))
    Ridge()
    """
    while getattr(model, "steps", None):
        model = model.steps[-1][1]
    return model


def predicts_std(model) -> bool:
    """Whether the model's ``predict`` takes ``return_std`` (a spread or an uncertainty).

    Parameters
    ----------
    model : estimator or Pipeline
        Its :func:`final_estimator`'s ``predict`` is read.

    Returns
    -------
    bool
        True for :class:`~rrlsk.ensemble.FoldEnsembleRegressor` (a spread)
        and :class:`~rrlsk.uncertainty.CalibratedRegressor` (an uncertainty).
    """
    predict = getattr(final_estimator(model), "predict", None)
    if not callable(predict):
        return False
    try:
        return "return_std" in inspect.signature(predict).parameters
    except (TypeError, ValueError):  # a builtin or C callable without a signature
        return False


def is_calibrated(model) -> bool:
    """Whether the model gives calibrated uncertainties.

    Calibrated: ``predict(X, return_std=True)`` and ``predict_interval``, as
    :class:`rrlsk.uncertainty.CalibratedRegressor`. A raw model spread (a
    fold ensemble's) is no uncertainty. A router of models
    (:class:`rrlsk.PerTypeRegressor`) has ``predict_interval`` when one of
    its models is calibrated.

    Parameters
    ----------
    model : estimator or Pipeline
        Read at its :func:`final_estimator`.

    Returns
    -------
    bool
        Whether :func:`predict_with_std` gives it an uncertainty.
    """
    final = final_estimator(model)
    return callable(getattr(final, "predict_interval", None)) and predicts_std(final)


def predict_with_std(model, X) -> tuple[np.ndarray, np.ndarray]:
    """[Fe/H] and its calibrated uncertainty where the model gives one.

    Parameters
    ----------
    model : fitted estimator or Pipeline
        Any regressor; its uncertainty is used when :func:`is_calibrated`.
    X : light-curve table or array-like
        Rows to predict.

    Returns
    -------
    mean : ndarray of float64, shape (n_rows,)
        ``model.predict(X)``.
    std : ndarray of float64, shape (n_rows,)
        Its calibrated standard deviation, NaN for a model without one.

    Raises
    ------
    ValueError
        When the model returns other than one value per row.
    """
    if is_calibrated(model):
        mean, std = model.predict(X, return_std=True)
    else:
        mean, std = model.predict(X), np.full(len(X), np.nan)
    mean = np.asarray(mean, dtype=np.float64).reshape(-1)
    std = np.asarray(std, dtype=np.float64).reshape(-1)
    if not len(mean) == len(std) == len(X):
        raise ValueError(f"model.predict returned {len(mean)} values (std: {len(std)}) for {len(X)} rows")
    return mean, std


@fill_doc(interval=INTERVAL_DOC)
def predict_interval(model, X, confidence: float = 0.68) -> tuple[np.ndarray, np.ndarray]:
    """Calibrated bounds of a model's [Fe/H], through a pipeline to its final step.

    Parameters
    ----------
    model : fitted estimator or Pipeline
        A calibrated model (:func:`is_calibrated`); a pipeline's steps before
        its final one transform ``X`` first.
    X : light-curve table or array-like
        Rows to predict, one star each.
    %(interval)s

    Raises
    ------
    ValueError
        When the model is not calibrated.
    """
    if not is_calibrated(model):
        raise ValueError(f"{type(final_estimator(model)).__name__} gives no calibrated interval (no predict_interval)")
    while getattr(model, "steps", None):
        for _, step in model.steps[:-1]:
            if step is not None and step != "passthrough":
                X = step.transform(X)
        model = model.steps[-1][1]
    lower, upper = model.predict_interval(X, confidence=confidence)
    return np.asarray(lower, dtype=np.float64).reshape(-1), np.asarray(upper, dtype=np.float64).reshape(-1)


def skip_reasons(model, X) -> np.ndarray:
    """Why each row cannot be predicted by the model, ``""`` where it can.

    Parameters
    ----------
    model : fitted estimator
        A model that declines some rows declares ``skip_reasons(X)`` (e.g.
        :class:`rrlsk.PerTypeRegressor`: a star whose type has no model);
        any other model takes every row.
    X : light-curve table
        Rows to predict.

    Returns
    -------
    ndarray of object, shape (n_rows,)
        The reason per row (str).
    """
    declared = getattr(model, "skip_reasons", None)
    if not callable(declared):
        return np.full(len(X), "", dtype=object)
    reasons = np.asarray(declared(X), dtype=object).reshape(-1)
    if len(reasons) != len(X):
        raise ValueError(f"{type(model).__name__}.skip_reasons returned {len(reasons)} reasons for {len(X)} rows")
    return reasons
