"""Old home of catalogue prediction: a re-export of :mod:`rrlsk.catalogue`.

Kept so that code and pickles naming ``rrlsk.batch`` keep working; new code
imports from :mod:`rrlsk.catalogue`.
"""

from __future__ import annotations

from .catalogue import (
    DONE_STATUSES,
    DROPPED_COLUMN,
    PREDICTION_COLUMNS,
    BatchSummary,
    TableError,
    content_digest,
    empty_predictions,
    load_fitted,
    predict_catalogue,
    predict_table,
    read_predictions,
)

__all__ = [
    "DONE_STATUSES",
    "DROPPED_COLUMN",
    "PREDICTION_COLUMNS",
    "BatchSummary",
    "TableError",
    "content_digest",
    "empty_predictions",
    "load_fitted",
    "predict_catalogue",
    "predict_table",
    "read_predictions",
]
