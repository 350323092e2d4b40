"""Streamed, resumable [Fe/H] prediction over whole catalogues.

:func:`predict_catalogue` reads light curves chunk by chunk (Parquet or Gaia
archive epoch-photometry files, through :func:`rrlsk.io.iter_light_curves`),
runs a fitted model on each chunk and appends the predictions to an output
directory as it goes, so that memory is bounded by the chunk size and a run
that is killed resumes where it stopped.

Output layout (``output`` is a directory)::

    output/_manifest.json               marks the directory, one entry per run
    output/part-RRRR-CCCCCC.parquet     one file per chunk of run RRRR

    output/_lock                        pid and host of the run in progress

Every input star gets exactly one row, with the columns of
:data:`PREDICTION_COLUMNS`: stars dropped while reading (no valid transit,
no ``vari_rrlyrae`` row, no period) are written as ``skipped`` with the
reason. Every file is written atomically (:func:`rrlsk._atomic.write_atomic`),
so a part either exists whole or not at all. A star is done once it appears
in a part as ``ok`` or ``flagged``; a resumed run skips done stars whatever
its chunk size and tries ``skipped`` and ``failed`` stars again (their newest
row is the one read back). The manifest records a content hash of the
model file, and a resumed run with another model is refused. A second run
into a folder in use is refused at once (``_lock``).
"""

from __future__ import annotations

import hashlib
import inspect
import json
import os
import threading
import time
import warnings
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.dataset as pads
import pyarrow.parquet as pq

from ._atomic import TMP_PREFIX, write_atomic
from ._lock import LOCK_NAME, folder_lock
from .domain import PlausibilityLimits, find_training_domain, fitted_parts, per_star_scalars, plausibility
from .io.stream import DROPPED_COLUMN
from .pretrained import closest_name, is_pretrained_name, load_pretrained
from .pretrained import sha256 as pretrained_sha256

__all__ = [
    "DONE_STATUSES",
    "DROPPED_COLUMN",
    "PREDICTION_COLUMNS",
    "BatchSummary",
    "load_fitted",
    "predict_catalogue",
    "predict_table",
    "read_predictions",
]

#: The prediction table, the one place that defines it: column -> Arrow type.
#: ``source_id`` (int64), ``feh`` (dex), ``feh_std`` (dex) and the 68 %
#: interval ``feh_lower``, ``feh_upper`` (``feh -+ feh_std``, dex) from a
#: calibrated model (NaN otherwise, see :func:`predict_table`), ``status``
#: (``"ok"``; ``"flagged"``: predicted but implausible, see
#: :func:`rrlsk.domain.plausibility`; ``"skipped"``: not predicted, unusable
#: input; ``"failed"``: the model raised or returned a non-finite value),
#: ``reason`` (empty when ok) and ``outside_training_domain`` (bool, see
#: :func:`rrlsk.domain.plausibility`).
_COLUMN_TYPES = {
    "source_id": pa.int64(),
    "feh": pa.float64(),
    "feh_std": pa.float64(),
    "feh_lower": pa.float64(),
    "feh_upper": pa.float64(),
    "status": pa.string(),
    "reason": pa.string(),
    "outside_training_domain": pa.bool_(),
}
PREDICTION_COLUMNS = tuple(_COLUMN_TYPES)
#: Statuses of stars that a resumed run does not predict again.
DONE_STATUSES = ("ok", "flagged")

_SCHEMA = pa.schema(list(_COLUMN_TYPES.items()))
_MANIFEST = "_manifest.json"
_FORMAT = "rrlsk.batch.predictions"
_FORMAT_VERSION = 2


def empty_predictions() -> pd.DataFrame:
    """An empty prediction table with the dtypes of :func:`predict_table`'s output."""
    table = _SCHEMA.empty_table().to_pandas()
    return table.set_index(pd.Index([], dtype="int64", name="source_id")).drop(columns="source_id")


@dataclass(frozen=True)
class BatchSummary:
    """What one call of :func:`predict_catalogue` did.

    Parameters
    ----------
    output : Path
        The output directory.
    n_ok, n_skipped, n_failed : int
        Stars written by this call, by status (skipped includes the stars
        dropped while reading).
    n_already_done : int
        Stars of the source found in the output from earlier runs and not
        predicted again.
    seconds : dict of str to float
        Time spent, s: ``read`` (reading and decoding light curves),
        ``check`` (bad-star checks), ``model`` (``model.predict``), ``write``
        (Parquet parts) and ``wall`` (the whole call). With ``n_jobs > 1``
        ``check`` and ``model`` are summed over worker processes.
    n_flagged : int, default 0
        Stars written by this call with status ``flagged`` (predicted, but
        implausible).
    """

    output: Path
    n_ok: int
    n_skipped: int
    n_failed: int
    n_already_done: int
    seconds: dict[str, float] = field(default_factory=dict)
    n_flagged: int = 0

    @property
    def n_written(self) -> int:
        """Stars written by this call (all statuses)."""
        return self.n_ok + self.n_flagged + self.n_skipped + self.n_failed


