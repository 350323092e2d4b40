"""Prediction and model selection on a Dask cluster (extra ``rrlsk[dask]``).

- :func:`read_parquet_dask` reads rrlsk's Parquet files into a
  ``dask.dataframe`` of light-curve tables, one partition per group of row
  groups, each decoded by :mod:`rrlsk.io`'s own Parquet code.
- :func:`predict_dask` maps the same bad-star-safe prediction as
  :func:`rrlsk.catalogue.predict_table` over the partitions, shipping the model
  once to each worker.
- :func:`dask_backend` runs joblib-parallel scikit-learn work
  (``GridSearchCV``, ``cross_validate``, ...) on the cluster's workers.

Dask is imported on first use, so ``import rrlsk.catalogue.dask`` (and its
old name ``rrlsk.dask``) works without it and the error names the extra to
install.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd

from ..domain import PlausibilityLimits
from .chunk import predict_chunk
from .model import load_fitted
from .schema import empty_predictions

__all__ = ["dask_backend", "predict_dask", "read_parquet_dask"]

_INSTALL = "pip install 'rrlsk[dask]'  (dask[dataframe] and distributed)"


def _require(module: str):
    """Import ``module`` or raise an ImportError that names the extra."""
    try:
        return importlib.import_module(module)
    except ImportError as err:
        raise ImportError(f"rrlsk.catalogue.dask needs {module!r}, which is not installed: {_INSTALL}") from err


def _predict_partition(X: pd.DataFrame, model, check_kwargs: Mapping[str, Any], limits) -> pd.DataFrame:
    table, _ = predict_chunk(model, X, check_kwargs, limits)
    return table


def _current_client():
    """The active ``distributed`` client, or None (dask's local scheduler)."""
    try:
        from distributed import get_client
    except ImportError:
        return None
    try:
        return get_client()
    except ValueError:  # no client running
        return None


def predict_dask(
    model,
    ddf,
    *,
    check_kwargs: Mapping[str, Any] | None = None,
    limits: PlausibilityLimits | None = None,
    client=None,
):
    """Predict [Fe/H] for a Dask DataFrame of light curves, lazily.

    Parameters
    ----------
    model : fitted estimator or path
        Pipeline taking a light-curve table (e.g. a fitted
        ``rrlsk.make_pipeline("gru")``), or the path of a model file that
        every worker can read (see :func:`rrlsk.catalogue.load_fitted`): then a
        worker loads it and the others fetch it from that worker, and this
        process never imports TensorFlow. A calibrated model's uncertainty
        (:class:`rrlsk.uncertainty.CalibratedRegressor`) is kept.
    ddf : dask.dataframe.DataFrame
        Light-curve tables, index ``source_id``, e.g. from
        :func:`read_parquet_dask`. When building one yourself (say with
        ``dd.from_pandas``), do it under
        ``dask.config.set({"dataframe.convert-string": False})``, or Dask
        turns the array columns into strings.
    check_kwargs : mapping, optional
        Keyword arguments for :func:`rrlsk.preprocessing.check_light_curves`.
    limits : rrlsk.domain.PlausibilityLimits, optional
        Thresholds of the plausibility checks (stars failing them are
        ``"flagged"``), as in :func:`rrlsk.catalogue.predict_table`.
    client : distributed.Client, optional
        Cluster to ship the model to; defaults to the active client. With a
        client a model object is scattered to every worker once
        (``broadcast``); otherwise the model is a single task of the graph.

    Returns
    -------
    dask.dataframe.DataFrame
        Lazy, indexed by ``source_id``, the columns of
        :data:`rrlsk.catalogue.PREDICTION_COLUMNS` as in
        :func:`rrlsk.catalogue.predict_table`. Call
        ``.compute()`` or ``.to_parquet(...)``.

    Raises
    ------
    ValueError
        When ``ddf`` is not a Dask DataFrame or the model file is missing.
    sklearn.exceptions.NotFittedError
        When the model is not fitted.
    ImportError
        When dask is not installed.
    """
    dask = _require("dask")
    dd = _require("dask.dataframe")
    if not isinstance(ddf, dd.DataFrame):
        raise ValueError(f"ddf must be a dask.dataframe.DataFrame, got {type(ddf).__name__}")
    if check_kwargs is not None and not isinstance(check_kwargs, Mapping):
        raise ValueError(f"check_kwargs must be a mapping or None, got {type(check_kwargs).__name__}")
    if isinstance(model, (str, os.PathLike)):
        if not Path(model).is_file():
            raise ValueError(f"{model}: model file not found")
        shipped = dask.delayed(load_fitted, pure=False)(os.fspath(model))
    else:
        model = load_fitted(model)
        client = client if client is not None else _current_client()
        if client is not None:
            shipped = dask.delayed(client.scatter(model, broadcast=True, hash=False))
        else:
            shipped = dask.delayed(model)
    return ddf.map_partitions(_predict_partition, shipped, dict(check_kwargs or {}), limits, meta=empty_predictions())


def _row_group_pieces(path: Path, partition_size: int) -> list[tuple[str, tuple[int, ...]]]:
    """Group a file's row groups into pieces of about ``partition_size`` stars."""
    import pyarrow.parquet as pq

    metadata = pq.ParquetFile(path).metadata
    pieces, group, n_rows = [], [], 0
    for i in range(metadata.num_row_groups):
        group.append(i)
        n_rows += metadata.row_group(i).num_rows
        if n_rows >= partition_size:
            pieces.append((str(path), tuple(group)))
            group, n_rows = [], 0
    if group:
        pieces.append((str(path), tuple(group)))
    return pieces


def _read_piece(piece: tuple[str, tuple[int, ...]], names: list[str] | None) -> pd.DataFrame:
    import pyarrow.parquet as pq

    from ..io.parquet import parquet_layout, table_to_frame

    path, row_groups = piece
    handle = pq.ParquetFile(path)
    layout = parquet_layout(handle.schema_arrow, path)
    return table_to_frame(handle.read_row_groups(list(row_groups), columns=names), layout)


def read_parquet_dask(path, *, columns: Sequence[str] | None = None, partition_size: int = 10_000):
    """Read light curves written by :func:`rrlsk.io.write_parquet` into Dask.

    Parameters
    ----------
    path : path, directory or list of paths
        The rrlsk Parquet file(s), or a directory of ``*.parquet`` files (local
        or on a file system every worker sees).
    columns : sequence of str, optional
        Columns to read besides the ``source_id`` index (default: all).
    partition_size : int, default 10000
        Stars per partition, reached by grouping whole row groups (a
        partition never splits a row group, so files meant for a cluster
        should be written with ``row_group_size`` at most this).

    Returns
    -------
    dask.dataframe.DataFrame
        Light-curve tables exactly as :func:`rrlsk.io.read_parquet` returns
        them (index ``source_id``, array columns of 1-D float64 arrays),
        one partition per group of row groups, in file order.

    Raises
    ------
    ValueError
        When no Parquet file is found, a file was not written by rrlsk, or
        ``partition_size`` is not a positive integer.
    ImportError
        When dask is not installed.
    """
    import pyarrow.parquet as pq

    from ..io.parquet import columns_to_read, parquet_layout, table_to_frame

    dd = _require("dask.dataframe")
    if isinstance(partition_size, bool) or not isinstance(partition_size, int) or partition_size < 1:
        raise ValueError(f"partition_size must be a positive integer, got {partition_size!r}")
    paths = [Path(p) for p in (path if isinstance(path, (list, tuple)) else [path])]
    files = [f for p in paths for f in (sorted(p.glob("*.parquet")) if p.is_dir() else [p])]
    if not files:
        raise ValueError(f"{path}: no Parquet files found")
    schema = pq.read_schema(files[0])
    layout = parquet_layout(schema, files[0])
    selected = columns_to_read(columns, layout, files[0])
    meta = table_to_frame(schema.empty_table().select(selected or schema.names), layout)
    pieces = [piece for f in files for piece in _row_group_pieces(f, partition_size)]
    # Dask would otherwise turn the object columns of arrays into strings.
    with _require("dask").config.set({"dataframe.convert-string": False}):
        return dd.from_map(_read_piece, pieces, names=selected, meta=meta, enforce_metadata=False)


@contextmanager
def dask_backend(client=None, **backend_params) -> Iterator[Any]:
    """Run joblib-parallel scikit-learn work on a Dask cluster.

    Inside the block, ``GridSearchCV(..., n_jobs=-1).fit``,
    ``cross_validate(..., n_jobs=-1)`` and anything else built on
    ``joblib.Parallel`` send their tasks to the cluster's workers. Estimators
    (Keras ones included, through scikeras' pickling) travel to the workers
    and, fitted, back.

    Parameters
    ----------
    client : distributed.Client, optional
        The cluster; defaults to the active client.
    **backend_params
        Passed to joblib's Dask backend (e.g. ``scatter=[X, y]`` to send the
        data to the workers once).

    Yields
    ------
    distributed.Client
        The client in use.

    Raises
    ------
    ImportError
        When distributed is not installed.
    ValueError
        When no client is given and none is running.

    Examples
    --------
    >>> from distributed import Client, LocalCluster        # doctest: +SKIP
    >>> with Client(LocalCluster(n_workers=2)) as client:   # doctest: +SKIP
    ...     with dask_backend(client):
    ...         search.fit(X, y)
    """
    import joblib

    _require("distributed")
    client = client if client is not None else _current_client()
    if client is None:
        raise ValueError("dask_backend needs a distributed.Client: pass one or start one first")
    with joblib.parallel_config(backend="dask", client=client, **backend_params):
        yield client
