"""Streamed, resumable [Fe/H] prediction over whole catalogues.

:func:`predict_catalogue` reads light curves chunk by chunk (Parquet or Gaia
archive epoch-photometry files, through :func:`rrlsk.io.iter_light_curves`),
runs a fitted model on each chunk and appends the predictions to an output
directory as it goes, so that memory is bounded by the chunk size and a run
that is killed resumes where it stopped.

Output layout (``output`` is a directory)::

    output/_manifest.json               marks the directory, one entry per run
    output/part-RRRR-CCCCCC.parquet     one file per chunk of run RRRR

Every part holds the columns of :data:`PREDICTION_COLUMNS`. A part is written
to a hidden temporary file and renamed into place, so a part either exists
whole or not at all. A star is done once its ``source_id`` appears in a part;
a resumed run skips done stars whatever its chunk size, so no star is lost
and none is written twice.
"""

from __future__ import annotations

import inspect
import json
import os
import time
import warnings
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.dataset as pads
import pyarrow.parquet as pq

__all__ = [
    "PREDICTION_COLUMNS",
    "BatchSummary",
    "load_fitted",
    "predict_catalogue",
    "predict_table",
    "read_predictions",
]

#: Columns of every prediction table: ``source_id`` (int64), ``feh`` (dex),
#: ``feh_std`` (dex) and the 68 % interval ``feh_lower``, ``feh_upper``
#: (``feh -+ feh_std``, dex) from a calibrated model (NaN otherwise, see
#: :func:`predict_table`), ``status`` (``"ok"``, ``"skipped"`` or
#: ``"failed"``) and ``reason`` (empty when ok).
PREDICTION_COLUMNS = ("source_id", "feh", "feh_std", "feh_lower", "feh_upper", "status", "reason")

_SCHEMA = pa.schema(
    [
        ("source_id", pa.int64()),
        ("feh", pa.float64()),
        ("feh_std", pa.float64()),
        ("feh_lower", pa.float64()),
        ("feh_upper", pa.float64()),
        ("status", pa.string()),
        ("reason", pa.string()),
    ]
)
_MANIFEST = "_manifest.json"
_FORMAT = "rrlsk.batch.predictions"
_FORMAT_VERSION = 1
_TMP_PREFIX = ".tmp-"


@dataclass(frozen=True)
class BatchSummary:
    """What one call of :func:`predict_catalogue` did.

    Attributes
    ----------
    output : Path
        The output directory.
    n_ok, n_skipped, n_failed : int
        Stars written by this call, by status.
    n_already_done : int
        Stars of the source found in the output from earlier runs and not
        predicted again.
    seconds : dict of str to float
        Time spent, s: ``read`` (reading and decoding light curves),
        ``check`` (bad-star checks), ``model`` (``model.predict``), ``write``
        (Parquet parts) and ``wall`` (the whole call). With ``n_jobs > 1``
        ``check`` and ``model`` are summed over worker processes.
    """

    output: Path
    n_ok: int
    n_skipped: int
    n_failed: int
    n_already_done: int
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def n_written(self) -> int:
        """Stars written by this call (all statuses)."""
        return self.n_ok + self.n_skipped + self.n_failed


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
    fitted models (``models_``, :class:`rrlsk.PerTypeRegressor`) is
    calibrated when one of its models is."""
    final = _final_estimator(model)
    routed = getattr(final, "models_", None)
    if isinstance(routed, Mapping):
        return any(_is_calibrated(m) for m in routed.values())
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
    model : estimator or path
        A fitted estimator (returned as is), or the path of a file written by
        :func:`rrlsk.persistence.save_model` or :func:`joblib.dump`.

    Returns
    -------
    estimator
        The fitted model.

    Raises
    ------
    ValueError
        When the file does not exist, or the model has no ``predict``.
    sklearn.exceptions.NotFittedError
        When the model is not fitted.
    """
    from sklearn.utils.validation import check_is_fitted

    if isinstance(model, (str, os.PathLike)):
        path = Path(model)
        if not path.is_file():
            raise ValueError(f"{path}: model file not found")
        import joblib

        from .persistence import load_model, model_info

        try:
            model_info(path)  # reads the header only; ValueError: not save_model's
        except ValueError:
            model = joblib.load(path)
        else:
            model = load_model(path)
    if not hasattr(model, "predict"):
        raise ValueError(f"model must have a predict method, got {type(model).__name__}")
    check_is_fitted(model)
    return model