# --------------------------------------------------------------------------
# In-memory prediction with bad-star handling
# --------------------------------------------------------------------------


def _final_estimator(model):
    steps = getattr(model, "steps", None)
    return steps[-1][1] if steps else model


def _is_calibrated(model) -> bool:
    """Whether the model (or its final step) gives calibrated uncertainties:
    a ``predict_interval`` method and ``predict(X, return_std=True)``, as
    :class:`rrlsk.uncertainty.CalibratedRegressor`. A raw model spread (a
    fold ensemble's) is not an uncertainty and is not written. A router of
    models (``models_by_type``, :class:`rrlsk.PerTypeRegressor`) is
    calibrated when one of its models is."""
    final = _final_estimator(model)
    if callable(getattr(final, "models_by_type", None)):
        return any(_is_calibrated(m) for m in final.models_by_type().values())
    predict = getattr(final, "predict", None)
    if predict is None or not callable(getattr(final, "predict_interval", None)):
        return False
    try:
        return "return_std" in inspect.signature(predict).parameters
    except (TypeError, ValueError):
        return False


def _predict(model, X: pd.DataFrame, return_std: bool) -> tuple[np.ndarray, np.ndarray]:
    if return_std:
        mean, std = model.predict(X, return_std=True)
        std = np.asarray(std, dtype=np.float64).reshape(-1)
    else:
        mean = model.predict(X)
        std = np.full(len(X), np.nan)
    mean = np.asarray(mean, dtype=np.float64).reshape(-1)
    if mean.shape[0] != len(X) or std.shape[0] != len(X):
        raise ValueError(
            f"model.predict returned {mean.shape[0]} values (std: {std.shape[0]}) "
            f"for {len(X)} stars"
        )
    return mean, std


def _predict_robust(model, X: pd.DataFrame, return_std: bool):
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
            feh[start:stop], std[start:stop] = _predict(model, X.iloc[start:stop], return_std)
        except Exception as err:  # noqa: BLE001 - any model error fails the culprit only
            if stop - start == 1:
                errors[start] = f"{type(err).__name__}: {err}".strip()
            else:
                middle = (start + stop) // 2
                todo += [(middle, stop), (start, middle)]
    return feh, std, errors


def load_fitted(model):
    """The fitted model itself, or the model stored in a file.

    Parameters
    ----------
    model : estimator, path or str
        A fitted estimator (returned as is), the path of a file written by
        :func:`rrlsk.persistence.save_model` or :func:`joblib.dump`, or the
        name of a registered pretrained model (:func:`rrlsk.pretrained.names`;
        a ``str`` that is exactly a registered name means the model, see
        :func:`rrlsk.pretrained.is_pretrained_name`).

    Returns
    -------
    estimator
        The fitted model.

    Raises
    ------
    ValueError
        When the file does not exist or cannot be loaded (naming it), or
        the model has no ``predict``.
    sklearn.exceptions.NotFittedError
        When the model is not fitted.
    """
    from sklearn.utils.validation import check_is_fitted

    if is_pretrained_name(model):
        model = load_pretrained(model)
    elif isinstance(model, (str, os.PathLike)):
        path = Path(model)
        if not path.is_file():
            close = closest_name(str(model))
            hint = f"; did you mean the pretrained model {close!r}?" if close else ""
            raise ValueError(f"{path}: model file not found{hint}")
        import joblib

        from .persistence import load_model, model_info

        try:
            model_info(path)  # reads the header only; ValueError: not save_model's
        except ValueError:
            loader = joblib.load
        else:
            loader = load_model
        try:
            model = loader(path)
        except Exception as err:  # truncated, empty or foreign files raise anything (EOFError, IndexError, ...)
            raise ValueError(
                f"{path}: cannot load the model ({type(err).__name__}: {err}); the file is truncated, "
                "corrupt or not a model file: write it again with rrlsk train or rrlsk.save_model"
            ) from err
    if not hasattr(model, "predict"):
        raise ValueError(f"model must have a predict method, got {type(model).__name__}")
    check_is_fitted(model)
    return model


