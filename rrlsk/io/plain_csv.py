"""Plain light-curve CSVs: one row per observation, per-star values repeated on each row.

The simplest table a user may have at hand (``source_id, time, mag,
mag_err, period, epoch, ...``), read into rrlsk's light-curve table.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..base import ragged as _ragged
from ._tables import PathLike, parse_source_ids

__all__ = ["PLAIN_CSV_ARRAYS", "is_plain_csv", "read_plain_csv"]

#: Columns of a plain light-curve CSV that change along the curve; every other column holds a
#: per-star value (period, epoch, type, feh, ...) repeated on each of the star's rows.
PLAIN_CSV_ARRAYS = ("time", "mag", "mag_err")


def is_plain_csv(path: PathLike) -> bool:
    """Whether ``path`` is a plain light-curve CSV (see :func:`read_plain_csv`).

    Parameters
    ----------
    path : str or path
        Any file or folder.

    Returns
    -------
    bool
        True for a ``.csv`` file with columns ``source_id``, ``time``,
        ``mag`` and no ``band`` (a column of Gaia's epoch photometry).
    """
    path = Path(path)
    if not (path.is_file() and path.suffix.lower() == ".csv"):
        return False
    columns = {str(c).strip().lower() for c in pd.read_csv(path, nrows=0).columns}
    return {"source_id", "time", "mag"} <= columns and "band" not in columns


def read_plain_csv(path: PathLike) -> pd.DataFrame:
    """Read a plain light-curve CSV into a light-curve table.

    Parameters
    ----------
    path : str or path
        CSV with one row per observation and the columns (any case)
        ``source_id``, ``time`` (d), ``mag`` and optionally ``mag_err``
        (mag); every other column (``period``, ``epoch``, ``type``,
        ``feh``, ``feh_error``, ...) holds a per-star value repeated on each
        of the star's rows.

    Returns
    -------
    pandas.DataFrame
        The light-curve table: index ``source_id`` (int64), ``time``,
        ``mag`` (and ``mag_err``) arrays sorted by time, and one scalar
        column per other column of the file.

    Raises
    ------
    ValueError
        Naming the file: a required column is missing, a source_id is not
        a whole number, or a per-star column differs within a star.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "curves.csv"
    >>> _ = path.write_text("source_id,time,mag,period\\n7,2.0,15.1,0.6\\n7,1.0,15.3,0.6\\n")
    >>> X = read_plain_csv(path)
    >>> X.loc[7, "time"].tolist(), float(X.loc[7, "period"])
    ([1.0, 2.0], 0.6)
    """
    frame = pd.read_csv(path)
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    missing = [c for c in ("source_id", "time", "mag") if c not in frame]
    if missing:
        raise ValueError(f"{path}: a light-curve CSV has the columns source_id, time, mag; {missing} missing")
    frame["source_id"] = parse_source_ids(frame["source_id"], str(path))
    frame = frame.sort_values(["source_id", "time"], kind="stable", ignore_index=True)
    ids, starts = np.unique(frame["source_id"].to_numpy(), return_index=True)
    offsets = np.append(starts, len(frame))
    arrays = [c for c in PLAIN_CSV_ARRAYS if c in frame]
    table = pd.DataFrame({c: _ragged.split(frame[c].to_numpy(dtype=np.float64), offsets) for c in arrays},
                         index=pd.Index(ids, name="source_id"))
    per_star = frame.drop(columns=arrays).groupby("source_id", sort=True)
    varying = [c for c, n in per_star.nunique().max().items() if n > 1]
    if varying:
        raise ValueError(f"{path}: {varying} differ within a star; a per-star value (period, epoch, ...) "
                         "repeats on each of the star's rows")
    return table.join(per_star.first())