def _check(X: pd.DataFrame, check_kwargs: Mapping[str, Any] | None) -> pd.DataFrame:
    from .preprocessing import check_light_curves

    report = check_light_curves(X, **dict(check_kwargs or {}))
    return report if report.index.equals(X.index) else report.reindex(X.index)


def _predict_table_timed(model, X, check_kwargs, return_std):
    t0 = time.perf_counter()
    report = _check(X, check_kwargs)
    ok = report["ok"].to_numpy(dtype=bool)
    reason = report["reason"].fillna("").astype(str).to_numpy(dtype=object)
    skip_reasons = getattr(model, "skip_reasons", None)  # e.g. PerTypeRegressor: no model for a type
    if skip_reasons is not None:
        unsupported = np.asarray(skip_reasons(X), dtype=object)
        reason = np.where(ok, unsupported, reason)
        ok = ok & (unsupported == "")
    t1 = time.perf_counter()
    feh = np.full(len(X), np.nan)
    std = np.full(len(X), np.nan)
    status = np.where(ok, "ok", "skipped").astype(object)
    good = np.flatnonzero(ok)
    if good.size:
        feh[good], std[good], errors = _predict_robust(model, X.iloc[good], return_std)
        for position, message in errors.items():
            status[good[position]] = "failed"
            reason[good[position]] = message
        non_finite = good[~np.isfinite(feh[good]) & (status[good] == "ok")]
        status[non_finite] = "failed"
        reason[non_finite] = "model returned a non-finite [Fe/H]"
    t2 = time.perf_counter()
    table = pd.DataFrame(
        {"feh": feh, "feh_std": std, "feh_lower": feh - std, "feh_upper": feh + std, "status": status, "reason": reason},
        index=pd.Index(X.index.to_numpy(dtype=np.int64), name="source_id"),
    )
    return table, {"check": t1 - t0, "model": t2 - t1}


