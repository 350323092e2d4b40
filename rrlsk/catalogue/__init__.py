"""[Fe/H] of whole catalogues: streamed, resumable, in parallel or on a Dask cluster.

One module, one idea:

- :mod:`~rrlsk.catalogue.predict`: :func:`predict_catalogue`, the streamed
  and resumable run over light-curve files;
- :mod:`~rrlsk.catalogue.chunk`: :func:`predict_table`, one in-memory table,
  never stopping on bad stars (checks, bisection of model errors,
  plausibility flags);
- :mod:`~rrlsk.catalogue.schema`: the prediction table
  (:data:`PREDICTION_COLUMNS`) and :class:`BatchSummary`;
- :mod:`~rrlsk.catalogue.store`: the output parts and
  :func:`read_predictions`;
- :mod:`~rrlsk.catalogue.manifest`: the output's manifest and the model's
  identity (:func:`content_digest`), which keep a resumed run to its model;
- :mod:`~rrlsk.catalogue.workers`: chunks predicted here or in worker
  processes;
- :mod:`~rrlsk.catalogue.model`: :func:`load_fitted`, a model from an
  object, a file or a pretrained name;
- :mod:`~rrlsk.catalogue.dask`: the same prediction, and model selection,
  on a Dask cluster (extra ``rrlsk[dask]``).

Every model goes through the one protocol of :mod:`rrlsk.base.predict`
(uncertainty, stars it declines) and :func:`rrlsk.domain.model_plausibility`
(training-domain flags): a :class:`rrlsk.PerTypeRegressor` is one model
here. The old modules ``rrlsk.batch`` and ``rrlsk.dask`` re-export these
names.
"""

from __future__ import annotations

from ..io.stream import DROPPED_COLUMN
from .chunk import TableError, predict_table
from .dask import dask_backend, predict_dask, read_parquet_dask
from .manifest import content_digest
from .model import load_fitted
from .predict import predict_catalogue
from .schema import DONE_STATUSES, PREDICTION_COLUMNS, BatchSummary, empty_predictions
from .store import read_predictions

__all__ = [
    "DONE_STATUSES",
    "DROPPED_COLUMN",
    "PREDICTION_COLUMNS",
    "BatchSummary",
    "TableError",
    "content_digest",
    "dask_backend",
    "empty_predictions",
    "load_fitted",
    "predict_catalogue",
    "predict_dask",
    "predict_table",
    "read_parquet_dask",
    "read_predictions",
]
