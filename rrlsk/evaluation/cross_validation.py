"""Cross-validate a model (or several) into :class:`~rrlsk.evaluation.CrossValidationReport` s.

:func:`cross_validate_report` fits a clone of the model on every training
split of a cross-validation, scores it on the training rows and on the
held-out (validation) rows, and keeps the out-of-fold predictions.
Weighted metrics use the evaluation weights of each split's own rows, never
weights pooled over splits.
"""

from __future__ import annotations

import time
from collections.abc import Mapping

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from sklearn.base import clone

from .. import metrics as _metrics
from ..base.predict import final_estimator
from ..base.validation import check_labels_and_weights
from ..model_selection import BinnedStratifiedKFold, fit_with_sample_weight, take_rows
from .report import CrossValidationReport

__all__ = ["cross_validate_models", "cross_validate_report"]


def _history(estimator) -> dict | None:
    history = getattr(final_estimator(estimator), "history_", None)
    if not isinstance(history, Mapping):
        return None
    return {key: [float(v) for v in values] for key, values in history.items()}


def _run_split(estimator, X, y, train_weight, train, test, keep: bool):
    start = time.perf_counter()
    weight = None if train_weight is None else train_weight[train]
    fit_with_sample_weight(estimator, take_rows(X, train), y[train], weight)
    fit_time = time.perf_counter() - start
    start = time.perf_counter()
    pred_train = np.asarray(estimator.predict(take_rows(X, train)), dtype=float).reshape(-1)
    pred_test = np.asarray(estimator.predict(take_rows(X, test)), dtype=float).reshape(-1)
    predict_time = time.perf_counter() - start
    return {
        "fit_time": fit_time,
        "predict_time": predict_time,
        "pred_train": pred_train,
        "pred_test": pred_test,
        "history": _history(estimator),
        "estimator": estimator if keep else None,
    }


def _scores(y_true, y_pred, weight) -> dict[str, float]:
    out = {name: _metrics.METRICS[name][0](y_true, y_pred) for name in _metrics.UNWEIGHTED}
    if weight is not None:
        out.update({name: _metrics.METRICS[name][0](y_true, y_pred, weight) for name in _metrics.WEIGHTED})
    return out


def _repeat_of_splits(tests: list[np.ndarray], n: int) -> np.ndarray:
    """Give each split the first repeat in which its rows are still free."""
    taken: list[np.ndarray] = []
    repeats = np.empty(len(tests), dtype=np.int64)
    for s, test in enumerate(tests):
        for r, used in enumerate(taken):
            if not used[test].any():
                break
        else:
            taken.append(np.zeros(n, dtype=bool))
            r = len(taken) - 1
        taken[r][test] = True
        repeats[s] = r
    return repeats


