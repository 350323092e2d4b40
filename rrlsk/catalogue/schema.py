"""The prediction table: its columns and types, and what one run reports."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa

__all__ = ["DONE_STATUSES", "PREDICTION_COLUMNS", "SCHEMA", "BatchSummary", "empty_predictions"]

#: The prediction table, the one place that defines it: column -> Arrow type.
#: ``source_id`` (int64), ``feh`` (dex), ``feh_std`` (dex) and the 68 %
#: interval ``feh_lower``, ``feh_upper`` (``feh -+ feh_std``, dex) from a
#: calibrated model (NaN otherwise, see :func:`rrlsk.catalogue.predict_table`),
#: ``status`` (``"ok"``; ``"flagged"``: predicted but implausible, see
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
#: The Arrow schema of the output parts.
SCHEMA = pa.schema(list(_COLUMN_TYPES.items()))


def empty_predictions() -> pd.DataFrame:
    """An empty prediction table with the dtypes of :func:`rrlsk.catalogue.predict_table`'s output.

    Returns
    -------
    pandas.DataFrame
        No rows; index ``source_id`` (int64), the other columns of
        :data:`PREDICTION_COLUMNS`.
    """
    table = SCHEMA.empty_table().to_pandas()
    return table.set_index(pd.Index([], dtype="int64", name="source_id")).drop(columns="source_id")


@dataclass(frozen=True)
class BatchSummary:
    """What one call of :func:`rrlsk.catalogue.predict_catalogue` did.

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
        (Parquet parts) and ``wall`` (the whole call). ``check`` and
        ``model`` are summed over the chunks, which overlap in time in
        threads (``n_threads > 1``) or worker processes (``n_jobs > 1``).
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