#: Light-curve columns a model trained with them needs at prediction time.
_LIGHT_CURVE_COLUMNS = ("time", "mag", "mag_err", "phase", "period", "epoch")


class TableError(ValueError):
    """A problem of the whole light-curve table (a missing column): no star can be predicted.

    ``missing`` lists the missing columns (empty for other problems).
    """

    def __init__(self, message: str, missing: Sequence[str] = ()):
        super().__init__(message)
        self.missing = list(missing)


def _model_columns(model) -> list[str]:
    """The light-curve columns the model saw at fit (the first ``feature_names_in_`` inside it), then
    the table columns its per-star scalars read (:class:`rrlsk.preprocessing.PerStarScalars`)."""
    from .preprocessing.scalars import SCALARS, PerStarScalars

    parts = list(fitted_parts(model))
    seen = next((set(map(str, names)) for names in (getattr(p, "feature_names_in_", None) for p in parts)
                 if names is not None), set())
    scalars = [name for part in parts if isinstance(part, PerStarScalars) for name in part.names
               if name not in SCALARS]
    return list(dict.fromkeys([*(c for c in _LIGHT_CURVE_COLUMNS if c in seen), *scalars]))


def _check(X: pd.DataFrame, check_kwargs: Mapping[str, Any] | None, model) -> pd.DataFrame:
    from .preprocessing import check_light_curves

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


def _routes(model, X: pd.DataFrame) -> list[tuple[np.ndarray, Any]]:
    """The positions of the stars of ``X`` that each model predicts, with that model.

    One group for a model; for a router of models by type
    (``models_by_type`` and ``star_types``, :class:`rrlsk.PerTypeRegressor`)
    one per type, so that each star is judged against its own model's
    training domain.
    """
    if not callable(getattr(model, "models_by_type", None)):
        return [(np.arange(len(X)), model)]
    types = model.star_types(X)
    return [(np.flatnonzero(types == name), routed) for name, routed in model.models_by_type().items()]


