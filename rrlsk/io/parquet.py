"""The light-curve table on disk: one Parquet row per star.

Layout: ``source_id`` int64, array columns (``time``, ``mag``, ``mag_err``,
``phase``, ...) as ``list<double>``, scalar columns as pandas writes them.
The column order, which columns are arrays, and ``DataFrame.attrs`` (JSON)
are kept in the schema metadata under ``b"rrlsk"``, so a round trip is exact.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ..base import ragged as _ragged
from .._atomic import write_atomic
from ._tables import PathLike, array_columns, format_ids, parse_source_ids

__all__ = ["columns_to_read", "iter_parquet", "parquet_layout", "read_parquet", "table_to_frame", "write_parquet"]

_KEY = b"rrlsk"


def write_parquet(X: pd.DataFrame, path: PathLike, *, row_group_size: int = 10_000) -> None:
    """Write a light-curve table to Parquet.

    Parameters
    ----------
    X : DataFrame
        Light-curve table, index ``source_id``; ``attrs`` must be
        JSON-serialisable.
    path : path
        Output file, written atomically (whole or not at all).
    row_group_size : int, default 10000
        Stars per row group; :func:`iter_parquet` holds one group at a time.

    Raises
    ------
    ValueError
        If the index is not an integer ``source_id`` without duplicates, if
        an array column holds something other than 1-D arrays, or if
        ``attrs`` cannot be written as JSON.
    """
    if X.index.name != "source_id" or not pd.api.types.is_integer_dtype(X.index.dtype):
        raise ValueError(f"write_parquet: index must be integer 'source_id', got {X.index.name!r} ({X.index.dtype})")
    if X.index.has_duplicates:
        raise ValueError(f"write_parquet: duplicated {format_ids(X.index[X.index.duplicated()].unique())}")
    arrays = array_columns(X) if len(X) else [c for c in X.columns if c in _ragged.ARRAY_COLUMNS and X[c].dtype == object]
    scalars = [c for c in X.columns if c not in arrays]
    table = pa.Table.from_pandas(X[scalars].reset_index(), preserve_index=False)
    for name in arrays:
        table = table.append_column(name, _to_list_array(X[name], name))
    try:
        meta = json.dumps({"columns": list(map(str, X.columns)), "arrays": arrays, "attrs": X.attrs})
    except TypeError as err:
        raise ValueError(f"write_parquet: X.attrs is not JSON-serialisable: {err}") from err
    table = table.replace_schema_metadata({**(table.schema.metadata or {}), _KEY: meta.encode()})
    write_atomic(path, lambda tmp: pq.write_table(table, tmp, row_group_size=row_group_size))


def _to_list_array(column: pd.Series, name: str) -> pa.Array:
    values = column.to_numpy()
    bad = [i for i, v in enumerate(values) if not (isinstance(v, np.ndarray) and v.ndim == 1)]
    if bad:
        raise ValueError(f"write_parquet: column {name!r} is not a 1-D array for {format_ids(column.index[bad])}")
    dtype = np.result_type(*{v.dtype for v in values}) if len(values) else np.float64
    flat, offsets = _ragged.flatten(values, dtype=dtype)
    if offsets[-1] > np.iinfo(np.int32).max:  # beyond list<> capacity
        return pa.LargeListArray.from_arrays(pa.array(offsets), pa.array(flat))
    return pa.ListArray.from_arrays(pa.array(offsets.astype(np.int32)), pa.array(flat))


def parquet_layout(schema: pa.Schema, path: PathLike = "") -> dict:
    """rrlsk's layout of a Parquet light-curve table, read from its schema.

    The layout comes from the schema metadata that :func:`write_parquet`
    stores, or is inferred for tables written by pandas or pyarrow (the list
    columns are the arrays; ``source_id`` is a column or the pandas index).
    :func:`read_parquet` and :func:`iter_parquet` are built from this,
    :func:`columns_to_read` and :func:`table_to_frame`; so is any other
    reader of the layout (:func:`rrlsk.catalogue.dask.read_parquet_dask`).

    Parameters
    ----------
    schema : pyarrow.Schema
        The file's Arrow schema (``pyarrow.parquet.read_schema(path)``).
    path : path, default ""
        The file, named in error messages.

    Returns
    -------
    dict
        ``"columns"`` (the table's columns in order, without ``source_id``),
        ``"arrays"`` (those holding one 1-D array per star), ``"attrs"``
        (``DataFrame.attrs``) and, for a table not written by rrlsk,
        ``"inferred": True``.

    Raises
    ------
    ValueError
        When a table not written by rrlsk has no ``source_id``.
    """
    if schema.metadata and _KEY in schema.metadata:
        return json.loads(schema.metadata[_KEY])
    if "source_id" not in schema.names:
        raise ValueError(
            f"{path}: no source_id column or index; a light-curve table has one row per star with "
            "source_id and list columns time, mag, mag_err (e.g. X.reset_index().to_parquet(path))"
        )
    names = [n for n in schema.names if n != "source_id" and not n.startswith("__index_level_")]
    arrays = [n for n in names if pa.types.is_list(schema.field(n).type) or pa.types.is_large_list(schema.field(n).type)]
    return {"columns": names, "arrays": arrays, "attrs": {}, "inferred": True}


def table_to_frame(table: pa.Table, layout: dict, columns: Sequence[str] | None = None, path: PathLike = "",
                   first_row: int = 0) -> pd.DataFrame:
    """A light-curve table from Arrow rows of a Parquet light-curve table.

    Parameters
    ----------
    table : pyarrow.Table
        Rows read from the file (all of it, row groups or a batch), with
        ``source_id`` and any of the layout's columns.
    layout : dict
        The file's layout, :func:`parquet_layout`.
    columns : sequence of str, optional
        Column order of the result (default: the layout's); columns absent
        from ``table`` are left out.
    path : path, default ""
        The file, named in error messages.
    first_row : int, default 0
        Position in the file of the first row of ``table``, for the row
        numbers of error messages.

    Returns
    -------
    pandas.DataFrame
        Index ``source_id`` (int64), array columns of 1-D numpy arrays,
        scalar columns as written, ``attrs`` from the layout.

    Raises
    ------
    ValueError
        When a ``source_id`` is missing or not an exact int64 integer.
    """
    arrays = [c for c in layout["arrays"] if c in table.column_names]
    scalars = [c for c in table.column_names if c not in arrays and not c.startswith("__index_level_")]
    frame = table.select(scalars).to_pandas(ignore_metadata=layout.get("inferred", False))
    frame = frame.set_index(pd.Index(parse_source_ids(frame.pop("source_id"), str(path), first_row), name="source_id"))
    for name in arrays:
        column = table.column(name).combine_chunks()
        values = np.array(column.values.to_numpy(zero_copy_only=False))
        if layout.get("inferred") and name in _ragged.ARRAY_COLUMNS and values.dtype.kind in "biu":
            values = values.astype(np.float64)  # integer lists written by others
        frame[name] = _ragged.split(values, column.offsets.to_numpy().astype(np.int64))
    frame = frame[[c for c in (columns or layout["columns"]) if c in frame.columns]]
    frame.attrs = layout["attrs"]
    return frame


def _open(path: PathLike) -> pq.ParquetFile:
    """The Parquet file, or a ValueError naming it when it is not readable."""
    try:
        return pq.ParquetFile(path)
    except (OSError, pa.ArrowException) as err:
        raise ValueError(f"{path}: cannot read as Parquet ({err}); is the file truncated or corrupt?") from err


def columns_to_read(columns: Sequence[str] | None, layout: dict, path: PathLike = "") -> list[str] | None:
    """The Parquet columns to read for the light-curve columns asked for.

    Parameters
    ----------
    columns : sequence of str or None
        Light-curve columns wanted (``source_id`` need not be named); None
        for all.
    layout : dict
        The file's layout, :func:`parquet_layout`.
    path : path, default ""
        The file, named in error messages.

    Returns
    -------
    list of str or None
        ``source_id`` then ``columns``, or None (read every column).

    Raises
    ------
    ValueError
        When a column is not in the table.
    """
    if columns is None:
        return None
    unknown = [c for c in columns if c not in layout["columns"]]
    if unknown:
        raise ValueError(f"{path}: no column(s) {unknown}; has {layout['columns']}")
    return ["source_id", *[c for c in columns if c != "source_id"]]


def read_parquet(path: PathLike, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """Read a Parquet light-curve table.

    Parameters
    ----------
    path : path
        Parquet file written by :func:`write_parquet`, or by pandas or
        pyarrow (``X.reset_index().to_parquet(path)`` or ``X.to_parquet(path)``):
        one row per star, ``source_id`` a column or the index (integers, or
        text such as ``"Gaia DR3 123"``), list columns ``time``, ``mag``,
        ``mag_err``.
    columns : sequence of str, optional
        Columns to read (the ``source_id`` index always comes); all by default.

    Returns
    -------
    DataFrame
        The table: for :func:`write_parquet`'s files the same index,
        columns, dtypes, values and attrs as written; for others, index
        ``source_id`` (int64), list columns as float64 arrays.

    Raises
    ------
    ValueError
        Naming the file: not readable as Parquet (truncated, corrupt), no
        ``source_id``, a ``source_id`` that is not a number, unknown columns.
    """
    handle = _open(path)
    meta = parquet_layout(handle.schema_arrow, path)
    try:
        table = handle.read(columns=columns_to_read(columns, meta, path))
    except (OSError, pa.ArrowException) as err:
        raise ValueError(f"{path}: cannot read as Parquet ({err}); is the file truncated or corrupt?") from err
    return table_to_frame(table, meta, columns, path)


def iter_parquet(path: PathLike, chunk_size: int, columns: Sequence[str] | None = None) -> Iterator[pd.DataFrame]:
    """Stream a Parquet light-curve table in chunks of stars.

    Parameters
    ----------
    path : path
        File written by :func:`write_parquet`, pandas or pyarrow (see
        :func:`read_parquet`).
    chunk_size : int
        Stars per chunk (the last may be smaller).
    columns : sequence of str, optional
        Columns to read.

    Yields
    ------
    DataFrame
        Light-curve tables of at most ``chunk_size`` stars, in file order;
        memory stays bounded by one row group plus one chunk.
    """
    if int(chunk_size) < 1:
        raise ValueError(f"chunk_size must be a positive integer, got {chunk_size!r}")
    handle = _open(path)
    meta = parquet_layout(handle.schema_arrow, path)
    batches = handle.iter_batches(batch_size=int(chunk_size), columns=columns_to_read(columns, meta, path))
    first_row = 0
    while True:
        try:
            batch = next(batches, None)
        except (OSError, pa.ArrowException) as err:
            raise ValueError(f"{path}: cannot read as Parquet ({err}); is the file truncated or corrupt?") from err
        if batch is None:
            return
        yield table_to_frame(pa.Table.from_batches([batch]), meta, columns, path, first_row)
        first_row += batch.num_rows
