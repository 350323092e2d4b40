"""Reading tables from files in the formats the Gaia archive serves.

CSV is parsed with pandas' pyarrow engine (exact floats; many small files
are joined and parsed at once); ECSV, VOTable and FITS with astropy. Column names are lower-cased, because
the archive sometimes serves upper-case names.
"""

from __future__ import annotations

import gzip
import io
import os
import re
import zlib
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Union

import numpy as np
import pandas as pd

__all__ = [
    "array_columns",
    "FORMATS",
    "PathLike",
    "as_bool",
    "describe",
    "format_ids",
    "list_table_files",
    "parse_source_ids",
    "read_tables",
    "table_format",
    "to_frame",
]

PathLike = Union[str, os.PathLike]

#: file name suffix -> format; ``.gz`` is stripped first.
FORMATS: dict[str, str] = {
    ".csv": "csv",
    ".ecsv": "ecsv",
    ".xml": "votable",
    ".vot": "votable",
    ".votable": "votable",
    ".fits": "fits",
    ".fit": "fits",
    ".fts": "fits",
}

_ASTROPY_FORMATS = {"ecsv": "ascii.ecsv", "votable": "votable", "fits": "fits"}
_MAX_IDS = 20
_TRUE = {"true", "t", "1", "yes"}
_FALSE = {"false", "f", "0", "no", ""}


def table_format(path: PathLike) -> str:
    """The format of a table file from its name (``.gz`` allowed).

    Raises
    ------
    ValueError
        For a suffix that is not one of :data:`FORMATS`.
    """
    name = Path(path).name.lower()
    if name.endswith(".gz"):
        name = name[:-3]
    suffix = Path(name).suffix
    if suffix not in FORMATS:
        raise ValueError(
            f"{path}: unknown table format {suffix or '(no suffix)'!r}; "
            f"expected one of {sorted(FORMATS)} (optionally .gz)"
        )
    return FORMATS[suffix]


def list_table_files(source: PathLike | Sequence[PathLike]) -> list[Path]:
    """Expand a file, a directory or a list of files into table files.

    A directory contributes its files with a known suffix (not recursing),
    sorted by name.

    Raises
    ------
    FileNotFoundError
        For a path that does not exist.
    ValueError
        For a directory without table files, or a file of unknown format.
    """
    sources = [source] if isinstance(source, (str, os.PathLike)) else list(source)
    files: list[Path] = []
    for item in sources:
        path = Path(item)
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.is_file() and _known(p))
            if not found:
                raise ValueError(f"{path}: directory holds no table files {sorted(FORMATS)}")
            files.extend(found)
        elif path.exists():
            table_format(path)
            files.append(path)
        else:
            raise FileNotFoundError(f"{path}: no such file or directory")
    return files


def _known(path: Path) -> bool:
    try:
        table_format(path)
    except ValueError:
        return False
    return True


def describe(files: Sequence[Path]) -> str:
    """A short name for a group of files, for error messages."""
    if len(files) == 1:
        return str(files[0])
    return f"{files[0]} (and {len(files) - 1} other file(s))"


def array_columns(frame: pd.DataFrame) -> list[str]:
    """Object columns whose first non-missing value is a numpy array."""
    found = []
    for name in frame.columns:
        if frame[name].dtype == object:
            values = frame[name].dropna()
            if len(values) and isinstance(values.iloc[0], np.ndarray):
                found.append(name)
    return found


def format_ids(ids) -> str:
    """``'n star(s): source_id a, b, ...'``, listing at most 20 ids."""
    ids = list(ids)
    shown = ", ".join(str(int(i)) for i in ids[:_MAX_IDS])
    more = f", ... ({len(ids) - _MAX_IDS} more)" if len(ids) > _MAX_IDS else ""
    return f"{len(ids)} star(s): source_id {shown}{more}"


def to_frame(table, source: str) -> pd.DataFrame:
    """An astropy Table, a VOTable ``TableElement`` or a DataFrame as a
    DataFrame with lower-case column names.

    Masked floats become NaN; multidimensional columns become object columns
    holding one array per row; byte strings are decoded.

    Raises
    ------
    ValueError
        If two columns differ only by case.
    """
    if isinstance(table, pd.DataFrame):
        frame = table.reset_index(drop=table.index.name is None)
    else:
        if hasattr(table, "to_table"):  # astropy.io.votable TableElement
            table = table.to_table()
        multidim = [name for name in table.colnames if table[name].ndim > 1]
        frame = table[[n for n in table.colnames if n not in multidim]].to_pandas(index=False)
        for name in multidim:
            frame[name] = pd.Series(list(np.asarray(table[name])), dtype=object)
    _decode_text(frame, source)
    lower = [str(c).strip().lower() for c in frame.columns]
    if len(set(lower)) != len(lower):
        dupes = sorted({c for c in lower if lower.count(c) > 1})
        raise ValueError(f"{source}: columns differ only by case: {dupes}")
    frame.columns = lower
    return frame