def cross_validate_report(
    estimator,
    X,
    y,
    *,
    cv=5,
    train_weight=None,
    eval_weight=None,
    n_jobs: int | None = None,
    return_estimators: bool = False,
    random_state=None,
) -> CrossValidationReport:
    """Cross-validate one model and report the paper's metrics.

    Parameters
    ----------
    estimator : regressor or Pipeline
        Cloned for every split; never fitted itself.
    X : array-like or light-curve table
        All rows (development sample).
    y : array-like of shape (n_samples,)
        [Fe/H] labels, dex.
    cv : int or splitter, default=5
        An integer ``k`` means ``BinnedStratifiedKFold(k, random_state=random_state)``;
        any splitter with ``split(X, y)`` and ``get_n_splits`` works, e.g.
        :class:`~rrlsk.model_selection.RepeatedBinnedStratifiedKFold`.
    train_weight : array-like of shape (n_samples,), optional
        Training weights (density weights), subset to each split and given
        to the final step's ``fit`` as ``sample_weight``.
    eval_weight : array-like of shape (n_samples,), optional
        Evaluation weights (``1 / feh_error**2``, see
        :func:`rrlsk.metrics.evaluation_weights`); with them the weighted
        metrics wR², wRMSE, wMAE are reported too.
    n_jobs : int, optional
        Splits run in parallel by joblib; ``None`` means 1.
    return_estimators : bool, default=False
        Keep the fitted split models in ``report.estimators``.
    random_state : int, RandomState instance or None, default=None
        Seed of the fold shuffle when ``cv`` is an integer.

    Returns
    -------
    CrossValidationReport
        Per-split metrics, out-of-fold and in-fold predictions.
    """
    values, w_train = check_labels_and_weights(X, y, train_weight, weight_name="train_weight")
    _, w_eval = check_labels_and_weights(X, y, eval_weight, weight_name="eval_weight")
    if isinstance(cv, (int, np.integer)) and not isinstance(cv, bool):
        cv = BinnedStratifiedKFold(int(cv), random_state=random_state)
    elif not (hasattr(cv, "split") and hasattr(cv, "get_n_splits")):
        raise ValueError(f"cv must be an integer or a splitter with a split method, got {cv!r}")
    splits = list(cv.split(X, values))
    if not splits:
        raise ValueError(f"cv {cv!r} produced no splits")
    results = Parallel(n_jobs=n_jobs)(
        delayed(_run_split)(clone(estimator), X, values, w_train, train, test, return_estimators)
        for train, test in splits
    )
    n = len(values)
    tests = [test for _, test in splits]
    repeats = _repeat_of_splits(tests, n)
    oof_columns = np.full((repeats.max() + 1, n), np.nan)
    in_sum, in_count = np.zeros(n), np.zeros(n)
    rows = []
    for s, ((train, test), result) in enumerate(zip(splits, results)):
        oof_columns[repeats[s], test] = result["pred_test"]
        np.add.at(in_sum, train, result["pred_train"])
        np.add.at(in_count, train, 1.0)
        row = {
            "split": s,
            "repeat": int(repeats[s]),
            "n_train": len(train),
            "n_validation": len(test),
            "fit_time": result["fit_time"],
            "predict_time": result["predict_time"],
        }
        for name, rows_idx, pred in (("train", train, result["pred_train"]), ("validation", test, result["pred_test"])):
            scores = _scores(values[rows_idx], pred, None if w_eval is None else w_eval[rows_idx])
            row.update({f"{name}_{metric}": score for metric, score in scores.items()})
        rows.append(row)

    index = getattr(X, "index", None)
    if index is None:
        index = getattr(y, "index", pd.RangeIndex(n))
    oof = pd.DataFrame({"y_true": values}, index=index)
    for r, column in enumerate(oof_columns):
        oof[f"pred_{r}"] = column
    with np.errstate(invalid="ignore"):  # rows never validated (or trained on) stay nan
        oof["pred_mean"] = np.nansum(oof_columns, axis=0) / np.isfinite(oof_columns).sum(axis=0)
        in_fold = pd.DataFrame({"y_true": values, "pred_mean": in_sum / in_count}, index=index)
    if w_eval is not None:
        oof["eval_weight"] = w_eval
        in_fold["eval_weight"] = w_eval
    return CrossValidationReport(
        folds=pd.DataFrame(rows),
        oof=oof,
        in_fold=in_fold,
        histories=[r["history"] for r in results if r["history"] is not None],
        estimators=[r["estimator"] for r in results] if return_estimators else None,
    )


def cross_validate_models(
    estimators: Mapping[str, object],
    X,
    y,
    *,
    cv=5,
    train_weight=None,
    eval_weight=None,
    random_state=None,
    progress: bool = False,
) -> dict[str, CrossValidationReport]:
    """Cross-validate several models on the same data, one report each.

    Parameters
    ----------
    estimators : mapping of str to regressor or Pipeline
        Model name -> model, each cloned for every split (never fitted
        itself); the reports keep this order.
    X : array-like or light-curve table
        All rows (development sample).
    y : array-like of shape (n_samples,)
        [Fe/H] labels, dex.
    cv : int or splitter, default=5
        As in :func:`cross_validate_report`. With an integer
        ``random_state``, or a splitter seeded with one, every model is
        validated on the same folds.
    train_weight : array-like of shape (n_samples,), optional
        Training weights (density weights, see
        :func:`rrlsk.weights.density_weights`), given to every model.
    eval_weight : array-like of shape (n_samples,), optional
        Evaluation weights (``1 / feh_error**2``, dex^-2); with them the
        weighted metrics are reported too.
    random_state : int, RandomState instance or None, default=None
        Seed of the fold shuffle when ``cv`` is an integer.
    progress : bool, default=False
        Show a progress bar over the models (tqdm).

    Returns
    -------
    dict of str to CrossValidationReport
        Model name -> report, ready for :func:`compare` and
        :func:`~rrlsk.evaluation.save_reports`.

    Raises
    ------
    ValueError
        As :func:`cross_validate_report`: bad labels, weights or ``cv``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.dummy import DummyRegressor
    >>> from sklearn.linear_model import Ridge
    >>> from rrlsk.evaluation import compare
    >>> X = np.random.default_rng(0).normal(size=(40, 2))
    >>> y = -1.5 + 0.3 * X[:, 0]
    >>> reports = cross_validate_models({"ridge": Ridge(), "mean": DummyRegressor()}, X, y, cv=4, random_state=0)
    >>> list(reports), compare(reports).summary.shape[0] > 0
    (['ridge', 'mean'], True)
    """
    from tqdm.auto import tqdm

    return {
        name: cross_validate_report(estimator, X, y, cv=cv, train_weight=train_weight, eval_weight=eval_weight,
                                    random_state=random_state)
        for name, estimator in tqdm(estimators.items(), desc="cross-validation", unit="model", disable=not progress)
    }
