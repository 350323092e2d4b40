"""How a caller reaches a model's final step and asks it for an uncertainty.

A model is an estimator or a :class:`sklearn.pipeline.Pipeline` (nested or
not) ending in one; what it can give besides [Fe/H] is a fact of its final
step's API: ``predict(X, return_std=True)`` and ``predict_interval``, as
:class:`rrlsk.uncertainty.CalibratedRegressor` has. These helpers read it
in one place, for every caller (the catalogue, the per-type router, the
calibration, the evaluation).
"""

from __future__ import annotations

import inspect

import numpy as np

__all__ = ["final_estimator", "is_calibrated", "predict_with_std", "predicts_std"]


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
    (``models_by_type``, :class:`rrlsk.PerTypeRegressor`) is calibrated when
    one of its models is.

    Parameters
    ----------
    model : estimator or Pipeline
        Read at its :func:`final_estimator`; a router, at each of its models.

    Returns
    -------
    bool
        Whether :func:`predict_with_std` gives it an uncertainty.
    """
    final = final_estimator(model)
    if callable(getattr(final, "models_by_type", None)):
        return any(is_calibrated(m) for m in final.models_by_type().values())
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
