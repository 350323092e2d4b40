"""Streamed, resumable [Fe/H] prediction over whole catalogues: :func:`predict_catalogue`.

:func:`predict_catalogue` reads light curves chunk by chunk (Parquet or Gaia
archive epoch-photometry files, through :func:`rrlsk.io.iter_light_curves`),
runs a fitted model on each chunk (:mod:`rrlsk.catalogue.workers`) and
appends the predictions to an output directory as it goes
(:mod:`rrlsk.catalogue.store`), so that memory is bounded by the chunk size
and a run that is killed resumes where it stopped.

Every input star gets exactly one row, with the columns of
:data:`rrlsk.catalogue.PREDICTION_COLUMNS`: stars dropped while reading (no
valid transit, no ``vari_rrlyrae`` row, no period) are written as
``skipped`` with the reason. A resumed run skips done stars whatever its
chunk size. The manifest (:mod:`rrlsk.catalogue.manifest`) records the
model's identity, and a resumed run with another model is refused. A
second run into a folder in use is refused at once (``_lock``).
"""

from __future__ import annotations

import os
import time
import warnings
from collections import deque
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from .._lock import folder_lock
from ..domain import PlausibilityLimits
from ..pretrained import is_pretrained_name
from .chunk import TableError
from .manifest import model_identity, open_output
from .model import load_fitted
from .schema import BatchSummary
from .store import done_ids, part_path, write_part
from .workers import Pool, Threads

__all__ = ["predict_catalogue"]


def _count_stars(source) -> int | None:
    """Number of stars in Parquet source(s) (cheap, from the footers), else None."""
    from ..io.stream import parquet_files

    try:
        files = parquet_files(source)
        return None if files is None else sum(pq.ParquetFile(f).metadata.num_rows for f in files)
    except (OSError, ValueError, pa.ArrowException):
        return None


def _validate(model, chunk_size, n_jobs, n_threads, check_kwargs) -> int:
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
    if isinstance(n_threads, bool) or not isinstance(n_threads, (int, np.integer)) or n_threads < 1:
        raise ValueError(f"n_threads must be a positive integer, got {n_threads!r}")
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
    n_threads: int = 2,
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
        ``chunk_size`` times the chunks in flight plus one (``n_jobs + 1``
        or ``n_threads + 1``), not with the catalogue.
    n_jobs : int, default 1
        Worker processes (``-1``: all cores). With more than one, chunks are
        predicted in parallel loky processes, each unpickling the model once;
        parts are written in source order, so the content is the same as with
        ``n_jobs=1``.
    n_threads : int, default 2
        With ``n_jobs=1``: chunks predicted at a time in this process, in
        threads that share the model. The network's forward pass releases
        the GIL, so the next chunk's checks and preprocessing run on one
        core while the network predicts the current chunk on the other.
        1 predicts one chunk
        after the other. The output does not depend on it. When this call
        starts TensorFlow (the model given as a file or a name), TensorFlow
        gets ``cores // n_threads`` intra-op threads, unless
        ``TF_NUM_INTRAOP_THREADS`` is set.
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
    class and :func:`rrlsk.catalogue.content_digest` (the same for the model
    loaded again from its file, in any process).
    """
    wall = time.perf_counter()
    n_jobs = _validate(model, chunk_size, n_jobs, n_threads, check_kwargs)
    check_kwargs = dict(check_kwargs or {})
    output = Path(output)
    if output.exists() and not output.is_dir():
        raise ValueError(f"{output}: output must be a directory, found a file")
    output.mkdir(parents=True, exist_ok=True)
    with folder_lock(output, what="rrlsk predict run"):
        run = open_output(output, source, int(chunk_size), model_identity(model))
        return _run(model, source, output, run, int(chunk_size), n_jobs, int(n_threads), rrlyrae, progress,
                    check_kwargs, limits, wall)


def _run(model, source, output, run, chunk_size, n_jobs, n_threads, rrlyrae, progress, check_kwargs, limits, wall):
    """The streamed loop of :func:`predict_catalogue`, in a locked and validated ``output``."""
    from tqdm.auto import tqdm

    from ..io.stream import iter_named_light_curves

    prior = done_ids(output)
    seen = np.empty(0, dtype=np.int64)
    counts = dict.fromkeys(("ok", "flagged", "skipped", "failed"), 0)
    seconds = {"read": 0.0, "check": 0.0, "model": 0.0, "write": 0.0}
    n_already_done = 0

    runner = Pool(model, n_jobs) if n_jobs > 1 else Threads(model, n_threads)
    pending: deque = deque()
    predicting = ""  # the file(s) of the chunk whose result comes next, to name in a table error

    def write_oldest():
        nonlocal predicting
        chunk, item, predicting = pending.popleft()
        table, timings = runner.result(item)
        for key, value in timings.items():
            seconds[key] += value
        t0 = time.perf_counter()
        write_part(part_path(output, run, chunk), table)
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
            while len(pending) > runner.capacity:
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
    from ..io.stream import parquet_files

    hint = ""
    if {"period", "epoch"} & set(err.missing) and rrlyrae is None and parquet_files(source) is None:
        hint = ("; Gaia epoch photometry gets period and epoch from the vari_rrlyrae table: pass "
                "rrlyrae=FILE (rrlsk predict --rrlyrae FILE)")
    done = ("nothing was predicted" if not n_written else
            f"the {n_written} star(s) read before it are written in {output}: fix the file and run the same "
            "command again to resume")
    return f"{name}: {err}{hint}; {done}"
