"""The output parts: one Parquet file per chunk, read back as one table.

Output layout (``output`` is a directory)::

    output/_manifest.json               marks the directory, one entry per run
    output/part-RRRR-CCCCCC.parquet     one file per chunk of run RRRR

    output/_lock                        pid and host of the run in progress

Every file is written atomically (:func:`rrlsk._atomic.write_atomic`), so
a part either exists whole or not at all. A star is done once it appears in
a part as ``ok`` or ``flagged``; a resumed run skips done stars and tries
``skipped`` and ``failed`` stars again (their newest row is the one read
back).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.dataset as pads
import pyarrow.parquet as pq

from .._atomic import write_atomic
from .manifest import read_manifest
from .schema import DONE_STATUSES, PREDICTION_COLUMNS, SCHEMA

__all__ = ["done_ids", "part_path", "read_predictions", "write_part"]


def part_path(output: Path, run: int, chunk: int) -> Path:
    """The part of chunk ``chunk`` of run ``run``."""
    return output / f"part-{run:04d}-{chunk:06d}.parquet"


def _parts(output: Path) -> list[Path]:
    return sorted(output.glob("part-*.parquet"))


def _read_parts(output: Path, columns: list[str] | None = None) -> pd.DataFrame:
    """All rows of all parts, oldest part first."""
    parts = _parts(output)
    if not parts:
        return SCHEMA.empty_table().select(columns or list(PREDICTION_COLUMNS)).to_pandas()
    return pads.dataset(parts, format="parquet", schema=SCHEMA).to_table(columns=columns).to_pandas()


def done_ids(output: Path) -> np.ndarray:
    """Sorted source_ids whose newest row is ok or flagged."""
    rows = _read_parts(output, ["source_id", "status"]).drop_duplicates("source_id", keep="last")
    return np.sort(rows.loc[rows["status"].isin(DONE_STATUSES), "source_id"].to_numpy(dtype=np.int64))


def write_part(path: Path, table: pd.DataFrame) -> None:
    """Write a prediction table (index ``source_id``) as one part, atomically."""
    arrow = pa.Table.from_pandas(table.reset_index(), schema=SCHEMA, preserve_index=False)
    write_atomic(path, lambda tmp: pq.write_table(arrow, tmp))


def read_predictions(output: str | os.PathLike) -> pd.DataFrame:
    """Read the combined predictions written by :func:`rrlsk.catalogue.predict_catalogue`.

    Parameters
    ----------
    output : path
        The output directory of :func:`rrlsk.catalogue.predict_catalogue`.

    Returns
    -------
    pandas.DataFrame
        One row per star, indexed by ``source_id`` (int64) and sorted by it,
        the columns of :data:`rrlsk.catalogue.PREDICTION_COLUMNS` (without ``source_id``).
        A star retried by a resumed run has its newest row.

    Raises
    ------
    ValueError
        When ``output`` is not a prediction directory, or a star done
        (``ok`` or ``flagged``) was written again (a corrupt folder).
    """
    output = Path(output)
    read_manifest(output)
    table = _read_parts(output)
    later = table.duplicated("source_id", keep="last")
    redone = table.loc[later & table["status"].isin(DONE_STATUSES), "source_id"].unique()
    if len(redone):
        raise ValueError(f"{output}: star(s) predicted more than once: source_id {list(redone[:10])}")
    table = table.loc[~later].sort_values("source_id", kind="stable")
    table.index = pd.Index(table.pop("source_id").to_numpy(dtype=np.int64), name="source_id")
    return table