#: A source_id as text: the number, optionally after "Gaia DR3 " (any release, any case).
_SOURCE_ID_TEXT = re.compile(r"^\s*(?:gaia\s+e?dr\d+\s+)?(\d{1,19})\s*$", re.IGNORECASE)


def parse_source_ids(values, source: str, first_row: int = 0) -> np.ndarray:
    """``source_id`` values as int64: integers, or text such as ``"Gaia DR3 123"``.

    Ids are exact integers or refused: a float64 holds integers exactly only
    up to 2**53 (Gaia ids near 4e18 are 512 apart in float64, so neighbours
    merge), and an id beyond int64 would wrap or overflow.

    Parameters
    ----------
    values : array-like or pandas.Series
        The ids.
    source : str
        Name of the file or table, for messages.
    first_row : int, default 0
        Data row number (0-based) of the first value in ``source``, for
        messages about a chunk of a file.

    Returns
    -------
    ndarray of int64

    Raises
    ------
    ValueError
        Naming the file, the data rows (1-based) and a few of the values
        that are missing, not whole numbers, floats beyond 2**53 or outside
        int64.
    """
    series = pd.Series(values) if not isinstance(values, pd.Series) else values
    if pd.api.types.is_integer_dtype(series.dtype) and not series.isna().any():
        numbers = series.to_numpy()
        if numbers.dtype.kind == "u":
            _refuse_ids(source, first_row, numbers > np.iinfo(np.int64).max, numbers,
                        "is larger than the largest 64-bit signed integer (9223372036854775807)")
        return numbers.astype(np.int64)
    if pd.api.types.is_float_dtype(series.dtype) or pd.api.types.is_integer_dtype(series.dtype):
        numbers = series.to_numpy(dtype=np.float64, na_value=np.nan)
        _refuse_ids(source, first_row, ~np.isfinite(numbers), numbers, "is missing")
        _refuse_ids(source, first_row, numbers != np.round(numbers), numbers, "is not a whole number")
        _refuse_ids(source, first_row, np.abs(numbers) > _FLOAT_EXACT, numbers,
                    "is stored as a floating-point number, which cannot hold a 19-digit Gaia id exactly",
                    "; it may already be rounded to a neighbour's id: store source_id as 64-bit integers "
                    "(e.g. frame['source_id'].astype('Int64') before a merge brings in missing values)")
        return numbers.astype(np.int64)
    text = series.astype(object).map(lambda v: str(v.decode() if isinstance(v, bytes) else v))
    found = text.str.extract(_SOURCE_ID_TEXT, expand=False)
    bad = found.isna().to_numpy()
    if bad.any():
        raise ValueError(f"{source}: source_id {text[bad].unique()[:5].tolist()} is not a number "
                         "(expected e.g. 123 or 'Gaia DR3 123')")
    numbers = np.array([int(v) for v in found], dtype=object)
    _refuse_ids(source, first_row, numbers > np.iinfo(np.int64).max, text.to_numpy(dtype=object),
                "is larger than the largest 64-bit signed integer (9223372036854775807)")
    return numbers.astype(np.int64)


#: Largest float64 below which every integer is exact.
_FLOAT_EXACT = 2.0**53


def _refuse_ids(source: str, first_row: int, bad: np.ndarray, values: np.ndarray, why: str, hint: str = "") -> None:
    """Raise a ValueError naming the file, the first data rows (1-based) and values where ``bad``."""
    rows = np.flatnonzero(bad)
    if rows.size:
        shown = ", ".join(f"data row {first_row + r + 1} ({value!r})"
                          for r, value in zip(rows[:5], values[rows[:5]].tolist()))
        more = f" and {rows.size - 5} more" if rows.size > 5 else ""
        raise ValueError(f"{source}: source_id {why}: {shown}{more}{hint}")


def _decode_text(frame: pd.DataFrame, source: str) -> None:
    """Decode byte-string columns as UTF-8 in place, naming the file and row of bad bytes."""
    for name in frame.columns:
        column = frame[name]
        if column.dtype != object or not column.map(lambda v: isinstance(v, bytes)).any():
            continue
        decoded = []
        for row, value in enumerate(column.to_numpy()):
            try:
                decoded.append(value.decode("utf-8") if isinstance(value, bytes) else value)
            except UnicodeDecodeError as err:
                raise ValueError(
                    f"{source}: column {str(name)!r}, data row {row + 1}: bytes {value[:20]!r} are not UTF-8 "
                    f"text ({err.reason}); save the file as UTF-8"
                ) from None
        frame[name] = pd.Series(decoded, index=frame.index, dtype=object)