def _predict_table_timed(model, X, check_kwargs, return_std, limits=None):
    """Predict one table: (prediction table, {"check": s, "model": s}).

    Stars with a non-empty :data:`DROPPED_COLUMN` are skipped with that
    reason; stars failing the checks are skipped; the rest are predicted,
    then flagged by :func:`rrlsk.domain.plausibility`.
    """
    t0 = time.perf_counter()
    dropped = np.zeros(len(X), dtype=bool)
    reason_dropped = None
    if DROPPED_COLUMN in X.columns:
        reason_dropped = X[DROPPED_COLUMN].fillna("").astype(str).to_numpy(dtype=object)
        dropped = reason_dropped != ""
        X = X.drop(columns=DROPPED_COLUMN)
    report = _check(X, check_kwargs, model)
    ok = report["ok"].to_numpy(dtype=bool, copy=True)
    reason = report["reason"].fillna("").astype(str).to_numpy(dtype=object)
    skip_reasons = getattr(model, "skip_reasons", None)  # e.g. PerTypeRegressor: no model for a type
    if skip_reasons is not None:
        unsupported = np.asarray(skip_reasons(X), dtype=object)
        reason = np.where(ok, unsupported, reason)
        ok = ok & (unsupported == "")
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
        feh[good], std[good], errors = _predict_robust(model, X.iloc[good], return_std)
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
        for rows, part in _routes(model, X.iloc[predicted]):
            if not rows.size:
                continue
            stars = predicted[rows]
            flags = plausibility(X.iloc[stars], feh[stars], domain=find_training_domain(part), limits=limits,
                                 scalars=per_star_scalars(part, X.iloc[stars]))
            flagged = stars[flags["flagged"].to_numpy()]
            status[flagged] = "flagged"
            reason[flagged] = flags["reason"].to_numpy()[flags["flagged"].to_numpy()]
            outside[stars] = flags["outside_training_domain"].to_numpy()
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
        :func:`load_fitted`). When it is calibrated (a
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
        :data:`PREDICTION_COLUMNS`: ``feh`` (dex), ``feh_std``,
        ``feh_lower``, ``feh_upper`` (dex: the calibrated standard
        uncertainty and the 68 % interval ``feh -+ feh_std``; NaN for a
        model that is not calibrated), ``status`` (``"ok"``; ``"flagged"`` for
        predicted stars whose input or [Fe/H] is implausible;
        ``"skipped"`` for stars that fail the checks; ``"failed"`` for stars
        on which ``predict`` raised or returned a non-finite value),
        ``reason`` (empty when ok) and ``outside_training_domain``. Stars
        that a model's ``skip_reasons(X)`` declines (for example a
        :class:`rrlsk.PerTypeRegressor` without a model for the star's type)
        are ``"skipped"`` with that reason.

    Raises
    ------
    ValueError
        When the table lacks a column that the checks or the model need
        (a problem of the whole table: nothing is predicted).
    """
    model = load_fitted(model)
    table, _ = _predict_table_timed(model, X, check_kwargs, _is_calibrated(model), limits)
    return table


# --------------------------------------------------------------------------
# Output directory
# --------------------------------------------------------------------------


def _parts(output: Path) -> list[Path]:
    return sorted(output.glob("part-*.parquet"))


def _read_manifest(output: Path) -> dict:
    path = output / _MANIFEST
    try:
        manifest = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as err:
        raise ValueError(f"{output}: not an rrlsk prediction directory ({path}: {err})") from err
    if manifest.get("format") != _FORMAT or manifest.get("version") != _FORMAT_VERSION:
        raise ValueError(
            f"{path}: format {manifest.get('format')!r} version {manifest.get('version')!r}, "
            f"expected {_FORMAT!r} version {_FORMAT_VERSION}"
        )
    return manifest


def _model_identity(model) -> dict:
    """What the manifest records of the model: its file's SHA-256 (a pretrained model's
    shipped files'), or its class."""
    if is_pretrained_name(model):
        return {"file": model, "pretrained": model, "sha256": pretrained_sha256(model)}
    if isinstance(model, (str, os.PathLike)):
        digest = hashlib.sha256()
        with open(model, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        return {"file": os.path.abspath(model), "sha256": digest.hexdigest()}
    return {"class": f"{type(model).__module__}.{type(model).__qualname__}", "sha256": None,
            "content_sha256": content_digest(model)}


def content_digest(model) -> str:
    """SHA-256 of what a fitted model holds, the same for its copies in any process.

    The attributes of the model and of every object inside it, in sorted
    order: numbers, text, arrays and tables by value, a Keras network by its
    weights (its pickled bytes carry a save date), other objects by their
    class and attributes. Two models differ when a parameter, a fitted
    array or a weight differs; a model and its ``joblib`` round trip agree.

    Parameters
    ----------
    model : object
        A fitted model (any Python object).

    Returns
    -------
    str
        The hexadecimal digest.
    """
    digest = hashlib.sha256()
    _digest(model, digest, set())
    return digest.hexdigest()


def _digest(obj, digest, active: set[int]) -> None:
    """Feed ``obj`` into ``digest`` (see :func:`content_digest`); ``active`` guards against cycles."""
    kind = f"{type(obj).__module__}.{type(obj).__qualname__}"
    if obj is None or isinstance(obj, (bool, int, float, complex, str, bytes, np.generic)):
        digest.update(f"{kind}:{obj!r};".encode())
        return
    if id(obj) in active:
        digest.update(b"<cycle>")
        return
    active.add(id(obj))
    digest.update(f"<{kind}>".encode())
    if isinstance(obj, np.ndarray) and obj.dtype != object:
        digest.update(f"{obj.dtype.str}{obj.shape}".encode())
        digest.update(np.ascontiguousarray(obj).tobytes())
    elif isinstance(obj, (pd.DataFrame, pd.Series, pd.Index)):
        for part in (list(getattr(obj, "columns", [])), obj.index.to_numpy(), obj.to_numpy()):
            _digest(part, digest, active)
    elif callable(getattr(obj, "get_weights", None)) and hasattr(obj, "layers"):  # a Keras network
        for weight in obj.get_weights():
            _digest(np.asarray(weight), digest, active)
    elif isinstance(obj, Mapping):
        for key in sorted(obj, key=repr):
            _digest(key, digest, active)
            _digest(obj[key], digest, active)
    elif isinstance(obj, (list, tuple, np.ndarray)):
        for item in obj:
            _digest(item, digest, active)
    elif isinstance(obj, (set, frozenset)):
        for item in sorted(obj, key=repr):
            _digest(item, digest, active)
    elif not kind.startswith(("tensorflow.", "keras.")) and isinstance(getattr(obj, "__dict__", None), dict):
        _digest(vars(obj), digest, active)
    active.discard(id(obj))


def _check_same_model(output: Path, manifest: dict, identity: dict) -> None:
    """Refuse to resume with another model than the earlier runs'."""
    for earlier in manifest["runs"]:
        before = earlier.get("model", {})
        if before.get("sha256") or identity["sha256"]:
            same = before.get("sha256") == identity["sha256"]
        else:  # in-memory models; manifests written before content digests hold the class only
            same = before.get("class") == identity.get("class") and before.get("content_sha256") in (
                None, identity["content_sha256"])
        if same:
            continue
        described = before.get("file") or before.get("class") or "?"
        raise ValueError(
            f"{output}: run {earlier['run']} was made with another model ({described}, sha256 "
            f"{before.get('sha256') or before.get('content_sha256')}) than this one "
            f"({identity.get('file') or identity.get('class')}, sha256 "
            f"{identity['sha256'] or identity['content_sha256']}); resuming would mix two models' "
            "predictions. Use a new output folder, or resume with the same model"
        )


def _open_output(output: Path, source, chunk_size: int, model_identity: dict) -> int:
    """Validate ``output`` (locked by the caller); record this run; return its number."""
    if (output / _MANIFEST).exists():
        manifest = _read_manifest(output)
        _check_same_model(output, manifest, model_identity)
    elif any(p.name not in (_MANIFEST, LOCK_NAME) and not p.name.startswith(TMP_PREFIX) for p in output.iterdir()):
        raise ValueError(f"{output}: directory is not empty and holds no {_MANIFEST}; refusing to write there")
    else:
        manifest = {"format": _FORMAT, "version": _FORMAT_VERSION, "columns": list(PREDICTION_COLUMNS), "runs": []}
    for stale in output.glob(f"{TMP_PREFIX}*"):  # left by a killed run; the lock says none is active
        stale.unlink()
    run = len(manifest["runs"])
    manifest["runs"].append(
        {
            "run": run,
            "started_utc": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "source": [str(s) for s in source] if isinstance(source, (list, tuple)) else str(source),
            "chunk_size": chunk_size,
            "model": model_identity,
        }
    )
    write_atomic(output / _MANIFEST, lambda tmp: tmp.write_text(json.dumps(manifest, indent=1)))
    return run


def _read_parts(output: Path, columns: list[str] | None = None) -> pd.DataFrame:
    """All rows of all parts, oldest part first."""
    parts = _parts(output)
    if not parts:
        return _SCHEMA.empty_table().select(columns or list(PREDICTION_COLUMNS)).to_pandas()
    return pads.dataset(parts, format="parquet", schema=_SCHEMA).to_table(columns=columns).to_pandas()


def _done_ids(output: Path) -> np.ndarray:
    """Sorted source_ids whose newest row is ok or flagged."""
    rows = _read_parts(output, ["source_id", "status"]).drop_duplicates("source_id", keep="last")
    return np.sort(rows.loc[rows["status"].isin(DONE_STATUSES), "source_id"].to_numpy(dtype=np.int64))


def _write_part(path: Path, table: pd.DataFrame) -> None:
    arrow = pa.Table.from_pandas(table.reset_index(), schema=_SCHEMA, preserve_index=False)
    write_atomic(path, lambda tmp: pq.write_table(arrow, tmp))


def read_predictions(output: str | os.PathLike) -> pd.DataFrame:
    """Read the combined predictions written by :func:`predict_catalogue`.

    Parameters
    ----------
    output : path
        The output directory of :func:`predict_catalogue`.

    Returns
    -------
    pandas.DataFrame
        One row per star, indexed by ``source_id`` (int64) and sorted by it,
        the columns of :data:`PREDICTION_COLUMNS` (without ``source_id``).
        A star retried by a resumed run has its newest row.

    Raises
    ------
    ValueError
        When ``output`` is not a prediction directory, or a star done
        (``ok`` or ``flagged``) was written again (a corrupt folder).
    """
    output = Path(output)
    _read_manifest(output)
    table = _read_parts(output)
    later = table.duplicated("source_id", keep="last")
    redone = table.loc[later & table["status"].isin(DONE_STATUSES), "source_id"].unique()
    if len(redone):
        raise ValueError(f"{output}: star(s) predicted more than once: source_id {list(redone[:10])}")
    table = table.loc[~later].sort_values("source_id", kind="stable")
    table.index = pd.Index(table.pop("source_id").to_numpy(dtype=np.int64), name="source_id")
    return table


# --------------------------------------------------------------------------
# Worker processes (n_jobs > 1)
# --------------------------------------------------------------------------

_WORKER_MODEL = None


def _exit_with_parent(parent: int, interval: float = 1.0) -> None:
    """Exit this worker process as soon as its parent is gone (even after SIGKILL)."""
    while os.getppid() == parent:
        time.sleep(interval)
    os._exit(1)


def _worker_init(model, parent: int) -> None:
    global _WORKER_MODEL
    threading.Thread(target=_exit_with_parent, args=(parent,), daemon=True, name="rrlsk-parent-watch").start()
    _WORKER_MODEL = load_fitted(model)


def _worker_predict(X, check_kwargs, limits):
    return _predict_table_timed(_WORKER_MODEL, X, check_kwargs, _is_calibrated(_WORKER_MODEL), limits)


class _Inline:
    """Same interface as the process pool, predicting in this process."""

    def __init__(self, model):
        self.model = load_fitted(model)
        self.return_std = _is_calibrated(self.model)

    def submit(self, X, check_kwargs, limits):
        return _predict_table_timed(self.model, X, check_kwargs, self.return_std, limits)

    @staticmethod
    def result(item):
        return item

    def shutdown(self, kill=False):
        pass


class _Pool:
    """loky processes, each receiving the model (or its path) once, at start-up.

    loky pickles ``initargs`` with cloudpickle, so models holding locally
    defined functions travel too; the thread variables in ``env`` are set in
    each worker before the model is unpickled, so that the workers share the
    cores instead of each claiming all of them. Given a path, only the
    workers load the model: the parent never imports TensorFlow. Each
    worker watches its parent and exits when it is gone, so that killing
    the run (SIGKILL included) leaves no orphan processes.
    """

    def __init__(self, model, n_jobs: int):
        from joblib import cpu_count
        from joblib.externals.loky import ProcessPoolExecutor

        threads = str(max(1, cpu_count() // n_jobs))
        env = {name: threads for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "TF_NUM_INTRAOP_THREADS")}
        env["TF_NUM_INTEROP_THREADS"] = "1"
        if isinstance(model, (str, os.PathLike)) and not is_pretrained_name(model):
            model = os.path.abspath(model)  # the workers' working directory may differ
        self.executor = ProcessPoolExecutor(
            max_workers=n_jobs, initializer=_worker_init, initargs=(model, os.getpid()), env=env
        )

    def submit(self, X, check_kwargs, limits):
        return self.executor.submit(_worker_predict, X, check_kwargs, limits)

    @staticmethod
    def result(item):
        return item.result()

    def shutdown(self, kill=False):
        self.executor.shutdown(wait=True, kill_workers=kill)


# --------------------------------------------------------------------------
# The streamed run
# --------------------------------------------------------------------------


def _count_stars(source) -> int | None:
    """Number of stars in Parquet source(s) (cheap, from the footers), else None."""
    from .io.stream import parquet_files

    try:
        files = parquet_files(source)
        return None if files is None else sum(pq.ParquetFile(f).metadata.num_rows for f in files)
    except (OSError, ValueError, pa.ArrowException):
        return None


def _validate(model, chunk_size, n_jobs, check_kwargs) -> int:
    from joblib import effective_n_jobs

    if isinstance(model, (str, os.PathLike)):
        if not is_pretrained_name(model) and not Path(model).is_file():
            load_fitted(model)  # raises, naming the file
    else:
        load_fitted(model)
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, (int, np.integer)) or chunk_size < 1:
        raise ValueError(f"chunk_size must be a positive integer, got {chunk_size!r}")
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, (int, np.integer)) or n_jobs == 0:
        raise ValueError(f"n_jobs must be a non-zero integer (-1: all cores), got {n_jobs!r}")
    if check_kwargs is not None and not isinstance(check_kwargs, Mapping):
        raise ValueError(f"check_kwargs must be a mapping or None, got {type(check_kwargs).__name__}")
    return effective_n_jobs(int(n_jobs))


def _isin_sorted(ids: np.ndarray, sorted_ids: np.ndarray) -> np.ndarray:
    if sorted_ids.size == 0:
        return np.zeros(ids.shape, dtype=bool)
    position = np.minimum(np.searchsorted(sorted_ids, ids), sorted_ids.size - 1)
    return sorted_ids[position] == ids


def _new_stars(X: pd.DataFrame, prior: np.ndarray, seen: np.ndarray, source):
    """Split off stars done by earlier runs and repeats within this run.

    ``prior`` and ``seen`` are sorted ``source_id`` arrays: stars written by
    earlier runs and stars already queued by this run. Returns the new stars,
    the number found in ``prior``, and ``seen`` updated.
    """
    ids = X.index.to_numpy(dtype=np.int64)
    earlier = _isin_sorted(ids, prior)
    repeated = X.index.duplicated() | _isin_sorted(ids, seen)
    if (repeated & ~earlier).any():
        warnings.warn(
            f"{source}: source_id(s) {sorted(set(ids[repeated & ~earlier].tolist()))[:10]} appear more "
            "than once; predicting the first occurrence only",
            stacklevel=3,
        )
    keep = ~earlier & ~repeated
    new = X if keep.all() else X.iloc[np.flatnonzero(keep)]
    return new, int((earlier & ~X.index.duplicated()).sum()), np.union1d(seen, ids[keep])


def predict_catalogue(
    model,
    source,
    output,
    *,
    chunk_size: int = 20_000,
    n_jobs: int = 1,
    rrlyrae=None,
    progress: bool = True,
    check_kwargs: Mapping[str, Any] | None = None,
    limits: PlausibilityLimits | None = None,
) -> BatchSummary:
    """Predict [Fe/H] for a whole catalogue, streamed and resumable.

    Parameters
    ----------
    model : fitted estimator, path or str
        Pipeline (or estimator) taking a light-curve table, e.g. a fitted
        ``rrlsk.make_pipeline("gru")`` or ``rrlsk.ensemble.FoldEnsembleRegressor``,
        the path of a file from :func:`rrlsk.persistence.save_model` or
        :func:`joblib.dump`, or the name of a registered pretrained model
        such as ``"dekany2022-g"`` (:func:`rrlsk.pretrained.names`; its
        per-star spread goes to ``feh_std``). With ``n_jobs > 1`` only the
        workers load a file or a name, which saves this process the memory
        of TensorFlow. When it is a
        :class:`rrlsk.uncertainty.CalibratedRegressor`, its uncertainty
        goes to ``feh_std``, ``feh_lower`` and ``feh_upper``; otherwise
        these are NaN.
    source : path or list of paths
        Light curves: Parquet light-curve tables (files or a folder of them;
        written by :func:`rrlsk.io.write_parquet`, pandas or pyarrow), or
        Gaia archive epoch-photometry files or a directory of them, as
        accepted by :func:`rrlsk.io.iter_light_curves`.
    output : path
        Output directory (created). If it holds the output of an earlier,
        interrupted or completed call, stars already there are skipped.
    chunk_size : int, default 20000
        Stars read and predicted at a time. Peak memory grows with
        ``chunk_size * (n_jobs + 1)``, not with the catalogue.
    n_jobs : int, default 1
        Worker processes (``-1``: all cores). With more than one, chunks are
        predicted in parallel loky processes, each unpickling the model once;
        parts are written in source order, so the content is the same as with
        ``n_jobs=1``.
    rrlyrae : table or path, optional
        The ``vari_rrlyrae`` catalogue (``period``, ``epoch``) to join with
        Gaia archive files; passed to :func:`rrlsk.io.iter_light_curves`.
    progress : bool, default True
        Show a tqdm progress bar (stars).
    check_kwargs : mapping, optional
        Keyword arguments for :func:`rrlsk.preprocessing.check_light_curves`.
        Stars failing the checks are written with status ``"skipped"`` and
        the reason; stars on which ``predict`` raises get ``"failed"`` and the
        error, found by bisecting the chunk so the good stars keep their
        predictions.
    limits : rrlsk.domain.PlausibilityLimits, optional
        Thresholds of the plausibility checks: predicted stars with a
        unit-mistake-like input, outside the model's training domain or with
        an [Fe/H] outside the physical range get status ``"flagged"`` and
        the reason (see :func:`rrlsk.domain.plausibility`).

    Returns
    -------
    BatchSummary
        Counts written by this call, stars already done, and timings (s).

    Raises
    ------
    ValueError
        On bad arguments, a missing or unreadable model file, a table-level
        problem of the source (a column the model needs is missing; raised
        before any star is predicted), when ``output`` is a non-empty
        directory that is not an rrlsk prediction directory, or when it was
        written with another model.
    rrlsk._lock.FolderInUse
        When another live run writes into ``output``.
    sklearn.exceptions.NotFittedError
        When ``model`` is not fitted.

    Notes
    -----
    The manifest records, for each run, the source, the chunk size and the
    model: the SHA-256 of the model file, or for an in-memory model its
    class and :func:`content_digest` (the same for the model loaded again
    from its file, in any process).
    """
    from tqdm.auto import tqdm

    from .io import iter_light_curves

    wall = time.perf_counter()
    n_jobs = _validate(model, chunk_size, n_jobs, check_kwargs)
    check_kwargs = dict(check_kwargs or {})
    output = Path(output)
    if output.exists() and not output.is_dir():
        raise ValueError(f"{output}: output must be a directory, found a file")
    output.mkdir(parents=True, exist_ok=True)
    with folder_lock(output, what="rrlsk predict run"):
        run = _open_output(output, source, int(chunk_size), _model_identity(model))
        return _run(model, source, output, run, int(chunk_size), n_jobs, rrlyrae, progress, check_kwargs,
                    limits, wall)


def _run(model, source, output, run, chunk_size, n_jobs, rrlyrae, progress, check_kwargs, limits, wall):
    """The streamed loop of :func:`predict_catalogue`, in a locked and validated ``output``."""
    from tqdm.auto import tqdm

    from .io.stream import iter_named_light_curves

    prior = _done_ids(output)
    seen = np.empty(0, dtype=np.int64)
    counts = dict.fromkeys(("ok", "flagged", "skipped", "failed"), 0)
    seconds = {"read": 0.0, "check": 0.0, "model": 0.0, "write": 0.0}
    n_already_done = 0

    runner = _Pool(model, n_jobs) if n_jobs > 1 else _Inline(model)
    pending: deque = deque()
    predicting = ""  # the file(s) of the chunk whose result comes next, to name in a table error

    def write_oldest():
        nonlocal predicting
        chunk, item, predicting = pending.popleft()
        table, timings = runner.result(item)
        for key, value in timings.items():
            seconds[key] += value
        t0 = time.perf_counter()
        _write_part(output / f"part-{run:04d}-{chunk:06d}.parquet", table)
        seconds["write"] += time.perf_counter() - t0
        for status, n in table["status"].value_counts().items():
            counts[status] += int(n)
        bar.update(len(table))
        bar.set_postfix(counts, refresh=False)

    bar = tqdm(total=_count_stars(source), unit="star", disable=not progress, desc="rrlsk predict")
    try:
        chunks = iter(iter_named_light_curves(source, chunk_size, rrlyrae=rrlyrae, keep_dropped=True))
        chunk = 0
        while True:
            t0 = time.perf_counter()
            name, X = next(chunks, ("", None))
            seconds["read"] += time.perf_counter() - t0
            if X is None:
                break
            new, n_earlier, seen = _new_stars(X, prior, seen, source)
            n_already_done += n_earlier
            bar.update(len(X) - len(new))  # already done or repeated
            if len(new) == 0:
                continue
            predicting = name
            pending.append((chunk, runner.submit(new, check_kwargs, limits), name))
            chunk += 1
            while len(pending) > n_jobs:
                write_oldest()
        while pending:
            write_oldest()
    except TableError as err:
        failed_in = predicting
        try:
            while pending:  # chunks predicted before the error are written, not lost
                write_oldest()
        except TableError:
            pass
        finally:
            runner.shutdown(kill=True)
        raise ValueError(_table_message(err, failed_in, source, rrlyrae, output, sum(counts.values()))) from err
    except BaseException:
        runner.shutdown(kill=True)  # do not wait for chunks that will not be written
        raise
    else:
        runner.shutdown()
    finally:
        bar.close()
    seconds["wall"] = time.perf_counter() - wall
    return BatchSummary(
        output=output,
        n_ok=counts["ok"],
        n_flagged=counts["flagged"],
        n_skipped=counts["skipped"],
        n_failed=counts["failed"],
        n_already_done=n_already_done,
        seconds=seconds,
    )


def _table_message(err: TableError, name: str, source, rrlyrae, output: Path, n_written: int) -> str:
    """The table error, naming the file(s) of its chunk, with what to do.

    ``n_written`` stars were written by this run before it.
    """
    from .io.stream import parquet_files

    hint = ""
    if {"period", "epoch"} & set(err.missing) and rrlyrae is None and parquet_files(source) is None:
        hint = ("; Gaia epoch photometry gets period and epoch from the vari_rrlyrae table: pass "
                "rrlyrae=FILE (rrlsk predict --rrlyrae FILE)")
    done = ("nothing was predicted" if not n_written else
            f"the {n_written} star(s) read before it are written in {output}: fix the file and run the same "
            "command again to resume")
    return f"{name}: {err}{hint}; {done}"
