"""Regression metrics of the paper and their scikit-learn scorers.

All errors are in the units of the label, dex for [Fe/H]. With residuals
``e = y_pred - y_true`` and weights ``w``:

* ``rmse = sqrt(mean(e**2))``, ``mae = mean(|e|)``, ``medae = median(|e|)``,
  ``r2 = 1 - sum(e**2) / sum((y_true - mean(y_true))**2)``;
* ``wrmse = sqrt(sum(w e**2) / sum(w))``, ``wmae = sum(w |e|) / sum(w)``,
  ``wr2 = 1 - sum(w e**2) / sum(w (y_true - ybar_w)**2)`` with the weighted
  mean ``ybar_w = sum(w y_true) / sum(w)``.

The paper weights its *evaluation* by the label errors,
``w = 1 / sigma_[Fe/H]**2`` (:func:`evaluation_weights`), and its *training*
by the inverse label density (:func:`rrlsk.density_weights`). These are two
different arrays. scikit-learn routes them to the right places with
metadata routing::

    import sklearn
    sklearn.set_config(enable_metadata_routing=True)
    model = rrlsk.metrics.route_weights(pipe)        # final step fits with train_weight
    search = GridSearchCV(model, grid, cv=cv, refit="wrmse",
                          scoring=rrlsk.metrics.scorers(eval_weight=True))
    search.fit(X, y, train_weight=w_density, eval_weight=w_eval)

``cross_validate(model, X, y, scoring=scorers(eval_weight=True),
params={"train_weight": w_density, "eval_weight": w_eval})`` works the same
way. Without evaluation weights (and without routing), ``scorers()`` gives
the unweighted scorers only, which work with the legacy
``fit(X, y, step__sample_weight=w)`` style. :func:`rrlsk.evaluation.cross_validate_report`
needs none of this: it takes both arrays directly.
"""

from __future__ import annotations

import numpy as np
import sklearn
from sklearn.metrics import (
    make_scorer,
    mean_absolute_error,
    median_absolute_error,
    r2_score,
    root_mean_squared_error,
)

from .base.predict import final_estimator
from .base.validation import check_labels, check_weights

__all__ = [
    "r2",
    "rmse",
    "mae",
    "medae",
    "wr2",
    "wrmse",
    "wmae",
    "evaluation_weights",
    "scorers",
    "route_weights",
    "METRICS",
    "UNWEIGHTED",
    "WEIGHTED",
]

#: Names of the unweighted metrics, in the paper's order.
UNWEIGHTED = ("r2", "rmse", "mae", "medae")
#: Names of the weighted metrics.
WEIGHTED = ("wr2", "wrmse", "wmae")

_ROUTING_HINT = "run sklearn.set_config(enable_metadata_routing=True) first"


def _check(y_true, y_pred, sample_weight=None, *, name: str):
    t = check_labels(y_true, name=f"{name}: y_true")
    if t.size == 0:
        raise ValueError(f"{name}: no samples")
    p = check_labels(y_pred, len(t), name=f"{name}: y_pred", against="y_true")
    return t, p, check_weights(sample_weight, len(t), name=f"{name}: sample_weight")


def rmse(y_true, y_pred, sample_weight=None) -> float:
    """Root mean squared error, optionally weighted (dex for [Fe/H]).

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,)
        True and predicted labels.
    sample_weight : array-like of shape (n_samples,), optional
        Weights ``w``; the result is then ``sqrt(sum(w e**2) / sum(w))``.

    Returns
    -------
    float
        The RMSE, in the units of the labels.
    """
    t, p, w = _check(y_true, y_pred, sample_weight, name="rmse")
    return float(root_mean_squared_error(t, p, sample_weight=w))


def mae(y_true, y_pred, sample_weight=None) -> float:
    """Mean absolute error, optionally weighted: ``sum(w |e|) / sum(w)`` (dex).

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,)
        True and predicted labels.
    sample_weight : array-like of shape (n_samples,), optional
        Weights ``w``.

    Returns
    -------
    float
        The MAE, in the units of the labels.
    """
    t, p, w = _check(y_true, y_pred, sample_weight, name="mae")
    return float(mean_absolute_error(t, p, sample_weight=w))


def medae(y_true, y_pred) -> float:
    """Median absolute error (dex); robust to a few catastrophic stars.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,)
        True and predicted labels.

    Returns
    -------
    float
        The median absolute error, in the units of the labels.
    """
    t, p, _ = _check(y_true, y_pred, name="medae")
    return float(median_absolute_error(t, p))


def r2(y_true, y_pred, sample_weight=None) -> float:
    """Coefficient of determination, optionally weighted (dimensionless).

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,)
        True and predicted labels.
    sample_weight : array-like of shape (n_samples,), optional
        Weights ``w``; the total sum of squares is then taken about the
        weighted mean of ``y_true``.

    Returns
    -------
    float
        1 for a perfect prediction, 0 for predicting the (weighted) mean;
        ``nan`` when ``y_true`` is constant.
    """
    t, p, w = _check(y_true, y_pred, sample_weight, name="r2")
    with np.errstate(divide="ignore", invalid="ignore"):
        score = r2_score(t, p, sample_weight=w, force_finite=False)
    # a constant y_true gives -inf or nan: undefined either way
    return float(score) if np.isfinite(score) else float("nan")


def _require(sample_weight, name: str):
    if sample_weight is None:
        raise ValueError(
            f"{name} needs sample_weight (evaluation weights 1 / feh_error**2); "
            "with scorers(eval_weight=True), pass eval_weight=... to fit / params"
        )
    return sample_weight