def as_bool(values: pd.Series, column: str, source: str) -> np.ndarray:
    """A flag column as a boolean array; missing values are False.

    Accepts booleans, 0/1 and the strings true/false (any case).

    Raises
    ------
    ValueError
        Naming the column, the source and the unrecognised values.
    """
    if pd.api.types.is_bool_dtype(values.dtype):
        return values.fillna(False).to_numpy(dtype=bool)
    if pd.api.types.is_numeric_dtype(values.dtype):
        numbers = values.to_numpy(dtype=np.float64, na_value=0.0)
        bad = ~np.isin(numbers, (0.0, 1.0))
        if bad.any():
            raise ValueError(f"{source}: column {column!r} has non-boolean values {np.unique(numbers[bad])[:5].tolist()}")
        return numbers == 1.0
    text = values.fillna("").astype(str).str.strip().str.lower()
    unknown = ~text.isin(_TRUE | _FALSE)
    if unknown.any():
        raise ValueError(f"{source}: column {column!r} has non-boolean values {sorted(set(text[unknown]))[:5]}")
    return text.isin(_TRUE).to_numpy()


def read_tables(
    files: Sequence[Path],
    check: Callable[[pd.DataFrame, str], None] | None = None,
) -> pd.DataFrame:
    """Read and concatenate table files.

    CSV files sharing a header line are parsed together in one pandas call;
    other formats are read one by one with astropy. Columns ending in
    ``_id`` are parsed as exact 64-bit integers.

    Parameters
    ----------
    files : sequence of Path
        Table files (see :func:`list_table_files`).
    check : callable, optional
        ``check(frame, source)`` validates each file's (or each group of CSV
        files') frame and raises ``ValueError`` naming ``source``.

    Returns
    -------
    DataFrame
        All rows, lower-case column names.
    """
    csv = [f for f in files if table_format(f) == "csv"]
    frames = [_read_csv_group(group, check) for group in _group_by_header(csv)]
    for path in files:
        fmt = table_format(path)
        if fmt == "csv":
            continue
        frame = _read_astropy(path, fmt)
        if check is not None:
            check(frame, str(path))
        frames.append(frame)
    if not frames:
        raise ValueError("no table files given")
    if len(frames) == 1:
        return frames[0]
    return pd.concat(frames, ignore_index=True)


def _read_astropy(path: Path, fmt: str) -> pd.DataFrame:
    from astropy.table import Table

    try:
        table = Table.read(path, format=_ASTROPY_FORMATS[fmt])
    except Exception as err:  # astropy raises many types for corrupt files
        raise ValueError(f"{path}: cannot read as {fmt}: {err}") from err
    return to_frame(table, str(path))


def _read_bytes(path: Path) -> bytes:
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    try:
        with opener(path, "rb") as handle:
            return handle.read()
    except (OSError, EOFError, zlib.error) as err:  # EOFError: a truncated .gz
        raise ValueError(f"{path}: cannot read ({type(err).__name__}: {err}); is the file truncated or corrupt?") from err


def _group_by_header(files: Iterable[Path]) -> list[list[tuple[Path, bytes, bytes]]]:
    groups: dict[bytes, list[tuple[Path, bytes, bytes]]] = {}
    for path in files:
        header, _, body = _read_bytes(path).partition(b"\n")
        header = header.strip()
        if not header:
            raise ValueError(f"{path}: empty CSV file (no header line)")
        if body and not body.endswith(b"\n"):
            body += b"\n"
        groups.setdefault(header, []).append((path, header, body))
    return list(groups.values())


def _read_csv_group(group: list[tuple[Path, bytes, bytes]], check) -> pd.DataFrame:
    paths = [path for path, _, _ in group]
    header = group[0][1]
    names = [n.strip().strip('"') for n in header.decode("utf-8", "replace").split(",")]
    dtype = {n: "Int64" for n in names if n.lower().endswith("_id")}
    text = header + b"\n" + b"".join(body for _, _, body in group)
    try:
        try:
            frame = pd.read_csv(io.BytesIO(text), dtype=dtype, engine="pyarrow")
        except (ValueError, pd.errors.ParserError):  # source_id as text ("Gaia DR3 123")? parsed later
            dtype.update({n: "string" for n in names if n.lower() == "source_id"})
            frame = pd.read_csv(io.BytesIO(text), dtype=dtype, engine="pyarrow")
    except (ValueError, pd.errors.ParserError) as err:
        if len(group) > 1:  # find the culprit file
            for item in group:
                _read_csv_group([item], None)
        raise ValueError(f"{describe(paths)}: cannot parse CSV: {err}") from err
    frame = to_frame(frame, describe(paths))
    if check is not None:
        check(frame, describe(paths))
    return frame