def predict_table(model, X: pd.DataFrame, *, check_kwargs: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """Predict [Fe/H] for an in-memory light-curve table, never stopping on bad stars.

    Parameters
    ----------
    model : fitted estimator or path
        Anything with ``predict(X)`` on a light-curve table, typically
        ``rrlsk.make_pipeline("gru")`` after ``fit``, or a model file (see
        :func:`load_fitted`). When it is calibrated (a
        :class:`rrlsk.uncertainty.CalibratedRegressor`), its uncertainty is
        kept.
    X : pandas.DataFrame
        Light-curve table (index ``source_id``), see ``docs/design.md``.
    check_kwargs : mapping, optional
        Keyword arguments for :func:`rrlsk.preprocessing.check_light_curves`.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``source_id`` like ``X``, columns ``feh`` (dex),
        ``feh_std``, ``feh_lower``, ``feh_upper`` (dex: the calibrated
        standard uncertainty and the 68 % interval ``feh -+ feh_std``; NaN
        for a model that is not calibrated), ``status`` (``"ok"``;
        ``"skipped"`` for stars that fail the checks; ``"failed"`` for stars on
        which ``predict`` raised or returned a non-finite value) and
        ``reason`` (empty when ok). Stars that a model's ``skip_reasons(X)``
        declines (for example a :class:`rrlsk.PerTypeRegressor` without a
        model for the star's type) are ``"skipped"`` with that reason.
    """
    model = load_fitted(model)
    table, _ = _predict_table_timed(model, X, check_kwargs, _is_calibrated(model))
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


def _write_atomic(path: Path, write) -> None:
    tmp = path.with_name(f"{_TMP_PREFIX}{path.name}")
    write(tmp)
    os.replace(tmp, path)


def _open_output(output: Path, source, chunk_size: int) -> int:
    """Create or validate ``output``; record this run; return its number."""
    if output.exists() and not output.is_dir():
        raise ValueError(f"{output}: output must be a directory, found a file")
    output.mkdir(parents=True, exist_ok=True)
    if (output / _MANIFEST).exists():
        manifest = _read_manifest(output)
    elif any(p.name != _MANIFEST and not p.name.startswith(_TMP_PREFIX) for p in output.iterdir()):
        raise ValueError(f"{output}: directory is not empty and holds no {_MANIFEST}; refusing to write there")
    else:
        manifest = {"format": _FORMAT, "version": _FORMAT_VERSION, "columns": list(PREDICTION_COLUMNS), "runs": []}
    for stale in output.glob(f"{_TMP_PREFIX}*"):  # left by a killed run
        stale.unlink()
    run = len(manifest["runs"])
    manifest["runs"].append(
        {
            "run": run,
            "started_utc": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "source": [str(s) for s in source] if isinstance(source, (list, tuple)) else str(source),
            "chunk_size": chunk_size,
        }
    )
    _write_atomic(output / _MANIFEST, lambda tmp: tmp.write_text(json.dumps(manifest, indent=1)))
    return run


def _done_ids(output: Path) -> np.ndarray:
    parts = _parts(output)
    if not parts:
        return np.empty(0, dtype=np.int64)
    ids = pads.dataset(parts, format="parquet").to_table(columns=["source_id"]).column(0)
    return np.unique(ids.to_numpy())


def _write_part(path: Path, table: pd.DataFrame) -> None:
    arrow = pa.Table.from_pandas(table.reset_index(), schema=_SCHEMA, preserve_index=False)
    _write_atomic(path, lambda tmp: pq.write_table(arrow, tmp))


def read_predictions(output: str | os.PathLike) -> pd.DataFrame:
    """Read the combined predictions written by :func:`predict_catalogue`.

    Parameters
    ----------
    output : path
        The output directory of :func:`predict_catalogue`.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``source_id`` (int64), columns ``feh``, ``feh_std``,
        ``feh_lower``, ``feh_upper`` (dex), ``status``, ``reason``, sorted by
        ``source_id``.

    Raises
    ------
    ValueError
        When ``output`` is not a prediction directory or a ``source_id``
        appears more than once.
    """
    output = Path(output)
    _read_manifest(output)
    parts = _parts(output)
    if parts:
        table = pads.dataset(parts, format="parquet", schema=_SCHEMA).to_table().to_pandas()
    else:
        table = _SCHEMA.empty_table().to_pandas()
    table = table.sort_values("source_id", kind="stable")
    table.index = pd.Index(table.pop("source_id").to_numpy(dtype=np.int64), name="source_id")
    duplicated = table.index[table.index.duplicated()].unique()
    if len(duplicated):
        raise ValueError(f"{output}: source_id(s) written more than once: {list(duplicated[:10])}")
    return table


# --------------------------------------------------------------------------
# Worker processes (n_jobs > 1)
# --------------------------------------------------------------------------

_WORKER_MODEL = None


def _worker_init(model) -> None:
    global _WORKER_MODEL
    _WORKER_MODEL = load_fitted(model)


def _worker_predict(X, check_kwargs):
    return _predict_table_timed(_WORKER_MODEL, X, check_kwargs, _is_calibrated(_WORKER_MODEL))


class _Inline:
    """Same interface as the process pool, predicting in this process."""

    def __init__(self, model):
        self.model = load_fitted(model)
        self.return_std = _is_calibrated(self.model)

    def submit(self, X, check_kwargs):
        return _predict_table_timed(self.model, X, check_kwargs, self.return_std)

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
    workers load the model: the parent never imports TensorFlow.
    """

    def __init__(self, model, n_jobs: int):
        from joblib import cpu_count
        from joblib.externals.loky import ProcessPoolExecutor

        threads = str(max(1, cpu_count() // n_jobs))
        env = {name: threads for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "TF_NUM_INTRAOP_THREADS")}
        env["TF_NUM_INTEROP_THREADS"] = "1"
        if isinstance(model, (str, os.PathLike)):
            model = os.path.abspath(model)  # the workers' working directory may differ
        self.executor = ProcessPoolExecutor(
            max_workers=n_jobs, initializer=_worker_init, initargs=(model,), env=env
        )

    def submit(self, X, check_kwargs):
        return self.executor.submit(_worker_predict, X, check_kwargs)

    @staticmethod
    def result(item):
        return item.result()

    def shutdown(self, kill=False):
        self.executor.shutdown(wait=True, kill_workers=kill)


# --------------------------------------------------------------------------
# The streamed run
# --------------------------------------------------------------------------


def _count_stars(source) -> int | None:
    """Number of stars in a Parquet file (cheap, from its footer), else None."""
    if not isinstance(source, (str, os.PathLike)) or not str(source).lower().endswith((".parquet", ".pq")):
        return None
    try:
        return pq.ParquetFile(source).metadata.num_rows
    except (OSError, pa.ArrowException):
        return None


def _validate(model, chunk_size, n_jobs, check_kwargs) -> int:
    from joblib import effective_n_jobs

    if isinstance(model, (str, os.PathLike)):
        if not Path(model).is_file():
            raise ValueError(f"{model}: model file not found")
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
) -> BatchSummary:
    """Predict [Fe/H] for a whole catalogue, streamed and resumable.

    Parameters
    ----------
    model : fitted estimator or path
        Pipeline (or estimator) taking a light-curve table, e.g. a fitted
        ``rrlsk.make_pipeline("gru")`` or ``rrlsk.ensemble.FoldEnsembleRegressor``,
        or the path of a file from :func:`rrlsk.persistence.save_model` or
        :func:`joblib.dump` (with ``n_jobs > 1`` only the workers load it,
        which saves this process the memory of TensorFlow). When it is a
        :class:`rrlsk.uncertainty.CalibratedRegressor`, its uncertainty
        goes to ``feh_std``, ``feh_lower`` and ``feh_upper``; otherwise
        these are NaN.
    source : path or list of paths
        Light curves: an rrlsk Parquet file (``.parquet``, see
        :func:`rrlsk.io.write_parquet`), or Gaia archive epoch-photometry
        files or a directory of them, as accepted by
        :func:`rrlsk.io.iter_light_curves`.
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

    Returns
    -------
    BatchSummary
        Counts written by this call, stars already done, and timings (s).

    Raises
    ------
    ValueError
        On bad arguments, a missing model file, or when ``output`` is a
        non-empty directory that is not an rrlsk prediction directory.
    sklearn.exceptions.NotFittedError
        When ``model`` is not fitted.

    Notes
    -----
    Resuming assumes the same model: the output records the source and
    chunk size of each run (``_manifest.json``) but not the model. One run
    at a time per output directory.
    """
    from tqdm.auto import tqdm

    from .io import iter_light_curves

    wall = time.perf_counter()
    n_jobs = _validate(model, chunk_size, n_jobs, check_kwargs)
    check_kwargs = dict(check_kwargs or {})
    output = Path(output)
    run = _open_output(output, source, int(chunk_size))
    prior = _done_ids(output)
    seen = np.empty(0, dtype=np.int64)
    counts = {"ok": 0, "skipped": 0, "failed": 0}
    seconds = {"read": 0.0, "check": 0.0, "model": 0.0, "write": 0.0}
    n_already_done = 0

    runner = _Pool(model, n_jobs) if n_jobs > 1 else _Inline(model)
    pending: deque = deque()

    def write_oldest():
        chunk, item = pending.popleft()
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
        chunks = iter(iter_light_curves(source, int(chunk_size), rrlyrae=rrlyrae))
        chunk = 0
        while True:
            t0 = time.perf_counter()
            X = next(chunks, None)
            seconds["read"] += time.perf_counter() - t0
            if X is None:
                break
            new, n_earlier, seen = _new_stars(X, prior, seen, source)
            n_already_done += n_earlier
            bar.update(len(X) - len(new))  # already done or repeated
            if len(new) == 0:
                continue
            pending.append((chunk, runner.submit(new, check_kwargs)))
            chunk += 1
            while len(pending) > n_jobs:
                write_oldest()
        while pending:
            write_oldest()
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
        n_skipped=counts["skipped"],
        n_failed=counts["failed"],
        n_already_done=n_already_done,
        seconds=seconds,
    )