# The weighted metrics share one docstring, filled in after their definitions.
_WEIGHTED_DOC = """{summary}; weights required.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,)
        True and predicted labels.
    sample_weight : array-like of shape (n_samples,)
        Evaluation weights ``w`` (``1 / feh_error**2``); None is an error.

    Returns
    -------
    float
        :func:`{base}` with the weights, {unit}.
    """


def wrmse(y_true, y_pred, sample_weight=None) -> float:
    return rmse(y_true, y_pred, _require(sample_weight, "wrmse"))


def wmae(y_true, y_pred, sample_weight=None) -> float:
    return mae(y_true, y_pred, _require(sample_weight, "wmae"))


def wr2(y_true, y_pred, sample_weight=None) -> float:
    return r2(y_true, y_pred, _require(sample_weight, "wr2"))


wrmse.__doc__ = _WEIGHTED_DOC.format(
    summary="Weighted RMSE, ``sqrt(sum(w e**2) / sum(w))`` (dex)", base="rmse", unit="dex for [Fe/H]"
)
wmae.__doc__ = _WEIGHTED_DOC.format(summary="Weighted MAE, ``sum(w |e|) / sum(w)`` (dex)", base="mae", unit="dex for [Fe/H]")
wr2.__doc__ = _WEIGHTED_DOC.format(
    summary="Weighted R^2 about the weighted mean of ``y_true``", base="r2", unit="dimensionless"
)


#: Metric name -> (function, greater is better).
METRICS = {
    "r2": (r2, True),
    "rmse": (rmse, False),
    "mae": (mae, False),
    "medae": (medae, False),
    "wr2": (wr2, True),
    "wrmse": (wrmse, False),
    "wmae": (wmae, False),
}


def evaluation_weights(feh_error) -> np.ndarray:
    """Evaluation weights ``1 / feh_error**2`` of the paper's weighted metrics.

    Parameters
    ----------
    feh_error : array-like of shape (n_samples,)
        1-sigma error of each label, dex (``sample_info["feh_error"]``). A
        ``pandas.Series`` indexed by ``source_id`` lets errors name stars.

    Returns
    -------
    ndarray of float64, shape (n_samples,)
        Weights in dex**-2.
    """
    sigma = check_weights(feh_error, name="feh_error", strictly_positive=True)
    return 1.0 / sigma**2


def _routing_enabled() -> bool:
    return bool(sklearn.get_config().get("enable_metadata_routing", False))


def scorers(eval_weight: bool | str = False) -> dict:
    """Build the scorers for ``GridSearchCV(scoring=...)`` and ``cross_validate``.

    Errors are negated (``make_scorer(greater_is_better=False)``), so that
    every score is better when larger: ``refit="wrmse"`` picks the smallest
    wRMSE, and ``cv_results_["mean_test_rmse"]`` holds ``-RMSE``. Being
    several scorers, ``GridSearchCV`` needs ``refit`` set to one of the
    names (or ``False``).

    Parameters
    ----------
    eval_weight : bool or str, default=False
        ``False``: the unweighted scorers ``r2``, ``rmse``, ``mae``,
        ``medae``; no routing needed. ``True``: those plus ``wr2``,
        ``wrmse``, ``wmae``, whose ``sample_weight`` is requested under the
        name ``"eval_weight"`` (a string picks another name); needs
        metadata routing enabled, and ``eval_weight=...`` passed to
        ``fit`` (``GridSearchCV``) or ``params`` (``cross_validate``).

    Returns
    -------
    dict of str to scorer
        Metric name -> scorer (errors negated).
    """
    if not isinstance(eval_weight, (bool, str)) or eval_weight == "":
        raise ValueError(f"eval_weight must be a bool or a non-empty name, got {eval_weight!r}")
    names = UNWEIGHTED
    if eval_weight:
        if not _routing_enabled():
            raise RuntimeError(f"weighted scorers need scikit-learn metadata routing: {_ROUTING_HINT}")
        names = UNWEIGHTED + WEIGHTED
    alias = "eval_weight" if eval_weight is True else eval_weight
    out = {}
    for name in names:
        function, greater = METRICS[name]
        scorer = make_scorer(function, greater_is_better=greater)
        if name in WEIGHTED:
            scorer = scorer.set_score_request(sample_weight=alias)
        out[name] = scorer
    return out


def route_weights(estimator, train_weight: str = "train_weight"):
    """Make ``estimator`` fit with the routed training weights.

    Sets ``set_fit_request(sample_weight=train_weight)`` on the final step
    (through nested ``Pipeline`` objects), so that ``fit(X, y,
    train_weight=w)`` under ``GridSearchCV`` or ``cross_validate`` reaches
    that step's ``sample_weight``. Needs metadata routing enabled.

    Parameters
    ----------
    estimator : estimator or Pipeline
        Modified in place.
    train_weight : str, default="train_weight"
        Name under which the training weights are passed.

    Returns
    -------
    estimator
        The same object, for chaining.
    """
    if not _routing_enabled():
        raise RuntimeError(f"route_weights needs scikit-learn metadata routing: {_ROUTING_HINT}")
    final = final_estimator(estimator)
    if not hasattr(final, "set_fit_request"):
        raise ValueError(f"{type(final).__name__}.fit does not accept sample_weight")
    final.set_fit_request(sample_weight=train_weight)
    return estimator
