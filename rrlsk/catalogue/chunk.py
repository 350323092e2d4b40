"""In-memory prediction of one light-curve table, never stopping on bad stars.

Stars dropped while reading or failing the checks are skipped with the
reason; stars the model declines (:func:`rrlsk.base.skip_reasons`) too; the
model's errors fail the culprit stars only (bisection); predicted stars are
flagged by the model's own plausibility checks
(:func:`rrlsk.domain.model_plausibility`). Any model goes through the same
protocol (:mod:`rrlsk.base.predict`): a router of models is one model here.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..base.predict import predict_with_std, skip_reasons
from ..domain import PlausibilityLimits, fitted_parts, model_plausibility
from ..io.stream import DROPPED_COLUMN
from .model import load_fitted

__all__ = ["TableError", "check_table", "predict_chunk", "predict_table"]

#: Light-curve columns a model trained with them needs at prediction time.
_LIGHT_CURVE_COLUMNS = ("time", "mag", "mag_err", "phase", "period", "epoch")


class TableError(ValueError):
    """A problem of the whole light-curve table (a missing column): no star can be predicted.

    Parameters
    ----------
    message : str
        What is wrong.
    missing : sequence of str, optional
        The missing columns (empty for other problems), kept as ``missing``.
    """

    def __init__(self, message: str, missing: Sequence[str] = ()):
        super().__init__(message)
        self.missing = list(missing)


def _model_columns(model) -> list[str]:
    """The light-curve columns the model saw at fit (the first ``feature_names_in_`` inside it), then
    the table columns its per-star scalars read (:class:`rrlsk.preprocessing.PerStarScalars`)."""
    from ..preprocessing.scalars import SCALARS, PerStarScalars

    parts = list(fitted_parts(model))
    seen = next((set(map(str, names)) for names in (getattr(p, "feature_names_in_", None) for p in parts)
                 if names is not None), set())
    scalars = [name for part in parts if isinstance(part, PerStarScalars) for name in part.names
               if name not in SCALARS]
    return list(dict.fromkeys([*(c for c in _LIGHT_CURVE_COLUMNS if c in seen), *scalars]))


def check_table(X: pd.DataFrame, check_kwargs: Mapping[str, Any] | None, model) -> pd.DataFrame:
    """The per-star checks of :func:`rrlsk.preprocessing.check_light_curves`, with the columns the model needs.

    Parameters
    ----------
    X : pandas.DataFrame
        Light-curve table.
    check_kwargs : mapping, optional
        Keyword arguments of the checks.
    model : fitted estimator
        Its columns seen at fit are required besides ``mag`` and ``period``.

    Returns
    -------
    pandas.DataFrame
        The checks' report (``ok``, ``reason``), indexed like ``X``.

    Raises
    ------
    TableError
        When a required column is missing or the checks reject the table.
    """
    from ..preprocessing import check_light_curves

    kwargs = dict(check_kwargs or {})
    kwargs["required"] = list(dict.fromkeys([*kwargs.get("required", ("mag", "period")), *_model_columns(model)]))
    missing = [c for c in kwargs["required"] if c not in X.columns]
    if missing:
        raise TableError(f"light-curve table lacks column(s) {missing} that the model needs "
                         f"(has {[c for c in X.columns if c != DROPPED_COLUMN]})", missing)
    try:
        report = check_light_curves(X, **kwargs)
    except ValueError as err:  # a problem of the table, not of single stars
        raise TableError(str(err)) from err
    return report if report.index.equals(X.index) else report.reindex(X.index)


def _predict_robust(model, X: pd.DataFrame):
    """Predict ``X``; on error bisect so that only the culprit stars fail.

    Returns ``(feh, feh_std, errors)`` where ``errors`` maps the positions of
    failed stars to their error message (their ``feh`` is NaN). One bad star
    among ``n`` costs about ``2 log2(n)`` extra ``predict`` calls.
    """
    feh = np.full(len(X), np.nan)
    std = np.full(len(X), np.nan)
    errors: dict[int, str] = {}
    todo = [(0, len(X))]
    while todo:
        start, stop = todo.pop()
        try:
            feh[start:stop], std[start:stop] = predict_with_std(model, X.iloc[start:stop])
        except Exception as err:  # noqa: BLE001 - any model error fails the culprit only
            if stop - start == 1:
                errors[start] = f"{type(err).__name__}: {err}".strip()
            else:
                middle = (start + stop) // 2
                todo += [(middle, stop), (start, middle)]
    return feh, std, errors


def predict_chunk(model, X: pd.DataFrame, check_kwargs: Mapping[str, Any] | None,
                  limits: PlausibilityLimits | None = None) -> tuple[pd.DataFrame, dict[str, float]]:
    """Predict one table: the prediction table and the time spent, s (``check``, ``model``).

    Stars with a non-empty :data:`rrlsk.io.stream.DROPPED_COLUMN` are
    skipped with that reason; stars failing the checks or declined by the
    model are skipped; the rest are predicted, then flagged by
    :func:`rrlsk.domain.model_plausibility`.

    Raises
    ------
    TableError
        On a problem of the whole table, or when the model fails on every
        star with the same error.
    """
    t0 = time.perf_counter()
    dropped = np.zeros(len(X), dtype=bool)
    reason_dropped = None
    if DROPPED_COLUMN in X.columns:
        reason_dropped = X[DROPPED_COLUMN].fillna("").astype(str).to_numpy(dtype=object)
        dropped = reason_dropped != ""
        X = X.drop(columns=DROPPED_COLUMN)
    report = check_table(X, check_kwargs, model)
    ok = report["ok"].to_numpy(dtype=bool, copy=True)
    reason = report["reason"].fillna("").astype(str).to_numpy(dtype=object)
    declined = skip_reasons(model, X)
    reason = np.where(ok, declined, reason)
    ok &= declined == ""
    if reason_dropped is not None:
        reason[dropped] = reason_dropped[dropped]
        ok &= ~dropped
    t1 = time.perf_counter()
    feh = np.full(len(X), np.nan)
    std = np.full(len(X), np.nan)
    outside = np.zeros(len(X), dtype=bool)
    status = np.where(ok, "ok", "skipped").astype(object)
    good = np.flatnonzero(ok)
    if good.size:
        feh[good], std[good], errors = _predict_robust(model, X.iloc[good])
        if good.size > 1 and len(errors) == good.size and len(set(errors.values())) == 1:
            raise TableError(f"the model failed on every star with the same error ({errors[0]}): the model "
                             "does not take this light-curve table (is it an rrlsk model, trained on such tables?)")
        for position, message in errors.items():
            status[good[position]] = "failed"
            reason[good[position]] = message
        non_finite = good[~np.isfinite(feh[good]) & (status[good] == "ok")]
        status[non_finite] = "failed"
        reason[non_finite] = "model returned a non-finite [Fe/H]"
        predicted = good[status[good] == "ok"]
        if predicted.size:
            flags = model_plausibility(model, X.iloc[predicted], feh[predicted], limits=limits)
            flagged = predicted[flags["flagged"].to_numpy()]
            status[flagged] = "flagged"
            reason[flagged] = flags["reason"].to_numpy()[flags["flagged"].to_numpy()]
            outside[predicted] = flags["outside_training_domain"].to_numpy()
    t2 = time.perf_counter()
    table = pd.DataFrame(
        {"feh": feh, "feh_std": std, "feh_lower": feh - std, "feh_upper": feh + std, "status": status,
         "reason": reason, "outside_training_domain": outside},
        index=pd.Index(X.index.to_numpy(dtype=np.int64), name="source_id"),
    )
    return table, {"check": t1 - t0, "model": t2 - t1}


def predict_table(
    model,
    X: pd.DataFrame,
    *,
    check_kwargs: Mapping[str, Any] | None = None,
    limits: PlausibilityLimits | None = None,
) -> pd.DataFrame:
    """Predict [Fe/H] for an in-memory light-curve table, never stopping on bad stars.

    Parameters
    ----------
    model : fitted estimator or path
        Anything with ``predict(X)`` on a light-curve table, typically
        ``rrlsk.make_pipeline("gru")`` after ``fit``, or a model file (see
        :func:`rrlsk.catalogue.load_fitted`). When it is calibrated (a
        :class:`rrlsk.uncertainty.CalibratedRegressor`), its uncertainty is
        kept. When it carries a training-domain record
        (:func:`rrlsk.domain.find_training_domain`), stars outside it are
        flagged.
    X : pandas.DataFrame
        Light-curve table (index ``source_id``), see ``docs/design.md``.
    check_kwargs : mapping, optional
        Keyword arguments for :func:`rrlsk.preprocessing.check_light_curves`.
    limits : rrlsk.domain.PlausibilityLimits, optional
        Thresholds of the plausibility checks (default: its defaults).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``source_id`` like ``X``, the columns of
        :data:`rrlsk.catalogue.PREDICTION_COLUMNS`: ``feh`` (dex), ``feh_std``,
        ``feh_lower``, ``feh_upper`` (dex: the calibrated standard
        uncertainty and the 68 % interval ``feh -+ feh_std``; NaN for a
        model that is not calibrated), ``status`` (``"ok"``; ``"flagged"`` for
        predicted stars whose input or [Fe/H] is implausible;
        ``"skipped"`` for stars that fail the checks; ``"failed"`` for stars
        on which ``predict`` raised or returned a non-finite value),
        ``reason`` (empty when ok) and ``outside_training_domain``. Stars
        that a model's ``skip_reasons(X)`` declines (for example a
        :class:`rrlsk.PerTypeRegressor` without a model for the star's type)
        are ``"skipped"`` with that reason (:func:`rrlsk.base.skip_reasons`).

    Raises
    ------
    ValueError
        When the table lacks a column that the checks or the model need
        (a problem of the whole table: nothing is predicted).
    """
    model = load_fitted(model)
    table, _ = predict_chunk(model, X, check_kwargs, limits)
    return table
