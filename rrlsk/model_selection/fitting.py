"""One split's rows, and a fit with sample weights through a pipeline."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import sklearn
from sklearn.pipeline import Pipeline

from ..base.validation import check_labels_and_weights

__all__ = ["check_labels", "fit_with_sample_weight", "take_rows"]


def take_rows(X, rows: np.ndarray):
    """The rows of ``X`` at positions ``rows``: one split's part of the data.

    Parameters
    ----------
    X : pandas.DataFrame, pandas.Series or array-like
        Light-curve table (rows by position, index kept) or array whose
        first axis runs over stars.
    rows : ndarray of int
        Positions, for example one split's ``train`` indices.

    Returns
    -------
    pandas.DataFrame, pandas.Series or ndarray
        Same kind as ``X``.
    """
    return X.iloc[rows] if isinstance(X, (pd.DataFrame, pd.Series)) else np.asarray(X)[rows]


def fit_with_sample_weight(estimator, X, y, sample_weight=None):
    """Fit ``estimator`` with ``sample_weight`` given to its final step.

    Works the same whether scikit-learn metadata routing is enabled or not:
    the fit runs with routing off and the weights go, as the legacy fit
    parameter ``last__sample_weight``, to the final step of a ``Pipeline``
    (through nested pipelines), or as ``sample_weight`` to a plain
    estimator. Used to fit one fold's clone in the fold ensembles and the
    cross-validated report.

    Parameters
    ----------
    estimator : estimator or Pipeline
        Fitted in place.
    X : array-like or light-curve table
        Training rows.
    y : array-like of shape (n_samples,)
        Labels.
    sample_weight : array-like of shape (n_samples,), optional
        Training weights (for example density weights); ``None`` fits
        without weights.

    Returns
    -------
    estimator
        The fitted estimator.
    """
    if sample_weight is None:
        return estimator.fit(X, y)
    path = []
    final = estimator
    while isinstance(final, Pipeline):
        name, final = final.steps[-1]
        path.append(name)
    with sklearn.config_context(enable_metadata_routing=False):
        return estimator.fit(X, y, **{"__".join([*path, "sample_weight"]): sample_weight})


def check_labels(X, y, sample_weight=None, **kwargs) -> tuple[np.ndarray, np.ndarray | None]:
    """Validate labels and weights against the rows of ``X`` (deprecated).

    .. deprecated:: 0.2.0
        Two public ``check_labels`` had different signatures; this one is
        :func:`rrlsk.base.check_labels_and_weights` (same arguments, same
        result) and goes in 0.4.0.

    Parameters
    ----------
    X : array-like or light-curve table
        Only its number of rows is used.
    y : array-like of shape (n_samples,)
        Labels, finite.
    sample_weight : array-like of shape (n_samples,), optional
        Weights, finite and non-negative.
    **kwargs
        ``weight_name`` and ``all_zero``, as
        :func:`rrlsk.base.check_labels_and_weights` takes them.

    Returns
    -------
    tuple of (ndarray, ndarray or None)
        The labels and the weights, as flat float64 arrays.
    """
    warnings.warn(
        "rrlsk.model_selection.check_labels is deprecated and goes in 0.4.0; "
        "use rrlsk.base.check_labels_and_weights (same arguments)",
        FutureWarning,
        stacklevel=2,
    )
    return check_labels_and_weights(X, y, sample_weight, **kwargs)
